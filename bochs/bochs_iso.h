/*
 * bochs_iso: the CD-ROM that boots hv under Bochs, XMHF's way: a grub-mkrescue
 * ISO whose only menu entry is `multiboot /boot/hv.elf OPTS` + `module --nounzip
 * (hd0)+1` (the disk's sector 0 as hv's guest), COM1 as GRUB's terminal.  Bochs
 * loads no multiboot kernel itself; GRUB does (as tests/bochs/ does by hand).
 * Needs grub-mkrescue, xorriso and grub-pc-bin.  Never prints.
 */
#ifndef HVT_BOCHS_ISO_H
#define HVT_BOCHS_ISO_H

#include "common/hvt_error.h"

/* Build iso_path from the multiboot image hv and its boot options (may be NULL);
 * work files go to a temporary directory beside iso_path, removed again. */
int bochs_make_hv_iso(const char *hv, const char *opts, const char *iso_path, hvt_error *err);

#endif
