/*
 * step_event: what one gdbstub single step did.  Pure: states (and, when it
 * needs them, the bytes of a stack frame or the IVT) in, a verdict out; no I/O.
 * The RSP engine (engine_rsp.c) asks it after every step.
 *
 * The hardware (Intel SDM vol 3A 6.6, 6.9, 17.3.1.4): an external interrupt,
 * NMI or SMI is taken at an instruction boundary, before the next instruction
 * runs; a CPU single-stepping with TF traps after each instruction, and an
 * event taken between two instructions is not an instruction.
 *
 * QEMU 7.2 (accel/tcg/cpu-exec.c cpu_handle_interrupt; seen on irqs.S and
 * smi.S): when an interrupt or SMI is pending at a step, the step delivers it
 * and stops at the handler's first instruction, without running the
 * instruction it started at.  So a step is one of:
 *   - the instruction ran (every `int n`, int3 and faulting instruction too:
 *     the instruction itself raised the vector and is a step, SDM 6.5);
 *   - an event only: the instruction did not run; the step lands at the
 *     handler (interrupt) or at SMBASE+0x8000 in SMM (SMI);
 *   - the instruction ran, then an event: only `hlt`, which halts inside the
 *     step and is woken by the interrupt that the same step delivers.
 *
 * How it tells them apart:
 *   - QEMU's own log, when the engine reads one (-d in_asm,int into a FIFO):
 *     "Servicing hardware INT=0xNN" and "SMM: enter" during the step are exact.
 *   - Without a log (--attach, a QEMU not started by hvtrace), from the states:
 *     an SMI leaves the CPU at EIP 0x8000 with EFLAGS=2 and CR0.PE/PG clear
 *     (SDM vol 3C 34.5.1, table 34-4) where no far transfer led; a real-mode
 *     interrupt (SDM vol 3B 20.1.4) leaves SS:SP 6 bytes lower holding IP, CS
 *     and FLAGS of the interrupted instruction, IF clear.  A frame returning
 *     to the instruction itself, taken with IF=1, is an interrupt; one
 *     returning past it was pushed by the instruction (int n) or after it
 *     (hlt).  Limits without a log: a real-mode fault taken with IF=1 (e.g.
 *     div by zero) reads as an interrupt; interrupts in protected mode are not
 *     recognised (the instruction is counted as run).
 */
#ifndef HVT_STEP_EVENT_H
#define HVT_STEP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

enum stepev_kind { STEPEV_NONE, STEPEV_INTERRUPT, STEPEV_SMI };

/* What QEMU's log said while the step ran (have_log 0: no log was read). */
struct stepev_seen {
    int have_log;
    int hwint_vector;           /* "Servicing hardware INT=0xNN", or -1 */
    int smm_enter;              /* "SMM: enter" */
};

struct stepev_verdict {
    int executed;               /* the instruction at before's PC ran: a step */
    enum stepev_kind event;     /* taken after it (or instead of it) */
    int vector;                 /* interrupt vector, -1 if unknown */
    int need_frame;             /* ask again with the 6 bytes at after's SS:SP */
};

#define STEPEV_FRAME_BYTES 6    /* real-mode IP, CS, FLAGS */

/* before: the step's start state with its instruction bytes; after: where it
 * stopped.  frame: STEPEV_FRAME_BYTES at after's SS:SP, or NULL (then
 * need_frame says whether the verdict would use them). */
void stepev_classify(const struct hvt_step *before, const struct hvt_state *after,
                     const struct stepev_seen *seen, const uint8_t *frame,
                     struct stepev_verdict *out);

/* Index of the opcode in s->insn after legacy (and, in 64-bit code, REX)
 * prefixes (SDM vol 2A 2.1.1). */
size_t stepev_skip_prefixes(const struct hvt_step *s);
/* Could the instruction put CS:EIP anywhere (far jmp/call/ret, iret, int n,
 * int3, into, rsm)?  1 also for unknown bytes. */
int stepev_far_transfer(const struct hvt_step *s);
/* 1 if s's instruction is `hlt` (f4, after any prefixes). */
int stepev_is_hlt(const struct hvt_step *s);
/* 1 if s's instruction is `rsm` (0f aa). */
int stepev_is_rsm(const struct hvt_step *s);

/* The vector whose real-mode IVT entry (ivt: 1024 bytes from linear 0) is
 * cs:ip, preferring the PIC's (08h-0Fh, 70h-77h); -1 if none. */
int stepev_vector_from_ivt(const uint8_t *ivt, uint16_t cs, uint16_t ip);

#endif
