/*
 * hunkclass: timing, by-design and ending hunks told apart from meaningful
 * ones (see hunkclass.h).  A one-sided or replaced stretch is "the same code
 * looping again" when its steps pass again through the instruction where the
 * runs parted (the branch that decided to go round once more) or through the
 * one where they meet again; it is timing when those steps, or the few just
 * before the parting, poll a port or the clock.  Invariant: reads tokens only,
 * at most HUNKCLASS_SCAN of them per hunk side, so classifying every hunk of a
 * huge pair stays linear.
 */
#include "diffing/hunkclass.h"
#include "diffing/insnclass.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#define HUNKCLASS_SCAN   (1u << 20)     /* tokens looked at per side and hunk */
#define HUNKCLASS_BEFORE 16             /* tokens before the parting searched for a poll */

const char *hunkclass_name(enum hunk_class c)
{
    static const char *const names[HUNK_NCLASSES] = {
        "same", "meaningful", "timing", "by design", "ends"
    };
    return c < HUNK_NCLASSES ? names[c] : "?";
}

const char *hunkclass_reg_by_design(enum hvt_field f, uint64_t a, uint64_t b)
{
    uint64_t x = a ^ b;
    if (f == HVT_EFER && x && !(x & ~(1ull << 12)))
        return "hv sets EFER.SVME to run the guest under SVM";
    if (f == HVT_CR4 && x && !(x & ~(1ull << 13)))
        return "hv sets CR4.VMXE to run the guest under VMX";
    if (f == HVT_CR0 && x && !(x & ~(1ull << 5)))
        return "a guest under VMX runs with CR0.NE set (IA32_VMX_CR0_FIXED0; SDM vol 3, "
               "26.3.1.1 and A.7)";
    return NULL;
}

/* Legacy and REX prefixes (Intel SDM vol 2, 2.1.1 and 2.2.1). */
static size_t skip_prefixes(const uint8_t *b, size_t len)
{
    size_t i = 0;
    while (i < len && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 || b[i] == 0xf2 ||
                       b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x26 ||
                       b[i] == 0x64 || b[i] == 0x65))
        i++;
    return i;
}

int hunkclass_is_poll(const uint8_t *b, size_t len)
{
    if (len >= 2 && b[0] == 0xf3 && b[1] == 0x90)             /* pause */
        return 1;
    size_t i = skip_prefixes(b, len);
    if (i < len && b[i] == 0xf3)                              /* rep ins */
        i++;
    if (i >= len)
        return 0;
    switch (b[i]) {
    case 0xe4: case 0xe5: case 0xec: case 0xed:              /* in */
    case 0x6c: case 0x6d:                                    /* ins */
    case 0xf4:                                               /* hlt */
        return 1;
    case 0x0f:
        return (i + 1 < len && b[i + 1] == 0x31) ||          /* rdtsc */
               (i + 2 < len && b[i + 1] == 0x01 && b[i + 2] == 0xf9);   /* rdtscp */
    }
    return 0;
}

/* First token in [begin, end) with the poll flag; *pc its pc.  A poll inside
 * an excluded range is hv polling its own devices (its serial port while it
 * logs), not the guest waiting: it makes nothing timing. */
static int find_poll(const struct hunkclass_sides *s, int k, uint64_t begin, uint64_t end,
                     uint64_t *pc)
{
    const struct align_token *t = s->tok[k];
    for (uint64_t i = begin; i < end && i - begin < HUNKCLASS_SCAN; i++)
        if ((t[i].flags & HUNKCLASS_TF_POLL) && !(t[i].flags & ALIGN_TF_EXCLUDED)) {
            *pc = align_tok_pc(s->itab, &t[i]);
            return 1;
        }
    return 0;
}

/* First token in side k's [begin, end) making a BIOS call whose answer differs. */
static int find_answer(const struct hunkclass_sides *s, int k, uint64_t begin, uint64_t end,
                       uint64_t *pc)
{
    const struct align_token *t = s->tok[k];
    for (uint64_t i = begin; i < end && i - begin < HUNKCLASS_SCAN; i++)
        if ((t[i].flags & HUNKCLASS_TF_ANSWER) &&
            !(t[i].flags & (ALIGN_TF_EXCLUDED | ALIGN_TF_ASYNC))) {
            *pc = align_tok_pc(s->itab, &t[i]);
            return 1;
        }
    return 0;
}

