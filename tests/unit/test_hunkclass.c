/*
 * test_hunkclass: the noise classes on synthetic token streams whose story is
 * known by construction: a run that waited on a port (one-sided detour with an
 * `in`), a detour without any poll (meaningful), a recording that stops where
 * the other goes on (through align_diff itself: an exact prefix), a loop whose
 * body polls vs one that does not, hv's excluded steps, interrupts taken at
 * different places, a string printed through a polling putc at another pace
 * (aligned by align_diff itself: one run's next character faces the other's
 * polls).  Poll detection is checked against opcode bytes from the
 * Intel SDM vol 2 (IN E4/E5/EC/ED, INS 6C/6D, RDTSC 0F 31, RDTSCP 0F 01 F9,
 * PAUSE F3 90, HLT F4) and non-polls (OUT E6, NOP 90).
 */
#include "diffing/hunkclass.h"
#include "diffing/insnclass.h"
#include "tests/unit/unit.h"

#define N 64

static struct align_token ta[N], tb[N];
static struct align_itab itab;

/* The token of a one-byte instruction `op` (control-flow class cf) at pc. */
static struct align_token tok(uint64_t pc, uint8_t op, uint8_t cf)
{
    struct align_insn in = { .pc = pc, .bytes = { op }, .nbytes = 1, .len = 1,
                             .mode = HVT_MODE_16, .cf = cf };
    uint32_t id;
    hvt_error err = { "" };
    if (align_itab_intern(&itab, &in, &id, &err) < 0)
        abort();
    return (struct align_token){ .insn = id };
}

/* Tokens at pcs base, base+1, ..., each a nop. */
static void fill(struct align_token *t, size_t n, uint64_t base)
{
    for (size_t i = 0; i < n; i++)
        t[i] = tok(base + i, 0x90, INSN_CF_NONE);
}

static struct hunkclass_sides sides(size_t na, size_t nb)
{
    return (struct hunkclass_sides){ { ta, tb }, { na, nb }, &itab };
}

UNIT_TEST(poll_opcodes)
{
    static const uint8_t in_al[] = { 0xec }, in_eax[] = { 0x66, 0xed }, imm[] = { 0xe4, 0x60 };
    static const uint8_t pause[] = { 0xf3, 0x90 }, rdtsc[] = { 0x0f, 0x31 };
    static const uint8_t rdtscp[] = { 0x0f, 0x01, 0xf9 }, insb[] = { 0xf3, 0x6c };
    static const uint8_t hlt[] = { 0xf4 }, out[] = { 0xe6, 0xb2 }, nop[] = { 0x90 };
    static const uint8_t cs_in[] = { 0x2e, 0xec };
    CHECK(hunkclass_is_poll(in_al, 1) && hunkclass_is_poll(in_eax, 2));
    CHECK(hunkclass_is_poll(imm, 2) && hunkclass_is_poll(pause, 2));
    CHECK(hunkclass_is_poll(rdtsc, 2) && hunkclass_is_poll(rdtscp, 3));
    CHECK(hunkclass_is_poll(insb, 2) && hunkclass_is_poll(hlt, 1) && hunkclass_is_poll(cs_in, 2));
    CHECK(!hunkclass_is_poll(out, 2) && !hunkclass_is_poll(nop, 1));
    CHECK(!hunkclass_is_poll(rdtsc, 1));
}

/* A runs 20 steps; B the same with a 10-step detour at `at` after step 10
 * (B #10-#19), then goes on as A.  The hunk is that detour. */
static const struct align_hunk b_detour = { .kind = ALIGN_B_ONLY, .a_begin = 10, .a_end = 10,
                                            .b_begin = 10, .b_end = 20 };

static void detour(uint64_t at)
{
    fill(ta, 20, 0x1000);
    fill(tb, 30, 0x1000);
    for (int i = 10; i < 20; i++)
        tb[i] = tok(at + (uint64_t)i, 0x90, INSN_CF_NONE);
    for (int i = 20; i < 30; i++)
        tb[i] = ta[i - 10];
}

