/* guest: the guest's boot sector and initial real-mode state (see guest.c). */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include "hv/hv.h"
#include "hv/multiboot.h"
#include "hv/options.h"

#define HV_GUEST_LOAD 0x7c00u        /* where a BIOS puts a boot sector */
#define HV_GUEST_SECTOR 512u

#define HV_PART_TABLE 0x7beu         /* where a chain-loader copies the partition table */

/* Copies the module's first 512 bytes to 0x7c00 and loads the real-mode state a
 * chain-loader hands a boot sector (DL, DS:SI at the partition entry with part=N).
 * -1 (with why) if the module is too small or part=N lacks a usable MBR module. */
int hv_guest_start(const struct hv_ops *ops, const struct hv_boot *b,
                   const struct hv_options *o, char *why, size_t n);

#endif
