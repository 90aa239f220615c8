/*
 * qemulog: a streaming parser of QEMU 7.2's `-d cpu` log (x86), the state source
 * of the log-assisted recording engine.
 *
 * Feed it byte chunks of any size (a pipe delivers partial lines); it calls
 * on_step once per complete CPU-state block and on_event for lines of other -d
 * categories it recognises (-d int, cpu_reset).  It does no I/O and never prints.
 *
 * Design notes for the log engine (QEMU 7.2.22, TCG, measured on this 2-core
 * machine; "seen" = observed in a capture, "code" = read in QEMU's source).
 *
 * 1. Control at run time.  With the VM started -S and the gdbstub attached,
 *    qRcmd runs `logfile PATH`, `log cpu,nochain`, `log none` and `singlestep
 *    on|off`, each answered "OK" in < 3 ms (seen).  -singlestep need not be on
 *    the command line: `singlestep on` makes new one-instruction TBs (the count
 *    is part of the TB key).  7.2 has no `-accel tcg,one-insn-per-tb=on` (seen:
 *    "Property 'tcg-accel.one-insn-per-tb' not found") and no one-insn-per-tb
 *    monitor command.  -singlestep with logging off costs little: reset ->
 *    0x7c00 -> exit of a test guest took 0.49 s vs 0.22 s without it (1.37 s
 *    with -icount shift=0); with the log to /dev/null it took 35.9 s (~158,000
 *    states/s: QEMU's formatting and per-block flush are the limit).
 * 2. The log file.  `logfile PATH` opens PATH at once with fopen("w") in QEMU's
 *    main loop (Debian's QEMU always has a log level bit set for its trace
 *    backend, so it does not wait for `log`; seen).  On a FIFO that open blocks
 *    the whole main loop, gdbstub included, until a reader opens: open the read
 *    end first.  `log none` keeps the file open: the reader sees no EOF (seen).
 * 3. Buffering.  QEMU fflush()es after every block (util/log.c
 *    qemu_log_unlock; code), so states are in the pipe as soon as written.  When
 *    the pipe is full the vCPU blocks in write() and the gdbstub stops
 *    answering: a \x03 got no reply for 10 s while the reader paused, and was
 *    answered once it drained again (seen).  The reader must drain concurrently
 *    (own thread or poll loop), never wait on the gdbstub with a full pipe.
 * 4. Stops.  At a gdbstub breakpoint (Z0) the log holds every executed
 *    instruction and not the one at the breakpoint: the breakpoint is checked
 *    before the TB is logged.  That state is logged once on resume.  Each `s`
 *    logs exactly one state, the one *before* the stepped instruction; the
 *    state after it is `g`'s (seen).  So logged state k = state before step k.
 * 5. One state per instruction executed, with exceptions (seen unless noted):
 *    - rep string instructions: one state per iteration (ECX 3, 2, 1);
 *    - int n / int3: one state; -d int adds "v=.. i=1" + a dump (not a step);
 *    - hardware interrupts: no state of their own; -d int prints "Servicing
 *      hardware INT=0xNN" between the last instruction and the handler's
 *      first; in protected mode also "v=.. i=0" + a dump;
 *    - SMI: the `out 0xb2` is a step, then "SMM: enter" + a dump of the next,
 *      not yet executed instruction, then SMBASE+0x8000 (0x38000) with SMM=1;
 *      `rsm` is a step, then "SMM: after RSM" + a dump, then the resumed
 *      instruction once;
 *    - hlt: a halted CPU runs no TB, so nothing is logged while halted (code);
 *    - PHANTOMS: a TB can be logged and then abandoned by its start-of-TB exit
 *      check (exit request, icount budget, TB invalidation).  57-60 of them
 *      from reset to 0x7c00 without -icount, 90 with (at the same steps in both
 *      runs); 137 in irqs.S's boot without -icount.  Usually it is logged again
 *      when re-run (two equal consecutive states), but an exit request that
 *      brings an interrupt delivers it first: the abandoned state is followed
 *      by the handler and reappears when it returns (seen under load without
 *      -icount).  Under -d exec, cpu_tb_exec prints "Stopped execution of TB
 *      chain before 0xHOST [PC]" right after the abandoned TB's state, every
 *      time.  Under -icount an I/O access (MMIO such as VGA memory, a port)
 *      in a TB that may not do I/O makes QEMU undo the TB and run it again
 *      (cpu_io_recompile): "cpu_io_recompile: rewound execution of TB to PC"
 *      follows the undone state (7 of them in hostile.S's boot).  The engine
 *      drops the state either line names (TB_ABANDONED).
 * 6. --steps N exactly: stop accepting at N (callback returns 1); the VM runs
 *    ahead by what the pipe holds (64 KiB = ~78 states, more with
 *    F_SETPIPE_SZ).  To park the VM exactly at N: at N - margin send \x03,
 *    then `s` one by one (each logs exactly one state) up to N.
 * 7. Determinism: `-icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,
 *    clock=vm`: two runs from reset to 0x7c00 gave 7,654,306 steps each with
 *    equal values at every step (hash of all fields).  Without -icount:
 *    5,663,849 vs 5,663,050 steps.  -icount changes the path (timer polling
 *    loops run longer at 1 ns per instruction), so compare runs of one mode.
 * 8. Speed: QEMU -singlestep -d cpu,nochain into a FIFO read by this parser
 *    (1 MiB reads): 130,000-150,000 states/s from reset to 0x7c00 (5.66M
 *    states, 4.69 GB of text, ~830 bytes each; 38-43 s, vs 35.9 s into
 *    /dev/null).  The parser alone: ~1.8M states/s (1.46 GB/s) from memory,
 *    so it is never the bottleneck.
 * 9. Formats (target/i386/cpu-dump.c; both seen): qemu-system-x86_64 prints the
 *    RAX=/R8=/RIP= rows and 16-digit segment bases only while CS is 64-bit;
 *    with EFER.LMA set GDT/IDT bases and CR2/CR3 have 16 digits; DR rows have
 *    16 digits in that binary.  Outside 64-bit code R8-R15 and the upper halves
 *    are not printed: they read as 0 here.  Interrupt lines are
 *    "%6d: v=%02x e=%04x i=%d cpl=%d IP=%04x:eip pc=.. SP=ss:esp ..."
 *    (seg_helper.c do_interrupt_all, protected mode only).
 */
