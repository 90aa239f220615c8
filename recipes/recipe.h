/*
 * recipe: investigation recipes for `hvtrace record --recipe NAME|FILE` — a
 * small line-based language (docs/recipes.md) and its per-step evaluation.
 *
 * A recipe names triggers ("int 0x15 if eax == 0xe820", "out 0xb2", "addr
 * 0000:7c00", a memory range that changes) and what to do when they fire: log
 * registers or memory as key=value events, take a snapshot, keep a window of
 * steps in the run file, stop the recording.  Parsing is pure; evaluation is
 * pure too: the recorder hands over each recorded step and a small table of
 * callbacks (struct recipe_io) for guest memory, snapshots, events and stop, so
 * the whole logic runs in unit tests on synthetic steps.
 *
 * How the recorder drives it (record/recorder.c's step loop):
 *
 *   recipe_begin(rt, &cur, io, err)            before the first step executes
 *   loop: executed = cur; single-step; read cur;
 *         k = recipe_on_step(rt, &executed, &cur, io, err);   (cur NULL if the
 *                                               guest ended inside `executed`)
 *         k < 0: error; k == 1: append `executed` to the run file; 0: do not.
 *         stop when io->request_stop was called (before executing cur).
 *   recipe_end(rt, io, err)                    once, however recording ended
 * (engine_rsp holds `executed` until the next step has run, and calls
 * recipe_after_insn(rt, &executed, io, err) right after it ran instead.)
 *
 * Invariant: when recipe_on_step(done, next) runs, guest memory (io->read_mem)
 * is the memory after `done` and before `next`: watches compare it with what
 * they saw before `done`; triggers, conditions and logs are evaluated on
 * `next`, so their registers and memory agree.
 */
#ifndef HVT_RECIPE_H
#define HVT_RECIPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"
#include "common/addr.h"

struct recipe;          /* a parsed recipe; immutable */
struct recipe_rt;       /* the evaluation state of one recording */

/* ---- parsing ---- */

/* Parse len bytes of recipe text.  origin names it in errors, which are one
 * line: "ORIGIN:LINE: reason". */
int recipe_parse(const char *text, size_t len, const char *origin,
                 struct recipe **out, hvt_error *err);
/* A built-in name (recipe_builtin_list), else a file path. */
int recipe_load(const char *name_or_path, struct recipe **out, hvt_error *err);
void recipe_free(struct recipe *r);

const char *recipe_name(const struct recipe *r);
const char *recipe_describe(const struct recipe *r);
/* The recipe's `from` address (a default for --from), or NULL. */
const struct hvt_addr *recipe_from(const struct recipe *r);

/* ---- built-in recipes (recipe_builtin.c) ---- */

struct recipe_builtin {
    const char *name;
    const char *text;       /* the recipe source, as a file would hold it */
};
const struct recipe_builtin *recipe_builtin_list(size_t *n);
const struct recipe_builtin *recipe_builtin_find(const char *name);

/* ---- evaluation ---- */

/* Filled by the recorder.  Callbacks return 0 on success, -1 on failure (and
 * then fill err); read_mem's failure is not an error: the event says
 * "unreadable".  Step numbers are the run file's: the recipe counts kept steps
 * from the first step's n. */
struct recipe_io {
    void *ctx;
    /* linear addresses, as the gdbstub's `m` reads them */
    int (*read_mem)(void *ctx, uint64_t addr, void *buf, size_t len);
    int (*snapshot)(void *ctx, uint64_t step, const char *label, hvt_error *err);
    /* kind is always RECIPE_EVENT_KIND; text is key=value pairs */
    int (*event)(void *ctx, uint64_t step, const char *kind, const char *text,
                 hvt_error *err);
    /* Stop recording before the next instruction executes. */
    void (*request_stop)(void *ctx, const char *reason);
};

#define RECIPE_EVENT_KIND "recipe"

int recipe_rt_new(const struct recipe *r, struct recipe_rt **out, hvt_error *err);
void recipe_rt_free(struct recipe_rt *rt);

/* Before the first step executes: reads the watched ranges, evaluates the
 * triggers on `first`. */
int recipe_begin(struct recipe_rt *rt, const struct hvt_step *first,
                 const struct recipe_io *io, hvt_error *err);
/* After `done` executed; next is the state now, or NULL when the guest ended
 * inside `done`.  Returns 1 if `done` belongs in the run file, 0 if not, -1 on
 * error. */
int recipe_on_step(struct recipe_rt *rt, const struct hvt_step *done,
                   const struct hvt_step *next, const struct recipe_io *io,
                   hvt_error *err);
/* Right after `done` executed, before anything else runs (memory is the
 * memory after `done`): its watches.  An engine that learns `next` only after
 * the following instruction ran (engine_rsp holds a step for the recipe)
 * calls this then, so a store is credited to its own step even when the next
 * instruction stores into the same range; recipe_on_step(done, ...) then
 * leaves the watches alone.  Returns 0, -1 on error. */
int recipe_after_insn(struct recipe_rt *rt, const struct hvt_step *done,
                      const struct recipe_io *io, hvt_error *err);
/* Recording is over: reports calls that never returned, runs `on end` rules. */
int recipe_end(struct recipe_rt *rt, const struct recipe_io *io, hvt_error *err);

/* ---- running a recipe from breakpoints (recipe_breaks.c), for the log engine ---- */

/* 1 if r can run with stops only at breakpoints: every step kept, no watch rule,
 * triggers `int`, `addr` and `end` only.  Else 0 and *why says what needs the
 * single-stepping engine. */
int recipe_runs_at_breakpoints(const struct recipe *r, const char **why);
/* The distinct vectors of its `int N` triggers (stop at IVT[N]'s target). */
size_t recipe_trigger_vectors(const struct recipe *r, uint8_t *v, size_t max);
/* Its `addr` triggers. */
size_t recipe_trigger_addrs(const struct recipe *r, const struct hvt_addr **a, size_t max);
/* Linear addresses where the calls it waits for return (real-mode frames:
 * CS*16 + IP); at most max. */
size_t recipe_return_pcs(const struct recipe_rt *rt, uint64_t *pc, size_t max);

/* ---- instruction facts the triggers and watches need (recipe_insn.c) ---- */

enum recipe_insn_kind {
    RECIPE_INSN_OTHER, RECIPE_INSN_INT, RECIPE_INSN_OUT, RECIPE_INSN_IN,
    RECIPE_INSN_RSM, RECIPE_INSN_HLT
};

struct recipe_insn {
    uint8_t kind;           /* enum recipe_insn_kind */
    uint8_t vector;         /* INT: the vector */
    uint8_t port_in_dx;     /* OUT/IN: the port is DX (else port holds imm8) */
    uint16_t port;
    uint8_t len;            /* INT/OUT/IN/RSM/HLT: length with prefixes, else 0 */
    uint8_t width;          /* OUT/IN: bytes moved (1, 2 or 4: SDM vol 2, OUT/IN/OUTS/INS) */
    uint8_t string;         /* OUT/IN: outs/ins (the data is memory, not AL/AX/EAX) */
    uint8_t may_write;      /* may change memory: see recipe_insn.c */
};

/* Decode b[0..n) executing in mode (16/32/64).  Incomplete bytes give kind
 * OTHER with may_write set. */
void recipe_insn_decode(const uint8_t *b, size_t n, int mode, struct recipe_insn *out);

#endif
