/*
 * snapplace: where each run took a snapshot both have, and whether the two
 * were taken at the same moment of the compared boot.  A snapshot at step s
 * holds memory as it was after step s-1 (before step s ran), so two are taken
 * at aligned moments when the steps just before them, A's s-1 and B's t-1,
 * are an aligned pair (an equal hunk pairs them), or when both are the
 * recordings' first step and it is the same instruction.  Only then are
 * their differences evidence that the runs computed differently; otherwise
 * (one recording cut by --steps while the other ran on) they compare two
 * different moments, and the reason says by how much the runs were apart.
 * Reads the alignment's map; writes only struct report_snap.
 */
#include "compare/compare.h"

#include <inttypes.h>
#include <stdio.h>

/* The step of side k aligned with the moment just before step s of the other
 * side (its peer of s-1, plus one): 1 and *m, or 0 when s-1 has no peer. */
static int moment_in(const struct align_map *map, int other, uint64_t s, uint64_t *m)
{
    uint64_t peer;
    if (s == 0 || !align_map_peer(map, other, s - 1, &peer))
        return 0;
    *m = peer + 1;
    return 1;
}

static void apart(struct report_snap *p, int k, uint64_t m)
{
    uint64_t s = p->step[k];
    snprintf(p->why, sizeof p->why, s > m ? "%c ran on %" PRIu64 " step%s" :
             "%c took it %" PRIu64 " step%s earlier", 'A' + k, s > m ? s - m : m - s,
             (s > m ? s - m : m - s) == 1 ? "" : "s");
}

void report_snap_place(const struct report_diff *d, const struct align_map *map,
                       struct report_snap *p)
{
    uint64_t m;
    p->aligned = 0;
    p->why[0] = 0;
    if (p->step[0] == 0 && p->step[1] == 0) {
        p->aligned = d->side[0].ntok && d->side[1].ntok &&
                     d->side[0].tok[0].insn == d->side[1].tok[0].insn;
        if (!p->aligned)
            snprintf(p->why, sizeof p->why, "the recordings begin at different instructions");
        return;
    }
    if (moment_in(map, 0, p->step[0], &m)) {
        p->aligned = m == p->step[1];
        if (!p->aligned)
            apart(p, 1, m);
        return;
    }
    if (moment_in(map, 1, p->step[1], &m)) {
        p->aligned = m == p->step[0];   /* cannot be: A's s-1 would have a peer */
        if (!p->aligned)
            apart(p, 0, m);
        return;
    }
    snprintf(p->why, sizeof p->why, "the steps before them are not aligned with each other");
}

size_t report_mem_unaligned(const struct report_diff *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nsnaps; i++)
        n += d->snaps[i].aligned ? 0 : d->snaps[i].ndiff;
    return n;
}