UNIT_TEST(detour_that_polls_is_timing)
{
    detour(0x2000);                         /* B's detour: a wait routine elsewhere */
    tb[14].flags |= HUNKCLASS_TF_POLL;      /* in al, dx */
    struct align_hunk h = b_detour;
    struct hunkclass_sides s = sides(20, 30);
    struct hunk_verdict v;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    CHECK(strstr(v.reason, "B waited") && strstr(v.reason, "0x200e"));
    tb[14].flags = 0;                       /* the same detour without a poll */
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
    /* The poll inside hv's excluded code (hv's serial putc while it logs the
     * guest's extra E820 calls): still the guest's own detour, meaningful. */
    tb[14].flags = HUNKCLASS_TF_POLL | ALIGN_TF_EXCLUDED;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
}

/* B goes round the guest's E820 loop once more (hv's map has an entry more)
 * and prints the entry with a UART putc that polls the line status port: the
 * int 15h it makes got an answer A never got, so the detour is meaningful.
 * The same detour whose only int is the timer's int 1Ch inside an interrupt
 * excursion (the flag never set there, and ignored if it were) stays timing. */
UNIT_TEST(detour_making_a_differing_bios_call_is_not_timing)
{
    detour(0x3000);                         /* B's extra iteration */
    tb[12] = tok(0x300c, 0xcd, INSN_CF_INT);    /* int 15h E820 */
    tb[12].flags = HUNKCLASS_TF_ANSWER;
    tb[16].flags = HUNKCLASS_TF_POLL;       /* putc: in al, dx (LSR) */
    struct align_hunk h = b_detour;
    struct hunkclass_sides s = sides(20, 30);
    struct hunk_verdict v;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
    CHECK(strstr(v.reason, "B makes a BIOS call (at 0x300c)"));
    tb[12].flags |= ALIGN_TF_ASYNC;         /* an int inside an interrupt handler */
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    tb[12].flags = 0;                       /* a call answered the same in both */
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    /* A polling loop that goes round more often, making the differing call. */
    struct align_hunk l = { .kind = ALIGN_LOOP, .a_begin = 10, .a_end = 10, .b_begin = 10,
                            .b_end = 20, .body_begin = 10, .body_len = 10, .count_a = 0,
                            .count_b = 1 };
    memcpy(ta, tb, sizeof ta);
    tb[12].flags = HUNKCLASS_TF_ANSWER;
    hunkclass_classify(&s, &l, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
}

static int collect(void *priv, const struct align_hunk *h)
{
    struct align_hunk *out = priv;
    if (h->kind != ALIGN_EQUAL)
        *out = *h;
    return 0;
}

UNIT_TEST(prefix_recording_ends)
{
    fill(ta, 30, 0x7c00);                   /* A stops after 30 steps */
    fill(tb, 50, 0x7c00);                   /* B goes on identically */
    struct align_opts o = { 0, 0 };
    struct align_result r;
    struct align_hunk last = { .kind = ALIGN_EQUAL };
    hvt_error err = { "" };
    CHECK(align_diff(&itab, ta, 30, tb, 50, &o, collect, &last, &r, &err) == 0);
    CHECK_EQ_U64(last.kind, ALIGN_B_ONLY);
    struct hunkclass_sides s = sides(30, 50);
    struct hunk_verdict v;
    hunkclass_classify(&s, &last, &v);
    CHECK_EQ_U64(v.cls, HUNK_ENDS);
    CHECK(strstr(v.reason, "A ends here; B goes on identically; B's last 20 steps, past A's "
                 "end, were not compared"));
    /* A truly different tail is not an ending. */
    for (int i = 30; i < 50; i++)
        tb[i] = tok(0x7c00 + (uint64_t)i, 0x91, INSN_CF_NONE);      /* xchg ax, cx */
    fill(ta, 50, 0x7c00);
    last.kind = ALIGN_EQUAL;
    CHECK(align_diff(&itab, ta, 50, tb, 50, &o, collect, &last, &r, &err) == 0);
    s = sides(50, 50);
    hunkclass_classify(&s, &last, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
}

UNIT_TEST(loops_polling_or_not)
{
    fill(ta, 20, 0x100);
    fill(tb, 20, 0x100);
    struct align_hunk h = { .kind = ALIGN_LOOP, .a_begin = 4, .a_end = 10, .b_begin = 4,
                            .b_end = 16, .body_begin = 4, .body_len = 3, .count_a = 2,
                            .count_b = 4 };
    struct hunkclass_sides s = sides(20, 20);
    struct hunk_verdict v;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);   /* a data-driven loop count matters */
    ta[5].flags |= HUNKCLASS_TF_POLL;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    CHECK(strstr(v.reason, "ran 2 vs 4 times"));
    ta[5].flags = 0;
    ta[3].flags |= HUNKCLASS_TF_POLL;       /* rotated: the poll just before the body */
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
}

UNIT_TEST(instruction_recorded_twice_is_timing)
{
    fill(ta, 20, 0x100);
    fill(tb, 20, 0x100);
    struct align_hunk h = { .kind = ALIGN_LOOP, .a_begin = 4, .a_end = 6, .b_begin = 4,
                            .b_end = 5, .body_begin = 4, .body_len = 1, .count_a = 2,
                            .count_b = 1 };
    struct hunkclass_sides s = sides(20, 20);
    struct hunk_verdict v;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    CHECK(strstr(v.reason, "recorded 2 vs 1 times"));
    ta[4] = tok(0x104, 0xa4, INSN_CF_REP);  /* a rep string op does repeat itself */
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
}

UNIT_TEST(replace_that_loops_again_with_poll_is_timing)
{
    fill(ta, 20, 0x100);
    fill(tb, 20, 0x100);
    /* Both sides go round the code at 0x101..0x104 again (through 0x104, the
     * last common step), differently. */
    for (int i = 5; i < 9; i++) {
        ta[i] = tok(0x101 + (uint64_t)(i - 5), 0x90, INSN_CF_NONE);
        tb[i] = tok(0x104 - (uint64_t)(i - 5), 0x90, INSN_CF_NONE);
    }
    ta[2].flags |= HUNKCLASS_TF_POLL;       /* just before the parting */
    struct align_hunk h = { .kind = ALIGN_REPLACE, .a_begin = 5, .a_end = 9,
                            .b_begin = 5, .b_end = 9 };
    struct hunkclass_sides s = sides(20, 20);
    struct hunk_verdict v;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    ta[2].flags = 0;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_MEANINGFUL);
}

