/*
 * main: hv_main, what the entry glue (entry_i386.S / entry_x86_64.S) calls once
 * the host runs flat with paging on: it brings hv up in order and hands the CPU
 * to the run loop.
 *
 *   pick the backend (CPUID) → console → seal image → copy the loader's data → parse
 *   options → E820 map with hv's 2 MiB-aligned range reserved → backend
 *   probe/init (nested page tables leave the same range out) → boot sector to
 *   0x7c00, BIOS hooks → run.
 *
 * Both backends are linked in, so one image runs on AMD and Intel: VMX if
 * CPUID.1:ECX bit 5 says the CPU has it, else SVM, whose probe then explains what
 * is missing (no CPU has both).
 *
 * Any failure before the guest starts is printed as one "hv: ..." line and hv
 * halts: there is no guest to fall back to.  It does not return.
 */
#include "hv/hv.h"
#include "hv/bios.h"
#include "hv/guest.h"
#include "hv/integrity.h"
#include "hv/io.h"
#include "hv/multiboot.h"
#include "hv/options.h"
#include "hv/printf.h"
#include "hv/run.h"
#include "hv/serial.h"

#define HV_HOLE_ALIGN 0x200000u      /* nested page tables map 2 MiB pages */
#define CPUID_VMX_ECX (1u << 5)      /* CPUID.1:ECX (Intel SDM vol 2A, CPUID) */

#ifdef __x86_64__
#define HV_HOST "x86_64"
#else
#define HV_HOST "i386"
#endif

extern const u8 hv_image_start[], hv_image_end[];

static struct hv_boot hv_boot;
static struct hv_options hv_opts;

static HV_NORETURN void main_fail(const char *what, const char *why)
{
    hv_printf("hv: %s: %s\n", what, why);
    hv_printf("hv: cannot start the guest; halting\n");
    hv_halt_forever();
}

static const struct hv_ops *main_pick_backend(void)
{
    u32 a, b, c, d;
    hv_cpuid(1, &a, &b, &c, &d);
    return (c & CPUID_VMX_ECX) ? &hv_vmx_ops : &hv_svm_ops;
}

HV_NORETURN void hv_main(u32 magic, u32 mbi_pa);

HV_NORETURN void hv_main(u32 magic, u32 mbi_pa)
{
    static char why[192], optstr[64];
    const struct hv_ops *ops = main_pick_backend();
    u64 lo = (uintptr_t)hv_image_start & ~(u64)(HV_HOLE_ALIGN - 1);
    u64 hi = ((uintptr_t)hv_image_end + HV_HOLE_ALIGN - 1) & ~(u64)(HV_HOLE_ALIGN - 1);

    hv_serial_init();
    hv_integrity_seal();
    hv_printf("hv: hvtrace hypervisor, %s host, %s backend\n", HV_HOST, ops->name);
    if (hv_multiboot_read(magic, mbi_pa, &hv_boot, why, sizeof why))
        main_fail("multiboot", why);
    if (hv_options_parse(hv_boot.cmdline, &hv_opts, why, sizeof why))
        main_fail("options", why);
    hv_options_format(&hv_opts, optstr, sizeof optstr);
    hv_printf("hv: options %s\n", optstr);
    hv_printf("hv: image 0x%08x-0x%08x; guest memory excludes 0x%08x-0x%08x (E820 reserved)\n",
              (u32)(uintptr_t)hv_image_start, (u32)(uintptr_t)hv_image_end, (u32)lo, (u32)hi);
    if (hv_e820_reserve(&hv_boot.map, lo, hi))
        main_fail("e820", "memory map too large to reserve hv's range");
    if (ops->probe(why, sizeof why))
        main_fail(ops->name, why);
    if (ops->init(lo, hi, why, sizeof why))
        main_fail(ops->name, why);
    if (hv_guest_start(ops, &hv_boot, &hv_opts, why, sizeof why))
        main_fail("guest", why);
    hv_bios_hook(ops, &hv_boot.map, hv_opts.tpm_absent);
    hv_run(ops, &hv_opts);
}
