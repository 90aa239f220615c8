/*
 * log: the lines the user greps, in XMHF's format (the seed log shows them), and
 * hv's single way of stopping a guest.
 *
 *   CPU(0x00): Intercept 129 @ 0x0000:0x00007c45 0x0000e820
 *   CPU(0x00): Unhandled intercept: 0x0000007f
 *   	CPU(0x00): EFLAGS=0x00000046
 *   	SS:ESP =0xda00:0x000e97d4
 *   	CS:EIP =0xf000:0x000f7d0b
 *   	IDTR base:limit=0x000f615e:0x0000
 *   	GDTR base:limit=0x000f6120:0x0037
 *   	EXITINFO1=0x0000000000000000 EXITINFO2=0x0000000000000000
 *
 * Codes are the backend's raw exit codes in decimal, as XMHF prints them.  hv has
 * one CPU, so the CPU number is always 0x00.  hv_stop never returns: after a guest
 * is stopped nothing of it runs again, and hv proves it survived by re-checking
 * its sealed image (integrity.c) before halting.
 */
#include "hv/log.h"
#include "hv/integrity.h"
#include "hv/io.h"
#include "hv/printf.h"

void hv_log_intercept(u32 code, u16 cs, u64 ip, int has_val, u32 val)
{
    hv_printf("CPU(0x00): Intercept %u @ 0x%04x:0x%08x", code, cs, (u32)ip);
    if (has_val)
        hv_printf(" 0x%08x", val);
    hv_printf("\n");
}

void hv_log_dump(const struct hv_ops *ops, const struct hv_exit *ex)
{
    struct hv_segment ss, cs, idtr, gdtr;
    ops->get_seg(HV_SS, &ss);
    ops->get_seg(HV_CS, &cs);
    ops->get_seg(HV_IDTR, &idtr);
    ops->get_seg(HV_GDTR, &gdtr);
    hv_printf("CPU(0x00): Unhandled intercept: 0x%08x\n", ex->code);
    hv_printf("\tCPU(0x00): EFLAGS=0x%08x\n", (u32)ops->get(HV_RFLAGS));
    hv_printf("\tSS:ESP =0x%04x:0x%08x\n", ss.sel, (u32)ops->get(HV_RSP));
    hv_printf("\tCS:EIP =0x%04x:0x%08x\n", cs.sel, (u32)ops->get(HV_RIP));
    hv_printf("\tIDTR base:limit=0x%08x:0x%04x\n", (u32)idtr.base, idtr.limit);
    hv_printf("\tGDTR base:limit=0x%08x:0x%04x\n", (u32)gdtr.base, gdtr.limit);
    hv_printf("\tEXITINFO1=0x%016llx EXITINFO2=0x%016llx\n",
              (unsigned long long)ex->info1, (unsigned long long)ex->info2);
}

HV_NORETURN void hv_stop(const char *why)
{
    hv_printf("hv: guest stopped: %s\n", why);
    u32 now = hv_integrity_sum();
    if (now == hv_integrity_sealed())
        hv_printf("hv: alive, image intact (checksum 0x%08x); halting\n", now);
    else
        hv_printf("hv: IMAGE CORRUPTED (checksum 0x%08x, sealed 0x%08x); halting\n",
                  now, hv_integrity_sealed());
    hv_halt_forever();
}
