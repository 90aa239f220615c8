/*
 * test_snapplace: whether two snapshots with one label were taken at aligned
 * moments (compare/snapplace.c).  A snapshot at step s holds memory after step
 * s-1 (db/snapshot.c, the recorder's "end" at the step count), so the truth
 * is the equal hunks: the lead's 35M/67M pair, where A's last step #34999999
 * is aligned with B's #35003379 and B's "end" was taken at #67000000, is 31996620
 * steps apart; a run against itself is aligned at both ends.
 */
#include "compare/compare.h"
#include "tests/unit/unit.h"

static struct report_diff d;
static struct align_token tok[2][4];

static struct report_snap place(const struct align_hunk *h, size_t nh, uint64_t a,
                                uint64_t b)
{
    struct align_map map;
    struct report_snap p = { .step = { a, b } };
    memset(&d, 0, sizeof d);
    for (int k = 0; k < 2; k++) {
        d.side[k].tok = tok[k];
        d.side[k].ntok = 4;
    }
    CHECK(align_map_build(&map, h, nh) == 0);
    report_snap_place(&d, &map, &p);
    align_map_free(&map);
    return p;
}

UNIT_TEST(end_of_a_cut_run_is_not_aligned)
{
    struct align_hunk h[2] = {
        { .kind = ALIGN_EQUAL, .a_begin = 6760952, .a_end = 35000000,
          .b_begin = 6764332, .b_end = 35003380 },
        { .kind = ALIGN_B_ONLY, .flags = ALIGN_HF_TAIL, .a_begin = 35000000,
          .a_end = 35000000, .b_begin = 35003380, .b_end = 67000000 },
    };
    struct report_snap p = place(h, 2, 35000000, 67000000);
    CHECK(!p.aligned);
    CHECK_STR(p.why, "B ran on 31996620 steps");
    p = place(h, 2, 35000000, 35003380);        /* B's taken where A's was */
    CHECK(p.aligned);
    p = place(h, 2, 6000000, 35003380);         /* A's in the unanchored stretch */
    CHECK(!p.aligned);
    CHECK_STR(p.why, "A took it 29000000 steps earlier");
}

UNIT_TEST(self_diff_aligned_at_both_ends)
{
    struct align_hunk h = { .kind = ALIGN_EQUAL, .a_begin = 0, .a_end = 79189,
                            .b_begin = 0, .b_end = 79189 };
    CHECK(place(&h, 1, 0, 0).aligned);          /* the same first instruction */
    CHECK(place(&h, 1, 79189, 79189).aligned);
    struct report_snap p = place(&h, 1, 79189, 79000);
    CHECK(!p.aligned);
    CHECK_STR(p.why, "B took it 189 steps earlier");
}

UNIT_MAIN()
