/*
 * align_emit: from the walk's main-stream hunks to the caller's hunks.
 *
 * Does: keeps one pending hunk (adjacent equal hunks merge; a loop found next
 * may take its tail), converts main indices to token indices, and puts each
 * side run (excluded or asynchronous steps) in its place: equal hunks are
 * split around runs, runs inside a changed hunk follow it flagged NESTED.
 * Pairs asynchronous excursions across the sides (the k-th excursion entering
 * at pc X in A with the k-th entering at X in B) and notes whether they ran
 * the same steps.  Two such peers taken at the same aligned point (before the
 * same pair of aligned steps) that ran the same steps are no difference: the
 * interrupt came at the same place in both runs, and they are handed on as
 * part of the equal stretch around them (a run diffed against itself is one
 * equal hunk).  Fills struct align_result.  Does not compare main tokens.
 * Invariant: hunks reach the caller in token order on both sides, and no two
 * equal hunks the caller gets are adjacent on both sides.
 */
#include "diffing/align_int.h"

#include <stdlib.h>
#include <string.h>

static int skipped(const struct align_token *t)
{
    return (t->flags & (ALIGN_TF_EXCLUDED | ALIGN_TF_ASYNC)) != 0;
}

static int run_append(struct align_ctx *c, int s, const struct align_run *r, size_t *cap)
{
    if (c->nruns[s] == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct align_run *n = realloc(c->runs[s], ncap * sizeof *n);
        if (!n)
            return hvt_error_set(c->err, "align: out of memory");
        c->runs[s] = n;
        *cap = ncap;
    }
    c->runs[s][c->nruns[s]++] = *r;
    return 0;
}

/* Side runs of side s, in token order. */
static int runs_side(struct align_ctx *c, int s)
{
    const struct align_seq *q = &c->s[s];
    size_t cap = 0, main_pos = 0;
    struct align_run cur;
    int open = 0;
    for (size_t k = q->base; k <= q->total; k++) {
        const struct align_token *t = k < q->total ? &q->t[k] : NULL;
        enum align_kind kind = t && (t->flags & ALIGN_TF_ASYNC) ? ALIGN_ASYNC : ALIGN_EXCLUDED;
        int starts = t && skipped(t) &&
                     (!open || kind != cur.kind || (t->flags & ALIGN_TF_ASYNC_START));
        if (open && (!t || !skipped(t) || starts)) {
            cur.end = k;
            if (run_append(c, s, &cur, &cap) < 0)
                return -1;
            open = 0;
        }
        if (starts) {
            memset(&cur, 0, sizeof cur);
            cur.begin = k;
            cur.kind = kind;
            cur.main_pos = main_pos;
            open = 1;
        }
        if (t && !skipped(t))
            main_pos++;
    }
    return 0;
}

struct entry {
    uint64_t pc;
    size_t run;
};

static int entry_cmp(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;
    if (a->pc != b->pc)
        return a->pc < b->pc ? -1 : 1;
    return a->run < b->run ? -1 : a->run > b->run;
}

static struct entry *async_entries(const struct align_ctx *c, int s, size_t *n)
{
    struct entry *e = malloc((c->nruns[s] + 1) * sizeof *e);
    *n = 0;
    for (size_t r = 0; e && r < c->nruns[s]; r++)
        if (c->runs[s][r].kind == ALIGN_ASYNC)
            e[(*n)++] = (struct entry){ align_tok_pc(c->itab, &c->s[s].t[c->runs[s][r].begin]), r };
    if (e)
        qsort(e, *n, sizeof *e, entry_cmp);
    return e;
}

static int runs_equal(const struct align_ctx *c, const struct align_run *x,
                      const struct align_run *y)
{
    if (x->end - x->begin != y->end - y->begin)
        return 0;
    for (size_t k = 0; k < x->end - x->begin; k++)
        if (!tok_eq(&c->s[0].t[x->begin + k], &c->s[1].t[y->begin + k]))
            return 0;
    return 1;
}

/* Pair the k-th excursion entering at pc X in A with the k-th in B. */
static int pair_async(struct align_ctx *c)
{
    size_t n0, n1, i = 0, j = 0;
    struct entry *e0 = async_entries(c, 0, &n0), *e1 = async_entries(c, 1, &n1);
    if (!e0 || !e1) {
        free(e0);
        free(e1);
        return hvt_error_set(c->err, "align: out of memory");
    }
    while (i < n0 && j < n1) {
        if (e0[i].pc != e1[j].pc) {
            e0[i].pc < e1[j].pc ? i++ : j++;
            continue;
        }
        struct align_run *x = &c->runs[0][e0[i].run], *y = &c->runs[1][e1[j].run];
        x->has_peer = y->has_peer = 1;
        x->peer = e1[j].run;
        y->peer = e0[i].run;
        x->peer_equal = y->peer_equal = runs_equal(c, x, y);
        i++, j++;
    }
    free(e0);
    free(e1);
    return 0;
}

