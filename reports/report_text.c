/*
 * report_text: the terminal report, summary first, then hunks like diff(1).
 *
 * Order: runs and anchor, verdict with both sides' steps at the divergence
 * and the registers that differ there, statistics, registers over aligned
 * steps, BIOS calls, memory, hunks.  Hunk lines: ' ' context (from A), '-'
 * A's steps, '+' B's, '~' a loop body, '>' an excursion's first steps; long
 * sides are cut at max_lines with a count.  Equal hunks are not listed.
 * Does not compute anything the other outputs lack (see compare/compare.c).
 */
#include "reports/report_fmt.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CALLS     40       /* BIOS calls listed per run */
#define TEXT_MEM_BYTES 16       /* bytes shown per changed range */

struct tctx {
    FILE *f;
    rundb *db[2];
    const struct report_diff *d;
    struct hvt_step *buf;
    size_t cap;
    unsigned context, lines, hunks;
    hvt_error *err;
};

static int print_steps(struct tctx *t, int side, uint64_t from, uint64_t count, char mark)
{
    uint64_t show = count < t->lines ? count : t->lines;
    size_t got;
    char line[REPORT_LINE];
    if (report_read_steps(t->db[side], from, show, t->buf, &got, t->err) < 0)
        return -1;
    for (size_t i = 0; i < got; i++) {
        report_fmt_step(&t->buf[i], line, sizeof line);
        fprintf(t->f, "%c %s\n", mark, line);
    }
    if (count > got)
        fprintf(t->f, "%c ... %" PRIu64 " more step%s\n", mark, count - got,
                hvt_s(count - got));
    return 0;
}

static void print_runs(struct tctx *t)
{
    const struct report_diff *d = t->d;
    for (int i = 0; i < 2; i++) {
        const struct report_side *s = &d->side[i];
        fprintf(t->f, "%c: %s: %zu step%s, %s%s%s\n", 'A' + i, s->name, s->ntok, hvt_s(s->ntok),
                s->info.status, s->info.reason[0] ? ": " : "", s->info.reason);
    }
    if (d->anchored)
        fprintf(t->f, "anchor: pc 0x%" PRIx64 " at A #%" PRIu64 ", B #%" PRIu64 "\n",
                d->anchor_pc, d->side[0].anchor, d->side[1].anchor);
    else
        fprintf(t->f, "anchor: pc 0x%" PRIx64 " not in both runs; compared from step 0\n",
                d->anchor_pc);
    for (size_t i = 0; i < d->nexclude; i++)
        fprintf(t->f, "excluded: 0x%" PRIx64 "-0x%" PRIx64 "\n", d->exclude[i].lo,
                d->exclude[i].hi);
}

static void print_point(struct tctx *t, const struct report_point *pt)
{
    char line[REPORT_LINE * 4];
    for (int i = 0; i < 2; i++) {
        if (pt->has_last[i] && (report_fmt_step(&pt->last[i], line, sizeof line), 1))
            fprintf(t->f, "  %c last common  %s\n", 'A' + i, line);
        if (pt->has_next[i] && (report_fmt_step(&pt->next[i], line, sizeof line), 1))
            fprintf(t->f, "  %c then         %s\n", 'A' + i, line);
    }
    for (int i = 0; i < 2; i++)
        if (pt->has_smi[i] && (report_fmt_step(&pt->smi[i], line, sizeof line), 1))
            fprintf(t->f, "  %c's last SMI before it (out to port 0xb2): %s\n", 'A' + i, line);
    if (pt->has_next[0] && pt->has_next[1] &&
        report_fmt_state_diff(&pt->next[0].st, &pt->next[1].st, line, sizeof line))
        fprintf(t->f, "  registers differing there: %s\n", line);
}

