/*
 * regdiff: register differences over aligned step pairs, grouped the way a
 * person reads them.  A field that differs at every pair with the same two
 * values (CR0 0x20 vs 0x10 under a hypervisor) is PERSISTENT and reported once;
 * one that differs everywhere by the same amount (a stack placed elsewhere) is
 * OFFSET; anything else is TRANSIENT, reported with its first pair.  Only
 * fields both states know (hvt_state.known) are compared.  No I/O.
 */
#ifndef HVT_REGDIFF_H
#define HVT_REGDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

enum regdiff_kind { REGDIFF_SAME, REGDIFF_PERSISTENT, REGDIFF_OFFSET, REGDIFF_TRANSIENT };

struct regdiff_field {
    uint64_t compared;          /* pairs where both sides knew the field */
    uint64_t differ;            /* pairs where it differed */
    uint64_t first_a, first_b;  /* steps of the first difference */
    uint64_t a, b;              /* values there */
    int same_pair;              /* every difference was (a, b) */
    int same_delta;             /* every difference was b - a */
};

struct regdiff {
    struct regdiff_field f[HVT_NFIELDS];   /* indexed by enum hvt_field */
    uint64_t pairs;
};

void regdiff_init(struct regdiff *rd);
/* One aligned pair: A's state before step a_step, B's before b_step. */
void regdiff_add(struct regdiff *rd, uint64_t a_step, const struct hvt_state *a,
                 uint64_t b_step, const struct hvt_state *b);
/* regdiff_add in two parts, for a caller feeding millions of pairs:
 * regdiff_differs records the fields one pair differs in, regdiff_count
 * counts n pairs compared with `known` (a->known & b->known) at once.
 * regdiff_add is both, for one pair. */
void regdiff_differs(struct regdiff *rd, uint64_t a_step, const struct hvt_state *a,
                     uint64_t b_step, const struct hvt_state *b);
void regdiff_count(struct regdiff *rd, uint32_t known, uint64_t n);
enum regdiff_kind regdiff_classify(const struct regdiff_field *f);

/* Set bits by name, "PE ET" (Intel SDM vol 3 2.5 for CR0/CR4, 2.2.1 for EFER,
 * vol 1 3.4.3 for EFLAGS); "-" if none.  Returns the length written. */
size_t regdiff_bits(enum hvt_field f, uint64_t v, char *buf, size_t n);
/* What B has that A lacks and vice versa: "+NE -ET"; "" if not a bit field. */
size_t regdiff_bits_change(enum hvt_field f, uint64_t a, uint64_t b, char *buf, size_t n);

#endif
