/*
 * chain_idx: the block summaries (see chain_idx.h).  Each distinct
 * instruction is decoded once (diffing/defuse) into what it writes whatever
 * the state; each step then adds to its block that set, the addresses its
 * stores reach in its recorded state and what changed between it and the next
 * step.  What changed across step n - 1 is known when step n arrives: the
 * caller says which fields it knows unchanged (a run file's deltas), else
 * the step is compared with its block's first, which settles once the next
 * block begins.
 * Invariant: for every complete block, each location chain.c's find_def
 * would find written at one of its steps is in the block's summary.
 */
#include "diffing/chain_idx.h"
#include "diffing/chain_int.h"
#include "diffing/defuse.h"

#include <stdlib.h>
#include <string.h>

#define INSN_KNOWN (1ull << 63)     /* chain_idx_insn.regs: decoded */
#define INSN_PUSH  (1ull << 62)     /* an implicit push: the stack it grows */
#define REG_MASK   ((1ull << HVT_NFIELDS) - 1)
#define MAX_LINES  64               /* a store over more lines marks allmem */

_Static_assert(HVT_NFIELDS <= 62, "register fields fit below the insn flags");

struct chain_idx_insn {
    uint64_t regs;                  /* fields written (RIP always), INSN_* */
    uint32_t flags;                 /* EFLAGS bits written */
    uint32_t mw;                    /* memory results: index + 1 in insns->mw, 0 none */
};

struct chain_idx_memw {
    struct defuse_mem m[DEFUSE_MAXMEM];
    uint8_t n;
};

void chain_idx_insns_free(struct chain_idx_insns *t)
{
    free(t->v);
    free(t->mw);
    memset(t, 0, sizeof *t);
}

void chain_idx_init(struct chain_idx *x, struct chain_idx_insns *insns, unsigned shift)
{
    memset(x, 0, sizeof *x);
    x->insns = insns;
    x->shift = shift;
}

void chain_idx_free(struct chain_idx *x)
{
    free(x->b);
    memset(x, 0, sizeof *x);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*p, ncap * size);
    if (!n)
        return -1;
    memset((char *)n + *cap * size, 0, (ncap - *cap) * size);
    *p = n;
    *cap = ncap;
    return 0;
}

/* What the instruction of s writes, as chain.c's insn_writes asks it. */
static int describe(struct chain_idx_insns *t, const struct hvt_step *s,
                    struct chain_idx_insn *in)
{
    struct defuse du;
    struct chain_idx_memw w = { .n = 0 };
    defuse_decode(s->insn, s->insn_len, (enum hvt_mode)s->mode, &du);
    in->regs = INSN_KNOWN | 1ull << HVT_RIP | (du.fw ? 1ull << HVT_EFLAGS : 0) |
               (du.stack == DEFUSE_STACK_PUSH ? INSN_PUSH : 0);
    in->flags = du.fw;
    for (int i = 0; i < du.nrw; i++)
        in->regs |= 1ull << du.rw[i].field;
    for (int i = 0; i < du.nmem; i++)
        if (du.mem[i].write)
            w.m[w.n++] = du.mem[i];
    in->mw = 0;
    if (!w.n)
        return 0;
    if (grow((void **)&t->mw, &t->capmw, t->nmw + 1, sizeof *t->mw) < 0)
        return -1;
    t->mw[t->nmw++] = w;
    in->mw = (uint32_t)t->nmw;
    return 0;
}

static size_t line_bit(uint64_t line)
{
    return (size_t)((line * 0x9e3779b97f4a7c15ull) >> 55) & (CHAIN_IDX_LINEBITS - 1);
}

static void mark(struct chain_idx_block *b, uint64_t lo, uint64_t len)
{
    uint64_t hi = lo + len - 1;
    if (!len || hi < lo || (hi >> 6) - (lo >> 6) >= MAX_LINES) {
        b->allmem |= len != 0;
        return;
    }
    for (uint64_t l = lo >> 6; l <= hi >> 6; l++)
        b->lines[line_bit(l) / 64] |= 1ull << (line_bit(l) % 64);
}

/* The fields that changed across the steps of block b the caller gave no
 * unchanged set for: the first change of a field inside a block is a change
 * from the block's first state, so comparing those steps with it finds every
 * field that such a step changed first. */
static void close_block(struct chain_idx *x, struct chain_idx_block *b)
{
    for (int i = 0; i < HVT_NFIELDS; i++)
        b->regs |= (uint64_t)(x->acc[i] != 0) << i;
    b->flags |= (uint32_t)x->acc[HVT_EFLAGS];
}

