/*
 * guest: what the guest looks like at its first instruction, the way XMHF starts
 * it (FACTS.md): the boot sector (the multiboot module) at 0x7c00, real mode,
 * CS:IP 0000:7C00, DL the boot drive.
 *
 * Segments: selector 0, base 0, limit 0xffff; attributes in the VMCB's packed form
 * (hv.h): code 0x9b (present, S, execute/read, accessed), data 0x93 (present, S,
 * read/write, accessed), TR 0x8b (busy 32-bit TSS, required by VM entry checks),
 * LDTR 0x82.  SS's DPL is 0: QEMU takes the guest CPL from it.  IDTR 0:0x3ff is the
 * real-mode IVT.  CR0 is 0x10 (ET only) as the guest sees it; CR4 and EFER are 0
 * (the backend adds what virtualization itself needs, e.g. EFER.SVME).  SP 0x7c00
 * as SeaBIOS leaves it, interrupts off until the guest's own sti.
 * It does not touch the IVT or BDA (bios.c does) nor set any intercepts.
 */
#include "hv/guest.h"
#include "hv/io.h"
#include "hv/printf.h"

#define RM_ATTR_CODE 0x009b
#define RM_ATTR_DATA 0x0093
#define RM_ATTR_TR   0x008b
#define RM_ATTR_LDTR 0x0082
#define RM_CR0       0x00000010u     /* CR0.ET */
#define RM_RFLAGS    0x00000002u     /* bit 1 is always set */
#define RM_DR6       0xffff0ff0u     /* architectural reset values (SDM vol 3 9.1.1) */
#define RM_DR7       0x00000400u

static void guest_load_state(const struct hv_ops *ops, u8 drive)
{
    static const struct { enum hv_sreg s; u16 attr; u32 limit; } segs[] = {
        { HV_ES, RM_ATTR_DATA, 0xffff }, { HV_CS, RM_ATTR_CODE, 0xffff },
        { HV_SS, RM_ATTR_DATA, 0xffff }, { HV_DS, RM_ATTR_DATA, 0xffff },
        { HV_FS, RM_ATTR_DATA, 0xffff }, { HV_GS, RM_ATTR_DATA, 0xffff },
        { HV_GDTR, 0, 0xffff }, { HV_LDTR, RM_ATTR_LDTR, 0xffff },
        { HV_IDTR, 0, 0x3ff }, { HV_TR, RM_ATTR_TR, 0xffff },
    };
    for (unsigned i = 0; i < sizeof segs / sizeof *segs; i++) {
        struct hv_segment seg = { .sel = 0, .attr = segs[i].attr, .limit = segs[i].limit, .base = 0 };
        ops->set_seg(segs[i].s, &seg);
    }
    for (enum hv_reg r = HV_RAX; r <= HV_RBP; r++)
        ops->set(r, 0);
    ops->set(HV_RDX, drive);
    ops->set(HV_RSP, HV_GUEST_LOAD);
    ops->set(HV_RIP, HV_GUEST_LOAD);
    ops->set(HV_RFLAGS, RM_RFLAGS);
    ops->set(HV_CR0, RM_CR0);
    ops->set(HV_CR3, 0);
    ops->set(HV_CR4, 0);
    ops->set(HV_EFER, 0);
    ops->set(HV_DR6, RM_DR6);
    ops->set(HV_DR7, RM_DR7);
}

int hv_guest_start(const struct hv_ops *ops, u64 mod_start, u64 mod_end, u8 drive,
                   char *why, size_t n)
{
    if (mod_end < mod_start + HV_GUEST_SECTOR) {
        hv_snprintf(why, n, "module is %u bytes, a boot sector needs %u",
                    (u32)(mod_end - mod_start), HV_GUEST_SECTOR);
        return -1;
    }
    const u8 *src = hv_phys(mod_start);
    u8 *dst = hv_phys(HV_GUEST_LOAD);
    for (u32 i = 0; i < HV_GUEST_SECTOR; i++)
        dst[i] = src[i];
    guest_load_state(ops, drive);
    hv_printf("hv: boot sector from module 0x%08x copied to 0x%05x, DL=0x%02x\n",
              (u32)mod_start, HV_GUEST_LOAD, drive);
    return 0;
}
