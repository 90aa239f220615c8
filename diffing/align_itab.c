/*
 * align_itab: the table of distinct instructions that alignment tokens name
 * (see align.h).  Interning gives each (pc, mode, instruction bytes) one id,
 * so token equality is id equality: exact, where the former 32-bit hash of
 * the same key let two different instructions at one pc compare equal.
 *
 * Linear-probing hash table over the key (Knuth, TAOCP vol 3, 6.4, algorithm
 * L), at most half full, slots holding id + 1 into one growing array; no
 * deletion.  Invariant: no two entries have the same key, and an entry's
 * bytes past nbytes are zero (so a key compares with one memcmp).
 */
#include "diffing/align.h"

#include <stdlib.h>
#include <string.h>

#define ITAB_MIN_SLOTS 4096u

void align_itab_init(struct align_itab *t)
{
    memset(t, 0, sizeof *t);
}

void align_itab_free(struct align_itab *t)
{
    free(t->v);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* splitmix64's finaliser: spreads nearby windows. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The home slot: the pc's 64-byte window mixed, its offset in the window
 * kept, so straight-line code interns into neighbouring slots (a cache line
 * for several instructions, not a miss each).  Versions of one pc (other
 * bytes, another mode) share a home slot and are told apart by same_key. */
static size_t key_slot(const struct align_insn *k, size_t m)
{
    return (size_t)(mix(k->pc >> 6) << 6 | (k->pc & 63)) & m;
}

static int same_key(const struct align_insn *x, const struct align_insn *y)
{
    return x->pc == y->pc && x->mode == y->mode && x->nbytes == y->nbytes &&
           memcmp(x->bytes, y->bytes, sizeof x->bytes) == 0;
}

static uint32_t *slot_find(const struct align_itab *t, const struct align_insn *k)
{
    size_t m = t->nslots - 1;
    for (size_t i = key_slot(k, m);; i = (i + 1) & m) {
        uint32_t *s = &t->slots[i];
        if (!*s || same_key(&t->v[*s - 1], k))
            return s;
    }
}

int align_itab_find(const struct align_itab *t, uint64_t pc, uint8_t mode, const uint8_t *bytes,
                    size_t n, uint32_t *id)
{
    if (!t->nslots)
        return 0;
    size_t m = t->nslots - 1;
    struct align_insn k = { .pc = pc };
    for (size_t i = key_slot(&k, m); t->slots[i]; i = (i + 1) & m) {
        const struct align_insn *v = &t->v[t->slots[i] - 1];
        if (v->pc != pc || v->mode != mode || v->nbytes > n ||
            (!v->len && v->nbytes != n) || memcmp(v->bytes, bytes, v->nbytes))
            continue;
        *id = t->slots[i] - 1;
        return 1;
    }
    return 0;
}

static int rehash(struct align_itab *t, size_t nslots)
{
    uint32_t *old = t->slots;
    t->slots = calloc(nslots, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return -1;
    }
    t->nslots = nslots;
    for (size_t id = 0; id < t->n; id++)
        *slot_find(t, &t->v[id]) = (uint32_t)(id + 1);
    free(old);
    return 0;
}

static int reserve(struct align_itab *t)
{
    if ((t->n + 1) * 2 > t->nslots &&
        rehash(t, t->nslots ? t->nslots * 2 : ITAB_MIN_SLOTS) < 0)
        return -1;
    if (t->n < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : ITAB_MIN_SLOTS / 2;
    struct align_insn *v = realloc(t->v, cap * sizeof *v);
    if (!v)
        return -1;
    t->v = v;
    t->cap = cap;
    return 0;
}

int align_itab_intern(struct align_itab *t, const struct align_insn *in, uint32_t *id,
                      hvt_error *err)
{
    struct align_insn k = *in;
    if (k.nbytes > sizeof k.bytes)
        k.nbytes = sizeof k.bytes;
    memset(k.bytes + k.nbytes, 0, sizeof k.bytes - k.nbytes);
    if (t->nslots) {
        uint32_t *s = slot_find(t, &k);
        if (*s) {
            *id = *s - 1;
            return 0;
        }
    }
    if (t->n > ALIGN_INSN_MAX)
        return hvt_error_set(err, "align: more than %u distinct instructions",
                             ALIGN_INSN_MAX + 1);
    if (reserve(t) < 0)
        return hvt_error_set(err, "align: out of memory for %zu distinct instructions",
                             t->n + 1);
    t->v[t->n] = k;
    *slot_find(t, &k) = (uint32_t)(t->n + 1);
    *id = (uint32_t)t->n++;
    return 0;
}