/* What happened across step n - 1, now that the state after it is known:
 * the fields it changed (from `same` when the caller knows them, else
 * against the block's first state), a push or an interrupt frame that grew
 * the stack, an SMI that entered SMM. */
static void after_prev(struct chain_idx *x, const struct hvt_state *after, uint64_t same)
{
    struct chain_idx_block *b = &x->b[(x->n - 1) >> x->shift];
    uint64_t lo, len;
    if (same) {
        b->regs |= ~same & REG_MASK;
        b->flags |= (uint32_t)(x->prev_flags ^ after->f[HVT_EFLAGS]);
    } else {
        for (int i = 0; i < HVT_NFIELDS; i++)
            x->acc[i] |= after->f[i] ^ x->first.f[i];
    }
    if (chain_stack_grew(x->prev_mode, x->prev_sp, x->prev_ss, after->f[HVT_RSP], &lo, &len))
        mark(b, lo, len);
    if (!x->prev_smm && chain_in_smm(after))
        mark(b, after->f[HVT_CS_BASE] + CHAIN_SMM_SAVE_OFF, CHAIN_SMM_SAVE_LEN);
}

/* What the step's instruction writes, at the addresses its state gives. */
static void own_writes(struct chain_idx *x, struct chain_idx_block *b, const struct hvt_step *s,
                       const struct chain_idx_insn *in)
{
    b->regs |= in->regs & REG_MASK;
    b->flags |= in->flags;
    if (!in->mw)
        return;
    const struct chain_idx_memw *w = &x->insns->mw[in->mw - 1];
    for (int i = 0; i < w->n; i++)
        mark(b, defuse_mem_addr(&w->m[i], &s->st), w->m[i].size ? w->m[i].size : 1);
}

int chain_idx_add(struct chain_idx *x, const struct hvt_step *s, uint32_t key, uint64_t same,
                  hvt_error *err)
{
    struct chain_idx_insns *t = x->insns;
    uint64_t bi = x->n >> x->shift;
    if (grow((void **)&t->v, &t->cap, (size_t)key + 1, sizeof *t->v) < 0 ||
        grow((void **)&x->b, &x->capb, (size_t)bi + 1, sizeof *x->b) < 0)
        return hvt_error_set(err, "chain index: out of memory at step %llu",
                             (unsigned long long)s->n);
    if (!(t->v[key].regs & INSN_KNOWN) && describe(t, s, &t->v[key]) < 0)
        return hvt_error_set(err, "chain index: out of memory");
    if (x->n > 0)
        after_prev(x, &s->st, same);
    if (!(x->n & ((1ull << x->shift) - 1))) {      /* s begins block bi */
        if (bi > 0)
            close_block(x, &x->b[bi - 1]);
        x->first = s->st;
        memset(x->acc, 0, sizeof x->acc);
    }
    own_writes(x, &x->b[bi], s, &t->v[key]);
    x->prev_sp = s->st.f[HVT_RSP];
    x->prev_flags = s->st.f[HVT_EFLAGS];
    x->prev_ss = defuse_seg_base(&s->st, HVT_SS);
    x->prev_mode = s->mode;
    x->prev_smm = (uint8_t)chain_in_smm(&s->st);
    x->nb = (size_t)bi + 1;
    x->n++;
    return 0;
}

/* Can a step of block i have written l?  1 also when the block is not complete. */
static int may_write(const struct chain_idx *x, uint64_t i, const struct chain_loc *l)
{
    if (((i + 1) << x->shift) >= x->n)
        return 1;
    const struct chain_idx_block *b = &x->b[i];
    if (l->kind == CHAIN_LOC_REG)
        return (b->regs >> l->reg.field) & 1;
    if (l->kind == CHAIN_LOC_FLAGS)
        return (b->flags & l->flags) != 0;
    if (l->kind != CHAIN_LOC_MEM || b->allmem)
        return 1;
    uint64_t hi = l->addr + l->len - 1;
    if (!l->len || hi < l->addr || (hi >> 6) - (l->addr >> 6) >= MAX_LINES)
        return 1;
    for (uint64_t ln = l->addr >> 6; ln <= hi >> 6; ln++)
        if (b->lines[line_bit(ln) / 64] >> (line_bit(ln) % 64) & 1)
            return 1;
    return 0;
}

uint64_t chain_idx_skip(const struct chain_idx *x, const struct chain_loc *l, uint64_t k,
                        uint64_t *scan)
{
    if (!x) {
        *scan = 0;
        return k;
    }
    while (k > 0) {
        uint64_t i = (k - 1) >> x->shift;
        if (may_write(x, i, l)) {
            *scan = i << x->shift;
            return k;
        }
        k = i << x->shift;
    }
    *scan = 0;
    return 0;
}
