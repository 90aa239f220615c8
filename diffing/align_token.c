/*
 * align_token: turns recorded steps into alignment tokens, one pass, in order.
 *
 * Does: instruction length (Capstone, behind a direct-mapped cache keyed by pc
 * and recorded bytes: a boot executes few distinct instructions millions of
 * times), the token's instruction id (exactly the instruction's bytes interned
 * in the shared table, align_itab.c; the cache keeps the id, so a hit costs no
 * table lookup), the excluded-range flag, and asynchronous interrupt
 * excursions.  Does not compare anything.
 *
 * Excursions.  After an instruction whose successors are known from its bytes
 * (straight-line code: pc+len; rep string op: pc or pc+len; relative branch:
 * pc+len or target; hlt: pc+len) a step at any other pc is a break the
 * instruction did not cause: an external interrupt (Intel SDM vol 3, 6.3.1
 * "External Interrupts").  Where the successors are not known from the bytes
 * (after an iret, a ret, an indirect jump), the engines' "interrupt" event
 * (align_builder_interrupt) says so instead, and the excursion ends at the iret
 * that runs with the stack pointer the handler started with: the one that pops
 * the frame the interrupt pushed (SDM vol 3, 6.12.1 and 20.1.4 for real mode).
 * The excursion runs until an iret returns to one of those successors; only
 * then are its steps marked ALIGN_TF_ASYNC (a fault returns to the faulting
 * pc, not a successor, and stays in the stream).
 * Excursions nest up to ALIGN_NEST_MAX deep; one open for more than
 * ALIGN_ASYNC_MAX steps is abandoned.
 * Invariant: tokens [0, n) are final except for flags of open excursions.
 */
#include "diffing/align.h"
#include "diffing/insnclass.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN_CACHE_BITS 15          /* 32768 cached decodes (a Linux boot runs tens
                                      * of thousands of distinct instructions) */
#define ALIGN_NEST_MAX   8           /* nested interrupts tracked */
#define ALIGN_ASYNC_MAX  (1u << 20)  /* longest excursion recognised, in steps */

struct cache_ent {
    uint64_t pc;
    uint8_t valid, mode, nbytes, len;
    uint8_t bytes[16];
    uint32_t id;                /* in the builder's itab */
    struct insn_class c;
};

struct excursion {
    size_t start;               /* token index of the first handler step */
    uint64_t resume[2];         /* where its iret must return */
    int nresume;                /* -1: unknown, the iret at entry_sp ends it */
    uint64_t entry_sp;          /* RSP at the handler's first step */
};

struct align_builder {
    struct align_itab *itab;
    struct align_token *arr;
    size_t cap, n;
    struct align_range *excl;
    size_t nexcl;
    csh cs[3];                  /* 16, 32, 64-bit; 0 = not opened */
    cs_insn *insn[3];
    uint64_t succ[2];           /* successors of the last step */
    int nsucc;                  /* -1: anywhere */
    uint8_t prev_cf;
    uint64_t prev_sp;           /* RSP at the last step (before it ran) */
    uint8_t interrupt_next;     /* align_builder_interrupt: next step is a handler's */
    struct excursion open[ALIGN_NEST_MAX];
    int nopen;
    struct cache_ent cache[1u << ALIGN_CACHE_BITS];
};

int align_builder_new(align_builder **out, struct align_itab *itab,
                      struct align_token *arr, size_t cap,
                      const struct align_range *excl, size_t nexcl, hvt_error *err)
{
    align_builder *b = calloc(1, sizeof *b);
    if (!b)
        return hvt_error_set(err, "align: out of memory");
    if (nexcl) {
        b->excl = malloc(nexcl * sizeof *excl);
        if (!b->excl) {
            free(b);
            return hvt_error_set(err, "align: out of memory");
        }
        memcpy(b->excl, excl, nexcl * sizeof *excl);
    }
    b->itab = itab;
    b->arr = arr;
    b->cap = cap;
    b->nexcl = nexcl;
    b->nsucc = -1;
    *out = b;
    return 0;
}

