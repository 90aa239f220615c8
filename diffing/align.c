/*
 * align: the walk that pairs two boots' main streams (see align_int.h).
 *
 * Whole-trace Myers is O(ND) with D in the millions when one run holds a
 * hypervisor, so the walk is greedy: lockstep while tokens match; on a
 * mismatch, resynchronise on the nearest confirmed common run
 * (align_resync.c) and classify the gap between:
 *   - one side empty: A-only or B-only, unless the extra steps repeat the
 *     ALIGN_LOOP_BODY_MAX-or-shorter body that ended the equal stretch before
 *     (a loop that ran more often): then one LOOP hunk "body x n vs x m";
 *   - both sides, together at most ALIGN_MYERS_MAX steps: Myers 1986 inside
 *     the gap (diffing/myers.c) for the exact equal/changed pieces;
 *   - larger: one REPLACE hunk.
 * No resync and a side left over: the rest is a TAIL hunk.
 * Invariant: hunks cover both main streams from the anchor without overlap,
 * in order; the walk always advances.
 */
#include "diffing/align_int.h"
#include "diffing/myers.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN_MYERS_MAX     1000    /* largest two-sided gap given to Myers, steps */
#define ALIGN_LOOP_BODY_MAX 256     /* longest loop body folded, steps */

static const char *const kind_names[ALIGN_NKINDS] = {
    "equal", "a-only", "b-only", "replace", "loop", "async", "excluded", "unanchored",
};

const char *align_kind_name(enum align_kind k)
{
    return (unsigned)k < ALIGN_NKINDS ? kind_names[k] : "?";
}

static int push(struct align_ctx *c, enum align_kind kind, size_t a0, size_t a1,
                size_t b0, size_t b1, uint32_t flags)
{
    struct align_hunk h = { .kind = kind, .flags = flags, .a_begin = a0, .a_end = a1,
                            .b_begin = b0, .b_end = b1 };
    return align_push(c, &h);
}

/* ---- loops ---- */

/* x-side stream s has extra steps [x0, x1) right after an equal stretch that
 * began at main index e on that side.  Smallest period P with the extra steps
 * repeating the P steps before them, or 0. */
static size_t loop_period(const struct align_seq *s, size_t e, size_t x0, size_t x1)
{
    size_t g = x1 - x0, lim = x0 - e;
    if (lim > ALIGN_LOOP_BODY_MAX)
        lim = ALIGN_LOOP_BODY_MAX;
    for (size_t p = 1; p <= lim && p <= g; p++) {
        if (g % p)
            continue;
        size_t x = 0;
        while (x < g && tok_eq(seq_at(s, x0 + x), seq_at(s, x0 + x - p)))
            x++;
        if (x == g)
            return p;
    }
    return 0;
}

/* One-sided gap on side `x` ([x0, x1)); the other side is at y0.  Folds it into
 * a LOOP hunk when it is extra iterations of the loop that just ran.  Returns 1
 * if folded, 0 if not, -1 on error. */
static int try_loop(struct align_ctx *c, int x, size_t x0, size_t x1, size_t y0)
{
    struct align_hunk *pe = &c->pending;
    if (!c->have_pending || pe->kind != ALIGN_EQUAL ||
        (x ? pe->b_end : pe->a_end) != x0 || (x ? pe->a_end : pe->b_end) != y0)
        return 0;
    size_t ex = x ? pe->b_begin : pe->a_begin, ey = x ? pe->a_begin : pe->b_begin;
    size_t per = loop_period(&c->s[x], ex, x0, x1);
    if (!per)
        return 0;
    const struct align_seq *ys = &c->s[!x];
    size_t st = y0 - per;                   /* the loop's start on the other side */
    while (st > ey && tok_eq(seq_at(ys, st - 1), seq_at(ys, st - 1 + per)))
        st--;
    size_t ly = y0 - st, lx = ly + (x1 - x0);
    size_t cy = (ly + per - 1) / per, cx = (lx + per - 1) / per;
    struct align_hunk h = { .kind = ALIGN_LOOP, .body_len = per };
    h.a_begin = x ? st : x0 - ly;
    h.a_end = x ? y0 : x1;
    h.b_begin = x ? x0 - ly : st;
    h.b_end = x ? x1 : y0;
    h.body_begin = h.a_begin;
    h.count_a = x ? cy : cx;
    h.count_b = x ? cx : cy;
    pe->a_end = h.a_begin;                  /* the loop takes the equal tail */
    pe->b_end = h.b_begin;
    if (pe->a_end == pe->a_begin)
        c->have_pending = 0;
    return align_push(c, &h) < 0 ? -1 : 1;
}

/* ---- gaps ---- */

struct myers_ctx {
    struct align_ctx *c;
    size_t i0, j0, x, y;                    /* gap origin; end of the last run */
};

static int myers_eq(void *priv, size_t x, size_t y)
{
    struct myers_ctx *m = priv;
    return seq_eq(m->c, m->i0 + x, m->j0 + y);
}

/* Hunk for the changed piece [m->x, x) x [m->y, y) of the gap. */
static int myers_change(struct myers_ctx *m, size_t x, size_t y)
{
    if (x == m->x && y == m->y)
        return 0;
    enum align_kind k = x == m->x ? ALIGN_B_ONLY : y == m->y ? ALIGN_A_ONLY : ALIGN_REPLACE;
    return push(m->c, k, m->i0 + m->x, m->i0 + x, m->j0 + m->y, m->j0 + y, 0);
}

