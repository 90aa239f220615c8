/*
 * multiboot: reads the Multiboot v1 information block (Multiboot Specification
 * 0.6.96, section 3.3) into hv's own struct hv_boot: command line, first module (the boot
 * sector), second module if any (the disk's MBR, for part=N), memory map.
 *
 * It does not validate the map against the hardware or look at further modules, and
 * it never writes the loader's memory.  It must run before anything touches low
 * memory: QEMU puts the block at 0x9500 and the map at 0x9000 (FACTS.md), where the
 * guest's boot sector will later run.
 */
#include "hv/multiboot.h"
#include "hv/io.h"
#include "hv/printf.h"

/* Offsets in the information block (spec 3.3) and the flag bit saying each is valid. */
#define MBI_FLAGS        0
#define MBI_CMDLINE      16
#define MBI_MODS_COUNT   20
#define MBI_MODS_ADDR    24
#define MBI_MMAP_LENGTH  44
#define MBI_MMAP_ADDR    48
#define MBI_F_CMDLINE    (1u << 2)
#define MBI_F_MODS       (1u << 3)
#define MBI_F_MMAP       (1u << 6)

static u32 mbi_u32(u32 pa) { return *(volatile u32 *)hv_phys(pa); }

static void mb_copy_cmdline(u32 pa, char *dst)
{
    const char *src = hv_phys(pa);
    size_t i;
    for (i = 0; i + 1 < HV_CMDLINE_MAX && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

/* Memory map entries: u32 size (not counting itself), u64 base, u64 length, u32 type. */
static int mb_copy_mmap(u32 addr, u32 len, struct hv_e820_map *map, char *why, size_t n)
{
    u32 off = 0;
    map->n = 0;
    while (off + 4 <= len) {
        const u8 *e = hv_phys(addr + off);
        if (map->n == HV_E820_MAX) {
            hv_snprintf(why, n, "multiboot memory map has more than %d entries", HV_E820_MAX);
            return -1;
        }
        struct hv_e820_entry *d = &map->e[map->n++];
        d->base = *(const u64 *)(e + 4);
        d->len  = *(const u64 *)(e + 12);
        d->type = *(const u32 *)(e + 20);
        off += *(const u32 *)e + 4;
    }
    return 0;
}

int hv_multiboot_read(u32 magic, u32 mbi_pa, struct hv_boot *b, char *why, size_t n)
{
    if (magic != HV_MB_BOOT_MAGIC) {
        hv_snprintf(why, n, "not started by a multiboot loader (EAX=0x%08x)", magic);
        return -1;
    }
    u32 flags = mbi_u32(mbi_pa + MBI_FLAGS);
    b->cmdline[0] = '\0';
    if (flags & MBI_F_CMDLINE)
        mb_copy_cmdline(mbi_u32(mbi_pa + MBI_CMDLINE), b->cmdline);
    if (!(flags & MBI_F_MODS) || mbi_u32(mbi_pa + MBI_MODS_COUNT) == 0) {
        hv_snprintf(why, n, "no multiboot module: pass the guest's boot sector "
                    "(QEMU -initrd bootsect.bin, GRUB module --nounzip (hd0)+1)");
        return -1;
    }
    u32 mods = mbi_u32(mbi_pa + MBI_MODS_ADDR);
    b->mod_start = mbi_u32(mods);
    b->mod_end = mbi_u32(mods + 4);
    b->mbr_start = b->mbr_end = 0;
    if (mbi_u32(mbi_pa + MBI_MODS_COUNT) >= 2) {     /* module entries are 16 bytes */
        b->mbr_start = mbi_u32(mods + 16);
        b->mbr_end = mbi_u32(mods + 20);
    }
    if (!(flags & MBI_F_MMAP)) {
        hv_snprintf(why, n, "the loader passed no memory map");
        return -1;
    }
    return mb_copy_mmap(mbi_u32(mbi_pa + MBI_MMAP_ADDR), mbi_u32(mbi_pa + MBI_MMAP_LENGTH),
                        &b->map, why, n);
}
