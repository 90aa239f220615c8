/*
 * engine_log: steps from QEMU's own per-instruction log, at emulator speed
 * (~170,000 steps/s here against ~5,000 through the gdbstub).
 *
 * The gdbstub still drives: it stops and resumes the VM, holds the --until,
 * --snapshot-at and BIOS-call breakpoints, and reads memory for snapshots.
 * The states come from the monitor commands `singlestep on` (one instruction
 * per translation block, so every instruction is logged) and
 * `log in_asm,cpu,int,cpu_reset,exec,nochain` into a FIFO (qemu_fifo_log.h, which
 * holds the facts about QEMU's logfile), parsed by qemu/qemulog.c.
 * What the log means (QEMU 7.2, see qemulog.h's notes):
 *   - Each state is the state *before* its instruction; in_asm gives its bytes.
 *   - At a breakpoint stop the log holds every executed instruction and not the
 *     one at the breakpoint; an `s` logs exactly one state.
 *   - A translation block can be logged and then abandoned before it runs (an
 *     exit request, an interrupt pending) or undone by an I/O access under
 *     -icount: -d exec then prints "Stopped execution of TB chain" or
 *     "cpu_io_recompile: rewound" naming it, and that state is not recorded.
 *   - Under -icount a rep string instruction that ends on its count is logged
 *     once more at count 0 (rep_echo.h): that state is not recorded.
 *   - Serial lines are stamped from the trace: each recorded `out` to COM1's
 *     THR is matched with the next byte of COM1's output (serial.h), since
 *     QEMU runs ahead of its log and the bytes arrive before their states.
 *   - `-d int` and `cpu_reset` add SMM entry/exit, interrupt and triple-fault
 *     lines: events, not steps.
 * Every gdbstub stop at a breakpoint moves the -icount clock to the next
 * timer deadline (README, known limits): stops are kept to the breakpoints
 * the options ask for.
 * --steps N is exact: at N - LOG_STOP_MARGIN the VM is interrupted and the
 * rest is single-stepped through the gdbstub, each `s` logging one state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qemu/qemu_fifo_log.h"
#include "record/recorder_int.h"
#include "qemu/rep_echo.h"

#define LOG_POLL_MS         2       /* idle wait between FIFO reads and stop checks */
/* A read shorter than this (a few states) while the VM runs: let QEMU fill the
 * FIFO for LOG_BATCH_NS before the next read.  Reading each state as QEMU
 * writes it woke hvtrace once or twice a step: on 2 shared cores the context
 * switches cost both processes more than the parsing did.  The FIFO (1 MiB,
 * ~1,000 states) bounds how far QEMU runs ahead either way. */
#define LOG_BATCH_BYTES     (64 * 1024)
#define LOG_BATCH_NS        1000000L
#define LOG_STOP_MARGIN     2048    /* steps before --steps N to stop and single-step */
#define LOG_PROGRESS_EVERY  65536
#define LOG_DONE            2           /* at_stop: a stop condition holds */
#define LOG_STALL_S         (STEP_STALL_MS / 1000.0)  /* running, no instruction: halted */

struct logeng {
    struct recorder *r;
    struct qemu_fifo_log log;
    struct hvt_step pending;    /* last logged state, held back: it may be abandoned */
    int have_pending;
    struct hvt_step last;       /* last recorded step: rep extra-pass check */
    int have_last;
    uint64_t limit;             /* steps wanted (UINT64_MAX: no limit) */
    int interrupted;            /* we sent the VM an interrupt */
    int stopped;                /* at_stop: the VM is stopped after `pending` */
    int stalled;                /* ... because it logged nothing for a while */
    int failed;
    hvt_error *err;
    struct engine_sink out;     /* steps and events go here (engine.h) */
};

/* Close enough to --steps N to stop the VM and single-step the rest. */
static int near_limit(const struct logeng *e)
{
    return e->limit != UINT64_MAX && e->r->nsteps + LOG_STOP_MARGIN >= e->limit;
}

/* ---- states from the parser ---- */

