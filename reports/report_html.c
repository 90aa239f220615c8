/*
 * report_html: one self-contained page: verdict box, runs and statistics, an
 * the chain of causes (report_html_chain.c), an
 * inline SVG timeline of both runs (aligned / A-only / B-only / replaced /
 * loop / interrupt / excluded stretches), a hunk index, side-by-side hunks
 * with the identical context collapsed in <details>, registers, memory (IVT
 * table, BDA table, other ranges) and BIOS calls.
 *
 * No scripts, no external assets: CSS is inline and <details> folds without
 * JavaScript.  Invariant: every string from a run file or the guest goes
 * through report_html_escape; numbers are printed by this file.
 */
#include "reports/report_fmt.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SVG_W      1000         /* timeline width, px */
#define SVG_ROW    28           /* height of one run's bar */

static const char *const kind_color[ALIGN_NKINDS] = {
    "#cfd8dc", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#1e88e5", "#fff59d", "#eeeeee",
};

static const char css[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "code,td.s,pre{font-family:monospace;font-size:13px}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:2px 6px;text-align:left;vertical-align:top}"
    ".verdict{border:3px solid;padding:.5em 1em;margin:1em 0}"
    ".differ{border-color:#e53935;background:#ffebee}.same{border-color:#43a047;"
    "background:#e8f5e9}.a{background:#ffebee}.b{background:#e8f5e9}"
    ".key span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em}";

struct hctx {
    FILE *f;
    rundb *db[2];
    const struct report_diff *d;
    struct hvt_step *buf[2];
    unsigned context, lines, hunks;
    hvt_error *err;
};

static void esc(struct hctx *h, const char *s)
{
    report_html_escape(h->f, s);
}

static void step_cells(struct hctx *h, const struct hvt_step *s)
{
    char b[REPORT_LINE];
    fprintf(h->f, "<td class=s>#%" PRIu64 "</td><td class=s>", s->n);
    report_fmt_addr(s, b, sizeof b);
    esc(h, b);
    fprintf(h->f, "</td><td class=s>");
    report_fmt_bytes(s, b, sizeof b);
    esc(h, b);
    fprintf(h->f, "</td><td class=s>");
    report_fmt_disasm(s, b, sizeof b);
    esc(h, b);
    fprintf(h->f, "</td>");
}

static void html_point(struct hctx *h, const struct report_point *pt)
{
    char b[REPORT_LINE * 4];
    fprintf(h->f, "<table><tr><th></th><th>step</th><th>CS:IP</th><th>bytes</th>"
            "<th>instruction</th></tr>");
    for (int i = 0; i < 2; i++) {
        if (pt->has_last[i] && fprintf(h->f, "<tr><th>%c last common</th>", 'A' + i))
            step_cells(h, &pt->last[i]), fprintf(h->f, "</tr>");
        if (pt->has_next[i] && fprintf(h->f, "<tr class=%c><th>%c then</th>", 'a' + i, 'A' + i))
            step_cells(h, &pt->next[i]), fprintf(h->f, "</tr>");
    }
    for (int i = 0; i < 2; i++)
        if (pt->has_smi[i] && fprintf(h->f, "<tr><th>%c last SMI before</th>", 'A' + i))
            step_cells(h, &pt->smi[i]), fprintf(h->f, "</tr>");
    fprintf(h->f, "</table>");
    if (pt->has_next[0] && pt->has_next[1] &&
        report_fmt_state_diff(&pt->next[0].st, &pt->next[1].st, b, sizeof b)) {
        fprintf(h->f, "<p>Registers differing there: <code>");
        esc(h, b);
        fprintf(h->f, "</code></p>");
    }
}

static void html_verdict(struct hctx *h)
{
    const struct report_diff *d = h->d;
    char b[REPORT_LINE * 4];
    report_fmt_verdict(d, b, sizeof b);
    fprintf(h->f, "<div id=verdict class=\"verdict %s\"><h2>Verdict</h2><p><b>",
            report_diff_status(d) ? "differ" : "same");
    esc(h, b);
    fprintf(h->f, "</b></p>");
    if (d->has_div)
        html_point(h, &d->div);
    if (d->has_div && d->has_ends) {
        fprintf(h->f, "<p>And: ");
        esc(h, d->ends.reason);
        fprintf(h->f, "</p>");
    }
    if (d->classes[HUNK_TIMING] + d->classes[HUNK_BY_DESIGN])
        fprintf(h->f, "<p>Noise left out of the verdict: %" PRIu64 " timing, %" PRIu64
                " by-design hunks (collapsed below, each with its reason).</p>",
                d->classes[HUNK_TIMING], d->classes[HUNK_BY_DESIGN]);
    if (d->has_final) {
        report_fmt_final(d, b, sizeof b);
        fprintf(h->f, "<p><b>");
        esc(h, b);
        fprintf(h->f, "</b></p>");
        if (memcmp(&d->final.hunk, &d->div.hunk, sizeof d->div.hunk))
            html_point(h, &d->final);
        else
            fprintf(h->f, "<p>(the divergence above)</p>");
    }
    fprintf(h->f, "</div>\n");
}

static void html_runs(struct hctx *h)
{
    const struct report_diff *d = h->d;
    fprintf(h->f, "<h2>Runs</h2><table><tr><th></th><th>file</th><th>steps</th>"
            "<th>status</th><th>anchor step</th><th>BIOS calls</th></tr>");
    for (int i = 0; i < 2; i++) {
        const struct report_side *s = &d->side[i];
        fprintf(h->f, "<tr><th>%c</th><td>", 'A' + i);
        esc(h, s->name);
        fprintf(h->f, "</td><td>%zu</td><td>", s->ntok);
        esc(h, s->info.status);
        fprintf(h->f, " ");
        esc(h, s->info.reason);
        fprintf(h->f, "</td><td>%" PRIu64 "</td><td>%zu</td></tr>", s->anchor, s->ncalls);
    }
    fprintf(h->f, "</table><p>Anchor pc 0x%" PRIx64 " %s.", d->anchor_pc,
            d->anchored ? "found in both runs" : "not in both runs: compared from step 0");
    for (size_t i = 0; i < d->nexclude; i++)
        fprintf(h->f, " Excluded 0x%" PRIx64 "-0x%" PRIx64 ".", d->exclude[i].lo,
                d->exclude[i].hi);
    fprintf(h->f, "</p>\n<h2>Statistics</h2><table><tr><th>kind</th><th>hunks</th>"
            "<th>steps in A</th><th>steps in B</th></tr>");
    for (int k = 0; k < ALIGN_NKINDS; k++)
        if (d->res.hunks[k])
            fprintf(h->f, "<tr><td>%s</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%"
                    PRIu64 "</td></tr>", align_kind_name((enum align_kind)k),
                    d->res.hunks[k], d->res.steps[k][0], d->res.steps[k][1]);
    fprintf(h->f, "</table><p>%" PRIu64 " resynchronisation%s; %" PRIu64 " interrupt "
            "excursion%s without an identical counterpart.</p>\n", d->res.resyncs,
            hvt_s(d->res.resyncs), d->res.async_unpaired, hvt_s(d->res.async_unpaired));
}

static void svg_rect(struct hctx *h, uint64_t b, uint64_t e, double scale, int row, int kind)
{
    if (e <= b)
        return;
    double x = 20 + (double)b * scale, w = (double)(e - b) * scale;
    fprintf(h->f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
            x, 20 + row * (SVG_ROW + 10), w < 1 ? 1 : w, SVG_ROW, kind_color[kind]);
}

static void html_timeline(struct hctx *h)
{
    const struct report_diff *d = h->d;
    size_t n = d->side[0].ntok > d->side[1].ntok ? d->side[0].ntok : d->side[1].ntok;
    double scale = n ? (double)SVG_W / (double)n : 1;
    fprintf(h->f, "<h2>Timeline</h2><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" role=img aria-label=\"timeline\">", SVG_W + 40, 2 * SVG_ROW + 40);
    fprintf(h->f, "<text x=\"0\" y=\"%d\" font-size=\"14\">A</text><text x=\"0\" "
            "y=\"%d\" font-size=\"14\">B</text>", 20 + SVG_ROW / 2 + 5,
            30 + SVG_ROW + SVG_ROW / 2 + 5);
    for (size_t i = 0; i < d->nhunks; i++) {
        const struct align_hunk *k = &d->hunks[i];
        svg_rect(h, k->a_begin, k->a_end, scale, 0, k->kind);
        svg_rect(h, k->b_begin, k->b_end, scale, 1, k->kind);
    }
    fprintf(h->f, "</svg><p class=key>");
    for (int k = 0; k < ALIGN_NKINDS; k++)
        fprintf(h->f, "<span style=\"background:%s\"></span>%s", kind_color[k],
                align_kind_name((enum align_kind)k));
    fprintf(h->f, "</p>\n");
}

static int listed(const struct align_hunk *k)
{
    return k->kind != ALIGN_EQUAL &&
           !(k->kind == ALIGN_ASYNC && (k->flags & ALIGN_HF_PEER_EQUAL));
}

static void html_index(struct hctx *h)
{
    char b[REPORT_LINE * 2];
    unsigned shown = 0;
    fprintf(h->f, "<h2>Hunks</h2><ol>");
    for (size_t i = 0; i < h->d->nhunks && shown < h->hunks; i++) {
        if (!listed(&h->d->hunks[i]))
            continue;
        shown++;
        report_fmt_hunk(&h->d->hunks[i], b, sizeof b);
        fprintf(h->f, "<li><a href=\"#h%zu\">", i);
        esc(h, b);
        fprintf(h->f, "</a></li>");
    }
    fprintf(h->f, "</ol>\n");
}

/* Rows pairing A's steps [ab, ab+na) with B's [bb, bb+nb), at most h->lines. */
static int sbs_rows(struct hctx *h, uint64_t ab, uint64_t na, uint64_t bb, uint64_t nb)
{
    size_t ga, gb;
    if (report_read_steps(h->db[0], ab, na < h->lines ? na : h->lines, h->buf[0], &ga, h->err) ||
        report_read_steps(h->db[1], bb, nb < h->lines ? nb : h->lines, h->buf[1], &gb, h->err))
        return -1;
    for (size_t i = 0; i < ga || i < gb; i++) {
        fprintf(h->f, "<tr>");
        if (i < ga && fprintf(h->f, "<td class=a></td>"))
            step_cells(h, &h->buf[0][i]);
        else
            fprintf(h->f, "<td colspan=5></td>");
        if (i < gb && fprintf(h->f, "<td class=b></td>"))
            step_cells(h, &h->buf[1][i]);
        else
            fprintf(h->f, "<td colspan=5></td>");
        fprintf(h->f, "</tr>");
    }
    if (na > ga || nb > gb)
        fprintf(h->f, "<tr><td colspan=5>%" PRIu64 " more</td><td colspan=5>%" PRIu64
                " more</td></tr>", na - ga, nb - gb);
    return 0;
}

/* Identical context, folded. */
static int sbs_context(struct hctx *h, uint64_t ab, uint64_t bb, uint64_t n, const char *what)
{
    if (!n)
        return 0;
    fprintf(h->f, "<tr><td colspan=10><details><summary>%" PRIu64 " identical step%s %s"
            "</summary><table>", n, hvt_s(n), what);
    int rc = sbs_rows(h, ab, n, bb, n);
    fprintf(h->f, "</table></details></td></tr>");
    return rc;
}

static int html_hunk(struct hctx *h, size_t i)
{
    const struct align_hunk *k = &h->d->hunks[i];
    char b[REPORT_LINE * 2];
    int noise = h->d->verdicts[i].cls != HUNK_MEANINGFUL;
    report_fmt_hunk(k, b, sizeof b);
    fprintf(h->f, "<section id=\"h%zu\" class=\"hunk %s\"><h3>", i,
            noise ? "noise" : "meaningful");
    esc(h, b);
    fprintf(h->f, "</h3><p class=cls>");
    report_fmt_class(h->d, i, b, sizeof b);
    esc(h, b);
    fprintf(h->f, "</p>%s<table><tr><th colspan=5>A</th><th colspan=5>B</th></tr>",
            noise ? "<details><summary>steps (noise, collapsed)</summary>" : "");
    uint64_t c = h->context, a0 = h->d->side[0].anchor, b0 = h->d->side[1].anchor;
    c = k->a_begin - a0 < c ? k->a_begin - a0 : c;
    c = k->b_begin - b0 < c ? k->b_begin - b0 : c;
    int rc = k->kind == ALIGN_UNANCHORED ? 0
             : sbs_context(h, k->a_begin - c, k->b_begin - c, c, "before");
    if (!rc && k->kind == ALIGN_LOOP)
        rc = sbs_rows(h, k->body_begin, k->body_len, k->b_begin, 0);
    else if (!rc && k->kind != ALIGN_UNANCHORED)
        rc = sbs_rows(h, k->a_begin, k->a_end - k->a_begin, k->b_begin, k->b_end - k->b_begin);
    fprintf(h->f, "</table>%s</section>\n", noise ? "</details>" : "");
    return rc;
}

static int html_hunks(struct hctx *h)
{
    unsigned shown = 0;
    for (size_t i = 0; i < h->d->nhunks && shown < h->hunks; i++)
        if (listed(&h->d->hunks[i])) {
            shown++;
            if (html_hunk(h, i) < 0)
                return -1;
        }
    return 0;
}

static void html_regs(struct hctx *h)
{
    static const char *const kinds[] = { "same", "persistent", "offset", "transient" };
    const struct report_diff *d = h->d;
    char b[REPORT_LINE];
    fprintf(h->f, "<h2>Registers</h2><p>Over %" PRIu64 " aligned step%s.</p>", d->regs.pairs,
            hvt_s(d->regs.pairs));
    if (reloc_format(&d->reloc, b, sizeof b)) {       /* said once, not field by field */
        fprintf(h->f, "<p><b>relocated:</b> ");
        esc(h, b);
        fprintf(h->f, "</p>");
    }
    fprintf(h->f, "<table><tr><th>kind</th><th>difference</th></tr>");
    for (int kind = REGDIFF_PERSISTENT; kind <= REGDIFF_TRANSIENT; kind++)
        for (int f = 0; f < HVT_NFIELDS; f++)
            if ((int)regdiff_classify(&d->regs.f[f]) == kind && !reloc_explains(&d->reloc, f)) {
                report_fmt_reg(d, (enum hvt_field)f, b, sizeof b);
                fprintf(h->f, "<tr><td>%s</td><td><code>", kinds[kind]);
                esc(h, b);
                fprintf(h->f, "</code></td></tr>");
            }
    fprintf(h->f, "</table>\n");
}

static void hexcell(struct hctx *h, const uint8_t *p, uint32_t len)
{
    fprintf(h->f, "<td class=s>");
    for (uint32_t i = 0; i < len && i < 16; i++)
        fprintf(h->f, "%02x ", p[i]);
    fprintf(h->f, "%s</td>", len > 16 ? "..." : "");
}

/* One table of the memory items of kind `kind`. */
static void mem_table(struct hctx *h, enum memdiff_kind kind, const char *title,
                      const char *head)
{
    int any = 0;
    for (size_t i = 0; i < h->d->nmem; i++) {
        const struct report_mem *m = &h->d->mem[i];
        const struct memdiff_item *it = &m->it;
        if (it->kind != kind)
            continue;
        if (!any++)
            fprintf(h->f, "<h3>%s</h3><table><tr><th>snapshot</th>%s</tr>", title, head);
        fprintf(h->f, "<tr><td>");
        esc(h, m->snapshot);
        if (m->snap < h->d->nsnaps && !h->d->snaps[m->snap].aligned)
            fprintf(h->f, " (not aligned)");
        fprintf(h->f, "</td>");
        if (kind == MEMDIFF_IVT) {
            fprintf(h->f, "<td>int %02xh</td><td class=s>%04x:%04x</td><td>", it->vector,
                    it->a_seg, it->a_off);
            esc(h, it->a_desc);
            fprintf(h->f, "</td><td class=s>%04x:%04x</td><td>", it->b_seg, it->b_off);
            esc(h, it->b_desc);
            fprintf(h->f, "</td>");
        } else if (kind == MEMDIFF_BDA) {
            fprintf(h->f, "<td class=s>%03x</td><td>", it->addr);
            esc(h, it->field->name);
            fprintf(h->f, "</td><td class=s>0x%" PRIx64 "</td><td class=s>0x%" PRIx64 "</td>",
                    it->a_val, it->b_val);
        } else {
            fprintf(h->f, "<td class=s>%05x-%05x</td><td>%s</td>", it->addr,
                    it->addr + it->len - 1, memlabel_region_name(it->region));
            hexcell(h, m->a, it->len);
            hexcell(h, m->b, it->len);
        }
        fprintf(h->f, "</tr>");
    }
    if (any)
        fprintf(h->f, "</table>\n");
}

/* Where each run took each snapshot both have, and whether at aligned steps. */
static void snap_list(struct hctx *h)
{
    char line[REPORT_LINE];
    size_t unaligned = report_mem_unaligned(h->d);
    if (unaligned)
        fprintf(h->f, "<p>%zu of them in snapshots not taken at aligned steps (the runs "
                "were at different points: not evidence of a difference).</p>", unaligned);
    if (!h->d->nsnaps)
        return;
    fprintf(h->f, "<ul>");
    for (size_t i = 0; i < h->d->nsnaps; i++) {
        report_fmt_snap(&h->d->snaps[i], line, sizeof line);
        fprintf(h->f, "<li>");
        esc(h, line);
        fprintf(h->f, ": %zu difference%s</li>", h->d->snaps[i].ndiff,
                hvt_s(h->d->snaps[i].ndiff));
    }
    fprintf(h->f, "</ul>\n");
}

static void html_mem(struct hctx *h)
{
    fprintf(h->f, "<h2>Memory</h2><p>%zu difference%s in snapshots both runs have.</p>",
            h->d->nmem, hvt_s(h->d->nmem));
    snap_list(h);
    mem_table(h, MEMDIFF_IVT, "IVT", "<th>vector</th><th>A</th><th>A target</th>"
              "<th>B</th><th>B target</th>");
    mem_table(h, MEMDIFF_BDA, "BDA", "<th>addr</th><th>field</th><th>A</th><th>B</th>");
    mem_table(h, MEMDIFF_RANGE, "Other ranges", "<th>range</th><th>region</th>"
              "<th>A bytes</th><th>B bytes</th>");
}

static void html_calls(struct hctx *h)
{
    const struct report_side *a = &h->d->side[0], *b = &h->d->side[1];
    struct report_call_row *rows = malloc((a->ncalls + b->ncalls + 1) * sizeof *rows);
    if (!rows)
        return;
    size_t n = report_call_rows(h->d, rows);
    fprintf(h->f, "<h2>BIOS calls</h2><p>Paired by alignment (the call at the same aligned "
            "step); the ones that differ first.</p><table><tr><th>A step</th><th>A</th>"
            "<th>B step</th><th>B</th></tr>");
    for (size_t i = 0; i < n && i < 500; i++) {
        fprintf(h->f, "<tr%s>", rows[i].same || rows[i].noise ? "" : " class=a");
        for (int s = 0; s < 2; s++) {
            if (rows[i].i[s] < 0) {
                fprintf(h->f, "<td></td><td></td>");
                continue;
            }
            const struct report_call *c = &h->d->side[s].calls[rows[i].i[s]];
            fprintf(h->f, "<td>%" PRIu64 "</td><td class=s>", c->step);
            esc(h, c->text);
            fprintf(h->f, "</td>");
        }
        if (rows[i].noise) {
            fprintf(h->f, "<td>");
            esc(h, rows[i].noise);
            fprintf(h->f, "</td>");
        }
        fprintf(h->f, "</tr>");
    }
    fprintf(h->f, "</table>\n");
    free(rows);
}

int report_html(FILE *f, rundb *a, rundb *b, const struct report_diff *d, hvt_error *err)
{
    struct hctx h = { f, { a, b }, d, { NULL, NULL }, d->opts.context ? d->opts.context : 3,
                      d->opts.max_lines ? d->opts.max_lines : 12,
                      d->opts.max_hunks ? d->opts.max_hunks : 200, err };
    if (h.context > h.lines)
        h.lines = h.context;
    h.buf[0] = malloc(h.lines * sizeof *h.buf[0]);
    h.buf[1] = malloc(h.lines * sizeof *h.buf[1]);
    int rc = h.buf[0] && h.buf[1] ? 0 : hvt_error_set(err, "out of memory");
    if (!rc) {
        fprintf(f, "<!DOCTYPE html>\n<html lang=en><head><meta charset=\"utf-8\">"
                "<title>hvtrace diff</title><style>%s</style></head><body>"
                "<h1>hvtrace diff</h1>\n", css);
        html_verdict(&h);
        rc = report_html_chain(f, a, b, d, err);
    }
    if (!rc) {
        html_runs(&h);
        html_timeline(&h);
        html_index(&h);
        rc = html_hunks(&h);
    }
    if (!rc) {
        html_regs(&h);
        html_mem(&h);
        html_calls(&h);
        fprintf(f, "</body></html>\n");
        if (ferror(f))
            rc = hvt_error_set(err, "write error");
    }
    free(h.buf[0]);
    free(h.buf[1]);
    return rc;
}
