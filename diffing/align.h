/*
 * align: where two recorded boots part.  Input: two arrays of step tokens (one
 * per recorded instruction); output: hunks, in order, through a callback, like
 * git's xdiff.  No I/O.
 *
 *   1. Build tokens with align_builder_add (one call per step, in step order):
 *      it interns (linear pc, mode, instruction bytes) in a table both runs
 *      share and stores the instruction's id, marks steps inside the
 *      excluded ranges, and marks asynchronous interrupt excursions.
 *   2. Choose anchor token indices (align_find_pc; the CLI also checks that the
 *      512 bytes at 0x7c00 match in both runs' snapshots).
 *   3. align_diff walks both arrays and calls emit once per hunk.
 *
 * Token i of an array describes step (first step read) + i: hunk ranges are
 * token indices, so a caller that builds tokens from step 0 gets step numbers.
 */
#ifndef HVT_ALIGN_H
#define HVT_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"

/* The instructions the tokens name.  Each distinct (linear pc, mode,
 * instruction bytes) is stored once, in a table both runs' tokens share, so
 * two tokens are the same instruction exactly when their ids are equal: no
 * hash decides equality.  A boot executes few distinct instructions millions
 * of times (SeaBIOS from reset: ~11.8k), so a step costs a 4-byte token
 * instead of a copy of its pc and decode. */
struct align_insn {
    uint64_t pc;        /* linear pc */
    uint8_t bytes[16];  /* the instruction's bytes [0, nbytes), zero after */
    uint8_t nbytes;     /* len, or the recorded bytes when they do not decode */
    uint8_t len;        /* instruction length; 0 when the bytes were unreadable */
    uint8_t mode;       /* enum hvt_mode */
    uint8_t cf;         /* enum insn_cf (diffing/insnclass.h) */
};

struct align_itab {
    struct align_insn *v;   /* v[id], in the order first seen */
    size_t n, cap;
    uint32_t *slots;        /* open addressing over the key: id + 1, 0 empty */
    size_t nslots;          /* power of two, at most half full */
};

void align_itab_init(struct align_itab *t);
void align_itab_free(struct align_itab *t);
/* Ids fit a token's 24 bits: 16.7M distinct instructions, where a whole
 * Linux boot executes a few hundred thousand (its text is ~10 MB). */
#define ALIGN_INSN_MAX ((1u << 24) - 1)

/* The id of the instruction recorded as bytes[0..n) at pc in mode, if one
 * interned before is it: a decoded one whose bytes begin these (x86 decodes
 * an instruction from its own bytes alone, so these decode to it too), or an
 * undecodable one with exactly these bytes.  1 found (*id), 0 not. */
int align_itab_find(const struct align_itab *t, uint64_t pc, uint8_t mode, const uint8_t *bytes,
                    size_t n, uint32_t *id);
/* The id of in's (pc, mode, bytes[0, nbytes)), added if new (len and cf are
 * stored with it; they follow from the key).  0, or -1 with err set when out
 * of memory or past ALIGN_INSN_MAX distinct instructions. */
int align_itab_intern(struct align_itab *t, const struct align_insn *in, uint32_t *id,
                      hvt_error *err);

/* One step as the aligner sees it: 4 bytes (a 35M against a 67M-step pair
 * holds 390 MiB of them). */
struct align_token {
    unsigned insn : 24;     /* id in the shared struct align_itab */
    unsigned flags : 8;     /* ALIGN_TF_*, HUNKCLASS_TF_* */
};
_Static_assert(sizeof(struct align_token) == 4, "a token is 4 bytes a step");

static inline const struct align_insn *align_insn_of(const struct align_itab *t,
                                                     const struct align_token *k)
{
    return &t->v[k->insn];
}

static inline uint64_t align_tok_pc(const struct align_itab *t, const struct align_token *k)
{
    return t->v[k->insn].pc;
}

#define ALIGN_TF_EXCLUDED    0x01  /* pc inside an excluded range */
#define ALIGN_TF_ASYNC       0x02  /* inside an asynchronous interrupt excursion */
#define ALIGN_TF_ASYNC_START 0x04  /* first token of an excursion */
#define ALIGN_TF_BREAK       0x08  /* pc is no possible successor of the previous step */

/* Inclusive range of linear addresses whose steps are dropped (--exclude LO-HI). */
struct align_range {
    uint64_t lo, hi;
};