static int append_pending(struct logeng *e)
{
    struct recorder *r = e->r;
    if (!e->have_pending || r->nsteps >= e->limit)
        return 0;
    e->have_pending = 0;
    /* -icount's extra pass of a rep string instruction did not execute. */
    if (e->have_last && rep_echo_is_extra_pass(&e->last, &e->pending))
        return 0;
    e->pending.n = r->nsteps;
    if (e->have_last && rec_recipe_pair(r, &e->last, &e->pending, e->stopped, e->err))
        return e->failed = 1, -1;
    if (r->recipe_stop)
        return 0;               /* the recipe stopped before this instruction */
    if (engine_step(&e->out, &e->pending, e->err))
        return e->failed = 1, -1;
    e->last = e->pending;
    e->have_last = 1;
    rec_serial_sent(r, &e->pending);
    r->nsteps++;
    engine_progress(&e->out, r->nsteps, r->nsnaps, LOG_PROGRESS_EVERY);
    return 0;
}

static void fill_step(struct logeng *e, const struct hvt_state *st, struct hvt_step *s)
{
    s->st = *st;
    s->mode = (uint8_t)hvt_state_mode(st);
    const struct codemap_entry *c = codemap_get(&e->log.code, hvt_state_pc(st));
    s->insn_len = c ? c->len : 0;
    if (c)
        memcpy(s->insn, c->bytes, c->len);
}

static int on_step(void *priv, const struct qemulog_cpu *cpu)
{
    struct logeng *e = priv;
    if (append_pending(e))
        return 1;
    fill_step(e, &cpu->st, &e->pending);
    e->have_pending = 1;
    return 0;
}

/* Interrupts and exceptions taken between steps (-d int): an event before the
 * step of the handler's first instruction, never a step of their own.
 * "Servicing hardware INT" names external interrupts in every mode;
 * check_exception names exceptions (not `int n`, which is an instruction).
 * The "v=.." lines of protected mode repeat one of those: not recorded. */
static int interrupt_event(struct logeng *e, const struct qemulog_event *ev)
{
    char text[128], after[48] = "";
    uint64_t step = e->r->nsteps + e->have_pending;
    const struct hvt_step *last = e->have_pending ? &e->pending : e->have_last ? &e->last : NULL;
    if (last)       /* the last instruction that ran before it */
        snprintf(after, sizeof after, " after %04" PRIx64 ":%08" PRIx64,
                 last->st.f[HVT_CS_SEL], last->st.f[HVT_RIP]);
    if (ev->kind == QEMULOG_EV_HWINT)
        snprintf(text, sizeof text, "vector 0x%02x%s (hardware)", ev->vector, after);
    else if (ev->old_vector >= 0)
        snprintf(text, sizeof text, "vector 0x%02x%s (exception while delivering 0x%02x)",
                 ev->vector, after, ev->old_vector);
    else
        snprintf(text, sizeof text, "vector 0x%02x%s (exception)", ev->vector, after);
    engine_event(&e->out, step, ev->kind == QEMULOG_EV_HWINT ? "interrupt" : "exception",
                 text);
    return 0;
}

static int on_event(void *priv, const struct qemulog_event *ev)
{
    struct logeng *e = priv;
    if (ev->kind == QEMULOG_EV_HWINT || ev->kind == QEMULOG_EV_CHECK_EXCEPTION)
        return interrupt_event(e, ev);
    if (ev->kind == QEMULOG_EV_TB_ABANDONED) {  /* the held-back state did not run */
        if (e->have_pending && hvt_state_pc(&e->pending.st) == ev->eip)
            e->have_pending = 0;
        return 0;
    }
    static const char *const names[] = {
        [QEMULOG_EV_SMM_ENTER] = "smm-enter", [QEMULOG_EV_SMM_RSM] = "smm-rsm",
        [QEMULOG_EV_TRIPLE_FAULT] = "triple-fault", [QEMULOG_EV_RESET] = "cpu-reset",
    };
    if (ev->kind == QEMULOG_EV_TRIPLE_FAULT)
        e->r->triple_fault = 1;
    if ((size_t)ev->kind < sizeof names / sizeof names[0] && names[ev->kind]) {
        char text[96] = "";
        if (ev->dump)
            snprintf(text, sizeof text, "at %04" PRIx64 ":%08" PRIx64,
                     ev->dump->st.f[HVT_CS_SEL], ev->dump->st.f[HVT_RIP]);
        engine_event(&e->out, e->r->nsteps + e->have_pending, names[ev->kind], text);
    }
    return 0;
}