void align_builder_free(align_builder *b)
{
    if (!b)
        return;
    for (int m = 0; m < 3; m++) {
        if (b->insn[m])
            cs_free(b->insn[m], 1);
        if (b->cs[m])
            cs_close(&b->cs[m]);
    }
    free(b->excl);
    free(b);
}

size_t align_builder_count(const align_builder *b)
{
    return b->n;
}

/* The cache slot of (pc, mode, the recorded bytes): multiply-mix of the pc
 * and the bytes as two words (the bytes past insn_len left out), a few
 * cycles where a byte-at-a-time hash took one multiply a byte. */
static uint32_t cache_slot(uint64_t pc, const struct hvt_step *s)
{
    uint64_t w[2] = { 0, 0 };
    memcpy(w, s->insn, s->insn_len > 16 ? 16 : s->insn_len);
    uint64_t h = pc * 0x9e3779b97f4a7c15ull ^ w[0] * 0xbf58476d1ce4e5b9ull ^
                 w[1] * 0x94d049bb133111ebull ^ s->mode;
    return (uint32_t)((h ^ h >> 29 ^ h >> 47) & ((1u << ALIGN_CACHE_BITS) - 1));
}

static int mode_slot(int mode)
{
    return mode == HVT_MODE_64 ? 2 : mode == HVT_MODE_32 ? 1 : 0;
}

/* Instruction length by Capstone; 0 if it cannot decode the bytes. */
static unsigned decode_len(align_builder *b, const uint8_t *bytes, size_t n, int mode)
{
    static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    int m = mode_slot(mode);
    if (!b->cs[m]) {
        if (cs_open(CS_ARCH_X86, modes[m], &b->cs[m]) != CS_ERR_OK)
            return 0;
        b->insn[m] = cs_malloc(b->cs[m]);
        if (!b->insn[m])
            return 0;
    }
    const uint8_t *code = bytes;
    size_t size = n;
    uint64_t addr = 0;
    if (!cs_disasm_iter(b->cs[m], &code, &size, &addr, b->insn[m]))
        return 0;
    return b->insn[m]->size;
}

/* The cache entry of s's instruction: decoded and interned on a miss; NULL
 * with err set when the table cannot take it. */
static const struct cache_ent *lookup(align_builder *b, const struct hvt_step *s,
                                      uint64_t pc, hvt_error *err)
{
    struct cache_ent *e = &b->cache[cache_slot(pc, s)];
    if (e->valid && e->pc == pc && e->mode == s->mode && e->nbytes == s->insn_len &&
        memcmp(e->bytes, s->insn, s->insn_len) == 0)
        return e;
    memset(e, 0, sizeof *e);
    e->pc = pc;
    e->mode = s->mode;
    e->nbytes = s->insn_len > 16 ? 16 : s->insn_len;
    memcpy(e->bytes, s->insn, e->nbytes);
    /* Seen before (by the other run, or evicted from here): no decode. */
    int known = align_itab_find(b->itab, pc, e->mode, e->bytes, e->nbytes, &e->id);
    if (known)
        e->len = b->itab->v[e->id].len;
    else
        e->len = (uint8_t)(e->nbytes ? decode_len(b, e->bytes, e->nbytes, s->mode) : 0);
    if (e->len)
        insnclass_decode(e->bytes, e->len, s->mode, &e->c);
    else
        e->c.cf = INSN_CF_ANY;
    struct align_insn in = { .pc = pc, .nbytes = e->len ? e->len : e->nbytes, .len = e->len,
                             .mode = e->mode, .cf = (uint8_t)e->c.cf };
    memcpy(in.bytes, e->bytes, in.nbytes);
    if (!known && align_itab_intern(b->itab, &in, &e->id, err) < 0)
        return NULL;
    e->valid = 1;
    return e;
}

static int excluded(const align_builder *b, uint64_t pc)
{
    return align_ranges_hold(b->excl, b->nexcl, pc);
}