static int passes(const struct hunkclass_sides *s, int k, uint64_t begin, uint64_t end,
                  uint64_t pc)
{
    for (uint64_t i = begin; i < end && i - begin < HUNKCLASS_SCAN; i++)
        if (align_tok_pc(s->itab, &s->tok[k][i]) == pc)
            return 1;
    return 0;
}

/* Side k's steps [begin, end) leave a polling loop and come round to the
 * same poll again: the step after them polls at a pc polled in the
 * HUNKCLASS_BEFORE steps before them (a UART putc's next character: the
 * rest of one round of the printing loop, seen when one run polled longer
 * and the alignment paired its polls with the other's next round). */
static int comes_round(const struct hunkclass_sides *s, int k, uint64_t begin, uint64_t end,
                       uint64_t *pc)
{
    const struct align_token *t = s->tok[k];
    if (end >= s->ntok[k] || !(t[end].flags & HUNKCLASS_TF_POLL) ||
        (t[end].flags & ALIGN_TF_EXCLUDED))
        return 0;
    *pc = align_tok_pc(s->itab, &t[end]);
    uint64_t from = begin > HUNKCLASS_BEFORE ? begin - HUNKCLASS_BEFORE : 0;
    return passes(s, k, from, begin, *pc);
}

/* Side k's steps [begin, end) of a hunk run the code around it once more. */
static int loops_again(const struct hunkclass_sides *s, int k, uint64_t begin, uint64_t end)
{
    const struct align_token *t = s->tok[k];
    uint64_t pc;
    if (begin == end)
        return 1;
    return (begin > 0 && passes(s, k, begin, end, align_tok_pc(s->itab, &t[begin - 1]))) ||
           (end < s->ntok[k] && passes(s, k, begin, end, align_tok_pc(s->itab, &t[end]))) ||
           comes_round(s, k, begin, end, &pc);
}

/* A poll in side k's [begin, end) or in the `before` tokens ahead of it. */
static int poll_near(const struct hunkclass_sides *s, int k, uint64_t begin, uint64_t end,
                     uint64_t before, uint64_t *pc)
{
    uint64_t from = begin > before ? begin - before : 0;
    return find_poll(s, k, begin, end, pc) || find_poll(s, k, from, begin, pc);
}

