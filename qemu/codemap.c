/*
 * codemap: PC -> instruction bytes (see codemap.h).
 */
#include "qemu/codemap.h"

#include <stdlib.h>
#include <string.h>

#define CODEMAP_MIN_CAP 4096

static size_t slot_of(uint64_t pc, size_t cap)
{
    /* Fibonacci hashing: code addresses are dense, their low bits alike. */
    return (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

void codemap_init(struct codemap *m)
{
    memset(m, 0, sizeof *m);
}

void codemap_free(struct codemap *m)
{
    free(m->slot);
    codemap_init(m);
}

static struct codemap_entry *find(struct codemap_entry *slot, size_t cap, uint64_t pc)
{
    size_t i = slot_of(pc, cap);
    while (slot[i].len && slot[i].pc != pc)
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

static int grow(struct codemap *m)
{
    size_t cap = m->cap ? m->cap * 2 : CODEMAP_MIN_CAP;
    struct codemap_entry *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i].len)
            *find(slot, cap, m->slot[i].pc) = m->slot[i];
    free(m->slot);
    m->slot = slot;
    m->cap = cap;
    return 0;
}

int codemap_put(struct codemap *m, uint64_t pc, const uint8_t *bytes, size_t len)
{
    if (len == 0 || len > sizeof m->slot[0].bytes)
        return 0;
    if ((m->used + 1) * 2 > m->cap && grow(m))
        return -1;
    struct codemap_entry *e = find(m->slot, m->cap, pc);
    if (!e->len)
        m->used++;
    e->pc = pc;
    e->len = (uint8_t)len;
    memcpy(e->bytes, bytes, len);
    return 0;
}

int codemap_extend(struct codemap *m, uint64_t pc, const uint8_t *bytes, size_t len)
{
    if (!m->cap)
        return -1;
    struct codemap_entry *e = find(m->slot, m->cap, pc);
    if (!e->len)
        return -1;
    size_t room = sizeof e->bytes - e->len;
    memcpy(e->bytes + e->len, bytes, len < room ? len : room);
    e->len = (uint8_t)(e->len + (len < room ? len : room));
    return 0;
}

const struct codemap_entry *codemap_get(const struct codemap *m, uint64_t pc)
{
    if (!m->cap)
        return NULL;
    const struct codemap_entry *e = find(m->slot, m->cap, pc);
    return e->len ? e : NULL;
}
