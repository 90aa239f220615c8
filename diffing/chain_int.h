/*
 * chain_int: what the chain walk (chain.c) and its index (chain_idx.c) both
 * need to agree on, the stack and SMM facts a step implies; nobody else
 * includes it.  Keeping one definition is what makes the index's summary a
 * superset of what the walk looks for.
 */
#ifndef HVT_CHAIN_INT_H
#define HVT_CHAIN_INT_H

#include "diffing/defuse.h"

/* The stack pointer's width in a mode (SDM vol 1, 6.2.3: SP, ESP or RSP). */
static inline uint64_t chain_stack_mask(uint8_t mode)
{
    return mode == HVT_MODE_16 ? 0xffff : mode == HVT_MODE_32 ? 0xffffffffu : ~0ull;
}

/* Bytes [*lo, *lo + *len) the stack grew by across a step executing in
 * `mode` (its stack pointer sp0 before, sp1 after, SS base ss); 0 if it did
 * not grow (or by more than a frame). */
static inline int chain_stack_grew(uint8_t mode, uint64_t sp0, uint64_t ss, uint64_t sp1,
                                   uint64_t *lo, uint64_t *len)
{
    uint64_t m = chain_stack_mask(mode);
    sp0 &= m;
    sp1 &= m;
    if (sp1 >= sp0 || sp0 - sp1 > 64)
        return 0;
    *lo = ss + sp1;
    *len = sp0 - sp1;
    return 1;
}

/* The same between two states. */
static inline int chain_stack_grown(uint8_t mode, const struct hvt_state *st,
                                    const struct hvt_state *after, uint64_t *lo, uint64_t *len)
{
    return chain_stack_grew(mode, st->f[HVT_RSP], defuse_seg_base(st, HVT_SS),
                            after->f[HVT_RSP], lo, len);
}

static inline int chain_in_smm(const struct hvt_state *s)
{
    return (s->known & HVT_K_SMM) && s->f[HVT_SMM];
}

/* The state-save area SMM entry writes: [SMBASE+0xfe00, SMBASE+0x10000),
 * SMBASE being CS base once in SMM (AMD APM vol 2, 10.2.3). */
#define CHAIN_SMM_SAVE_OFF 0xfe00u
#define CHAIN_SMM_SAVE_LEN 0x200u

#endif
