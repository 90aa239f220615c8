/*
 * test_answers: which BIOS calls count as an answer the other run did not
 * get, and when the alignment slipped a round of repeated work
 * (compare/answers.c).  The pairs are built as GRUB's diskboot reads its
 * core image under hv and bare (seen on build/images/grub.img): the same
 * int 13h reads in the same order (LBA 2 x127, LBA 129 x127, LBA 256 x79),
 * the bare run's first read taking far longer (SeaBIOS polled the disk), so
 * that the alignment faces B's second read with A's polling.  The facts
 * built in: a call the other run made too, with the same answer, is not one
 * it did not get; a call the other run never made is, unless that recording
 * was cut short before it could have; a hunk where one run has done a
 * strict prefix of the other's calls is a slip (timing), one where an answer
 * differs (hv's E820 entry) is not.
 */
#include "compare/compare.h"
#include "tests/unit/unit.h"

#define NTOK 1000

static struct report_diff d;
static struct align_token tok[2][NTOK];
static struct report_call calls[2][4];

static void call(int k, size_t i, uint64_t step, uint8_t vector, uint8_t ah, const char *text)
{
    struct report_call *c = &calls[k][i];
    memset(c, 0, sizeof *c);
    c->step = step;
    c->ret = step + 50;
    c->vector = vector;
    c->ah = ah;
    c->peer = -1;
    snprintf(c->text, sizeof c->text, "%s", text);
    d.side[k].ncalls = i + 1;
}

static void pair(const char *a_reason, const char *b_reason)
{
    memset(&d, 0, sizeof d);
    memset(tok, 0, sizeof tok);
    for (int k = 0; k < 2; k++) {
        d.side[k].tok = tok[k];
        d.side[k].ntok = NTOK;
        d.side[k].calls = calls[k];
        snprintf(d.side[k].info.reason, sizeof d.side[k].info.reason, "%s",
                 k ? b_reason : a_reason);
    }
}

static int flagged(int k, uint64_t step)
{
    return (tok[k][step].flags & HUNKCLASS_TF_ANSWER) != 0;
}

static const char *const rd[3] = {
    "int 13h AH=42h extended read drive 80h LBA 2 x127 -> 7000:0000: ok",
    "int 13h AH=42h extended read drive 80h LBA 129 x127 -> 7000:0000: ok",
    "int 13h AH=42h extended read drive 80h LBA 256 x79 -> 7000:0000: ok",
};

UNIT_TEST(same_call_elsewhere_is_not_an_answer_the_other_missed)
{
    pair("recorded --steps 900", "recorded --steps 900");
    call(0, 0, 10, 0x13, 0x42, rd[0]);
    call(0, 1, 800, 0x13, 0x42, rd[1]);     /* A's second read, long after */
    call(1, 0, 10, 0x13, 0x42, rd[0]);
    call(1, 1, 100, 0x13, 0x42, rd[1]);     /* faces A's polling: no aligned peer */
    call(1, 2, 200, 0x13, 0x42, rd[2]);     /* A's recording ends before its third */
    calls[0][0].same = calls[1][0].same = 1;
    report_mark_answers(&d);
    CHECK(!flagged(1, 100) && !flagged(0, 800));
    CHECK(!flagged(1, 200));                /* A was cut short: unknown, not different */
    snprintf(d.side[0].info.reason, sizeof d.side[0].info.reason, "guest halted (cli; hlt)");
    report_mark_answers(&d);
    CHECK(flagged(1, 200));                 /* A ended by itself without it */
    CHECK(!flagged(1, 100));

    /* A hunk at A #700 / B #300: A made 1 read, B 3, the same ones: a slip. */
    struct report_slip *s = report_slip_new(&d);
    char why[HUNKCLASS_REASON];
    struct align_hunk h = { .a_begin = 700, .b_begin = 300 };
    snprintf(d.side[0].info.reason, sizeof d.side[0].info.reason, "recorded --steps 900");
    CHECK(s != NULL);
    CHECK(report_slipped(s, &h, why, sizeof why) == 0);     /* B's third is flagged */
    report_slip_free(s);
    memset(tok, 0, sizeof tok);
    report_mark_answers(&d);
    s = report_slip_new(&d);
    CHECK(report_slipped(s, &h, why, sizeof why) == 1);
    CHECK(strstr(why, "A made 1 and B 3 of the same BIOS calls"));
    h = (struct align_hunk){ .a_begin = 900, .b_begin = 150 };   /* 2 and 2: no slip */
    CHECK(report_slipped(s, &h, why, sizeof why) == 0);
    report_slip_free(s);
}

UNIT_TEST(a_different_answer_is_not_a_slip)
{
    pair("guest wrote 32 to isa-debug-exit", "guest wrote 32 to isa-debug-exit");
    call(0, 0, 10, 0x15, 0xe8, "int 15h E820 entry 3: 0000000000100000-0000000001fdffff "
                               "type 1 (RAM), next 4");
    call(1, 0, 10, 0x15, 0xe8, "int 15h E820 entry 3: 0000000000100000-00000000017fffff "
                               "type 1 (RAM), next 4");
    call(1, 1, 60, 0x15, 0xe8, "int 15h E820 entry 4: 0000000001800000-00000000019fffff "
                               "type 2 (reserved), next 5");
    call(0, 1, 60, 0x10, 0x0e, "int 10h AH=0eh teletype 'A'");  /* prints: not an answer */
    report_mark_answers(&d);
    CHECK(flagged(0, 10) && flagged(1, 10) && flagged(1, 60));
    CHECK(!flagged(0, 60));
    struct report_slip *s = report_slip_new(&d);
    char why[HUNKCLASS_REASON];
    struct align_hunk h = { .a_begin = 40, .b_begin = 100 };
    CHECK(report_slipped(s, &h, why, sizeof why) == 0);
    report_slip_free(s);
}

UNIT_MAIN()