#ifndef HVT_QEMULOG_H
#define HVT_QEMULOG_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

/* One CPU-state block as QEMU printed it.  st.known is every HVT_K_* group. */
struct qemulog_cpu {
    struct hvt_state st;
    uint64_t cc_src, cc_dst;    /* CCS/CCD: TCG's lazily computed flags inputs */
    uint32_t cc_op;             /* hash of the CCO name (DYNAMIC, EFLAGS, SUBL ...) */
    uint8_t cpl, inhibit_irq, a20, halted;  /* CPL= II= A20= HLT= */
    uint8_t wide;               /* 1: printed in the 64-bit form (RAX=, CS.L set) */
};

enum qemulog_event_kind {
    QEMULOG_EV_HWINT,           /* "Servicing hardware INT=0xNN": an external
                                 * interrupt is delivered before the next step */
    QEMULOG_EV_INTERRUPT,       /* protected mode only: "N: v=.. e=.. i=.. cpl=..
                                 * IP=cs:eip pc=.. SP=ss:esp ..." + a dump of the
                                 * state at delivery */
    QEMULOG_EV_CHECK_EXCEPTION, /* "check_exception old: 0x.. new 0x.." */
    QEMULOG_EV_SMM_ENTER,       /* "SMM: enter" + a dump of the interrupted state */
    QEMULOG_EV_SMM_RSM,         /* "SMM: after RSM" + a dump of the resumed state */
    QEMULOG_EV_RESET,           /* "CPU Reset (CPU n)" + a dump (-d cpu_reset) */
    QEMULOG_EV_TRIPLE_FAULT,    /* "Triple fault" */
    QEMULOG_EV_TB_ABANDONED,    /* -d exec: the TB whose state was logged last did
                                 * not run (eip = its linear PC): "Stopped
                                 * execution of TB chain before 0xHOST [PC]" (not
                                 * started) or "cpu_io_recompile: rewound
                                 * execution of TB to PC" (an I/O access under
                                 * -icount undid it; it runs again) */
    QEMULOG_EV_WORLD_SWITCH,    /* -d in_asm: "vmrun! ADDR" or "vmexit(CODE, ...)!":
                                 * SVM loaded the guest's or the host's state
                                 * (AMD APM vol 2 15.5.1, 15.6) */
    QEMULOG_EV_CODE,            /* -d in_asm: "0xPC:  bytes  mnemonic" of an
                                 * instruction QEMU just translated (eip = linear
                                 * PC, code/code_len its bytes) */
};

struct qemulog_event {
    enum qemulog_event_kind kind;
    int vector;                 /* HWINT, INTERRUPT; CHECK_EXCEPTION: new; WORLD_SWITCH:
                                 * a #VMEXIT's exit code (AMD APM vol 2 appendix C;
                                 * -1 for vmrun); else -1 */
    int old_vector;             /* CHECK_EXCEPTION: old; else -1 */
    uint32_t error_code;        /* INTERRUPT */
    int is_int;                 /* INTERRUPT: 1 = software INT n */
    uint16_t cs;                /* INTERRUPT: CS:EIP QEMU printed as IP= */
    uint64_t eip;               /* INTERRUPT; TB_ABANDONED: the linear PC;
                                 * WORLD_SWITCH (#VMEXIT): the guest's EIP */
    uint64_t nsteps;            /* on_step calls made before this event */
    uint8_t code[16];           /* CODE: instruction bytes as QEMU printed them */
    uint8_t code_len;
    uint8_t code_more;          /* CODE: a line of bytes alone, continuing the
                                 * previous instruction (QEMU prints 8 a line) */
    const struct qemulog_cpu *dump; /* state QEMU dumped with the event, or NULL */
};

/* Callbacks return 0 to go on, non-zero to stop: the parser then drops the rest
 * of the chunk and every later one (qemulog_feed returns 1).  The pointers are
 * valid only during the call. */
typedef int (*qemulog_step_fn)(void *priv, const struct qemulog_cpu *cpu);
typedef int (*qemulog_event_fn)(void *priv, const struct qemulog_event *ev);

struct qemulog_stats {
    uint64_t steps;             /* on_step calls */
    uint64_t events;            /* on_event calls */
    uint64_t errors;            /* malformed blocks or lines, dropped */
    uint64_t skipped;           /* lines of other categories, ignored */
    uint64_t lines;             /* complete lines seen */
};

struct qemulog;

/* on_event may be NULL.  Returns NULL only if out of memory. */
struct qemulog *qemulog_new(qemulog_step_fn on_step, qemulog_event_fn on_event,
                            void *priv);
void qemulog_free(struct qemulog *p);
/* Parse len bytes.  Returns 0, or 1 once a callback asked to stop. */
int qemulog_feed(struct qemulog *p, const void *buf, size_t len);
/* End of stream: a final line without '\n' is parsed, an unfinished block is
 * counted as an error, a pending event is delivered.  Returns as qemulog_feed. */
int qemulog_finish(struct qemulog *p);
const struct qemulog_stats *qemulog_stats(const struct qemulog *p);
/* The first error, "line N: what" (empty if none). */
const char *qemulog_first_error(const struct qemulog *p);

#endif
