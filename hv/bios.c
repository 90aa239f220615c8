/*
 * bios: hv's hooks on the guest's real-mode BIOS interrupts, the way XMHF hooks
 * int 15h (FACTS.md, "XMHF's hypervisor"): a 4-byte stub in the BIOS data area,
 * the backend's hypercall (VMMCALL 0f 01 d9 / VMCALL 0f 01 c1) then IRET (cf), the
 * IVT entry pointed at it, the old vector kept by hv.
 *
 *   int 15h  stub at 0040:00AC (bytes 0x4AC-0x4AF, reserved in the BDA).
 *            EAX=E820h EDX='SMAP': answered from hv's map (e820.c), CF cleared in
 *            the caller's FLAGS for every entry including the last; hv then resumes
 *            the guest at the stub's IRET.  Anything else: hv resumes the guest at
 *            the saved BIOS vector, whose own IRET returns to the caller.
 *   int 1Ah  only with tpm=absent: stub at 0040:00B0 (0x4B0-0x4B3, the bytes XMHF
 *            used for the saved vector; hv keeps vectors in its own memory).
 *            AH=BBh (TCG BIOS interface, TCG PC Client BIOS spec): EAX=23h "TPM not
 *            present", CF=0, as SeaBIOS answers without a TPM; else chained.
 *
 * Each hypercall is logged twice: XMHF's own line, at the stub (the seed's
 * "Intercept 18 @ 0x0040:0x000000ac"), then the caller's CS:IP from the IRET frame
 * with EAX, which says who asked for what.
 * It does not hook anything in protected mode: the stubs are reached only through
 * the IVT.  The IRET frame is at SS:SP (16-bit SP): IP, CS, FLAGS.
 */
#include "hv/bios.h"
#include "hv/io.h"
#include "hv/log.h"
#include "hv/printf.h"

#define BIOS_STUB_SEG     0x0040
#define BIOS_STUB15_OFF   0x00ac
#define BIOS_STUB1A_OFF   0x00b0
#define BIOS_E820         0xe820
#define BIOS_SMAP         0x534d4150         /* 'SMAP' */
#define BIOS_TCG_AH       0xbb
#define BIOS_TPM_ABSENT   0x23               /* TCG_PC_TPM_NOT_PRESENT */
#define FLAGS_CF          0x0001
#define BIOS_IRET         0xcf

static struct {
    const struct hv_e820_map *map;
    int hooked1a;
    u16 old15_seg, old15_off, old1a_seg, old1a_off;
} bios_state;

/* Points IVT entry vec at the stub at 0040:off; returns the old {off, seg}. */
static void bios_hook_one(const struct hv_ops *ops, u8 vec, u16 off, u16 *old_seg, u16 *old_off)
{
    volatile u16 *ivt = hv_phys(4u * vec);
    u8 *stub = hv_phys(BIOS_STUB_SEG * 16u + off);
    for (unsigned i = 0; i < sizeof ops->hypercall; i++)
        stub[i] = ops->hypercall[i];
    stub[sizeof ops->hypercall] = BIOS_IRET;
    *old_off = ivt[0];
    *old_seg = ivt[1];
    ivt[0] = off;
    ivt[1] = BIOS_STUB_SEG;
    hv_printf("hv: int %02xh hooked at 0040:%04x (BIOS vector %04x:%04x)\n",
              vec, off, *old_seg, *old_off);
}

void hv_bios_hook(const struct hv_ops *ops, const struct hv_e820_map *map, int tpm_absent)
{
    bios_state.map = map;
    bios_hook_one(ops, 0x15, BIOS_STUB15_OFF, &bios_state.old15_seg, &bios_state.old15_off);
    bios_state.hooked1a = tpm_absent;
    if (tpm_absent)
        bios_hook_one(ops, 0x1a, BIOS_STUB1A_OFF, &bios_state.old1a_seg, &bios_state.old1a_off);
}

/* The caller's IRET frame: IP at SS:SP, CS at +2, FLAGS at +4. */
static volatile u16 *bios_frame(const struct hv_ops *ops)
{
    struct hv_segment ss;
    ops->get_seg(HV_SS, &ss);
    return hv_phys(ss.base + (ops->get(HV_RSP) & 0xffff));
}

static void bios_set_cf(const struct hv_ops *ops, int cf)
{
    volatile u16 *frame = bios_frame(ops);
    frame[2] = cf ? (u16)(frame[2] | FLAGS_CF) : (u16)(frame[2] & ~FLAGS_CF);
}

/* Continues at the saved BIOS vector: its IRET returns straight to the caller. */
static void bios_chain(const struct hv_ops *ops, u16 seg, u16 off)
{
    struct hv_segment cs;
    ops->get_seg(HV_CS, &cs);
    cs.sel = seg;
    cs.base = (u64)seg << 4;
    ops->set_seg(HV_CS, &cs);
    ops->set(HV_RIP, off);
}

static void bios_e820(const struct hv_ops *ops)
{
    u32 ebx = (u32)ops->get(HV_RBX);
    struct hv_segment es;
    u8 entry[HV_E820_ENTRY_SIZE];
    if ((u32)ops->get(HV_RCX) < HV_E820_ENTRY_SIZE || hv_e820_get(bios_state.map, &ebx, entry)) {
        bios_set_cf(ops, 1);          /* bad buffer size or continuation value */
        return;
    }
    ops->get_seg(HV_ES, &es);
    u8 *dst = hv_phys(es.base + (ops->get(HV_RDI) & 0xffff));
    for (unsigned i = 0; i < sizeof entry; i++)
        dst[i] = entry[i];
    ops->set(HV_RAX, BIOS_SMAP);
    ops->set(HV_RCX, HV_E820_ENTRY_SIZE);
    ops->set(HV_RBX, ebx);
    bios_set_cf(ops, 0);
}

static void bios_int15(const struct hv_ops *ops)
{
    if ((u32)ops->get(HV_RAX) == BIOS_E820 && (u32)ops->get(HV_RDX) == BIOS_SMAP)
        bios_e820(ops);               /* the guest resumes at the stub's IRET */
    else
        bios_chain(ops, bios_state.old15_seg, bios_state.old15_off);
}

static void bios_int1a(const struct hv_ops *ops)
{
    u64 rax = ops->get(HV_RAX);
    if (((rax >> 8) & 0xff) != BIOS_TCG_AH) {
        bios_chain(ops, bios_state.old1a_seg, bios_state.old1a_off);
        return;
    }
    ops->set(HV_RAX, BIOS_TPM_ABSENT);
    bios_set_cf(ops, 0);
    hv_printf("hv: tpm=absent: int 1Ah AX=%04xh answered EAX=0x%08x (TPM not present)\n",
              (u32)rax & 0xffff, BIOS_TPM_ABSENT);
}

int hv_bios_hypercall(const struct hv_ops *ops, const struct hv_exit *ex)
{
    struct hv_segment cs;
    ops->get_seg(HV_CS, &cs);
    u64 stub_ip = ex->rip;
    int is15 = stub_ip == BIOS_STUB15_OFF, is1a = stub_ip == BIOS_STUB1A_OFF && bios_state.hooked1a;
    if (cs.base != BIOS_STUB_SEG * 16u || !(is15 || is1a))
        return -1;
    volatile u16 *frame = bios_frame(ops);
    hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
    hv_log_intercept(ex->code, frame[1], frame[0], 1, (u32)ops->get(HV_RAX));
    if (is15)
        bios_int15(ops);
    else
        bios_int1a(ops);
    return 0;
}
