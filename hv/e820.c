/*
 * e820: hv's own copy of the firmware memory map, with hv's memory reserved, and
 * the per-call lookup int 15h EAX=E820h answers from.
 *
 * The map is the firmware's (read through multiboot) with one change: the RAM that
 * holds hv becomes type 2 (reserved), splitting an entry into up to three.  Nothing
 * else moves, so a guest sees the map it would see without hv except for that hole.
 * Pure data: no hardware access, no printing, so tests can link it directly.
 * Invariant: entries stay in firmware order; hv_e820_get's continuation value is
 * the index of the next entry, 0 after the last one (ACPI 6.4 section 15.1: EBX=0
 * marks the end, and the last entry is returned with CF clear like every other).
 */
#include "hv/e820.h"

static int e820_push(struct hv_e820_map *m, u64 base, u64 end, u32 type)
{
    if (end <= base)
        return 0;
    if (m->n == HV_E820_MAX)
        return -1;
    m->e[m->n].base = base;
    m->e[m->n].len = end - base;
    m->e[m->n].type = type;
    m->n++;
    return 0;
}

int hv_e820_reserve(struct hv_e820_map *m, u64 lo, u64 hi)
{
    struct hv_e820_map old = *m;
    m->n = 0;
    for (u32 i = 0; i < old.n; i++) {
        const struct hv_e820_entry *e = &old.e[i];
        u64 end = e->base + e->len;
        if (e->type != HV_E820_RAM || end <= lo || e->base >= hi) {
            if (e820_push(m, e->base, end, e->type))
                return -1;
            continue;
        }
        u64 rlo = e->base > lo ? e->base : lo, rhi = end < hi ? end : hi;
        if (e820_push(m, e->base, rlo, HV_E820_RAM) ||
            e820_push(m, rlo, rhi, HV_E820_RESERVED) ||
            e820_push(m, rhi, end, HV_E820_RAM))
            return -1;
    }
    return 0;
}

static void e820_put(u8 *p, u64 v, int nbytes)
{
    for (int i = 0; i < nbytes; i++, v >>= 8)
        p[i] = (u8)v;
}

int hv_e820_get(const struct hv_e820_map *m, u32 *ebx, u8 out[HV_E820_ENTRY_SIZE])
{
    if (*ebx >= m->n)
        return -1;
    const struct hv_e820_entry *e = &m->e[*ebx];
    e820_put(out, e->base, 8);
    e820_put(out + 8, e->len, 8);
    e820_put(out + 16, e->type, 4);
    *ebx = *ebx + 1 < m->n ? *ebx + 1 : 0;
    return 0;
}
