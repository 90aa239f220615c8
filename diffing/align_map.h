/*
 * align_map: a step of one run to the step it is aligned with in the other,
 * through the equal hunks align_diff emitted.  Used to pair BIOS calls by
 * alignment (the call at the same aligned step) and to put the links of a
 * chain of causes on both timelines.  Pure; the map keeps its own copy of the
 * equal hunks' ranges.
 */
#ifndef HVT_ALIGN_MAP_H
#define HVT_ALIGN_MAP_H

#include "diffing/align.h"

struct align_map {
    struct align_map_span { uint64_t a, b, len; } *span;   /* sorted on both sides */
    size_t n;
};

/* 0, or -1 when out of memory. */
int align_map_build(struct align_map *m, const struct align_hunk *h, size_t n);
void align_map_free(struct align_map *m);
/* Side 0 (A) or 1 (B): 1 and *peer set when `step` is aligned, else 0. */
int align_map_peer(const struct align_map *m, int side, uint64_t step, uint64_t *peer);
/* The last aligned step at or before `step` on `side` (its peer in *peer): 1, or 0 if none. */
int align_map_before(const struct align_map *m, int side, uint64_t step, uint64_t *at,
                     uint64_t *peer);

#endif