/* Nonzero when pc lies in one of the n ranges r (the step loop's test: inline). */
static inline int align_ranges_hold(const struct align_range *r, size_t n, uint64_t pc)
{
    for (size_t i = 0; i < n; i++)
        if (pc >= r[i].lo && pc <= r[i].hi)
            return 1;
    return 0;
}

typedef struct align_builder align_builder;

/* Tokens are written to arr[0..cap), their instructions interned in itab
 * (shared by both runs, outliving the builder).  The ranges are copied. */
int align_builder_new(align_builder **out, struct align_itab *itab,
                      struct align_token *arr, size_t cap,
                      const struct align_range *excl, size_t nexcl, hvt_error *err);
/* Append the token for s (steps must come in order, without holes). */
int align_builder_add(align_builder *b, const struct hvt_step *s, hvt_error *err);
/* The next step added is a hardware interrupt handler's first (the run file's
 * "interrupt" event at that step): it starts an excursion even where the last
 * instruction's successors are unknown from its bytes (iret, ret, an indirect
 * jump), where the token stream alone cannot see the break. */
void align_builder_interrupt(align_builder *b);
size_t align_builder_count(const align_builder *b);
void align_builder_free(align_builder *b);

/* First index whose pc is `pc` (n if none). */
size_t align_find_pc(const struct align_itab *itab, const struct align_token *t, size_t n,
                     uint64_t pc);

enum align_kind {
    ALIGN_EQUAL,        /* same instructions, pairwise */
    ALIGN_A_ONLY,       /* steps only in A (b range empty: where they would go) */
    ALIGN_B_ONLY,
    ALIGN_REPLACE,      /* different steps on both sides */
    ALIGN_LOOP,         /* a loop body ran count_a times in A, count_b in B */
    ALIGN_ASYNC,        /* an asynchronous interrupt excursion on one side */
    ALIGN_EXCLUDED,     /* excluded steps on one side */
    ALIGN_UNANCHORED,   /* before the anchors: not compared */
    ALIGN_NKINDS
};

#define ALIGN_HF_SIDE_B     0x01  /* ASYNC/EXCLUDED: the steps are B's (else A's) */
#define ALIGN_HF_PEER       0x02  /* ASYNC: peer_* is the other side's excursion */
#define ALIGN_HF_PEER_EQUAL 0x04  /* ASYNC: and it executed the same tokens */
#define ALIGN_HF_TAIL       0x08  /* no later match: everything to the ends */
#define ALIGN_HF_NESTED     0x10  /* ASYNC/EXCLUDED inside the previous non-equal hunk */

struct align_hunk {
    enum align_kind kind;
    uint32_t flags;                 /* ALIGN_HF_* */
    uint64_t a_begin, a_end;        /* token indices [begin, end) in A */
    uint64_t b_begin, b_end;        /* and in B */
    uint64_t body_begin, body_len;  /* LOOP: the body is A's [body_begin, +body_len) */
    uint64_t count_a, count_b;      /* LOOP: times the body ran on each side */
    uint64_t peer_begin, peer_end;  /* ASYNC with ALIGN_HF_PEER */
};

/* Returns 0 to go on; anything else stops align_diff (which then fails). */
typedef int (*align_emit_fn)(void *priv, const struct align_hunk *h);

struct align_opts {
    uint64_t a_anchor, b_anchor;    /* token indices where comparison starts */
};

struct align_result {
    int differ;                     /* A_ONLY, B_ONLY, REPLACE or LOOP hunks exist */
    int has_first;
    struct align_hunk first;        /* first A_ONLY/B_ONLY/REPLACE hunk */
    int has_first_loop;
    struct align_hunk first_loop;   /* first LOOP hunk */
    uint64_t hunks[ALIGN_NKINDS];   /* hunks per kind */
    uint64_t steps[ALIGN_NKINDS][2];/* tokens per kind, A and B */
    uint64_t async_unpaired;        /* ASYNC hunks without an equal peer */
    uint64_t resyncs;               /* resynchronisations after a mismatch */
};

int align_diff(const struct align_itab *itab, const struct align_token *a, size_t na,
               const struct align_token *b, size_t nb,
               const struct align_opts *opts, align_emit_fn emit, void *priv,
               struct align_result *res, hvt_error *err);

const char *align_kind_name(enum align_kind k);     /* "equal", "a-only", ... */

#endif