static void print_verdict(struct tctx *t)
{
    const struct report_diff *d = t->d;
    char line[REPORT_LINE * 4];
    report_fmt_verdict(d, line, sizeof line);
    fprintf(t->f, "\nverdict: %s\n", line);
    if (d->has_div)
        print_point(t, &d->div);
    if (d->has_div && d->has_ends)
        fprintf(t->f, "  and: %s\n", d->ends.reason);
    if (d->reloc.code_steps && reloc_format(&d->reloc, line, sizeof line))
        fprintf(t->f, "  relocated: %s\n", line);     /* said here, not under registers */
    if (d->classes[HUNK_TIMING] + d->classes[HUNK_BY_DESIGN])
        fprintf(t->f, "  noise left out of the verdict: %" PRIu64 " timing, %" PRIu64
                " by-design hunk%s (collapsed below, each with its reason)\n",
                d->classes[HUNK_TIMING], d->classes[HUNK_BY_DESIGN],
                hvt_s(d->classes[HUNK_TIMING] + d->classes[HUNK_BY_DESIGN]));
    if (!d->has_final)
        return;
    report_fmt_final(d, line, sizeof line);
    fprintf(t->f, "\nverdict: %s\n", line);
    if (memcmp(&d->final.hunk, &d->div.hunk, sizeof d->div.hunk))
        print_point(t, &d->final);
    else
        fprintf(t->f, "  (the divergence above)\n");
}

/* One chain of causes, link by link, A's step then B's. */
static int print_why(struct tctx *t, const struct report_why *w)
{
    char line[REPORT_LINE], what[REPORT_LINE * 2];
    size_t n = w->c[0].n > w->c[1].n ? w->c[0].n : w->c[1].n;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            const struct chain_link *lk = &w->c[k].link[i];
            size_t got;
            if (i >= w->c[k].n)
                continue;
            if (report_read_steps(t->db[k], lk->step, 1, t->buf, &got, t->err) < 0)
                return -1;
            report_fmt_link(lk, what, sizeof what);
            if (got)
                report_fmt_step(&t->buf[0], line, sizeof line);
            fprintf(t->f, " %2zu %c %s\n        %s\n", i + 1, 'A' + k, got ? line : "", what);
            if (w->call[k][i] >= 0 && (i == 0 || w->call[k][i] != w->call[k][i - 1]))
                fprintf(t->f, "        during the BIOS call made at #%" PRIu64 ": %s\n",
                        t->d->side[k].calls[w->call[k][i]].step,
                        t->d->side[k].calls[w->call[k][i]].text);
        }
    return 0;
}

static int print_chain(struct tctx *t)
{
    const struct report_diff *d = t->d;
    for (size_t i = 0; i < d->nwhy; i++) {
        const struct align_hunk *h = &d->hunks[d->why[i].hunk];
        if (i == 0)
            fprintf(t->f, "\nwhy: the chain of causes behind it, back to where the runs' "
                    "inputs differ (differential slicing)\n");
        else
            fprintf(t->f, "\nwhy (meaningful divergence %zu, at A #%" PRIu64 " / B #%" PRIu64
                    "):\n", i + 1, h->a_begin, h->b_begin);
        if (print_why(t, &d->why[i]) < 0)
            return -1;
    }
    return 0;
}

static void print_stats(struct tctx *t)
{
    const struct align_result *r = &t->d->res;
    fprintf(t->f, "\nstatistics (hunks, steps in A, steps in B):\n");
    for (int k = 0; k < ALIGN_NKINDS; k++)
        if (r->hunks[k])
            fprintf(t->f, "  %-10s %8" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
                    align_kind_name((enum align_kind)k), r->hunks[k], r->steps[k][0],
                    r->steps[k][1]);
    fprintf(t->f, "  resyncs %" PRIu64 ", interrupt excursions without an identical "
            "counterpart %" PRIu64 "\n", r->resyncs, r->async_unpaired);
}

static void print_regs(struct tctx *t)
{
    static const char *const titles[] = { NULL, "persistent", "offset", "transient" };
    const struct report_diff *d = t->d;
    char line[REPORT_LINE];
    int any = 0;
    fprintf(t->f, "\nregisters over %" PRIu64 " aligned step%s:\n", d->regs.pairs,
            hvt_s(d->regs.pairs));
    for (int f = 0; f < HVT_NFIELDS; f++)
        any |= regdiff_classify(&d->regs.f[f]) != REGDIFF_SAME;
    if (!any)
        fprintf(t->f, "  none differ\n");
    if (!d->reloc.code_steps && reloc_format(&d->reloc, line, sizeof line))
        fprintf(t->f, "  relocated  %s\n", line);
    for (int kind = REGDIFF_PERSISTENT; kind <= REGDIFF_TRANSIENT; kind++)
        for (int f = 0; f < HVT_NFIELDS; f++)
            if ((int)regdiff_classify(&d->regs.f[f]) == kind && !reloc_explains(&d->reloc, f)) {
                report_fmt_reg(d, (enum hvt_field)f, line, sizeof line);
                fprintf(t->f, "  %-10s %s\n", titles[kind], line);
            }
}