UNIT_TEST(excluded_and_async)
{
    fill(ta, 20, 0x100);
    fill(tb, 20, 0x100);
    struct hunkclass_sides s = sides(20, 20);
    struct hunk_verdict v;
    struct align_hunk h = { .kind = ALIGN_EXCLUDED, .flags = ALIGN_HF_SIDE_B,
                            .b_begin = 3, .b_end = 8 };
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_BY_DESIGN);
    CHECK(strstr(v.reason, "hv's own code") && strstr(v.reason, "5 steps"));
    h = (struct align_hunk){ .kind = ALIGN_ASYNC, .a_begin = 2, .a_end = 6 };
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_TIMING);
    CHECK(strstr(v.reason, "0x102"));
    h.flags = ALIGN_HF_PEER | ALIGN_HF_PEER_EQUAL;
    hunkclass_classify(&s, &h, &v);
    CHECK_EQ_U64(v.cls, HUNK_SAME);
    CHECK_STR(hunkclass_name(HUNK_BY_DESIGN), "by design");
}

/* A string printed through a UART putc that polls the line status (guest.inc's
 * print_inline and putc: per character a tail of 14 instructions, lodsb to
 * the `mov $COM1_LSR, %dx`, then `in; test; jz` until THRE), the same 5
 * characters in both runs, the UART slower for some characters in one run
 * (Bochs times its UART in emulated time).  Each hunk the aligner finds is
 * the same printing done at another pace: none may be meaningful. */
#define PRN_MAX 4096
static struct align_token pa[PRN_MAX], pb[PRN_MAX];
static struct hunk_verdict prn_v[64];
static struct align_hunk prn_h[64];
static size_t prn_n;

