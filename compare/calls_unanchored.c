/*
 * calls_unanchored: BIOS calls made before the anchor, where nothing is
 * aligned, paired in order.  Before the anchor (SeaBIOS's POST from reset,
 * until 0000:7c00) the two runs are not compared step by step, so no call
 * there has a call "at the aligned step"; yet both runs make the same calls
 * (int 10h printing SeaBIOS's banner), a few steps apart.  They are paired as
 * two lists are diffed: in order, a call with the next call of the other run
 * that names the same call and answer, looking at most CALLS_WINDOW calls
 * ahead on each side for the nearest such pair; the calls skipped to reach it
 * are paired with each other one for one when both sides skipped as many (a
 * call answered differently), else left without a peer (a call one run made
 * and the other did not, such as the timer's int 1Ch).  Greedy, not a
 * shortest edit script: O(n * CALLS_WINDOW^2) comparisons at worst.
 * Invariant: touches only calls before their side's anchor that have no peer.
 */
#include "compare/compare.h"

#include <stdlib.h>
#include <string.h>

#define CALLS_WINDOW 32     /* calls looked ahead on each side for a match */

struct list {
    struct report_call *c;  /* the side's calls */
    size_t *ix;             /* indices of its unpaired calls before the anchor */
    size_t n;
};

static int same_call(const struct list *l, size_t i, size_t j)
{
    return !strcmp(l[0].c[l[0].ix[i]].text, l[1].c[l[1].ix[j]].text);
}

static void pair(struct list *l, size_t i, size_t j)
{
    struct report_call *a = &l[0].c[l[0].ix[i]], *b = &l[1].c[l[1].ix[j]];
    a->peer = (int64_t)l[1].ix[j];
    b->peer = (int64_t)l[0].ix[i];
}

/* The nearest (i+di, j+dj) naming the same call, di+dj smallest: 1, or 0. */
static int nearest(const struct list *l, size_t i, size_t j, size_t *di, size_t *dj)
{
    for (size_t s = 1; s <= 2 * CALLS_WINDOW; s++)
        for (size_t x = s > CALLS_WINDOW ? s - CALLS_WINDOW : 0; x <= s && x <= CALLS_WINDOW;
             x++)
            if (i + x < l[0].n && j + (s - x) < l[1].n && same_call(l, i + x, j + s - x)) {
                *di = x;
                *dj = s - x;
                return 1;
            }
    return 0;
}

static void match(struct list *l)
{
    size_t i = 0, j = 0, di, dj;
    while (i < l[0].n && j < l[1].n) {
        if (same_call(l, i, j)) {
            pair(l, i++, j++);
            continue;
        }
        if (!nearest(l, i, j, &di, &dj))
            di = dj = 1;                /* no match near: one call each, answered differently */
        for (size_t k = 0; di == dj && k < di; k++)
            pair(l, i + k, j + k);
        i += di;
        j += dj;
    }
}

void report_pair_unanchored(struct report_diff *d)
{
    struct list l[2] = { { NULL, NULL, 0 }, { NULL, NULL, 0 } };
    if (!d->anchored)
        return;
    for (int k = 0; k < 2; k++) {
        const struct report_side *s = &d->side[k];
        l[k].c = s->calls;
        l[k].ix = malloc((s->ncalls ? s->ncalls : 1) * sizeof *l[k].ix);
        for (size_t i = 0; l[k].ix && i < s->ncalls && s->calls[i].step < s->anchor; i++)
            if (s->calls[i].peer < 0)
                l[k].ix[l[k].n++] = i;
    }
    if (l[0].ix && l[1].ix)             /* out of memory: left without peers */
        match(l);
    free(l[0].ix);
    free(l[1].ix);
}