/* Hand on one hunk and count it as a hunk of its kind. */
static int hand_on(struct align_ctx *c, const struct align_hunk *h)
{
    c->res->hunks[h->kind]++;
    if (c->emit && c->emit(c->priv, h) != 0)
        return hvt_error_set(c->err, "align: stopped by the caller");
    return 0;
}

/* Hand on the equal hunk held back, if any. */
static int hand_on_out(struct align_ctx *c)
{
    if (!c->have_out)
        return 0;
    c->have_out = 0;
    return hand_on(c, &c->out);
}

/* Count one hunk and hand it on, an equal one once the next is known not to
 * extend it.  na, nb: the steps it alone accounts for.  A
 * changed main hunk's token range spans the side runs inside it, which are
 * delivered (and counted) as NESTED hunks of their own: it counts only its
 * main tokens, so that every recorded step is in exactly one kind's total. */
static int deliver(struct align_ctx *c, const struct align_hunk *h, uint64_t na, uint64_t nb)
{
    struct align_result *r = c->res;
    r->steps[h->kind][0] += na;
    r->steps[h->kind][1] += nb;
    if (h->kind == ALIGN_EQUAL && c->have_out && c->out.a_end == h->a_begin &&
        c->out.b_end == h->b_begin) {
        c->out.a_end = h->a_end;
        c->out.b_end = h->b_end;
        return 0;
    }
    if (hand_on_out(c) < 0)
        return -1;
    if (h->kind == ALIGN_EQUAL) {
        c->out = *h;
        c->have_out = 1;
        return 0;
    }
    int changed = h->kind == ALIGN_A_ONLY || h->kind == ALIGN_B_ONLY ||
                  h->kind == ALIGN_REPLACE;
    if (changed || h->kind == ALIGN_LOOP)
        r->differ = 1;
    if (changed && !r->has_first) {
        r->has_first = 1;
        r->first = *h;
    }
    if (h->kind == ALIGN_LOOP && !r->has_first_loop) {
        r->has_first_loop = 1;
        r->first_loop = *h;
    }
    if (h->kind == ALIGN_ASYNC && !(h->flags & ALIGN_HF_PEER_EQUAL))
        r->async_unpaired++;
    return hand_on(c, h);
}

/* Token index of main index i, or the end of the array. */
static size_t tokpos(const struct align_seq *s, size_t i)
{
    return i < s->n ? seq_tok(s, i) : s->total;
}

static void tokrange(const struct align_seq *s, size_t i0, size_t i1,
                     uint64_t *begin, uint64_t *end)
{
    *begin = tokpos(s, i0);
    *end = i1 > i0 ? seq_tok(s, i1 - 1) + 1 : *begin;
}

/* Token index just after main index i-1: where side runs placed at main
 * index i begin, and where an empty range at i sits before them. */
static size_t gappos(const struct align_seq *s, size_t i)
{
    if (i > s->n)
        i = s->n;
    return i ? seq_tok(s, i - 1) + 1 : s->base;
}

/* Deliver side s's runs placed at or before main index upto; the other side
 * is at main index other.  A's runs go first, so an A run's empty B range sits
 * before B's runs at the same place and a B run's empty A range after A's. */
static int drain_side(struct align_ctx *c, int s, size_t upto, size_t other, uint32_t fl)
{
    while (c->next_run[s] < c->nruns[s] && c->runs[s][c->next_run[s]].main_pos <= upto) {
        const struct align_run *r = &c->runs[s][c->next_run[s]++];
        struct align_hunk h = { .kind = r->kind, .flags = fl | (s ? ALIGN_HF_SIDE_B : 0) };
        uint64_t pos = s ? tokpos(&c->s[0], other) : gappos(&c->s[1], other);
        h.a_begin = s ? pos : r->begin;
        h.a_end = s ? pos : r->end;
        h.b_begin = s ? r->begin : pos;
        h.b_end = s ? r->end : pos;
        if (r->has_peer) {
            const struct align_run *p = &c->runs[!s][r->peer];
            h.flags |= ALIGN_HF_PEER | (r->peer_equal ? ALIGN_HF_PEER_EQUAL : 0);
            h.peer_begin = p->begin;
            h.peer_end = p->end;
        }
        if (deliver(c, &h, h.a_end - h.a_begin, h.b_end - h.b_begin) < 0)
            return -1;
    }
    return 0;
}

/* The next runs of both sides, placed at main indices ia (A) and jb (B),
 * are each other's peers and ran the same steps: deliver them as one equal
 * hunk.  1 if so, 0 if not, -1 on error. */
