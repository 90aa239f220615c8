/*
 * memdiff: snapshot comparison in three passes over the address space: IVT
 * vectors (Intel SDM vol 3, "Interrupt and Exception Handling" in the 8086
 * emulation chapter, 19.1.4 in the seed's edition: vector v is {u16 offset,
 * u16 segment} at 4v), BDA fields (memlabel's table), then
 * byte ranges from 0x500 up.  Does not interpret range contents; the layouts
 * used for labels are read from each snapshot.  Invariant: every differing
 * byte is in exactly one item.
 */
#include "diffing/memdiff.h"

#include <stdio.h>
#include <string.h>

struct cmp {
    const uint8_t *a, *b;
    size_t len;
    struct memlabel_layout la, lb;
    memdiff_emit_fn emit;
    void *priv;
};

static int diff_ivt(const struct cmp *c)
{
    for (int v = 0; v < 256 && (size_t)(4 * v + 4) <= c->len; v++) {
        const uint8_t *pa = c->a + 4 * v, *pb = c->b + 4 * v;
        if (!memcmp(pa, pb, 4))
            continue;
        struct memdiff_item it = { .kind = MEMDIFF_IVT, .addr = (uint32_t)(4 * v), .len = 4,
                                   .region = MEMLABEL_IVT, .vector = v };
        it.a_off = (uint16_t)(pa[0] | pa[1] << 8);
        it.a_seg = (uint16_t)(pa[2] | pa[3] << 8);
        it.b_off = (uint16_t)(pb[0] | pb[1] << 8);
        it.b_seg = (uint16_t)(pb[2] | pb[3] << 8);
        memlabel_describe(&c->la, (uint32_t)it.a_seg * 16 + it.a_off, it.a_desc,
                          sizeof it.a_desc);
        memlabel_describe(&c->lb, (uint32_t)it.b_seg * 16 + it.b_off, it.b_desc,
                          sizeof it.b_desc);
        int rc = c->emit(c->priv, &it);
        if (rc)
            return rc;
    }
    return 0;
}

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n > 8 ? 8 : n; i-- > 0; )
        v = v << 8 | p[i];
    return v;
}

static int diff_bda(const struct cmp *c)
{
    size_t n;
    const struct memlabel_field *f = memlabel_bda_fields(&n);
    for (size_t i = 0; i < n && f[i].addr + f[i].size <= c->len; i++) {
        const uint8_t *pa = c->a + f[i].addr, *pb = c->b + f[i].addr;
        if (!memcmp(pa, pb, f[i].size))
            continue;
        struct memdiff_item it = { .kind = MEMDIFF_BDA, .addr = f[i].addr,
                                   .len = f[i].size, .region = MEMLABEL_BDA,
                                   .field = &f[i] };
        it.a_val = le(pa, f[i].size);
        it.b_val = le(pb, f[i].size);
        int rc = c->emit(c->priv, &it);
        if (rc)
            return rc;
    }
    return 0;
}

/* End of the changed range starting at x: runs on while the next difference
 * is closer than MEMDIFF_MERGE_GAP and in the same region. */
static size_t range_end(const struct cmp *c, size_t x, enum memlabel_region r)
{
    size_t end = x + 1, y = x + 1;
    while (y < c->len && y - end < MEMDIFF_MERGE_GAP &&
           memlabel_region(&c->la, y) == r) {
        if (c->a[y] != c->b[y])
            end = y + 1;
        y++;
    }
    return end;
}

static int diff_ranges(const struct cmp *c)
{
    for (size_t x = 0x500; x < c->len; ) {
        if (c->a[x] == c->b[x]) {
            x++;
            continue;
        }
        enum memlabel_region r = memlabel_region(&c->la, x);
        size_t end = range_end(c, x, r);
        struct memdiff_item it = { .kind = MEMDIFF_RANGE, .addr = (uint32_t)x,
                                   .len = (uint32_t)(end - x), .region = r };
        int rc = c->emit(c->priv, &it);
        if (rc)
            return rc;
        x = end;
    }
    return 0;
}

int memdiff_compare(const uint8_t *a, const uint8_t *b, size_t len,
                    memdiff_emit_fn emit, void *priv)
{
    struct cmp c = { a, b, len, { 0 }, { 0 }, emit, priv };
    memlabel_layout_read(&c.la, a, len);
    memlabel_layout_read(&c.lb, b, len);
    int rc = diff_ivt(&c);
    if (!rc)
        rc = diff_bda(&c);
    if (!rc)
        rc = diff_ranges(&c);
    return rc;
}

size_t memdiff_format_ivt(const struct memdiff_item *it, char *buf, size_t n)
{
    return (size_t)snprintf(buf, n, "int %02xh: %04x:%04x (%s) -> %04x:%04x (%s)",
                            it->vector, it->a_seg, it->a_off, it->a_desc, it->b_seg,
                            it->b_off, it->b_desc);
}
