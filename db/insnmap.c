/*
 * insnmap: pc -> chain of instruction versions (see insnmap.h).
 *
 * Linear-probing hash table over the pc, at most half full; entries are indices
 * into one growing array of versions, so a chain costs no extra allocation.  No
 * deletion: a run only ever adds instructions.
 */
#include "db/insnmap.h"

#include <stdlib.h>
#include <string.h>

#define INSNMAP_MIN_SLOTS 1024

void insnmap_init(insnmap *m)
{
    memset(m, 0, sizeof *m);
}

void insnmap_free(insnmap *m)
{
    free(m->v);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* Fibonacci hashing (Knuth, TAOCP vol 3, 6.4) of the pc's 64-byte window,
 * the pc's offset in it kept: windows spread over the table, and straight-line
 * code looks its instructions up in neighbouring slots (one cache line for
 * several steps, where a hash of the whole pc cost a cache miss each). */
static size_t slot_of(const insnmap *m, uint64_t pc)
{
    return (size_t)(((pc >> 6) * 0x9e3779b97f4a7c15ull) >> 20 << 6 | (pc & 63)) &
           (m->nslots - 1);
}

static size_t *slot_find(const insnmap *m, uint64_t pc)
{
    for (size_t i = slot_of(m, pc);; i = (i + 1) & (m->nslots - 1)) {
        size_t *s = &m->slots[i];
        if (!*s || m->v[*s - 1].pc == pc)
            return s;
    }
}

const struct insnmap_ver *insnmap_find(const insnmap *m, uint64_t pc, uint64_t step)
{
    if (!m->nslots)
        return NULL;
    for (size_t i = *slot_find(m, pc); i; i = m->v[i - 1].prev)
        if (m->v[i - 1].first_step <= step)
            return &m->v[i - 1];
    return NULL;
}

static int slots_grow(insnmap *m)
{
    size_t n = m->nslots ? m->nslots * 2 : INSNMAP_MIN_SLOTS;
    size_t *old = m->slots, nold = m->nslots;
    m->slots = calloc(n, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return -1;
    }
    m->nslots = n;
    for (size_t i = 0; i < nold; i++)
        if (old[i])
            *slot_find(m, m->v[old[i] - 1].pc) = old[i];
    free(old);
    return 0;
}

int insnmap_add(insnmap *m, uint64_t pc, uint64_t first_step, const uint8_t *bytes,
                uint8_t len, uint8_t mode)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        struct insnmap_ver *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return -1;
        m->v = v;
        m->cap = cap;
    }
    if (2 * (m->n + 1) > m->nslots && slots_grow(m))
        return -1;
    if (len > sizeof m->v[0].bytes)
        len = sizeof m->v[0].bytes;
    size_t *slot = slot_find(m, pc);
    struct insnmap_ver *v = &m->v[m->n];
    memset(v, 0, sizeof *v);
    v->pc = pc;
    v->first_step = first_step;
    v->prev = *slot;
    memcpy(v->bytes, bytes, len);
    v->len = len;
    v->mode = mode;
    *slot = ++m->n;
    return 0;
}
