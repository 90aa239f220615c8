/*
 * answers: which BIOS calls of the guest's own code got an answer the other
 * run did not get, so that hunkclass keeps the stretches making them out of
 * timing (HUNKCLASS_TF_ANSWER).
 *
 * Pairing by alignment (report_call.same) is not enough here: in code that
 * repeats the same instructions (SeaBIOS reading 127 sectors, each through
 * the same wait loop), a different number of polls lets the alignment slip a
 * whole iteration, so GRUB's next `int 13h` read in one run faces polling in
 * the other and had no aligned peer, though the other run made the very same
 * call with the very same answer a little later.  So calls are matched by
 * what they asked and got (their text): the n-th call named T in one run is
 * the n-th named T in the other.  A call is flagged when it has no such twin,
 * unless the other recording was cut short (--steps, --until, a timeout, a
 * signal) and the call comes after the last one that has a twin: the other
 * run may simply not have got there.
 *
 * The same slip makes later hunks look meaningful: GRUB copying its first
 * block in one run faces the copy of its third in the other (rep movsw
 * counts 0x7f00 vs 0x4f00).  A hunk before which one run made more of the
 * guest's BIOS calls than the other, the same ones in the same order and
 * none with an answer the other did not get (the runs are at different
 * rounds of the same work), is not where they part (report_slipped).
 * Invariant: reads the calls and their pairing, writes only the token flags;
 * O(n log n) in the number of calls, O(log n) a hunk.
 */
#include "compare/compare.h"
#include "diffing/bioscall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ent {
    const struct report_call *c;
    size_t i;                   /* index in its side's calls */
};

static int ent_cmp(const void *x, const void *y)
{
    const struct ent *a = x, *b = y;
    int t = strcmp(a->c->text, b->c->text);
    if (t)
        return t;
    return a->c->step < b->c->step ? -1 : a->c->step > b->c->step;
}

/* A call of the guest's own code whose answer it takes as data. */
static int candidate(const struct report_side *s, const struct report_call *c)
{
    return c->depth == 0 && c->step < s->ntok && bioscall_is_answer(c->vector, c->ah);
}

/* Side k's candidate calls, sorted by text then step; *n how many. */
static struct ent *sorted(const struct report_side *s, size_t *n)
{
    struct ent *e = malloc((s->ncalls ? s->ncalls : 1) * sizeof *e);
    *n = 0;
    if (!e)
        return NULL;
    for (size_t i = 0; i < s->ncalls; i++)
        if (candidate(s, &s->calls[i]))
            e[(*n)++] = (struct ent){ &s->calls[i], i };
    if (*n > 1)
        qsort(e, *n, sizeof *e, ent_cmp);
    return e;
}

/* twin[k][i]: call i of side k has a twin; last[k]: the latest step of a
 * call of side k with one. */
static void match(struct ent *e[2], const size_t n[2], uint8_t *twin[2], uint64_t last[2])
{
    size_t x = 0, y = 0;
    while (x < n[0] && y < n[1]) {
        int t = strcmp(e[0][x].c->text, e[1][y].c->text);
        if (t < 0) {
            x++;
        } else if (t > 0) {
            y++;
        } else {
            const struct ent *p[2] = { &e[0][x++], &e[1][y++] };
            for (int k = 0; k < 2; k++) {
                twin[k][p[k]->i] = 1;
                if (p[k]->c->step > last[k])
                    last[k] = p[k]->c->step;
            }
        }
    }
}

void report_mark_answers(struct report_diff *d)
{
    struct ent *e[2] = { NULL, NULL };
    uint8_t *twin[2] = { NULL, NULL };
    size_t n[2] = { 0, 0 };
    uint64_t last[2] = { 0, 0 };
    for (int k = 0; k < 2; k++) {
        e[k] = sorted(&d->side[k], &n[k]);
        twin[k] = calloc(d->side[k].ncalls ? d->side[k].ncalls : 1, 1);
    }
    if (e[0] && e[1] && twin[0] && twin[1])
        match(e, n, twin, last);
    else                        /* out of memory: pairing by alignment alone */
        last[0] = last[1] = UINT64_MAX;
    for (int k = 0; k < 2; k++) {
        struct report_side *s = &d->side[k];
        int other_cut = report_cut_short(&d->side[!k].info);
        for (size_t i = 0; i < s->ncalls; i++) {
            const struct report_call *c = &s->calls[i];
            if (!candidate(s, c) || c->same || (twin[k] && twin[k][i]) ||
                (other_cut && c->step > last[k]))
                continue;
            s->tok[c->step].flags |= HUNKCLASS_TF_ANSWER;
        }
    }
    for (int k = 0; k < 2; k++) {
        free(e[k]);
        free(twin[k]);
    }
}

/* ---- the alignment slipped ---- */

struct report_slip {
    const struct report_call *call[2];   /* each side's calls (sorted by step) */
    size_t *cand[2];            /* indices of the candidate calls, in step order */
    size_t *flagged[2];         /* flagged[k][m]: answer-flagged among the first m */
    size_t n[2];
    size_t eq;                  /* the first eq candidates of both sides have equal texts */
};

void report_slip_free(struct report_slip *s)
{
    if (!s)
        return;
    for (int k = 0; k < 2; k++) {
        free(s->cand[k]);
        free(s->flagged[k]);
    }
    free(s);
}

struct report_slip *report_slip_new(const struct report_diff *d)
{
    struct report_slip *s = calloc(1, sizeof *s);
    for (int k = 0; s && k < 2; k++) {
        const struct report_side *sd = &d->side[k];
        s->call[k] = sd->calls;
        s->cand[k] = malloc((sd->ncalls + 1) * sizeof *s->cand[k]);
        s->flagged[k] = calloc(sd->ncalls + 1, sizeof *s->flagged[k]);
        if (!s->cand[k] || !s->flagged[k]) {
            report_slip_free(s);
            return NULL;
        }
        for (size_t i = 0; i < sd->ncalls; i++)
            if (candidate(sd, &sd->calls[i])) {
                s->cand[k][s->n[k]] = i;
                s->flagged[k][s->n[k] + 1] = s->flagged[k][s->n[k]] +
                    ((sd->tok[sd->calls[i].step].flags & HUNKCLASS_TF_ANSWER) != 0);
                s->n[k]++;
            }
    }
    while (s && s->eq < s->n[0] && s->eq < s->n[1] &&
           !strcmp(s->call[0][s->cand[0][s->eq]].text, s->call[1][s->cand[1][s->eq]].text))
        s->eq++;
    return s;
}

/* Side k's candidate calls made before step `before`. */
static size_t calls_before(const struct report_slip *s, int k, uint64_t before)
{
    size_t lo = 0, hi = s->n[k];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->call[k][s->cand[k][mid]].step < before)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int report_slipped(const struct report_slip *s, const struct align_hunk *h, char *why,
                   size_t n)
{
    if (!s)
        return 0;
    size_t c[2] = { calls_before(s, 0, h->a_begin), calls_before(s, 1, h->b_begin) };
    int more = c[1] > c[0];
    size_t lo = c[!more], hi = c[more];
    if (lo == hi || lo > s->eq || s->flagged[more][hi] != s->flagged[more][lo])
        return 0;
    snprintf(why, n, "A made %zu and B %zu of the same BIOS calls before this: the same code "
             "at different rounds, the alignment shifted by polling", c[0], c[1]);
    return 1;
}
