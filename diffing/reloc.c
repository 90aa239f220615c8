/*
 * reloc: "B runs the same code D higher" (see reloc.h).
 *
 * Evidence, strongest first: (1) a stretch of B's steps that repeats A's step for
 * step (same instruction length, mode and control-flow class) at PCs that differ by
 * one constant D; (2) address-holding registers (CR3, RSP, GDTR and IDTR bases) that
 * differ by one constant wherever they differ (regdiff's same_delta; pairs where a
 * field is equal on both sides, CR3 before paging, do not count), when code alone
 * does not show D.  The cause is then looked up:
 * a range B's firmware map (or hv's banner) reserves that ends above A's address
 * and at or below A's address + D is what pushed the code up.
 * Invariant: every field reported as explained differs by exactly D on every pair
 * where it differs.
 */
#include "diffing/reloc.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const enum hvt_field reloc_addr_fields[] = {
    HVT_CR3, HVT_RSP, HVT_GDTR_BASE, HVT_IDTR_BASE,
};
#define RELOC_NADDR (sizeof reloc_addr_fields / sizeof reloc_addr_fields[0])
#define RELOC_E820_RAM 1u

/* x and y, at pcs d apart, are the same kind of instruction. */
static int shifted_alike(const struct align_insn *x, const struct align_insn *y, int64_t d)
{
    return (int64_t)(y->pc - x->pc) == d && x->len == y->len && x->len &&
           x->mode == y->mode && x->cf == y->cf;
}

uint64_t reloc_code_shift(const struct align_itab *itab, const struct align_token *a,
                          size_t na, const struct align_token *b, size_t nb, int64_t *delta)
{
    *delta = 0;
    if (na == 0 || nb == 0 || align_tok_pc(itab, &a[0]) == align_tok_pc(itab, &b[0]))
        return 0;
    int64_t d = (int64_t)(align_tok_pc(itab, &b[0]) - align_tok_pc(itab, &a[0]));
    size_t i = 0;
    while (i < na && i < nb && shifted_alike(align_insn_of(itab, &a[i]),
                                             align_insn_of(itab, &b[i]), d))
        i++;
    *delta = d;
    return i;
}

/* The field's constant b - a over every pair where it differs, if it has one.
 * Pairs where it is equal do not count against it: CR3 is 0 on both sides until
 * the code turns paging on, then differs by the shift. */
static int field_delta(const struct regdiff_field *f, int64_t *d)
{
    if (!f->differ || !f->same_delta)
        return 0;
    *d = (int64_t)(f->b - f->a);
    return *d != 0;
}

/* Without shifted code: the delta at least two address fields share. */
static int fields_delta(const struct regdiff *rd, int64_t *out, uint64_t *a_addr)
{
    for (size_t i = 0; i < RELOC_NADDR; i++) {
        int64_t d;
        if (!field_delta(&rd->f[reloc_addr_fields[i]], &d))
            continue;
        int same = 0;
        for (size_t j = 0; j < RELOC_NADDR; j++) {
            int64_t e;
            same += field_delta(&rd->f[reloc_addr_fields[j]], &e) && e == d;
        }
        if (same >= 2) {
            *out = d;
            *a_addr = rd->f[reloc_addr_fields[i]].a;
            return 1;
        }
    }
    return 0;
}

static int map_has(const struct reloc_map *m, const struct reloc_e820 *e)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].base == e->base && m->e[i].len == e->len && m->e[i].type == e->type)
            return 1;
    return 0;
}