static void set(struct hunk_verdict *v, enum hunk_class c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set(struct hunk_verdict *v, enum hunk_class c, const char *fmt, ...)
{
    va_list ap;
    v->cls = (uint8_t)c;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
}

static void classify_change(const struct hunkclass_sides *s, const struct align_hunk *h,
                            struct hunk_verdict *v)
{
    uint64_t b[2] = { h->a_begin, h->b_begin }, e[2] = { h->a_end, h->b_end }, pc = 0;
    for (int k = 0; k < 2; k++)
        if ((h->flags & ALIGN_HF_TAIL) && b[k] == e[k] && b[k] >= s->ntok[k]) {
            set(v, HUNK_ENDS, "%c ends here; %c goes on identically; %c's last %" PRIu64
                " step%s, past %c's end, %s not compared", 'A' + k, 'B' - k, 'B' - k,
                e[!k] - b[!k], hvt_s(e[!k] - b[!k]), 'A' + k,
                e[!k] - b[!k] == 1 ? "was" : "were");
            return;
        }
    if (h->flags & ALIGN_HF_TAIL)
        return;
    int k = b[0] == e[0];               /* the side with steps, for a one-sided hunk */
    if ((b[0] == e[0] || b[1] == e[1]) && find_poll(s, k, b[k], e[k], &pc)) {
        set(v, HUNK_TIMING, k ? "B waited on a device or the clock (polls at 0x%" PRIx64
            "): %" PRIu64 " extra step%s, then it goes on as A" : "A waited on a device or "
            "the clock (polls at 0x%" PRIx64 "): %" PRIu64 " extra step%s, then it goes on "
            "as B", pc, e[k] - b[k], hvt_s(e[k] - b[k]));
        return;
    }
    if ((b[0] == e[0] || b[1] == e[1]) && comes_round(s, k, b[k], e[k], &pc)) {
        set(v, HUNK_TIMING, "%c left its polling loop (at 0x%" PRIx64 ") and came round to "
            "it again while %c still polled: %" PRIu64 " step%s of the same loop at another pace",
            'A' + k, pc, 'B' - k, e[k] - b[k], hvt_s(e[k] - b[k]));
        return;
    }
    if (loops_again(s, 0, b[0], e[0]) && loops_again(s, 1, b[1], e[1]) &&
        (poll_near(s, 0, b[0], e[0], HUNKCLASS_BEFORE, &pc) ||
         poll_near(s, 1, b[1], e[1], HUNKCLASS_BEFORE, &pc)))
        set(v, HUNK_TIMING, "a polling loop (waits on a port or the clock at 0x%" PRIx64
            ") went round a different number of times: %" PRIu64 " vs %" PRIu64 " steps",
            pc, e[0] - b[0], e[1] - b[1]);
}

/* A stretch that would be timing but makes a BIOS call whose answer differs
 * (the guest's E820 loop going round once more because hv's map has one
 * entry more, printing it with a UART putc that polls): meaningful. */
static void answer_not_timing(const struct hunkclass_sides *s, const struct align_hunk *h,
                              struct hunk_verdict *v)
{
    uint64_t pc;
    if (v->cls != HUNK_TIMING)
        return;
    for (int k = 0; k < 2; k++)
        if (find_answer(s, k, k ? h->b_begin : h->a_begin, k ? h->b_end : h->a_end, &pc)) {
            set(v, HUNK_MEANINGFUL, "%c makes a BIOS call (at 0x%" PRIx64 ") whose answer "
                "the other run did not get: not timing, though it polls", 'A' + k, pc);
            return;
        }
}

static uint64_t excluded_len(const struct align_hunk *h)
{
    return h->flags & ALIGN_HF_SIDE_B ? h->b_end - h->b_begin : h->a_end - h->a_begin;
}

static uint64_t async_pc(const struct hunkclass_sides *s, const struct align_hunk *h)
{
    int k = (h->flags & ALIGN_HF_SIDE_B) != 0;
    return align_tok_pc(s->itab, &s->tok[k][k ? h->b_begin : h->a_begin]);
}

void hunkclass_classify(const struct hunkclass_sides *s, const struct align_hunk *h,
                        struct hunk_verdict *v)
{
    uint64_t pc = 0;
    v->cls = HUNK_MEANINGFUL;
    v->reason[0] = 0;
    switch (h->kind) {
    case ALIGN_EQUAL:
    case ALIGN_UNANCHORED:
        v->cls = HUNK_SAME;
        return;
    case ALIGN_EXCLUDED:
        set(v, HUNK_BY_DESIGN, "hv's own code (excluded range), %" PRIu64 " step%s",
            excluded_len(h), hvt_s(excluded_len(h)));
        return;
    case ALIGN_ASYNC:
        if (h->flags & ALIGN_HF_PEER_EQUAL)
            v->cls = HUNK_SAME;
        else
            set(v, HUNK_TIMING, "an asynchronous interrupt (handler at 0x%" PRIx64
                ") taken at a different place", async_pc(s, h));
        return;
    case ALIGN_LOOP:
        /* A straight-line instruction cannot follow itself: one recorded twice
         * was interrupted and restarted (the emulator's timing, not the guest's). */
        if (h->body_len == 1 &&
            align_insn_of(s->itab, &s->tok[0][h->body_begin])->cf == INSN_CF_NONE) {
            set(v, HUNK_TIMING, "the instruction at 0x%" PRIx64 " recorded %" PRIu64 " vs %"
                PRIu64 " times in a row (interrupted and restarted)",
                align_tok_pc(s->itab, &s->tok[0][h->body_begin]), h->count_a, h->count_b);
            return;
        }
        /* The body as aligned may start after the poll (a rotated loop). */
        if (poll_near(s, 0, h->body_begin, h->body_begin + h->body_len, h->body_len + 2, &pc))
            set(v, HUNK_TIMING, "a polling loop (waits on a port or the clock at 0x%" PRIx64
                ") ran %" PRIu64 " vs %" PRIu64 " times", pc, h->count_a, h->count_b);
        answer_not_timing(s, h, v);
        return;
    default:
        classify_change(s, h, v);
        answer_not_timing(s, h, v);
    }
}