static void print_call(struct tctx *t, int side, int64_t i, char mark)
{
    const struct report_call *c = &t->d->side[side].calls[i];
    fprintf(t->f, "%c %c #%-9" PRIu64 " %s\n", mark, 'A' + side, c->step, c->text);
}

static void print_calls(struct tctx *t)
{
    const struct report_side *a = &t->d->side[0], *b = &t->d->side[1];
    struct report_call_row *rows = malloc((a->ncalls + b->ncalls + 1) * sizeof *rows);
    if (!rows)
        return;
    size_t n = report_call_rows(t->d, rows), ndiff = 0, nnoise = 0;
    for (; ndiff < n && !rows[ndiff].same; ndiff++)
        nnoise += rows[ndiff].noise != NULL;
    fprintf(t->f, "\nBIOS calls: %zu in A, %zu in B, paired by alignment (before the "
            "anchor: in order); %zu differ%s, %zu of "
            "them noise (listed first: '*', then '~' noise)\n", a->ncalls, b->ncalls, ndiff,
            ndiff == 1 ? "s" : "", nnoise);
    for (size_t k = 0; k < n && k < TEXT_CALLS; k++) {
        const struct report_call_row *r = &rows[k];
        for (int side = 0; side < 2; side++)
            if (r->i[side] >= 0 && (side == 0 || !r->same))
                print_call(t, side, r->i[side], r->same ? ' ' : r->noise ? '~' : '*');
        if (r->noise)
            fprintf(t->f, "~   (%s)\n", r->noise);
        if (!r->same && (r->i[0] < 0 || r->i[1] < 0)) {
            int sk = r->i[0] < 0;       /* the side that made the call */
            uint64_t step = t->d->side[sk].calls[r->i[sk]].step;
            int early = step < t->d->side[sk].anchor;
            if (report_past_end(t->d, sk, step))
                fprintf(t->f, "%c   (past %c's end: %c's recording stops before it, not "
                        "compared)\n", r->noise ? '~' : '*', 'B' - sk, 'B' - sk);
            else
                fprintf(t->f, "%c   (no call %s in %c)\n", r->noise ? '~' : '*',
                        early ? "paired with it before the anchor" : "at the aligned step",
                        'B' - sk);
        }
    }
    if (n > TEXT_CALLS)
        fprintf(t->f, "  ... %zu more (--json lists all)\n", n - TEXT_CALLS);
    free(rows);
}

static void hex(FILE *f, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len && i < TEXT_MEM_BYTES; i++)
        fprintf(f, " %02x", p[i]);
    if (len > TEXT_MEM_BYTES)
        fprintf(f, " ...");
}

static void print_mem(struct tctx *t)
{
    const struct report_diff *d = t->d;
    char line[REPORT_LINE];
    size_t snap = SIZE_MAX, unaligned = report_mem_unaligned(d);
    fprintf(t->f, "\nmemory: %zu difference%s in snapshots both runs have", d->nmem,
            hvt_s(d->nmem));
    if (unaligned)
        fprintf(t->f, ", %zu of them in snapshots not taken at aligned steps (the runs "
                "were at different points: not evidence of a difference)", unaligned);
    fprintf(t->f, "\n");
    for (size_t i = 0; i < d->nsnaps; i++)
        if (!d->snaps[i].ndiff) {
            report_fmt_snap(&d->snaps[i], line, sizeof line);
            fprintf(t->f, " %s: no differences\n", line);
        }
    for (size_t i = 0; i < d->nmem; i++) {
        const struct report_mem *m = &d->mem[i];
        if (snap != m->snap) {
            report_fmt_snap(&d->snaps[snap = m->snap], line, sizeof line);
            fprintf(t->f, " %s:\n", line);
        }
        if (m->it.kind == MEMDIFF_IVT) {
            memdiff_format_ivt(&m->it, line, sizeof line);
            fprintf(t->f, "  %s\n", line);
        } else if (m->it.kind == MEMDIFF_BDA) {
            fprintf(t->f, "  BDA %03x %s: 0x%" PRIx64 " -> 0x%" PRIx64 "\n", m->it.addr,
                    m->it.field->name, m->it.a_val, m->it.b_val);
        } else {
            fprintf(t->f, "  %05x-%05x %s (%u byte%s)\n    A", m->it.addr,
                    m->it.addr + m->it.len - 1, memlabel_region_name(m->it.region), m->it.len,
                    hvt_s(m->it.len));
            hex(t->f, m->a, m->it.len);
            fprintf(t->f, "\n    B");
            hex(t->f, m->b, m->it.len);
            fprintf(t->f, "\n");
        }
    }
}

