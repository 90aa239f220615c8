/*
 * chain_idx: what each block of a trace's steps may have written, so that a
 * chain walk (chain.h) looking back for the step that last wrote a location
 * skips the blocks that cannot hold it instead of reading and decoding every
 * step back to the start of the trace (a value nobody wrote since the trace
 * began, or the IVT entry hv set before it, costs a scan of the whole run
 * otherwise: minutes on a 67M-step boot, for each chain).
 *
 * Built in one forward pass over the steps (compare/ feeds it the steps it
 * reads for its tokens anyway).  A block's summary is a superset of what the
 * walk's scan (chain.c, find_def) counts as writing a location at any of its
 * steps: the instruction's results as diffing/defuse decodes them (registers,
 * EFLAGS bits, memory operands stored at the address the step's registers
 * give, the stack a push grew; RIP always) and whatever changed across the
 * step without it (a field whose value changed, the SMM state-save area at
 * an SMM entry, an interrupt frame).  Memory is kept as a Bloom filter of
 * 64-byte lines, so a block may be scanned for nothing, never skipped wrongly.
 * A block is complete once the step after its last one was added (the
 * trace's last block never is): incomplete blocks are always scanned.
 * Pure: steps in, summaries out; no I/O.
 */
#ifndef HVT_CHAIN_IDX_H
#define HVT_CHAIN_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"
#include "diffing/chain.h"

#define CHAIN_IDX_SHIFT 12          /* blocks of 4096 steps, CHAIN_BLOCK's size */
#define CHAIN_IDX_LINEBITS 512      /* bits of a block's memory filter */

struct chain_idx_block {
    uint64_t regs;                  /* 1 << enum hvt_field: written or changed */
    uint32_t flags;                 /* EFLAGS bits written or changed */
    uint8_t allmem;                 /* a store too wide to list: any address */
    uint64_t lines[CHAIN_IDX_LINEBITS / 64];
};

/* What one distinct instruction writes, whatever the state (chain_idx.c). */
struct chain_idx_insn;
struct chain_idx_memw;

/* The per-instruction table, keyed by a dense id the caller gives each
 * distinct (pc, mode, bytes), e.g. diffing/align_itab's; two indexes over
 * runs sharing the ids may share it. */
struct chain_idx_insns {
    struct chain_idx_insn *v;
    size_t cap;
    struct chain_idx_memw *mw;      /* memory results of the instructions that store */
    size_t nmw, capmw;
};

struct chain_idx {
    unsigned shift;                 /* a block is 1 << shift steps */
    struct chain_idx_insns *insns;
    struct chain_idx_block *b;
    size_t nb, capb;
    uint64_t n;                     /* steps added */
    struct hvt_state first;         /* the first step of block (n - 1) >> shift */
    uint64_t acc[HVT_NFIELDS];      /* OR of each field's xor with first's since */
    uint64_t prev_sp, prev_ss;      /* step n - 1: its stack pointer, SS base, */
    uint64_t prev_flags;            /* EFLAGS, */
    uint8_t prev_mode, prev_smm;    /* mode and SMM flag */
};

void chain_idx_insns_free(struct chain_idx_insns *t);
void chain_idx_init(struct chain_idx *x, struct chain_idx_insns *insns, unsigned shift);
void chain_idx_free(struct chain_idx *x);
/* Add the next step (s->n == steps added so far), whose instruction has
 * id `key` in the insns table; `same`: the fields (bit per enum hvt_field)
 * known to equal the previous step's, 0 if not known (then they are
 * compared).  -1 (err set) when out of memory. */
int chain_idx_add(struct chain_idx *x, const struct hvt_step *s, uint32_t key, uint64_t same,
                  hvt_error *err);
/* Scanning back for the last writer of l before step k: the lowest j <= k
 * such that no step in [j, k) can have written l; *scan receives the first
 * step of the block holding j - 1 (the steps [*scan, j) need no new call).
 * A NULL index skips nothing. */
uint64_t chain_idx_skip(const struct chain_idx *x, const struct chain_loc *l, uint64_t k,
                        uint64_t *scan);

#endif
