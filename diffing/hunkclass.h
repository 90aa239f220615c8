/*
 * hunkclass: which differences between two aligned boots matter.  Each hunk
 * the aligner emits is put in one class with a one-line reason:
 *
 *   timing      the same code looping a different number of times while it
 *               polls a device or the clock (in/ins/rdtsc/rdtscp/pause/hlt in
 *               the repeated steps), or an asynchronous interrupt taken at a
 *               different place, or one run's stretch that leaves a polling
 *               loop and comes round to the same poll while the other still
 *               polls (a putc's next character: the alignment paired one
 *               run's polls with the other's next round); not when the
 *               stretch makes a BIOS
 *               call whose answer differs (HUNKCLASS_TF_ANSWER);
 *   by design   steps of hv's own code (an excluded range);
 *   ends        one recording stops inside a stretch the other goes on with:
 *               not a divergence; the other's steps past its end are not
 *               compared (the reason says how many);
 *   meaningful  everything else.
 *
 * The headline of a diff is its first meaningful hunk.  Pure: tokens in, class
 * out; the poll flag is set on tokens by whoever reads the steps
 * (hunkclass_is_poll).  Does not look at register values.
 */
#ifndef HVT_HUNKCLASS_H
#define HVT_HUNKCLASS_H

#include <stddef.h>
#include <stdint.h>

#include "diffing/align.h"

enum hunk_class {
    HUNK_SAME,          /* equal or unanchored: not a difference */
    HUNK_MEANINGFUL,
    HUNK_TIMING,
    HUNK_BY_DESIGN,
    HUNK_ENDS,
    HUNK_NCLASSES
};

/* Token flag (align_token.flags) set by the step reader: the instruction waits
 * on a device or the clock. */
#define HUNKCLASS_TF_POLL 0x80

/* Token flag set by whoever pairs the BIOS calls: the guest's own code makes a
 * call here whose answer it takes as data (bioscall_is_answer) and which the
 * other run did not get, or got different.  A stretch that makes such a call
 * is never timing, whatever it polls: the guest went round again because an
 * answer differed (an E820 map with one entry more), not because a device was
 * slow.  Calls made inside an interrupt excursion or hv's code are not flagged. */
#define HUNKCLASS_TF_ANSWER 0x40

#define HUNKCLASS_REASON 192

struct hunk_verdict {
    uint8_t cls;                    /* enum hunk_class */
    char reason[HUNKCLASS_REASON];  /* "" for HUNK_SAME and plain meaningful hunks */
};

/* 1 if the instruction in b[0..len) reads an I/O port (in, ins), the time
 * stamp counter (rdtsc, rdtscp) or waits (pause, hlt): what a polling loop does. */
int hunkclass_is_poll(const uint8_t *b, size_t len);

/* Both sides' tokens and the table they name, as given to align_diff. */
struct hunkclass_sides {
    const struct align_token *tok[2];
    size_t ntok[2];
    const struct align_itab *itab;
};

void hunkclass_classify(const struct hunkclass_sides *s, const struct align_hunk *h,
                        struct hunk_verdict *out);

const char *hunkclass_name(enum hunk_class c);   /* "timing", "by design", ... */

/* A register difference hv makes on purpose, or NULL: EFER.SVME alone (AMD
 * APM vol 2, 15.4: VMRUN needs it set), CR4.VMXE alone (Intel SDM vol 3,
 * 23.7: VMXON needs it), CR0.NE alone (vol 3, 26.3.1.1 and A.7: the guest's
 * CR0 must hold the bits IA32_VMX_CR0_FIXED0 fixes to 1, NE among them; rombios
 * leaves it clear). */
const char *hunkclass_reg_by_design(enum hvt_field f, uint64_t a, uint64_t b);

#endif
