/*
 * multiboot: the Multiboot v1 header constants (also used by entry_*.S) and what
 * hv keeps of the loader's information block (see multiboot.c).
 */
#ifndef HV_MULTIBOOT_H
#define HV_MULTIBOOT_H

/* Multiboot Specification 0.6.96, section 3.1.1: header magic and our flags:
 * bit 0 page-align modules, bit 1 pass the memory map. */
#define HV_MB_HEADER_MAGIC 0x1BADB002
#define HV_MB_HEADER_FLAGS 0x00000003
/* Section 3.2: EAX at entry. */
#define HV_MB_BOOT_MAGIC   0x2BADB002

#ifndef __ASSEMBLER__
#include "hv/types.h"
#include "hv/e820.h"

#define HV_CMDLINE_MAX 256

/* Everything hv needs from the loader, copied into hv's own memory: the loader's
 * block sits in low memory (QEMU: 0x9000-0x9500) that the guest will overwrite. */
struct hv_boot {
    char cmdline[HV_CMDLINE_MAX];
    u64 mod_start, mod_end;          /* the first module: the guest's boot sector */
    u64 mbr_start, mbr_end;          /* the second module (the disk's MBR), or 0, 0 */
    struct hv_e820_map map;          /* the firmware's E820 map as the loader saw it */
};

int hv_multiboot_read(u32 magic, u32 mbi_pa, struct hv_boot *b, char *why, size_t n);
#endif

#endif