static int start_logging(struct logeng *e, hvt_error *err)
{
    if (qemu_fifo_log_start(&e->log, e->r->rsp, e->r->proc.dir, "in_asm,cpu,int,cpu_reset,exec,nochain",
                            on_step, on_event, e, err))
        return -1;
    return qemu_monitor_quiet(e->r->rsp, "singlestep on", err);
}

/* ---- breakpoints: --until, --snapshot-at, BIOS call entries and returns ---- */

static int set_breakpoints(struct recorder *r, int insert, hvt_error *err)
{
    if (r->o->has_until && rec_set_pair(r, &r->o->until, insert, err))
        return -1;
    for (int i = 0; i < r->o->nsnap_at; i++)
        if (rec_set_pair(r, &r->o->snap_at[i], insert, err))
            return -1;
    for (int i = 0; i < REC_BIOS_VECTORS; i++)
        if (r->bios.entry[i] != UINT64_MAX && rsp_hwbreak(r->rsp, r->bios.entry[i], insert, err))
            return -1;
    for (int i = 0; i < r->bios.npending; i++)
        if (rsp_hwbreak(r->rsp, r->bios.pending[i].ret_pc, insert, err))
            return -1;
    return 0;
}

/* A BIOS call's entry or return at this stop: capture its buffers and keep a
 * breakpoint on each pending return address (recorder_bios.c). */
static int bios_at_stop(struct recorder *r, hvt_error *err)
{
    struct rec_bios before = r->bios;
    if (!rec_bios_check(r))
        return 0;
    for (int i = r->bios.npending; i < before.npending; i++)
        if (rsp_hwbreak(r->rsp, before.pending[i].ret_pc, 0, err))
            return -1;
    for (int i = before.npending; i < r->bios.npending; i++)
        if (rsp_hwbreak(r->rsp, r->bios.pending[i].ret_pc, 1, err))
            return -1;
    return 0;
}

/* Is the VM, stopped, still before the held-back state's instruction?  Then
 * QEMU logged that block and abandoned it for the stop (the exit request is
 * checked after the log line, design note 5): it did not run, and is logged
 * again when it does.  Compared: what `g` and the log both give exactly
 * (registers, RIP, EFLAGS, selectors); outside 64-bit code the log prints
 * 32-bit registers only.  `jmp $` runs without changing them: kept. */
static int stopped_before(const struct hvt_step *pending, const struct hvt_state *now)
{
    int wide = pending->mode == HVT_MODE_64;
    uint64_t mask = wide ? UINT64_MAX : 0xffffffffu;
    if (rec_jumps_to_itself(pending))
        return 0;
    for (int f = HVT_RAX; f <= HVT_GS_SEL; f++) {
        if (!wide && f >= HVT_R8 && f <= HVT_R15)
            continue;
        if ((pending->st.f[f] & mask) != (now->f[f] & mask))
            return 0;
    }
    return 1;
}

/* The VM stopped (breakpoint, or our interrupt) with the log drained: flush the
 * held-back state, read where the CPU is, and act on it.  Returns LOG_DONE when
 * a stop condition holds (rec_should_stop: --steps, --until, SIGINT, timeout),
 * 0 to go on, -1 on error. */
static int at_stop(struct logeng *e, hvt_error *err)
{
    struct recorder *r = e->r;
    if (rec_read_current(r, err))
        return -1;
    if (e->have_pending && stopped_before(&e->pending, &r->cur.st))
        e->have_pending = 0;
    e->stopped = 1;
    int rc = append_pending(e);
    e->stopped = 0;
    if (rc)
        return -1;
    r->cur.n = r->nsteps;
    rec_serial_settle(r);
    /* A recipe's pair (last step, where the VM stands), memory readable now. */
    if (e->have_last && !r->recipe_stop && rec_recipe_pair(r, &e->last, &r->cur, 1, err))
        return -1;
    if (rec_should_stop(r))
        return LOG_DONE;
    if (e->stalled)
        return rec_note_stuck(r, "no instruction executed for " STR(STEP_STALL_MS)
                                 " ms: the CPU is halted (hlt with interrupts off?)"), 1;
    if (bios_at_stop(r, err) || rec_recipe_at_stop(r, err))
        return -1;
    if (rec_snapshot_if_asked(r, err))
        return -1;
    return 0;
}

/* Step once through the gdbstub (off a breakpoint, or the last few of
 * --steps); the step's state arrives through the log. */