static size_t print_string(struct align_token *t, const int *polls, int nchars)
{
    size_t n = 0;
    for (int c = 0; c < nchars; c++) {
        for (int i = 0; i < 14; i++)                        /* the tail, lodsb ... mov dx */
            t[n++] = tok(0x7c40 + (uint64_t)i, 0x90, INSN_CF_NONE);
        for (int p = 0; p < polls[c]; p++) {
            t[n] = tok(0x7cd9, 0xec, INSN_CF_NONE);         /* in %dx, %al */
            t[n++].flags |= HUNKCLASS_TF_POLL;
            t[n++] = tok(0x7cda, 0xa8, INSN_CF_NONE);       /* test $0x20, %al */
            t[n++] = tok(0x7cdc, 0x74, INSN_CF_BRANCH);     /* jz back to the in */
        }
    }
    for (int i = 0; i < 40; i++)                            /* what follows the string */
        t[n++] = tok(0x7d00 + (uint64_t)i, 0x90, INSN_CF_NONE);
    return n;
}

static int prn_collect(void *priv, const struct align_hunk *h)
{
    (void)priv;
    if (h->kind != ALIGN_EQUAL && prn_n < 64)
        prn_h[prn_n++] = *h;
    return 0;
}

UNIT_TEST(string_printed_at_another_pace_is_timing)
{
    static const int polls_a[5] = { 5, 120, 5, 60, 5 }, polls_b[5] = { 5, 8, 110, 5, 70 };
    size_t na = print_string(pa, polls_a, 5), nb = print_string(pb, polls_b, 5);
    struct align_opts o = { 0, 0 };
    struct align_result r;
    hvt_error err = { "" };
    prn_n = 0;
    CHECK(align_diff(&itab, pa, na, pb, nb, &o, prn_collect, NULL, &r, &err) == 0);
    CHECK(prn_n > 0);
    struct hunkclass_sides s = { { pa, pb }, { na, nb }, &itab };
    for (size_t i = 0; i < prn_n; i++) {
        hunkclass_classify(&s, &prn_h[i], &prn_v[i]);
        if (getenv("PRN_DEBUG"))
            printf("# %s A #%" PRIu64 "-#%" PRIu64 " B #%" PRIu64 "-#%" PRIu64 " %s: %s\n",
                   align_kind_name((enum align_kind)prn_h[i].kind), prn_h[i].a_begin,
                   prn_h[i].a_end, prn_h[i].b_begin, prn_h[i].b_end,
                   hunkclass_name((enum hunk_class)prn_v[i].cls), prn_v[i].reason);
        if (prn_v[i].cls != HUNK_TIMING && !getenv("PRN_DEBUG"))
            UNIT_FAIL("hunk %zu (%s: A #%" PRIu64 "-#%" PRIu64 ", B #%" PRIu64 "-#%" PRIu64
                      ") is %s", i, align_kind_name((enum align_kind)prn_h[i].kind),
                      prn_h[i].a_begin, prn_h[i].a_end, prn_h[i].b_begin, prn_h[i].b_end,
                      hunkclass_name((enum hunk_class)prn_v[i].cls));
    }
}

/* Register bits hv sets on purpose: EFER.SVME (APM vol 2, 15.4), CR4.VMXE and
 * CR0.NE under VMX (SDM vol 3, 23.7, 26.3.1.1); anything more is not. */
UNIT_TEST(registers_by_design)
{
    CHECK(hunkclass_reg_by_design(HVT_EFER, 0, 0x1000) != NULL);
    CHECK(hunkclass_reg_by_design(HVT_CR4, 0, 0x2000) != NULL);
    CHECK(strstr(hunkclass_reg_by_design(HVT_CR0, 0x60000010, 0x60000030), "CR0.NE"));
    CHECK(hunkclass_reg_by_design(HVT_CR0, 0x60000010, 0x60000031) == NULL);   /* +PE too */
    CHECK(hunkclass_reg_by_design(HVT_CR0, 0x10, 0x10) == NULL);
}

UNIT_MAIN()
