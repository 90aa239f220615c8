/*
 * chain_flags: why EFLAGS holds its value, flag by flag.  EFLAGS is not one
 * value with one writer: each flag keeps what the last instruction that
 * affected it left (Intel SDM vol 1, 3.4.3; the "Flags Affected" section of
 * each instruction in vol 2, e.g. INC leaves CF alone).  So the flags are
 * split by their last writer before the step: the flags one instruction (or
 * one event) wrote form a group, and each group gets its own chain
 * (chain_why on exactly those flags).  What it does not do: flags the walk
 * does not model (IOPL, NT, RF, VM, AC, VIF, VIP, ID) are not asked about.
 * Invariant: the groups are disjoint and their union is the flags asked.
 */
#include "diffing/chain.h"

#include <inttypes.h>

/* The flags group k's first link wrote: the bits its instruction writes
 * (popf and iret load them all from the frame), or for an event or the start
 * of the trace the ones that changed across it, at least one. */
static uint32_t written_by(const struct chain_run *r, const struct chain_link *lk,
                           uint32_t remaining, hvt_error *err)
{
    struct hvt_step st[2];
    size_t got = 0;
    if (lk->kind == CHAIN_START || r->read(r->priv, lk->step, 2, st, &got, err) < 0 || !got)
        return remaining;
    struct defuse du;
    uint32_t w = 0;
    if (defuse_decode(st[0].insn, st[0].insn_len, (enum hvt_mode)st[0].mode, &du) == 0)
        w = du.flags_load ? remaining : du.fw & remaining;
    if (!w && got == 2)
        w = (uint32_t)(st[0].st.f[HVT_EFLAGS] ^ st[1].st.f[HVT_EFLAGS]) & remaining;
    return w ? w : remaining;
}

int chain_why_flags(const struct chain_run *r, uint64_t step, uint32_t flags,
                    struct chain_flag_group *out, size_t cap, size_t *n, hvt_error *err)
{
    uint32_t remaining = flags;
    *n = 0;
    while (remaining && *n < cap) {
        struct chain_flag_group *g = &out[*n];
        struct chain_loc l = { .kind = CHAIN_LOC_FLAGS, .flags = remaining };
        if (chain_why(r, step, &l, &g->chain, err) < 0)
            return -1;
        if (!g->chain.n)
            return hvt_error_set(err, "no link for the flags before step %" PRIu64, step);
        /* The first link found the latest writer of any remaining flag; its
         * group is the flags it wrote, each walked on its own from there. */
        g->chain.link[0].loc.flags = remaining;
        uint32_t w = written_by(r, &g->chain.link[0], remaining, err);
        if (w != remaining) {
            l.flags = w;
            if (chain_why(r, step, &l, &g->chain, err) < 0)
                return -1;
        }
        g->flags = w;
        remaining &= ~w;
        (*n)++;
    }
    return 0;
}