static int print_hunk(struct tctx *t, size_t i)
{
    const struct align_hunk *h = &t->d->hunks[i];
    char title[REPORT_LINE * 2];
    report_fmt_hunk(h, title, sizeof title);
    fprintf(t->f, "\n@@ %s @@\n", title);
    report_fmt_class(t->d, i, title, sizeof title);
    fprintf(t->f, "  [%s]\n", title);
    if (h->kind == ALIGN_UNANCHORED || t->d->verdicts[i].cls != HUNK_MEANINGFUL)
        return 0;                               /* noise: collapsed to its reason */
    if (h->kind == ALIGN_ASYNC || h->kind == ALIGN_EXCLUDED) {
        int sb = (h->flags & ALIGN_HF_SIDE_B) != 0;
        uint64_t b = sb ? h->b_begin : h->a_begin, e = sb ? h->b_end : h->a_end;
        return print_steps(t, sb, b, e - b < 4 ? e - b : 4, '>');
    }
    const struct report_side *a = &t->d->side[0];
    uint64_t cb = h->a_begin >= a->anchor + t->context ? h->a_begin - t->context : a->anchor;
    if (print_steps(t, 0, cb, h->a_begin - cb, ' ') < 0)
        return -1;
    if (h->kind == ALIGN_LOOP) {
        if (print_steps(t, 0, h->body_begin, h->body_len, '~') < 0)
            return -1;
    } else if (print_steps(t, 0, h->a_begin, h->a_end - h->a_begin, '-') < 0 ||
               print_steps(t, 1, h->b_begin, h->b_end - h->b_begin, '+') < 0) {
        return -1;
    }
    uint64_t ce = h->a_end + t->context < a->ntok ? h->a_end + t->context : a->ntok;
    return print_steps(t, 0, h->a_end, ce - h->a_end, ' ');
}

static int print_hunks(struct tctx *t)
{
    unsigned shown = 0;
    for (size_t i = 0; i < t->d->nhunks; i++) {
        const struct align_hunk *h = &t->d->hunks[i];
        if (h->kind == ALIGN_EQUAL ||
            (h->kind == ALIGN_ASYNC && (h->flags & ALIGN_HF_PEER_EQUAL)))
            continue;
        if (shown++ == t->hunks) {
            fprintf(t->f, "\n(more hunks not shown; --json lists all)\n");
            break;
        }
        if (print_hunk(t, i) < 0)
            return -1;
    }
    return 0;
}

int report_text(FILE *f, rundb *a, rundb *b, const struct report_diff *d, hvt_error *err)
{
    struct tctx t = { f, { a, b }, d, NULL, 0, d->opts.context ? d->opts.context : 3,
                      d->opts.max_lines ? d->opts.max_lines : 12,
                      d->opts.max_hunks ? d->opts.max_hunks : 200, err };
    t.cap = t.context > t.lines ? t.context : t.lines;
    if (t.lines < 4)
        t.cap = 4;
    t.buf = malloc(t.cap * sizeof *t.buf);
    if (!t.buf)
        return hvt_error_set(err, "out of memory");
    print_runs(&t);
    print_verdict(&t);
    int rc = print_chain(&t);
    print_stats(&t);
    print_regs(&t);
    print_calls(&t);
    print_mem(&t);
    if (!rc)
        rc = print_hunks(&t);
    free(t.buf);
    if (!rc && ferror(f))
        rc = hvt_error_set(err, "write error");
    return rc;
}
