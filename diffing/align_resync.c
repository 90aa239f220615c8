/*
 * align_resync: after a mismatch at main indices (i, j), find the nearest pair
 * (p, q), p >= i, q >= j, where both streams run together again.
 *
 * Method (the FACTS.md plan, in the spirit of Rabin-Karp string search, Karp &
 * Rabin 1987): a window of W steps on each side; every K-step run ("gram") of
 * B's window goes into a hash table under its polynomial rolling hash, first
 * occurrence only; each gram of A's window is looked up.  A candidate counts
 * when the next ALIGN_CONFIRM steps match too (or both run together to an end),
 * and the candidate with the least cost (p-i)+(q-j) wins.  If the best cost is
 * at most W, no pair outside the window can beat it (both of its offsets
 * would be below W), so the search stops; otherwise W doubles.  Each round is
 * O(W), so a gap of G steps costs O(G) overall.
 * Does not look before (i, j) and does not decide what the gap is.
 */
#include "diffing/align_int.h"

#include <stdlib.h>

#define ALIGN_K        32       /* gram length: steps that must match to resync */
#define ALIGN_CONFIRM  128      /* steps that must match to accept a candidate */
#define ALIGN_WIN0     256      /* first window, steps on each side */
#define ALIGN_TAB0     1024     /* first hash table size (power of two) */
#define ALIGN_R        0x100000001b3ull     /* rolling-hash base (odd) */

struct gramtab {
    uint64_t *h;            /* mixed gram hash; 0 = empty slot */
    uint32_t *pos;          /* main index in B */
    size_t cap, used;
};

static uint64_t tok_key(const struct align_token *t)
{
    return t->insn;
}

/* splitmix64 finaliser: spreads the polynomial hash over the table bits. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x ? x : 1;
}

static int tab_init(struct gramtab *t, size_t cap)
{
    t->h = calloc(cap, sizeof *t->h);
    t->pos = malloc(cap * sizeof *t->pos);
    t->cap = cap;
    t->used = 0;
    return t->h && t->pos ? 0 : -1;
}

static void tab_free(struct gramtab *t)
{
    free(t->h);
    free(t->pos);
}

static void tab_put(struct gramtab *t, uint64_t h, uint32_t pos)
{
    size_t m = t->cap - 1, k = h & m;
    while (t->h[k]) {
        if (t->h[k] == h)
            return;             /* keep the first (nearest) occurrence */
        k = (k + 1) & m;
    }
    t->h[k] = h;
    t->pos[k] = pos;
    t->used++;
}

static int tab_grow(struct gramtab *t)
{
    struct gramtab n;
    if (tab_init(&n, t->cap * 2) < 0) {
        tab_free(&n);
        return -1;
    }
    for (size_t k = 0; k < t->cap; k++)
        if (t->h[k])
            tab_put(&n, t->h[k], t->pos[k]);
    tab_free(t);
    *t = n;
    return 0;
}

static int tab_get(const struct gramtab *t, uint64_t h, size_t *pos)
{
    size_t m = t->cap - 1, k = h & m;
    for (; t->h[k]; k = (k + 1) & m)
        if (t->h[k] == h) {
            *pos = t->pos[k];
            return 1;
        }
    return 0;
}

static uint64_t gram_hash(const struct align_seq *s, size_t x)
{
    uint64_t h = 0;
    for (size_t t = 0; t < ALIGN_K; t++)
        h = h * ALIGN_R + tok_key(seq_at(s, x + t));
    return h;
}

static uint64_t gram_roll(const struct align_seq *s, size_t x, uint64_t h, uint64_t rk)
{
    return (h - tok_key(seq_at(s, x)) * rk) * ALIGN_R + tok_key(seq_at(s, x + ALIGN_K));
}

/* Do the streams run together from (p, q) for ALIGN_CONFIRM steps, or for at
 * least ALIGN_K steps up to an end? */
static int confirmed(const struct align_ctx *c, size_t p, size_t q)
{
    for (size_t t = 0; t < ALIGN_CONFIRM; t++) {
        if (p + t == c->s[0].n || q + t == c->s[1].n)
            return t >= ALIGN_K;
        if (!seq_eq(c, p + t, q + t))
            return 0;
    }
    return 1;
}

struct search {
    size_t i, j, best_p, best_q, best_cost;
    uint64_t rk;                /* ALIGN_R^(K-1) */
};

/* Add B's grams [from, to) to the table. */
static int add_b(const struct align_ctx *c, struct gramtab *t, const struct search *sr,
                 size_t from, size_t to)
{
    const struct align_seq *b = &c->s[1];
    uint64_t h = from < to ? gram_hash(b, from) : 0;
    for (size_t q = from; q < to; q++) {
        if (q > from)
            h = gram_roll(b, q - 1, h, sr->rk);
        if (t->used * 2 >= t->cap && tab_grow(t) < 0)
            return -1;
        tab_put(t, mix(h), (uint32_t)q);
    }
    return 0;
}

/* Look A's grams [i, to) up; keep the cheapest confirmed pair. */
static void scan_a(const struct align_ctx *c, const struct gramtab *t, struct search *sr,
                   size_t to)
{
    const struct align_seq *a = &c->s[0];
    uint64_t h = sr->i < to ? gram_hash(a, sr->i) : 0;
    for (size_t p = sr->i; p < to && p - sr->i < sr->best_cost; p++) {
        if (p > sr->i)
            h = gram_roll(a, p - 1, h, sr->rk);
        size_t q;
        if (!tab_get(t, mix(h), &q))
            continue;
        size_t cost = (p - sr->i) + (q - sr->j);
        if (cost < sr->best_cost && confirmed(c, p, q)) {
            sr->best_p = p;
            sr->best_q = q;
            sr->best_cost = cost;
        }
    }
}

int align_resync(struct align_ctx *c, size_t i, size_t j, size_t *p, size_t *q)
{
    size_t na = c->s[0].n, nb = c->s[1].n;
    if (na - i < ALIGN_K || nb - j < ALIGN_K)
        return 0;
    struct search sr = { i, j, 0, 0, SIZE_MAX, 1 };
    for (int k = 1; k < ALIGN_K; k++)
        sr.rk *= ALIGN_R;
    struct gramtab tab;
    if (tab_init(&tab, ALIGN_TAB0) < 0)
        goto oom;
    size_t alim = na - ALIGN_K + 1, blim = nb - ALIGN_K + 1, added = j;
    for (size_t w = ALIGN_WIN0;; w *= 2) {
        size_t qto = j + w < blim ? j + w : blim;
        size_t pto = i + w < alim ? i + w : alim;
        if (add_b(c, &tab, &sr, added, qto) < 0)
            goto oom;
        added = qto;
        scan_a(c, &tab, &sr, pto);
        if (sr.best_cost <= w || (qto == blim && pto == alim))
            break;
    }
    tab_free(&tab);
    *p = sr.best_p;
    *q = sr.best_q;
    return sr.best_cost != SIZE_MAX;
oom:
    tab_free(&tab);
    return hvt_error_set(c->err, "align: out of memory in resync");
}
