/*
 * compare: what `hvtrace diff` compares, computed once from two runs.
 * report_diff_compute reads two open run files (db/rundb.h), aligns them
 * (diffing/align.h), classes the hunks, groups register differences at
 * aligned steps, compares snapshot pairs with the same label, names BIOS
 * calls and walks the chain of causes behind the headline (chain_src.c);
 * the result (struct report_diff, the model reports/ renders) is all a
 * report shows.  The CLI opens the runs, picks the output (reports/report.h)
 * and turns report_diff_status into the exit status (0 no meaningful
 * difference, 1 differences, 2 trouble: the CLI's own failure paths).
 */
#ifndef HVT_COMPARE_H
#define HVT_COMPARE_H

#include <stdio.h>

#include "common/hvt_error.h"
#include "db/rundb.h"
#include "diffing/align.h"
#include "diffing/align_map.h"
#include "diffing/chain.h"
#include "diffing/chain_idx.h"
#include "diffing/hunkclass.h"
#include "diffing/memdiff.h"
#include "diffing/regdiff.h"
#include "diffing/reloc.h"

#define REPORT_MAX_EXCLUDE 8
#define REPORT_CALL_TEXT   160

struct report_opts {
    int anchor_set;             /* 0: the first 0x7c00 on both sides */
    uint64_t anchor_pc;
    struct align_range exclude[REPORT_MAX_EXCLUDE];    /* --exclude LO-HI */
    size_t nexclude;
    unsigned context;           /* steps of context around hunks (0: 3) */
    unsigned max_lines;         /* steps shown per side and hunk (0: 12) */
    unsigned max_hunks;         /* hunks shown in text/HTML (0: 200); JSON has all */
};

struct report_call {            /* one `int N` and its BIOS call name */
    uint64_t step;
    uint64_t ret;               /* the step execution came back at (UINT64_MAX: never) */
    char text[REPORT_CALL_TEXT];
    int64_t peer;               /* index of the call at the aligned step on the
                                 * other side, -1 if none */
    int same;                   /* peer exists and names the same call and result */
    uint8_t vector, ah;         /* the vector and AH before the call */
    uint8_t depth;              /* calls in progress when it was made (0: the
                                 * guest's own code, not the BIOS calling itself) */
    const char *noise;          /* why the difference is noise ("by design: hv's
                                 * reserved E820 range", "timing: ..."), or NULL */
};

/* A snapshot label both runs have: where each took it (compare/snapplace.c). */
struct report_snap {
    char label[64];
    uint64_t step[2];           /* A's and B's step it was taken at */
    int aligned;                /* at aligned moments: its differences are evidence */
    char why[96];               /* when not: "B ran on 31996620 steps" */
    size_t ndiff;               /* memory differences found in it (report_mem) */
};

struct report_mem {             /* one labelled memory difference */
    char snapshot[64];          /* the snapshot label both runs share */
    size_t snap;                /* its index in report_diff.snaps */
    struct memdiff_item it;
    uint8_t a[16], b[16];       /* first bytes of each side, for hexdumps */
};

struct report_side {
    const char *name;           /* as given on the command line */
    struct rundb_info info;
    struct align_token *tok;    /* one per recorded step */
    size_t ntok;
    uint64_t anchor;
    struct report_call *calls;
    size_t ncalls;
    uint64_t *smi;              /* steps of `out` to port 0xb2 (SMI command port) */
    size_t nsmi;
    struct chain_idx idx;       /* what each block of its steps may write, for the
                                 * chains of causes (built with the tokens) */
};

/* A place where the runs part: its hunk and, per side (0 A, 1 B), the last
 * common step, the first step after, and the last SMI raised before it. */
#define REPORT_MAX_WHY 4

struct report_why {             /* the chain of causes behind one meaningful hunk */
    size_t hunk;                /* index in report_diff.hunks */
    struct chain c[2];          /* A's and B's links, link 0 the deciding step */
    int64_t call[2][CHAIN_MAX]; /* the BIOS call (side[k].calls index) a link's step
                                 * ran inside, innermost; -1 none */
};

struct report_point {
    struct align_hunk hunk;
    struct hvt_step last[2], next[2], smi[2];
    int has_last[2], has_next[2], has_smi[2];
};

/* What differs where the instruction streams match (compare/datadiff.c). */
struct report_data {
    int serial;                 /* the guests' own serial lines differ: */
    uint64_t line;              /* the first such line, 1-based among the guest's */
    uint64_t step[2];           /* its step in A and B */
    char text[2][REPORT_CALL_TEXT];     /* A's line and B's ("" if it has none) */
    size_t calls;               /* BIOS calls answered differently, not noise */
};

