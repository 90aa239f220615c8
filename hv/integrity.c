/*
 * integrity: lets hv prove that a guest did not alter it.
 *
 * At boot hv sums its code and read-only data, [hv_image_start, hv_sealed_end)
 * from hv.ld, with FNV-1a (Fowler/Noll/Vo, 32-bit: xor each byte, multiply by
 * 16777619).  When a guest is stopped, hv sums again and prints whether they agree:
 * the tests read that line after a guest tried to write into hv.  It does not
 * cover .data/.bss (they change legitimately) and is no defence against a guest
 * that could rewrite the sum itself: it detects accidents and failed protection,
 * which is what the nested page tables are for.
 */
#include "hv/integrity.h"

extern const u8 hv_image_start[], hv_sealed_end[];

static u32 integrity_sealed_sum;

u32 hv_integrity_sum(void)
{
    u32 h = 2166136261u;
    for (const u8 *p = hv_image_start; p < hv_sealed_end; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

void hv_integrity_seal(void) { integrity_sealed_sum = hv_integrity_sum(); }
u32 hv_integrity_sealed(void) { return integrity_sealed_sum; }