static int drain_same_place(struct align_ctx *c, size_t ia, size_t jb)
{
    size_t x = c->next_run[0], y = c->next_run[1];
    if (x >= c->nruns[0] || y >= c->nruns[1])
        return 0;
    const struct align_run *ra = &c->runs[0][x], *rb = &c->runs[1][y];
    if (ra->kind != ALIGN_ASYNC || rb->kind != ALIGN_ASYNC || ra->main_pos != ia ||
        rb->main_pos != jb || !ra->has_peer || ra->peer != y || !ra->peer_equal)
        return 0;
    c->next_run[0]++;
    c->next_run[1]++;
    struct align_hunk h = { .kind = ALIGN_EQUAL, .a_begin = ra->begin, .a_end = ra->end,
                            .b_begin = rb->begin, .b_end = rb->end };
    return deliver(c, &h, ra->end - ra->begin, rb->end - rb->begin) < 0 ? -1 : 1;
}

static int drain(struct align_ctx *c, size_t ia, size_t jb)
{
    int rc;
    while ((rc = drain_same_place(c, ia, jb)) > 0)
        ;
    return rc < 0 || drain_side(c, 0, ia, jb, 0) < 0 || drain_side(c, 1, jb, ia, 0) < 0
           ? -1 : 0;
}

static int deliver_main(struct align_ctx *c, const struct align_hunk *m)
{
    struct align_hunk h = *m;
    tokrange(&c->s[0], m->a_begin, m->a_end, &h.a_begin, &h.a_end);
    tokrange(&c->s[1], m->b_begin, m->b_end, &h.b_begin, &h.b_end);
    if (h.kind == ALIGN_LOOP)
        h.body_begin = tokpos(&c->s[0], m->body_begin);
    return deliver(c, &h, m->a_end - m->a_begin, m->b_end - m->b_begin);
}

/* Next split offset of an equal hunk: the nearest side run inside it. */
static size_t next_split(const struct align_ctx *c, const struct align_hunk *m, size_t len)
{
    size_t d = len;
    for (int s = 0; s < 2; s++) {
        size_t begin = s ? m->b_begin : m->a_begin;
        if (c->next_run[s] < c->nruns[s]) {
            size_t off = c->runs[s][c->next_run[s]].main_pos - begin;
            if (off < d)
                d = off;
        }
    }
    return d;
}

static int flush_equal(struct align_ctx *c, const struct align_hunk *m)
{
    size_t len = m->a_end - m->a_begin, o = 0;
    if (drain(c, m->a_begin, m->b_begin) < 0)
        return -1;
    while (o < len) {
        size_t d = next_split(c, m, len);
        struct align_hunk piece = *m;
        piece.a_begin = m->a_begin + o;
        piece.a_end = m->a_begin + d;
        piece.b_begin = m->b_begin + o;
        piece.b_end = m->b_begin + d;
        if (deliver_main(c, &piece) < 0)
            return -1;
        o = d;
        if (o < len && drain(c, m->a_begin + o, m->b_begin + o) < 0)
            return -1;
    }
    return 0;
}

static int flush(struct align_ctx *c, const struct align_hunk *m)
{
    if (m->kind == ALIGN_EQUAL)
        return flush_equal(c, m);
    if (drain(c, m->a_begin, m->b_begin) < 0 || deliver_main(c, m) < 0)
        return -1;
    if (m->a_end > m->a_begin &&
        drain_side(c, 0, m->a_end - 1, m->b_end, ALIGN_HF_NESTED) < 0)
        return -1;
    if (m->b_end > m->b_begin &&
        drain_side(c, 1, m->b_end - 1, m->a_end, ALIGN_HF_NESTED) < 0)
        return -1;
    return 0;
}

int align_push(struct align_ctx *c, const struct align_hunk *h)
{
    struct align_hunk *p = &c->pending;
    if (c->have_pending && p->kind == ALIGN_EQUAL && h->kind == ALIGN_EQUAL &&
        p->a_end == h->a_begin && p->b_end == h->b_begin) {
        p->a_end = h->a_end;
        p->b_end = h->b_end;
        return 0;
    }
    if (c->have_pending && flush(c, p) < 0)
        return -1;
    *p = *h;
    c->have_pending = 1;
    return 0;
}

int align_begin(struct align_ctx *c)
{
    if (runs_side(c, 0) < 0 || runs_side(c, 1) < 0 || pair_async(c) < 0)
        return -1;
    if (!c->s[0].base && !c->s[1].base)
        return 0;
    struct align_hunk h = { .kind = ALIGN_UNANCHORED, .a_end = c->s[0].base,
                            .b_end = c->s[1].base };
    return deliver(c, &h, h.a_end, h.b_end);
}

int align_finish(struct align_ctx *c)
{
    if (c->have_pending && flush(c, &c->pending) < 0)
        return -1;
    c->have_pending = 0;
    int rc;                     /* excursions after the last step of both runs */
    while ((rc = drain_same_place(c, c->s[0].n, c->s[1].n)) > 0)
        ;
    return rc < 0 || drain(c, SIZE_MAX, SIZE_MAX) < 0 ? -1 : hand_on_out(c);
}
