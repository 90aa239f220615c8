/* guest: the guest's boot sector and initial real-mode state (see guest.c). */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include "hv/hv.h"

#define HV_GUEST_LOAD 0x7c00u        /* where a BIOS puts a boot sector */
#define HV_GUEST_SECTOR 512u

/* Copies the module's first 512 bytes to 0x7c00 and loads the real-mode state a
 * BIOS hands a boot sector.  -1 (with why) if the module is too small. */
int hv_guest_start(const struct hv_ops *ops, u64 mod_start, u64 mod_end, u8 drive,
                   char *why, size_t n);

#endif
