/*
 * report_html_chain: the chain of causes in the HTML report, drawn as a path
 * on two timelines (A above, B below) and listed link by link.
 *
 * The drawing puts link i of both runs in column i counted from the right
 * (the divergence) to the left (the root cause, earliest in time): each run's
 * links are joined by its own path, a dashed line pairs A's and B's link i,
 * and every circle is a link (<a href>) to that step's row below, which shows
 * the step on both sides.  Inline SVG, no scripts.  Invariant: text from a run
 * file passes report_html_escape.
 */
#include "reports/report_fmt.h"

#include <inttypes.h>

#define COL   150       /* px per link */
#define ROW_A 50
#define ROW_B 150

static double col_x(size_t i, size_t n)
{
    return (double)(n - 1 - i) * COL + COL / 2.0;
}

static void svg_side(FILE *f, const struct chain *c, size_t n, int side)
{
    int y = side ? ROW_B : ROW_A;
    const char *color = side ? "#2e7d32" : "#c62828";
    if (c->n > 1) {
        fprintf(f, "<polyline fill=none stroke=\"%s\" stroke-width=3 points=\"", color);
        for (size_t i = 0; i < c->n; i++)
            fprintf(f, "%.0f,%d ", col_x(i, n), y);
        fprintf(f, "\"/>");
    }
    for (size_t i = 0; i < c->n; i++) {
        const struct chain_link *lk = &c->link[i];
        int end = lk->kind == CHAIN_OUTSIDE || lk->kind == CHAIN_START ||
                  lk->kind == CHAIN_CONSTANT;
        fprintf(f, "<a href=\"#chain%d\"><circle cx=\"%.0f\" cy=\"%d\" r=\"%d\" fill=\"%s\" "
                "stroke=\"#222\"><title>%c #%" PRIu64 " %s</title></circle></a>",
                (int)i, col_x(i, n), y, end ? 13 : 9, end ? "#ffb300" : color, 'A' + side,
                lk->step, chain_kind_name((enum chain_link_kind)lk->kind));
        fprintf(f, "<text x=\"%.0f\" y=\"%d\" font-size=12 text-anchor=middle>#%" PRIu64
                " %s</text>", col_x(i, n), side ? y + 30 : y - 20, lk->step,
                chain_kind_name((enum chain_link_kind)lk->kind));
    }
}

static void svg(FILE *f, const struct chain c[2])
{
    size_t n = c[0].n > c[1].n ? c[0].n : c[1].n;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" height=\"200\" "
            "role=img aria-label=\"chain of causes\">", n * COL + 40);
    fprintf(f, "<text x=\"0\" y=\"%d\" font-size=14>A</text><text x=\"0\" y=\"%d\" "
            "font-size=14>B</text>", ROW_A + 5, ROW_B + 5);
    for (size_t i = 0; i < n; i++)
        if (i < c[0].n && i < c[1].n)
            fprintf(f, "<line x1=\"%.0f\" y1=\"%d\" x2=\"%.0f\" y2=\"%d\" stroke=\"#777\" "
                    "stroke-dasharray=\"4 3\"/>", col_x(i, n), ROW_A, col_x(i, n), ROW_B);
    svg_side(f, &c[0], n, 0);
    svg_side(f, &c[1], n, 1);
    fprintf(f, "</svg><p>Time runs left to right; the divergence is on the right, the "
            "root cause on the left (large circles: where a value came from outside the "
            "guest's code, a constant, or before the trace).</p>");
}

static int cell(FILE *f, rundb *db, const struct chain *c, size_t i, hvt_error *err)
{
    char line[REPORT_LINE], what[REPORT_LINE * 2];
    struct hvt_step st;
    size_t got = 0;
    if (i >= c->n) {
        fprintf(f, "<td></td>");
        return 0;
    }
    if (report_read_steps(db, c->link[i].step, 1, &st, &got, err) < 0)
        return -1;
    fprintf(f, "<td><code>");
    if (got) {
        report_fmt_step(&st, line, sizeof line);
        report_html_escape(f, line);
    }
    fprintf(f, "</code><br>");
    report_fmt_link(&c->link[i], what, sizeof what);
    report_html_escape(f, what);
    fprintf(f, "</td>");
    return 0;
}

int report_html_chain(FILE *f, rundb *a, rundb *b, const struct report_diff *d,
                      hvt_error *err)
{
    if (!d->nwhy)
        return 0;
    const struct chain *c = d->why[0].c;
    fprintf(f, "<div id=chain><h2>Why: the chain of causes</h2><p>Walked back from the "
            "divergence over both aligned traces, following at each link the input whose "
            "value differs (differential slicing).</p>");
    svg(f, c);
    fprintf(f, "<table><tr><th>link</th><th>A</th><th>B</th></tr>");
    size_t n = c[0].n > c[1].n ? c[0].n : c[1].n;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr id=\"chain%zu\"><td>%zu</td>", i, i + 1);
        if (cell(f, a, &c[0], i, err) < 0 || cell(f, b, &c[1], i, err) < 0)
            return -1;
        fprintf(f, "</tr>");
    }
    fprintf(f, "</table></div>\n");
    return 0;
}
