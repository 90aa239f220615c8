/*
 * report_fmt: the wording shared by the text, HTML and JSON reports, so the
 * three say the same thing: one step as CS:IP, bytes and disassembly; hunk
 * titles; the verdict; register lines; reading a range of steps back; and the
 * escaping of guest-derived text for HTML and JSON.
 */
#ifndef HVT_REPORT_FMT_H
#define HVT_REPORT_FMT_H

#include "reports/report.h"

#define REPORT_LINE 256

/* "f000:e05b" (real/v86: CS:IP) or "0008:000f7d0b". */
size_t report_fmt_addr(const struct hvt_step *s, char *buf, size_t n);
/* "eb 52 90" (the instruction's own bytes). */
size_t report_fmt_bytes(const struct hvt_step *s, char *buf, size_t n);
/* "jmp 0x7c54", in the mode the step ran in. */
size_t report_fmt_disasm(const struct hvt_step *s, char *buf, size_t n);
/* "#123 0000:7c00  eb 52 90              jmp 0x7c54" */
size_t report_fmt_step(const struct hvt_step *s, char *buf, size_t n);

/* "the runs part for good at A #n / B #m (...)": d->final, when d->has_final. */
size_t report_fmt_final(const struct report_diff *d, char *buf, size_t n);

/* "replace: A #101-#131 (31 steps), B #101-#121 (21 steps)", "loop: ...". */
size_t report_fmt_hunk(const struct align_hunk *h, char *buf, size_t n);
/* 1 if step of side k lies in an "ends" hunk: past the other recording's end,
 * where nothing was compared. */
int report_past_end(const struct report_diff *d, int k, uint64_t step);
/* 'snapshot "end": A at #35000000, B at #67000000 (not aligned: B ran on
 * 31996620 steps)' (plain text: the label is escaped where it is printed). */
size_t report_fmt_snap(const struct report_snap *p, char *buf, size_t n);
/* "timing: a polling loop ..." for hunk i. */
size_t report_fmt_class(const struct report_diff *d, size_t i, char *buf, size_t n);

/* BIOS calls of both runs as rows, each an A call and the B call at its
 * aligned step (-1: none on that side); the rows that differ come first (those
 * that differ by design after the others), then by step.  rows needs room for side[0].ncalls + side[1].ncalls. */
struct report_call_row {
    int64_t i[2];
    int same;
    const char *noise;      /* why the difference is noise, or NULL */
    uint64_t step;          /* A's step, else B's: the order among equals */
};
size_t report_call_rows(const struct report_diff *d, struct report_call_row *rows);

/* One sentence: where the runs part (the first meaningful hunk), or that they
 * do not (naming the noise and a recording that ends). */
size_t report_fmt_verdict(const struct report_diff *d, char *buf, size_t n);
/* "cr0: 0x10 vs 0x20 (+NE -ET)" for a field regdiff found different. */
size_t report_fmt_reg(const struct report_diff *d, enum hvt_field f, char *buf, size_t n);
/* Registers that differ between two states, "cr0 0x10/0x20, rsp ..."; "" if none. */
size_t report_fmt_state_diff(const struct hvt_state *a, const struct hvt_state *b,
                             char *buf, size_t n);

/* One link of a chain of causes: "loaded eax: = 0x1234; movl loaded eax from ..." */
size_t report_fmt_link(const struct chain_link *lk, char *buf, size_t n);

/* The chain section of the HTML report (reports/report_html_chain.c). */
int report_html_chain(FILE *f, rundb *a, rundb *b, const struct report_diff *d,
                      hvt_error *err);

void report_html_escape(FILE *f, const char *s);
void report_json_string(FILE *f, const char *s);

#endif
