/*
 * test_ends: what an "ends" hunk says about the steps the longer run goes on
 * with (compare/ends.c).  The truth is the recorder's own end reasons
 * (record/recorder.c: "recorded --steps N", "reached --until ADDR", "guest
 * halted ..."): nothing past the shorter recording's last step was compared,
 * so the reason must say how many of the other's steps were not, and why the
 * shorter one stopped; it never claims those steps were identical.
 */
#include "compare/compare.h"
#include "tests/unit/unit.h"

static struct report_diff d;

static void ended(int k, const char *reason)
{
    memset(&d, 0, sizeof d);
    snprintf(d.side[k].info.status, sizeof d.side[k].info.status, "complete");
    snprintf(d.side[k].info.reason, sizeof d.side[k].info.reason, "%s", reason);
}

UNIT_TEST(cut_by_steps_says_the_rest_was_not_compared)
{
    /* The lead's pair: A cut by --steps 35000000, B on to #66999999. */
    struct align_hunk h = { .kind = ALIGN_B_ONLY, .flags = ALIGN_HF_TAIL,
                            .a_begin = 35000000, .a_end = 35000000,
                            .b_begin = 35003380, .b_end = 67000000 };
    struct hunk_verdict v = { HUNK_ENDS, "" };
    ended(0, "recorded --steps 35000000");
    report_ends_reason(&d, &h, &v);
    CHECK(!strcmp(v.reason, "A ends here; B goes on identically; A was cut by --steps "
                            "35000000: B's last 31996620 steps were not compared"));
    CHECK(report_cut_short(&d.side[0].info));
}

UNIT_TEST(b_cut_at_until_and_a_guest_that_ended)
{
    struct align_hunk h = { .kind = ALIGN_A_ONLY, .flags = ALIGN_HF_TAIL,
                            .a_begin = 90, .a_end = 91, .b_begin = 90, .b_end = 90 };
    struct hunk_verdict v = { HUNK_ENDS, "" };
    ended(1, "reached --until 0000:7c00");
    report_ends_reason(&d, &h, &v);
    CHECK(!strcmp(v.reason, "B ends here; A goes on identically; B was cut at --until "
                            "0000:7c00: A's last 1 step was not compared"));
    ended(1, "guest halted (cli; hlt) at 0000:7c78");
    CHECK(!report_cut_short(&d.side[1].info));
    report_ends_reason(&d, &h, &v);
    CHECK(strstr(v.reason, "; B ended (guest halted (cli; hlt) at 0000:7c78): A's last 1 "
                           "step was not compared"));
}

UNIT_MAIN()
