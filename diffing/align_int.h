/*
 * align_int: state shared by the aligner's files (align.c walks, align_resync.c
 * finds the next common run, align_emit.c turns main-stream hunks into the
 * caller's hunks).  Not a public header.
 *
 * The main stream of a side is its tokens from the anchor on, without excluded
 * and asynchronous ones; the walk compares main streams only.  Main index i of
 * side s is token seq_tok(s, i).  The skipped tokens form side runs, each
 * emitted as one ASYNC or EXCLUDED hunk at its place.
 */
#ifndef HVT_ALIGN_INT_H
#define HVT_ALIGN_INT_H

#include "diffing/align.h"

/* Main index -> token index, sparse: the offset between them changes only
 * where a stretch of skipped tokens ends, so main index i is token
 * base + i + off of the last break with at <= i (0 before the first).  A
 * per-token index array cost 4 bytes a step (400 MB for a 35M+67M pair). */
struct align_brk {
    size_t at;              /* first main index after a skipped stretch */
    size_t off;             /* skipped tokens before it, in all */
};

struct align_brkmap {
    struct align_brk *b;    /* sorted by at, at strictly increasing */
    size_t n;
    size_t hint;            /* breaks at or before the last index looked up */
};

struct align_seq {
    const struct align_token *t;
    struct align_brkmap *map;   /* never NULL; mutable through a const seq (hint) */
    size_t base;            /* the anchor */
    size_t n;               /* main tokens */
    size_t total;           /* tokens in the array */
};

/* A maximal stretch of skipped tokens on one side. */
struct align_run {
    size_t begin, end;      /* token indices */
    size_t main_pos;        /* main index of the first main token after it */
    enum align_kind kind;   /* ALIGN_ASYNC or ALIGN_EXCLUDED */
    size_t peer;            /* ASYNC: index of the paired run on the other side */
    int has_peer, peer_equal;
};

struct align_ctx {
    const struct align_itab *itab;  /* the instructions both sides' tokens name */
    struct align_seq s[2];          /* 0 = A, 1 = B */
    struct align_run *runs[2];
    size_t nruns[2], next_run[2];
    int have_pending;
    struct align_hunk pending;      /* in main indices, not yet delivered */
    int have_out;
    struct align_hunk out;          /* an equal hunk in token indices, not yet
                                     * handed on: the next may extend it */
    align_emit_fn emit;
    void *priv;
    struct align_result *res;
    hvt_error *err;
};

/* align.c: binary search for the breaks at or before i; sets the hint. */
size_t align_brk_find(struct align_brkmap *m, size_t i);

static inline size_t seq_tok(const struct align_seq *s, size_t i)
{
    struct align_brkmap *m = s->map;
    size_t h = m->hint;
    if (!m->n)
        return s->base + i;
    if ((h == 0 || m->b[h - 1].at <= i) && (h == m->n || m->b[h].at > i))
        return s->base + i + (h ? m->b[h - 1].off : 0);   /* the walk's usual case */
    h = align_brk_find(m, i);
    return s->base + i + (h ? m->b[h - 1].off : 0);
}

static inline const struct align_token *seq_at(const struct align_seq *s, size_t i)
{
    return &s->t[seq_tok(s, i)];
}

/* Same instruction: the shared table gives each (pc, mode, bytes) one id. */
static inline int tok_eq(const struct align_token *x, const struct align_token *y)
{
    return x->insn == y->insn;
}

static inline int seq_eq(const struct align_ctx *c, size_t i, size_t j)
{
    return tok_eq(seq_at(&c->s[0], i), seq_at(&c->s[1], j));
}

/* align_resync.c: nearest (p >= i, q >= j) starting a confirmed common run.
 * 1 found, 0 none, -1 out of memory (err set). */
int align_resync(struct align_ctx *c, size_t i, size_t j, size_t *p, size_t *q);

/* align_emit.c */
int align_begin(struct align_ctx *c);       /* side runs, peers, unanchored hunk */
int align_push(struct align_ctx *c, const struct align_hunk *h);  /* main indices */
int align_finish(struct align_ctx *c);

#endif
