/*
 * qemulog: a streaming parser of QEMU 7.2's `-d cpu` log (x86), the state source
 * of the log-assisted recording engine.
 *
 * Feed it byte chunks of any size (a pipe delivers partial lines); it calls
 * on_step once per complete CPU-state block and on_event for lines of other -d
 * categories it recognises (-d int, cpu_reset).  It does no I/O and never prints.
 *
 * DESIGN NOTES (QEMU 7.2.22 TCG, measured on this machine; see the report of
 * issue 5 for numbers and tools/commands):  [filled in below]
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
    uint8_t same_as_prev;       /* on_step only: every value printed equals the
                                 * previous step's (a re-logged, aborted TB; or a
                                 * jump to itself: see the design notes) */
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
};

struct qemulog_event {
    enum qemulog_event_kind kind;
    int vector;                 /* HWINT, INTERRUPT; CHECK_EXCEPTION: new; else -1 */
    int old_vector;             /* CHECK_EXCEPTION: old; else -1 */
    uint32_t error_code;        /* INTERRUPT */
    int is_int;                 /* INTERRUPT: 1 = software INT n */
    uint16_t cs;                /* INTERRUPT: CS:EIP QEMU printed as IP= */
    uint64_t eip;
    uint64_t nsteps;            /* on_step calls made before this event */
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