static int myers_run(void *priv, size_t x, size_t y, size_t len)
{
    struct myers_ctx *m = priv;
    if (myers_change(m, x, y) < 0)
        return -1;
    m->x = x + len;
    m->y = y + len;
    return push(m->c, ALIGN_EQUAL, m->i0 + x, m->x + m->i0, m->j0 + y, m->j0 + m->y, 0);
}

static int gap_myers(struct align_ctx *c, size_t i, size_t p, size_t j, size_t q,
                     uint32_t flags)
{
    struct myers_ctx m = { c, i, j, 0, 0 };
    int rc = myers_diff(p - i, q - j, myers_eq, myers_run, &m);
    if (rc == -1 && !c->err->msg[0])
        hvt_error_set(c->err, "align: out of memory in a gap of %zu steps",
                      (p - i) + (q - j));
    if (rc)
        return -1;
    size_t x = m.x, y = m.y;
    if (x == p - i && y == q - j)
        return 0;
    enum align_kind k = x == p - i ? ALIGN_B_ONLY : y == q - j ? ALIGN_A_ONLY : ALIGN_REPLACE;
    return push(c, k, i + x, p, j + y, q, flags);
}

static int gap(struct align_ctx *c, size_t i, size_t p, size_t j, size_t q, uint32_t flags)
{
    if (i == p && j == q)
        return 0;
    if (i == p || j == q) {
        int x = i == p;                     /* the side with the extra steps */
        int rc = flags ? 0 : try_loop(c, x, x ? j : i, x ? q : p, x ? i : j);
        if (rc)
            return rc < 0 ? -1 : 0;
        return push(c, x ? ALIGN_B_ONLY : ALIGN_A_ONLY, i, p, j, q, flags);
    }
    if ((p - i) + (q - j) <= ALIGN_MYERS_MAX)
        return gap_myers(c, i, p, j, q, flags);
    return push(c, ALIGN_REPLACE, i, p, j, q, flags);
}

/* ---- the walk ---- */

static int walk(struct align_ctx *c)
{
    size_t i = 0, j = 0, na = c->s[0].n, nb = c->s[1].n;
    for (;;) {
        size_t i0 = i, j0 = j;
        while (i < na && j < nb && seq_eq(c, i, j))
            i++, j++;
        if (i > i0 && push(c, ALIGN_EQUAL, i0, i, j0, j, 0) < 0)
            return -1;
        if (i == na && j == nb)
            return 0;
        size_t p, q;
        int found = (i < na && j < nb) ? align_resync(c, i, j, &p, &q) : 0;
        if (found < 0)
            return -1;
        if (!found)
            return gap(c, i, na, j, nb, ALIGN_HF_TAIL);
        c->res->resyncs++;
        if (gap(c, i, p, j, q, 0) < 0)
            return -1;
        i = p;
        j = q;
    }
}

size_t align_brk_find(struct align_brkmap *m, size_t i)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->b[mid].at <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    m->hint = lo;
    return lo;
}

static int skipped_tok(const struct align_token *t)
{
    return (t->flags & (ALIGN_TF_EXCLUDED | ALIGN_TF_ASYNC)) != 0;
}

/* Main stream of one side: tokens from the anchor on, without skipped ones.
 * One break per skipped stretch followed by a main token (align_int.h). */
static int seq_build(struct align_seq *s, struct align_brkmap *map,
                     const struct align_token *t, size_t n, size_t anchor, hvt_error *err)
{
    memset(s, 0, sizeof *s);
    memset(map, 0, sizeof *map);
    s->t = t;
    s->map = map;
    s->total = n;
    s->base = anchor < n ? anchor : n;
    if (n >= UINT32_MAX)            /* align_resync keeps main indices in 32 bits */
        return hvt_error_set(err, "align: more than 2^32 steps");
    size_t skipped = 0, nbrk = 0;
    for (size_t k = s->base; k < n; k++) {
        int sk = skipped_tok(&t[k]);
        skipped += sk;
        nbrk += !sk && k > s->base && skipped_tok(&t[k - 1]);
    }
    s->n = n - s->base - skipped;
    if (!nbrk)
        return 0;
    map->b = malloc(nbrk * sizeof *map->b);
    if (!map->b)
        return hvt_error_set(err, "align: out of memory");
    size_t m = 0, off = 0;
    for (size_t k = s->base; k < n; k++) {
        if (skipped_tok(&t[k])) {
            off++;
            continue;
        }
        if (k > s->base && skipped_tok(&t[k - 1]))
            map->b[map->n++] = (struct align_brk){ m, off };
        m++;
    }
    return 0;
}

int align_diff(const struct align_itab *itab, const struct align_token *a, size_t na,
               const struct align_token *b, size_t nb,
               const struct align_opts *opts, align_emit_fn emit, void *priv,
               struct align_result *res, hvt_error *err)
{
    struct align_ctx c;
    struct align_brkmap map[2];
    memset(&c, 0, sizeof c);
    memset(map, 0, sizeof map);
    memset(res, 0, sizeof *res);
    c.itab = itab;
    c.emit = emit;
    c.priv = priv;
    c.res = res;
    c.err = err;
    int rc = -1;
    if (seq_build(&c.s[0], &map[0], a, na, opts ? opts->a_anchor : 0, err) < 0 ||
        seq_build(&c.s[1], &map[1], b, nb, opts ? opts->b_anchor : 0, err) < 0)
        goto out;
    if (align_begin(&c) < 0 || walk(&c) < 0 || align_finish(&c) < 0)
        goto out;
    rc = 0;
out:
    for (int s = 0; s < 2; s++) {
        free(map[s].b);
        free(c.runs[s]);
    }
    return rc;
}
