/*
 * align_map: binary search over the equal spans (see align_map.h).  Equal
 * hunks come in token order on both sides, so one sorted array serves both
 * directions.  Invariant: spans do not overlap on either side.
 */
#include "diffing/align_map.h"

#include <stdlib.h>

int align_map_build(struct align_map *m, const struct align_hunk *h, size_t n)
{
    m->n = 0;
    m->span = malloc((n ? n : 1) * sizeof *m->span);
    if (!m->span)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (h[i].kind == ALIGN_EQUAL && h[i].a_end > h[i].a_begin)
            m->span[m->n++] = (struct align_map_span){ h[i].a_begin, h[i].b_begin,
                                                       h[i].a_end - h[i].a_begin };
    return 0;
}

void align_map_free(struct align_map *m)
{
    free(m->span);
    m->span = NULL;
    m->n = 0;
}

/* Index of the last span starting at or before step on side, or n if none. */
static size_t span_before(const struct align_map *m, int side, uint64_t step)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t start = side ? m->span[mid].b : m->span[mid].a;
        if (start <= step)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : m->n;
}

int align_map_before(const struct align_map *m, int side, uint64_t step, uint64_t *at,
                     uint64_t *peer)
{
    size_t i = span_before(m, side, step);
    if (i == m->n)
        return 0;
    const struct align_map_span *s = &m->span[i];
    uint64_t start = side ? s->b : s->a, other = side ? s->a : s->b;
    uint64_t off = step - start < s->len ? step - start : s->len - 1;
    *at = start + off;
    *peer = other + off;
    return 1;
}

int align_map_peer(const struct align_map *m, int side, uint64_t step, uint64_t *peer)
{
    uint64_t at;
    return align_map_before(m, side, step, &at, peer) && at == step;
}
