/*
 * rep_echo: QEMU's extra pass of a rep string instruction under -icount, which
 * is not an execution and must not be recorded as a step.  Pure: two steps in,
 * a yes/no out; no I/O.  Both engines call it (engine_log.c on the states of
 * QEMU's log, engine_rsp.c on the states its gdbstub steps stop at).
 *
 * The hardware (Intel SDM vol 2B, REP/REPE/REPNE; vol 3A 17.3.1.4): a CPU
 * single-stepping with TF traps after every iteration, so a rep string
 * instruction is one step per iteration (one step when the count is already 0).
 * The count register is CX, ECX or RCX by address size (mode, 0x67 prefix).
 *
 * QEMU 7.2 TCG under -icount (FACTS.md, "Found by trying the tool"; fixture
 * tests/unit/data/qemulog/i386_rep_icount.qemulog): after the iteration that
 * takes the count to 0 it jumps back to the instruction itself and runs it
 * once more with the count at 0, before moving on.  So the state after the
 * last iteration shows up as one more state at the same address with a count
 * of 0.  An iteration that ends a repe/repne early on ZF (count still > 0)
 * leaves the loop at once: no extra pass.  Without -icount there is none.
 *
 * Usage: `done` is the last step recorded (it executed), `next` the state the
 * engine is about to record as the following step.  If rep_echo_is_extra_pass
 * says 1, do not record `next`: the CPU's next real step is the state after it
 * (the instruction after the rep, with every register as in `next`).
 * Not covered: an interrupt taken between the last iteration and the extra pass
 * (QEMU then pushes the rep's own address, and the extra pass runs after the
 * handler returns); it is recorded as a step there.
 */
#ifndef HVT_REP_ECHO_H
#define HVT_REP_ECHO_H

#include "common/cpu_state.h"

/* 1 if s is a rep-prefixed movs/cmps/stos/lods/scas/ins/outs; *count_mask
 * (may be NULL) gets the mask of its count register (0xffff, 0xffffffff, ~0). */
int rep_echo_is_rep_string(const struct hvt_step *s, uint64_t *count_mask);

/* 1 if `next` is QEMU's extra pass after `done`: both at the same linear PC
 * with the same bytes, a rep string instruction, done's count 1, next's 0. */
int rep_echo_is_extra_pass(const struct hvt_step *done, const struct hvt_step *next);

#endif
