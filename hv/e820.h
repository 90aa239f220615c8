/* e820: hv's memory map and its int 15h EAX=E820h answers (see e820.c). */
#ifndef HV_E820_H
#define HV_E820_H

#include "hv/types.h"

#define HV_E820_MAX 64
#define HV_E820_RAM 1
#define HV_E820_RESERVED 2
#define HV_E820_ENTRY_SIZE 20        /* the ACPI 1.0 entry: base, length, type */

struct hv_e820_entry {
    u64 base, len;
    u32 type;
};

struct hv_e820_map {
    struct hv_e820_entry e[HV_E820_MAX];
    u32 n;
};

/* Marks [lo, hi) reserved by splitting the RAM entries that overlap it; entries
 * that do not overlap are kept as they are, in order.  -1 if the map would overflow. */
int hv_e820_reserve(struct hv_e820_map *m, u64 lo, u64 hi);

/* One E820 call: entry number *ebx into the 20 bytes at out.  Returns 0 and sets
 * *ebx to the next number (0 after the last entry), or -1 if *ebx is out of range. */
int hv_e820_get(const struct hv_e820_map *m, u32 *ebx, u8 out[HV_E820_ENTRY_SIZE]);

#endif
