/*
 * reloc_src: feeds diffing/reloc with what the runs show, once the alignment
 * and the register statistics exist (report_diff_compute calls report_reloc).
 *
 * Shifted code: the longest stretch, over the hunks where both sides ran something
 * else, in which B repeats A's steps at PCs shifted by one constant
 * (reloc_code_shift); the registers of its step pairs (up to RELOC_PAIRS) say which
 * fields moved with the code (kept only where the aligned pairs agree).  Memory maps: each side's E820 entries as its BIOS calls name
 * them (diffing/bioscall.c's "int 15h E820 entry N: LO-HI type T"), and hv's
 * hidden range from hv's banner in the run's serial output ("guest memory excludes
 * LO-HI"), which holds whether hvtrace or GRUB loaded hv.
 * Does not print; a run without either leaves the map empty, and reloc then names
 * no cause.
 */
#include "compare/compare.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void map_from_calls(const struct report_side *s, struct reloc_map *m)
{
    for (size_t i = 0; i < s->ncalls && m->n < RELOC_MAX_E820; i++) {
        unsigned long long lo, hi;
        unsigned type, idx;
        if (sscanf(s->calls[i].text, "int 15h E820 entry %u: %llx-%llx type %u",
                   &idx, &lo, &hi, &type) == 4 && hi >= lo)
            m->e[m->n++] = (struct reloc_e820){ lo, hi - lo + 1, type };
    }
}

static int on_serial(void *ctx, uint64_t step, const char *kind, const char *text,
                     size_t len)
{
    (void)len;
    struct reloc_map *m = ctx;
    const char *p = strstr(text, "guest memory excludes ");
    unsigned long long lo, hi;
    if (p && sscanf(p, "guest memory excludes %llx-%llx", &lo, &hi) == 2 && hi > lo)
        m->hv_lo = lo, m->hv_hi = hi;
    return 0;
}

#define RELOC_CHUNK 4096            /* shifted step pairs read at a time */
#define RELOC_PAIRS (1u << 20)      /* at most this many compared */

struct reloc_states {
    struct hvt_state st[RELOC_CHUNK];
    size_t n;
};

static int on_state(void *ctx, const struct hvt_step *s)
{
    struct reloc_states *c = ctx;
    c->st[c->n++] = s->st;
    return c->n == RELOC_CHUNK;
}

/* Registers over the first pairs of the shifted stretch (A's step i with B's). */
static int shifted_regs(rundb *a, uint64_t a0, rundb *b, uint64_t b0, uint64_t n,
                        struct regdiff *rd)
{
    static struct reloc_states sa, sb;
    hvt_error err;
    if (n > RELOC_PAIRS)
        n = RELOC_PAIRS;
    regdiff_init(rd);
    for (uint64_t off = 0; off < n; off += RELOC_CHUNK) {
        uint64_t m = n - off < RELOC_CHUNK ? n - off : RELOC_CHUNK;
        sa.n = sb.n = 0;
        if (rundb_read_steps(a, a0 + off, m, on_state, &sa, &err) < 0 ||
            rundb_read_steps(b, b0 + off, m, on_state, &sb, &err) < 0)
            return -1;
        for (size_t k = 0; k < sa.n && k < sb.n; k++)
            regdiff_add(rd, a0 + off + k, &sa.st[k], b0 + off + k, &sb.st[k]);
    }
    return 0;
}

void report_reloc(struct report_diff *d, rundb *a, rundb *b)
{
    struct reloc_map maps[2];
    memset(maps, 0, sizeof maps);
    rundb *db[2] = { a, b };
    for (int i = 0; i < 2; i++) {
        hvt_error err;
        map_from_calls(&d->side[i], &maps[i]);
        rundb_read_serial(db[i], on_serial, &maps[i], &err);   /* no serial: no range */
    }
    uint64_t best = 0, best_pc = 0, best_a = 0, best_b = 0;
    int64_t best_delta = 0;
    for (size_t i = 0; i < d->nhunks; i++) {
        const struct align_hunk *h = &d->hunks[i];
        if (h->a_end <= h->a_begin || h->b_end <= h->b_begin)
            continue;
        int64_t delta;
        uint64_t n = reloc_code_shift(&d->itab, d->side[0].tok + h->a_begin,
                                      h->a_end - h->a_begin, d->side[1].tok + h->b_begin,
                                      h->b_end - h->b_begin, &delta);
        if (n > best)
            best = n, best_delta = delta,
            best_pc = align_tok_pc(&d->itab, &d->side[0].tok[h->a_begin]),
            best_a = h->a_begin, best_b = h->b_begin;
    }
    static struct regdiff shifted;      /* static: too large for the stack */
    if (best < RELOC_MIN_CODE_STEPS ||
        shifted_regs(a, best_a, b, best_b, best, &shifted) < 0) {
        reloc_explain(&d->regs, best, best_delta, best_pc, &maps[0], &maps[1], &d->reloc);
        return;
    }
    reloc_explain(&shifted, best, best_delta, best_pc, &maps[0], &maps[1], &d->reloc);
    reloc_keep_consistent(&d->reloc, &d->regs);
}