/* Where the step after this one may be, if the bytes tell (see the header). */
static void set_successors(align_builder *b, const struct cache_ent *e,
                           const struct hvt_step *s, uint64_t pc)
{
    uint64_t next = pc + e->len;
    uint64_t ip = s->st.f[HVT_RIP];
    b->nsucc = 1;
    b->succ[0] = next;
    switch (e->c.cf) {
    case INSN_CF_NONE: case INSN_CF_HLT:
        break;
    case INSN_CF_REP:
        b->succ[b->nsucc++] = pc;
        break;
    case INSN_CF_BRANCH:
        b->succ[b->nsucc++] = insnclass_target(&e->c, pc, ip, e->len);
        break;
    case INSN_CF_JUMP:
        b->succ[0] = insnclass_target(&e->c, pc, ip, e->len);
        break;
    default:
        b->nsucc = -1;
    }
    b->prev_cf = e->c.cf;
}

static int in_set(const uint64_t *set, int n, uint64_t pc)
{
    for (int i = 0; i < n; i++)
        if (set[i] == pc)
            return 1;
    return 0;
}

static void push_excursion(align_builder *b, uint64_t sp)
{
    if (b->nopen == ALIGN_NEST_MAX) {       /* forget the oldest */
        memmove(b->open, b->open + 1, (ALIGN_NEST_MAX - 1) * sizeof b->open[0]);
        b->nopen--;
    }
    struct excursion *x = &b->open[b->nopen++];
    x->start = b->n;
    x->nresume = b->nsucc;
    x->entry_sp = sp;
    memcpy(x->resume, b->succ, sizeof x->resume);
}

/* The last step was an iret and this one is at pc: does it end an excursion? */
static void close_excursion(align_builder *b, uint64_t pc)
{
    for (int l = b->nopen - 1; l >= 0; l--) {
        struct excursion *x = &b->open[l];
        if (b->n - x->start > ALIGN_ASYNC_MAX ||
            (x->nresume >= 0 ? !in_set(x->resume, x->nresume, pc) : b->prev_sp != x->entry_sp))
            continue;
        for (size_t k = x->start; k < b->n; k++)
            b->arr[k].flags = (uint8_t)((b->arr[k].flags | ALIGN_TF_ASYNC) &
                                        ~ALIGN_TF_ASYNC_START);
        b->arr[x->start].flags |= ALIGN_TF_ASYNC_START;
        b->nopen = l;
        return;
    }
}

int align_builder_add(align_builder *b, const struct hvt_step *s, hvt_error *err)
{
    if (b->n == b->cap)
        return hvt_error_set(err, "align: more steps than the %zu tokens allocated",
                             b->cap);
    uint64_t pc = hvt_state_pc(&s->st);
    const struct cache_ent *e = lookup(b, s, pc, err);
    if (!e)
        return -1;
    struct align_token *t = &b->arr[b->n];
    *t = (struct align_token){ .insn = e->id,
                               .flags = excluded(b, pc) ? ALIGN_TF_EXCLUDED : 0 };
    int interrupted = b->interrupt_next;
    b->interrupt_next = 0;
    if (b->n > 0 && (interrupted || (b->nsucc >= 0 && !in_set(b->succ, b->nsucc, pc)))) {
        t->flags |= ALIGN_TF_BREAK;
        if (!(t->flags & ALIGN_TF_EXCLUDED))
            push_excursion(b, s->st.f[HVT_RSP]);
    } else if (b->n > 0 && b->prev_cf == INSN_CF_IRET && b->nopen) {
        close_excursion(b, pc);     /* (an iret into a handler ended nothing) */
    }
    set_successors(b, e, s, pc);
    b->prev_sp = s->st.f[HVT_RSP];
    b->n++;
    return 0;
}

void align_builder_interrupt(align_builder *b)
{
    b->interrupt_next = 1;
}

size_t align_find_pc(const struct align_itab *itab, const struct align_token *t, size_t n,
                     uint64_t pc)
{
    size_t i = 0;
    while (i < n && align_tok_pc(itab, &t[i]) != pc)
        i++;
    return i;
}