/* A reserved range ending in (lo, hi]: hv's first, then B-only non-RAM entries. */
static void find_cause(const struct reloc_map *a, const struct reloc_map *b, uint64_t lo,
                       uint64_t hi, struct reloc *r)
{
    if (b->hv_hi > lo && b->hv_hi <= hi) {
        r->res_lo = b->hv_lo, r->res_hi = b->hv_hi, r->res_is_hv = 1;
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct reloc_e820 *e = &b->e[i];
        uint64_t end = e->base + e->len;
        if (e->type == RELOC_E820_RAM || map_has(a, e) || end <= lo || end > hi)
            continue;
        if (r->res_hi && (e->base != r->res_lo || end != r->res_hi))
            continue;                   /* hv's range wins; the entry must be it */
        r->e820_index = (int)i;
        r->res_lo = e->base, r->res_hi = end;
        return;
    }
}

int reloc_explain(const struct regdiff *rd, uint64_t code_steps, int64_t code_delta,
                  uint64_t code_a_pc, const struct reloc_map *a, const struct reloc_map *b,
                  struct reloc *r)
{
    memset(r, 0, sizeof *r);
    r->e820_index = -1;
    if (code_steps >= RELOC_MIN_CODE_STEPS && code_delta != 0) {
        r->delta = code_delta, r->a_addr = code_a_pc, r->code_steps = code_steps;
    } else if (!fields_delta(rd, &r->delta, &r->a_addr)) {
        return 0;
    }
    for (int f = 0; f < HVT_NFIELDS; f++) {
        int64_t d;
        if (f != HVT_RIP && field_delta(&rd->f[f], &d) && d == r->delta)
            r->fields |= (uint64_t)1 << f;
    }
    uint64_t lo = r->a_addr, hi = r->a_addr + (uint64_t)r->delta;
    if (r->delta > 0 && a && b)
        find_cause(a, b, lo, hi, r);
    r->found = 1;
    return 1;
}

void reloc_keep_consistent(struct reloc *r, const struct regdiff *rd)
{
    for (int f = 0; f < HVT_NFIELDS; f++) {
        int64_t d;
        if ((r->fields >> f & 1) && rd->f[f].differ &&
            !(field_delta(&rd->f[f], &d) && d == r->delta))
            r->fields &= ~((uint64_t)1 << f);
    }
}

int reloc_explains(const struct reloc *r, int field)
{
    return r->found && field >= 0 && field < HVT_NFIELDS && (r->fields >> field & 1);
}

static size_t reloc_fields(const struct reloc *r, char *buf, size_t n)
{
    size_t len = 0;
    for (int f = 0; f < HVT_NFIELDS && len < n; f++)
        if (r->fields >> f & 1)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "",
                                    hvt_field_name((enum hvt_field)f));
    return len < n ? len : n - 1;
}

size_t reloc_format(const struct reloc *r, char *buf, size_t n)
{
    if (!n)
        return 0;
    buf[0] = 0;
    if (!r->found)
        return 0;
    uint64_t mag = r->delta < 0 ? (uint64_t)0 - (uint64_t)r->delta : (uint64_t)r->delta;
    char fields[256] = "";
    reloc_fields(r, fields, sizeof fields);
    size_t len = (size_t)snprintf(buf, n, "B runs the same code 0x%" PRIx64 " %s", mag,
                                  r->delta < 0 ? "lower" : "higher");
    if (len < n && r->code_steps)
        len += (size_t)snprintf(buf + len, n - len, " (%" PRIu64 " step%s at PCs shifted by it%s%s)",
                                r->code_steps, hvt_s(r->code_steps), *fields ? "; shifted alike: " : "", fields);
    else if (len < n)
        len += (size_t)snprintf(buf + len, n - len, " (shifted alike: %s)", fields);
    if (len < n && r->res_hi) {
        len += (size_t)snprintf(buf + len, n - len, ": placed above %s 0x%" PRIx64 "-0x%" PRIx64,
                                r->res_is_hv ? "hv's reserved range" : "the reserved range",
                                r->res_lo, r->res_hi - 1);
        if (len < n && r->e820_index >= 0)
            len += (size_t)snprintf(buf + len, n - len, ", see B's E820 entry %d", r->e820_index);
    }
    return len < n ? len : n - 1;
}
