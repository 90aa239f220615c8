/*
 * datadiff: what two runs computed differently where their instruction
 * streams match.  Two runs can execute the same instructions and still differ
 * in what they read and wrote (a byte of data, a BIOS call's answer): the
 * alignment sees no hunk there, so this pass looks at what the guest made of
 * it, in the run files: its own serial lines (hv's are not the guest's: those
 * starting "hv: " and those hv's code sent), from the anchor on, and the BIOS calls paired by alignment whose
 * answers differ and are not noise (both answered).  A recording that ends early has fewer
 * lines: only the lines both runs have are compared, the shorter run's last
 * one as a prefix (it may be cut where the recording stopped).
 * Not here: where the code parts (align), the registers at aligned steps
 * (regdiff), snapshots (memdiff).
 */
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"

#define HV_RANGES_MAX 8

struct guest_lines {
    uint64_t from;              /* the anchor step: lines up to it are not compared */
    struct align_range hv[HV_RANGES_MAX];   /* hv's code (report_hv_ranges) */
    size_t nhv;
    rundb_cursor *states;       /* to see who sent a line, when hv ran */
    int bad;                    /* a state could not be read (err says why) */
    hvt_error *err;
    uint64_t *step;
    char **text;
    size_t *len;                /* bytes of each line (a guest's NUL included) */
    size_t n, cap;
    int oom;                    /* a line could not be kept */
};

static int lines_grow(struct guest_lines *g)
{
    size_t cap = g->cap ? 2 * g->cap : 64;
    uint64_t *s = realloc(g->step, cap * sizeof *s);
    if (s)
        g->step = s;
    char **t = realloc(g->text, cap * sizeof *t);
    if (t)
        g->text = t;
    size_t *l = realloc(g->len, cap * sizeof *l);
    if (l)
        g->len = l;
    if (!s || !t || !l)
        return g->oom = 1;
    g->cap = cap;
    return 0;
}

/* Nonzero when the line stamped at step was sent by hv's code: the step
 * before it (record/serial stamps a line with the step after its last byte's
 * out) ran in hv's range.  hv's XMHF-style log lines ("CPU(0x00): Intercept
 * ...") carry no "hv: " prefix. */
static int sent_by_hv(struct guest_lines *g, uint64_t step)
{
    if (!g->nhv || step == 0)
        return 0;
    const struct hvt_state *st = rundb_cursor_state(g->states, step - 1, g->err);
    if (!st)
        return g->bad = 1;
    return align_ranges_hold(g->hv, g->nhv, hvt_state_pc(st));
}

static int on_line(void *ctx, uint64_t step, const char *kind, const char *text, size_t len)
{
    struct guest_lines *g = ctx;
    (void)kind;
    /* A line is stamped with the step after the one that sent its last byte
     * (record/serial): one stamped at the anchor or earlier was printed
     * before the anchor ran, e.g. by GRUB loading hv under Bochs (stamped 0). */
    if (step <= g->from || strncmp(text, "hv: ", 4) == 0 || sent_by_hv(g, step))
        return g->bad;
    if (g->n == g->cap && lines_grow(g))
        return 1;
    if (!(g->text[g->n] = malloc(len + 1)))
        return g->oom = 1;
    memcpy(g->text[g->n], text, len + 1);
    g->len[g->n] = len;
    g->step[g->n++] = step;
    return 0;
}

static void lines_free(struct guest_lines *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->text[i]);
    free(g->text);
    free(g->len);
    free(g->step);
}

/* Equal bytes, or the last line of a run that has fewer a prefix of the other's. */
static int lines_agree(const struct guest_lines *g, size_t i)
{
    const char *a = g[0].text[i], *b = g[1].text[i];
    size_t na = g[0].len[i], nb = g[1].len[i];
    if (na == nb && !memcmp(a, b, na))
        return 1;
    if (i + 1 == g[0].n && g[0].n < g[1].n)
        return na <= nb && !memcmp(a, b, na);
    if (i + 1 == g[1].n && g[1].n < g[0].n)
        return nb <= na && !memcmp(b, a, nb);
    return 0;
}

static void first_serial_difference(struct report_data *r, const struct guest_lines *g)
{
    size_t n = g[0].n < g[1].n ? g[0].n : g[1].n;
    for (size_t i = 0; i < n; i++) {
        if (lines_agree(g, i))
            continue;
        r->serial = 1;
        r->line = i + 1;
        for (int k = 0; k < 2; k++) {     /* shown up to a NUL the guest sent, if any */
            r->step[k] = g[k].step[i];
            snprintf(r->text[k], sizeof r->text[k], "%s", g[k].text[i]);
        }
        return;
    }
}

/* Calls made at aligned steps in both runs, both answered (a recording can
 * end inside one), whose answers differ and are not noise.  A call with no
 * peer is in a hunk or past the end of the other recording: not data; nor is
 * one before the anchor (paired in order, not compared). */
static size_t calls_answered_differently(const struct report_diff *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->side[0].ncalls; i++) {
        const struct report_call *c = &d->side[0].calls[i];
        n += c->peer >= 0 && !c->same && !c->noise && c->ret != UINT64_MAX &&
             c->step >= d->side[0].anchor &&
             d->side[1].calls[c->peer].ret != UINT64_MAX;
    }
    return n;
}

/* The guest's lines of one run, from its anchor on. */
static int read_guest_lines(rundb *db, struct guest_lines *g, hvt_error *err)
{
    g->err = err;
    g->nhv = report_hv_ranges(db, g->hv, HV_RANGES_MAX);
    if (g->nhv && rundb_cursor_open(db, &g->states, err))
        return -1;
    int rc = rundb_read_serial(db, on_line, g, err) || g->bad;
    if (g->states)
        rundb_cursor_close(g->states);
    if (rc == 0 && g->oom)
        rc = hvt_error_set(err, "out of memory reading serial lines");
    return rc ? -1 : 0;
}

int report_data_diff(struct report_diff *d, rundb *a, rundb *b, hvt_error *err)
{
    struct guest_lines g[2] = { { .from = d->side[0].anchor }, { .from = d->side[1].anchor } };
    int rc = read_guest_lines(a, &g[0], err) || read_guest_lines(b, &g[1], err);
    if (rc == 0)
        first_serial_difference(&d->data, g);
    lines_free(&g[0]);
    lines_free(&g[1]);
    d->data.calls = calls_answered_differently(d);
    return rc ? -1 : 0;
}

int report_data_differs(const struct report_diff *d)
{
    return d->data.serial || d->data.calls;
}