static int step_once(struct logeng *e, hvt_error *err)
{
    struct rsp_stop st;
    if (rsp_step(e->r->rsp, &st, err))
        return rec_rsp_failed(e->r, err);
    qemu_fifo_log_drain(&e->log);
    if (rec_stop_ends(e->r, &st))
        return rec_note_qemu_end(e->r), 1;
    return 0;
}

/* ---- the loop ---- */

/* Run until the VM stops; ask it to stop near --steps N, on SIGINT or timeout. */
static int run_until_stop(struct logeng *e, hvt_error *err)
{
    struct recorder *r = e->r;
    struct rsp_stop st;
    if (rsp_resume(r->rsp, err))
        return rec_rsp_failed(r, err);
    e->interrupted = e->stalled = 0;
    double last_data = rec_now();
    for (;;) {
        ssize_t n = qemu_fifo_log_pump(&e->log);
        if (e->failed)
            return -1;
        if (n > 0)
            last_data = rec_now();
        /* A running VM that logs nothing has a halted CPU (or one waiting on
         * host time without -icount): stop it and let at_stop judge. */
        e->stalled |= !e->interrupted && rec_now() - last_data > LOG_STALL_S;
        int want_stop = near_limit(e) ||
                        (r->o->snap_every && r->nsteps >= r->next_periodic) ||
                        rec_should_stop(r) || e->stalled;
        if (want_stop && !e->interrupted) {
            if (rsp_interrupt(r->rsp, err))
                return rec_rsp_failed(r, err);
            e->interrupted = 1;
        }
        if (n > 0 && n < LOG_BATCH_BYTES && !e->interrupted)
            nanosleep(&(struct timespec){ 0, LOG_BATCH_NS }, NULL);
        if (n > 0)
            continue;
        rec_serial_poll(r);
        if (n == 0 && qemu_fifo_log_wait(&e->log, LOG_POLL_MS))
            continue;           /* more log: the VM is still running */
        int rc = rsp_wait_stop(r->rsp, n < 0 ? 200 : 1, &st, err);
        if (rc == RSP_TIMEOUT)
            continue;
        if (rc)
            return rec_rsp_failed(r, err);
        qemu_fifo_log_drain(&e->log);
        rec_serial_poll(r);
        if (rec_stop_ends(e->r, &st))
            return append_pending(e), rec_note_qemu_end(r), 1;
        return 0;
    }
}

static int log_loop(struct logeng *e, hvt_error *err)
{
    struct recorder *r = e->r;
    for (;;) {
        int rc = run_until_stop(e, err);
        if (rc == 0)
            rc = at_stop(e, err);
        while (rc == 0 && near_limit(e) && r->nsteps < e->limit) {
            rc = step_once(e, err);      /* the last steps of --steps, exactly */
            if (rc == 0)
                rc = at_stop(e, err);
        }
        if (rc)
            return rc == LOG_DONE ? 0 : rc;
        /* At a breakpoint: QEMU does not move on `c`, so step off it first. */
        if ((rc = step_once(e, err)) != 0)
            return rc;
    }
}

int engine_log_record(struct recorder *r, hvt_error *err)
{
    struct logeng e = { .r = r, .err = err,
                        .limit = r->o->max_steps ? r->o->max_steps : UINT64_MAX };
    rec_engine_sink(r, &e.out);
    rec_bios_start(r);
    rec_serial_by_trace(r);
    int rc = start_logging(&e, err);
    if (!rc)
        rc = bios_at_stop(r, err);  /* recording may start at a handler */
    if (!rc)
        rc = set_breakpoints(r, 1, err);
    if (!rc)
        rc = rec_recipe_breaks(r, 1, err);
    if (!rc)
        rc = log_loop(&e, err);
    if (r->qemu_gone) {         /* the instruction that ended QEMU was logged */
        qemu_fifo_log_drain(&e.log);
        append_pending(&e);
    }
    if (rc >= 0 && !r->qemu_gone) {
        set_breakpoints(r, 0, &(hvt_error){ "" });
        rec_recipe_breaks(r, 0, &(hvt_error){ "" });
    }
    if (rc >= 0 && e.log.parser && qemulog_stats(e.log.parser)->errors)
        engine_event(&e.out, r->nsteps, "log-errors", qemulog_first_error(e.log.parser));
    qemu_fifo_log_stop(&e.log, r->qemu_gone ? NULL : r->rsp);
    return rc;
}