struct report_diff {
    struct report_side side[2]; /* A, B */
    struct align_itab itab;     /* the instructions both sides' tokens name */
    struct chain_idx_insns idx_insns;   /* what each of them writes (side[].idx) */
    int anchored;               /* the anchor pc was found on both sides */
    uint64_t anchor_pc;
    struct align_range exclude[REPORT_MAX_EXCLUDE + 2];  /* opts + hv's */
    size_t nexclude;
    struct align_result res;
    struct align_hunk *hunks;
    struct hunk_verdict *verdicts;  /* one per hunk: class and reason */
    size_t nhunks;
    uint64_t classes[HUNK_NCLASSES];    /* top-level hunks per class */
    int has_ends;               /* one recording ends where the other goes on */
    struct hunk_verdict ends;
    struct regdiff regs;        /* over every aligned (equal) pair */
    int has_div;
    struct report_point div;    /* the first meaningful hunk (the headline) */
    int has_final;              /* the runs never meet again after this meaningful point */
    struct report_point final;
    struct report_mem *mem;
    size_t nmem;
    struct report_snap *snaps;  /* the snapshot labels both runs have, A's order */
    size_t nsnaps;
    struct report_data data;    /* values that differ though the code ran alike */
    struct report_why *why;     /* chains of causes: why[0] behind the headline, then */
    size_t nwhy;                /* the next meaningful divergences, REPORT_MAX_WHY at most */
    struct report_opts opts;
    struct reloc reloc;         /* B runs A's code elsewhere (compare/reloc_src.c) */
};

/* hv's own code in a run (meta hv_range, the PT_LOAD span of meta hv_image):
 * up to cap ranges into r, returns how many.  report_runs_under_hv: 1 if the
 * run booted under hv. */
size_t report_hv_ranges(rundb *db, struct align_range *r, size_t cap);
/* Fill d->reloc once hunks and registers are known (compare/reloc_src.c). */
void report_reloc(struct report_diff *d, rundb *a, rundb *b);
int report_runs_under_hv(rundb *db);
/* Fill d->data once BIOS calls are paired (compare/datadiff.c). */
int report_data_diff(struct report_diff *d, rundb *a, rundb *b, hvt_error *err);
/* Flag the int of each call of the guest's own code whose answer the other
 * run did not get (compare/answers.c), for hunkclass; once calls are paired. */
void report_mark_answers(struct report_diff *d);
/* A hunk before which one run made more of the same guest BIOS calls (in the
 * same order, none answered differently) than the other: the alignment
 * slipped a round of repeated work.  report_slip_new after report_mark_answers
 * (NULL when out of memory: nothing slips); report_slipped 1 and the reason. */
struct report_slip;
struct report_slip *report_slip_new(const struct report_diff *d);
int report_slipped(const struct report_slip *s, const struct align_hunk *h, char *why,
                   size_t n);
void report_slip_free(struct report_slip *s);
/* The recording stopped for a reason outside the guest (--steps, --until, a
 * timeout, a signal, the end of a replayed free run: recorder.c's reasons),
 * so what it would have done next is unknown (compare/ends.c). */
int report_cut_short(const struct rundb_info *in);
/* The reason of an "ends" hunk h, from why the shorter recording stopped: the
 * other run's steps past its end were not compared (compare/ends.c). */
void report_ends_reason(const struct report_diff *d, const struct align_hunk *h,
                        struct hunk_verdict *v);
/* Fill p->aligned and p->why from p->step and the alignment (compare/snapplace.c). */
void report_snap_place(const struct report_diff *d, const struct align_map *map,
                       struct report_snap *p);
/* Memory differences found in snapshots not taken at aligned moments. */
size_t report_mem_unaligned(const struct report_diff *d);
/* Pair the calls made before the anchor, which alignment cannot pair, in
 * order (compare/calls_unanchored.c): sets report_call.peer only. */
void report_pair_unanchored(struct report_diff *d);
/* Does d->data hold a difference the verdict must name? */
int report_data_differs(const struct report_diff *d);

/* A run file as the chain walker reads it (compare/chain_src.c). */
struct report_chain_src {
    struct chain_run run;
    rundb *db;
    uint8_t *start;             /* the "start" snapshot, if the run has one */
    size_t nstart;
    char *image;                /* the run's guest_sha256, if recorded */
};
int report_chain_src_open(struct report_chain_src *s, rundb *db,
                          const struct align_range *excl, size_t nexcl, hvt_error *err);
void report_chain_src_close(struct report_chain_src *s);

/* Fills d (free with report_diff_free).  names label the runs in output. */
int report_diff_compute(struct report_diff *d, rundb *a, const char *a_name, rundb *b,
                        const char *b_name, const struct report_opts *opts,
                        hvt_error *err);
void report_diff_free(struct report_diff *d);
/* 0: no meaningful difference (noise and a recording that ends are not);
 * 1: meaningful differences (diff(1) convention). */
int report_diff_status(const struct report_diff *d);

/* Reads steps [from, from+count) of a run into out; *got receives how many
 * (compare/chain_src.c; renderers use it for the steps around hunks). */
int report_read_steps(rundb *db, uint64_t from, uint64_t count, struct hvt_step *out,
                      size_t *got, hvt_error *err);

#endif
