/*
 * guest: what the guest looks like at its first instruction, the way XMHF starts
 * it (FACTS.md): the boot sector (the multiboot module) at 0x7c00, real mode,
 * CS:IP 0000:7C00, DL the boot drive.
 *
 * Hand-over registers, as the loader hv stands in for sets them.  GRUB's chainloader
 * (grub-core/loader/i386/pc/chainloader.c, grub_chainloader_boot) jumps to 0:7C00 with
 * DL = the BIOS drive, DS = ES = SS = 0, SP = 7C00h and, when it boots a partition
 * of an MBR disk, the disk's four 16-byte entries copied to 0:07BE and SI = 07BE +
 * 16 * index (SI = 0 for a whole disk); an MBR's code passes the same DS:SI to the
 * partition's sector.  SeaBIOS boots a disk's MBR with DL and every other register
 * 0 but AX = AA55h (src/boot.c, call_boot_entry): it passes no PnP pointer in ES:DI
 * (GRUB sets ES = 0 and leaves EDI as it was), so hv hands over ES:DI = 0:0.  With part=N hv copies the table from its second module (the
 * disk's MBR) and points SI at entry N; otherwise SI = 0.
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

#define MBR_TABLE_OFF   446u         /* partition table in an MBR (4 x 16 bytes) */
#define MBR_TABLE_LEN   64u
#define MBR_ENTRY_LEN   16u
#define MBR_ENTRY_TYPE  4u           /* system id byte: 0 = unused entry */

static void guest_load_state(const struct hv_ops *ops, u8 drive, u16 si)
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
    ops->set(HV_RSI, si);
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

/* part=N: the MBR module's table to 0:07BE, *si at entry N.  -1 if unusable. */
static int guest_part_table(const struct hv_boot *b, u8 part, u16 *si, char *why, size_t n)
{
    *si = 0;
    if (part == 0)
        return 0;
    if (b->mbr_end < b->mbr_start + HV_GUEST_SECTOR) {
        hv_snprintf(why, n, "part=%u needs the disk's MBR as a second module "
                    "(GRUB: module --nounzip (hd0)+1)", part);
        return -1;
    }
    const u8 *mbr = hv_phys(b->mbr_start);
    if (mbr[510] != 0x55 || mbr[511] != 0xaa) {
        hv_snprintf(why, n, "the second module is not an MBR (no 55 AA at its end)");
        return -1;
    }
    u8 *table = hv_phys(HV_PART_TABLE);
    for (u32 i = 0; i < MBR_TABLE_LEN; i++)
        table[i] = mbr[MBR_TABLE_OFF + i];
    *si = (u16)(HV_PART_TABLE + MBR_ENTRY_LEN * (part - 1u));
    if (table[*si - HV_PART_TABLE + MBR_ENTRY_TYPE] == 0) {
        hv_snprintf(why, n, "partition %u is unused in the MBR module", part);
        return -1;
    }
    return 0;
}

int hv_guest_start(const struct hv_ops *ops, const struct hv_boot *b,
                   const struct hv_options *o, char *why, size_t n)
{
    if (b->mod_end < b->mod_start + HV_GUEST_SECTOR) {
        hv_snprintf(why, n, "module is %u bytes, a boot sector needs %u",
                    (u32)(b->mod_end - b->mod_start), HV_GUEST_SECTOR);
        return -1;
    }
    u16 si;
    if (guest_part_table(b, o->part, &si, why, n))
        return -1;
    const u8 *src = hv_phys(b->mod_start);
    u8 *dst = hv_phys(HV_GUEST_LOAD);
    for (u32 i = 0; i < HV_GUEST_SECTOR; i++)
        dst[i] = src[i];
    guest_load_state(ops, o->drive, si);
    hv_printf("hv: boot sector from module 0x%08x copied to 0x%05x, DL=0x%02x DS:SI=0000:%04x\n",
              (u32)b->mod_start, HV_GUEST_LOAD, o->drive, si);
    return 0;
}
