/*
 * engine_rsp: steps produced by the gdbstub, one `s` each, then registers and
 * code bytes read back (rec_read_current).  Works wherever a gdbstub does,
 * including a QEMU the user started on KVM (--attach); ~4,000 steps/s at most,
 * the cost of a debug stop in QEMU.
 *
 * A step is not always an instruction (step_event.h): QEMU delivers a pending
 * interrupt or SMI inside a step and stops at the handler, so such a step is
 * recorded as an event ("interrupt", "smm-enter") before the handler's first
 * step, and the instruction it started at is not recorded (it runs later).
 * When hvtrace launched QEMU, its -d in_asm,int log (a FIFO) says which steps
 * delivered what; attached, the states do (step_event.c).
 *
 * `hlt`: QEMU's vCPU halts inside the step, and timers are off while it steps
 * (NOTIMER, recorder.c): with IF=1 the step runs with timers on, so the clock
 * moves to the next timer as it does free-running, and stops at the handler
 * (hlt recorded, then the interrupt); with IF=0 nothing can wake it: the hlt
 * is recorded and the run ends there.
 *
 * Descriptor caches, GDTR/IDTR and SMM (not in `g`) come from `info
 * registers`, read only where they can change (segcache.h): after the
 * instructions and state changes segcache_stale names, after every event, and
 * after a step during which QEMU's log named a world switch, an RSM or a
 * reset (SVM's #VMEXIT, in particular, is no instruction of the guest's).
 *
 * A step that returns with the state unchanged executed nothing (QEMU does that
 * on the first step after reset): it is not recorded.  A step that never
 * returns means a halted CPU with nothing to wake it: the run ends as stuck.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "record/recorder_int.h"
#include "qemu/rep_echo.h"
#include "qemu/segcache.h"
#include "qemu/step_event.h"

#define SERIAL_POLL_EVERY 1024
#define HLT_STALL_MS      300   /* a hlt with IF=0 that has not returned: halted */
#define IVT_BYTES         1024

struct rspeng {
    struct recorder *r;
    struct qemu_fifo_log log;
    int have_log;               /* QEMU's in_asm,int log is read after each step */
    struct stepev_seen seen;    /* what it said during the current step */
    int exc_vector, exc_old;    /* check_exception during it, or -1 */
    int reload;                 /* the log named vmrun/#VMEXIT, rsm or a reset in it */
    int boundary_exit;          /* ... a #VMEXIT for an interrupt (exit codes 60h-64h) */
    uint64_t exit_eip;          /* ... and the guest's EIP it left */
    struct segcache cache;
    struct hvt_step last;       /* the last instruction that ran (rep_echo) */
    int have_last;
    struct hvt_step held;       /* with a recipe: ran, not yet given to it */
    int have_held;
    struct engine_sink out;     /* steps and events go here (engine.h) */
};

static int on_log_event(void *priv, const struct qemulog_event *ev)
{
    struct rspeng *e = priv;
    if (ev->kind == QEMULOG_EV_HWINT)
        e->seen.hwint_vector = ev->vector;
    else if (ev->kind == QEMULOG_EV_SMM_ENTER)
        e->seen.smm_enter = 1;
    else if (ev->kind == QEMULOG_EV_CHECK_EXCEPTION)
        e->exc_vector = ev->vector, e->exc_old = ev->old_vector;
    else if (ev->kind == QEMULOG_EV_WORLD_SWITCH || ev->kind == QEMULOG_EV_SMM_RSM ||
             ev->kind == QEMULOG_EV_RESET)
        e->reload = 1;
    /* #VMEXIT for INTR, NMI, SMI, INIT or VINTR (exit codes 60h-64h, AMD APM
     * vol 2 15.13 and appendix C): an interrupt intercepted at an instruction
     * boundary.  Left at the step's own EIP, the guest instruction did not run
     * (QEMU takes it in cpu_handle_interrupt, before the block; its -d exec
     * log, the log engine's source, has no state of that instruction); left
     * past it, it ran first (a hlt the interrupt woke). */
    if (ev->kind == QEMULOG_EV_WORLD_SWITCH && ev->vector >= 0x60 && ev->vector <= 0x64)
        e->boundary_exit = 1, e->exit_eip = ev->eip;
    return 0;
}

/* One `s`, but a CPU that never finishes the instruction (halted with nothing
 * to wake it: the seed's BIOS call that never returns) is reported as
 * RSP_TIMEOUT after stopping the VM, instead of waiting forever. */
static int step_or_stall(struct recorder *r, int stall_ms, struct rsp_stop *st,
                         hvt_error *err)
{
    if (rsp_conn_send(r->rsp->conn, "s", 1, err))
        return -1;
    int rc = rsp_wait_stop(r->rsp, stall_ms, st, err);
    if (rc != RSP_TIMEOUT)
        return rc;
    if (rsp_interrupt(r->rsp, err) || rsp_wait_stop(r->rsp, STEP_STALL_MS, st, err))
        return hvt_error_set(err, "QEMU did not stop when interrupted");
    return RSP_TIMEOUT;
}

/* With a code log, an instruction's bytes are the ones QEMU translated when it
 * ran it (a new translation means changed code).  Code QEMU translated before
 * logging started, or not yet, is read with `m`.  Without a code log
 * rec_read_current has read them with the registers. */
static void code_bytes(struct recorder *r, struct hvt_step *s)
{
    if (!r->code_log)
        return;
    const struct codemap_entry *c = codemap_get(&r->code_log->code, hvt_state_pc(&s->st));
    if (!c) {
        rec_read_code(r, s);
        return;
    }
    memcpy(s->insn, c->bytes, c->len);
    s->insn_len = c->len;
}

/* After a step: the log up to the stop (the step's events, on_log_event, and
 * the translation of what ran), then the bytes of what ran. */
static void fill_code(struct rspeng *e, struct hvt_step *s)
{
    if (e->have_log)
        qemu_fifo_log_drain(&e->log);
    code_bytes(e->r, s);
}

/* Step x.  A hlt with IF=1 steps with timers on: the halted vCPU lets the
 * virtual clock move to the next timer, as free-running, and the step ends at
 * the interrupt's handler.  A hlt with IF=0 waits only HLT_STALL_MS. */
static int step_insn(struct rspeng *e, const struct hvt_step *x, struct rsp_stop *st,
                     hvt_error *err)
{
    struct recorder *r = e->r;
    if (!stepev_is_hlt(x))
        return step_or_stall(r, STEP_STALL_MS, st, err);
    if (!(x->st.f[HVT_EFLAGS] & REC_EFLAGS_IF))
        return step_or_stall(r, HLT_STALL_MS, st, err);
    if (!(r->sstep_flags & RSP_SSTEP_NOTIMER))
        return step_or_stall(r, STEP_STALL_MS, st, err);
    if (rsp_set_sstep(r->rsp, RSP_SSTEP_ENABLE, err))
        return -1;
    int rc = step_or_stall(r, STEP_STALL_MS, st, err);
    if (rc == 0 && !rec_stop_ends(r, st) && rsp_set_sstep(r->rsp, r->sstep_flags, err))
        return -1;
    return rc;
}

/* The step's verdict (step_event.h); without a log it may need the frame the
 * step pushed. */
static void classify(struct rspeng *e, const struct hvt_step *x, struct stepev_verdict *v)
{
    const struct hvt_state *a = &e->r->cur.st;
    uint8_t frame[STEPEV_FRAME_BYTES];
    stepev_classify(x, a, &e->seen, NULL, v);
    if (!v->need_frame)
        return;
    uint64_t sp = (a->f[HVT_SS_SEL] << 4) + (a->f[HVT_RSP] & 0xffff);
    if (rsp_read_mem(e->r->rsp, sp, frame, sizeof frame, &(hvt_error){ "" }) == 0)
        stepev_classify(x, a, &e->seen, frame, v);
}

/* " after CS:EIP" of the last instruction that ran before an event, as the
 * log engine words it (empty before the first). */
static void after_last(const struct rspeng *e, char *out, size_t cap)
{
    out[0] = 0;
    if (e->have_last)
        snprintf(out, cap, " after %04" PRIx64 ":%08" PRIx64, e->last.st.f[HVT_CS_SEL],
                 e->last.st.f[HVT_RIP]);
}

/* An event between steps, at the step that follows it (the handler's first).
 * smm-enter says where the SMI was taken (the instruction that did not run,
 * as QEMU's "SMM: enter" dump does); an interrupt names the last instruction
 * that ran before it. */
static void note_event(struct rspeng *e, const struct hvt_step *x,
                       const struct stepev_verdict *v)
{
    struct recorder *r = e->r;
    char text[128], after[48];
    uint64_t step = r->nsteps + (uint64_t)e->have_held;
    int vec = v->vector;
    uint8_t ivt[IVT_BYTES];
    if (v->event == STEPEV_SMI) {
        uint64_t ip = x->st.f[HVT_RIP] + (v->executed ? stepev_skip_prefixes(x) + 1 : 0);
        snprintf(text, sizeof text, "at %04" PRIx64 ":%08" PRIx64, x->st.f[HVT_CS_SEL], ip);
        engine_event(&e->out, step, "smm-enter", text);
        return;
    }
    if (vec < 0 && !(r->cur.st.f[HVT_CR0] & 1) &&
        rsp_read_mem(r->rsp, rec_ivt_base(r), ivt, sizeof ivt, &(hvt_error){ "" }) == 0)
        vec = stepev_vector_from_ivt(ivt, (uint16_t)r->cur.st.f[HVT_CS_SEL],
                                     (uint16_t)r->cur.st.f[HVT_RIP]);
    after_last(e, after, sizeof after);
    if (vec >= 0)
        snprintf(text, sizeof text, "vector 0x%02x%s (hardware)", vec, after);
    else
        snprintf(text, sizeof text, "vector ?%s (hardware)", after);
    engine_event(&e->out, step, "interrupt", text);
}

/* An exception the instruction that just ran raised (QEMU's check_exception;
 * not `int n`): the faulting instruction is a step, the delivery an event
 * before the handler's first step. */
static void note_exception(struct rspeng *e)
{
    char text[128], after[48];
    after_last(e, after, sizeof after);
    if (e->exc_old >= 0)
        snprintf(text, sizeof text, "vector 0x%02x%s (exception while delivering 0x%02x)",
                 e->exc_vector, after, e->exc_old);
    else
        snprintf(text, sizeof text, "vector 0x%02x%s (exception)", e->exc_vector, after);
    engine_event(&e->out, e->r->nsteps + (uint64_t)e->have_held, "exception", text);
}

/* rsm ran: SMM left, at r->cur (as the log engine's "SMM: after RSM"). */
static void note_resumed(struct rspeng *e)
{
    char text[64];
    const struct hvt_state *a = &e->r->cur.st;
    snprintf(text, sizeof text, "at %04" PRIx64 ":%08" PRIx64, a->f[HVT_CS_SEL], a->f[HVT_RIP]);
    engine_event(&e->out, e->r->nsteps + (uint64_t)e->have_held, "smm-rsm", text);
}

/* Descriptor caches for r->cur (segcache.h) after x ran (NULL: at the start):
 * read `info registers` where they can have changed (or after an event),
 * carry them forward otherwise.  A
 * stub without the monitor command leaves the recorder's own CS tracking. */
static void update_caches(struct rspeng *e, const struct hvt_step *x, int force)
{
    struct recorder *r = e->r;
    char out[4096];
    struct hvt_state read;
    uint64_t pc = hvt_state_pc(&r->cur.st);
    if ((force || (x && segcache_stale(&e->cache, x, &r->cur.st))) &&
        rsp_monitor(r->rsp, "info registers", out, sizeof out, &(hvt_error){ "" }) == 0 &&
        segcache_parse(out, &read) == 0)
        segcache_set(&e->cache, &read);
    if (!e->cache.valid)
        return;
    segcache_apply(&e->cache, x, &r->cur.st);
    r->cur.mode = (uint8_t)hvt_state_mode(&r->cur.st);
    if (!r->code_log && hvt_state_pc(&r->cur.st) != pc)
        rec_read_code(r, &r->cur);
}

/* `out`/`outs`: the only way the guest's bytes reach COM1, so the serial
 * socket is read after these (and every SERIAL_POLL_EVERY steps, for output
 * that does not come from this CPU), not after every step: a syscall saved
 * per step, and lines are still stamped with the instruction that sent them. */
static int writes_port(const struct hvt_step *s)
{
    struct recipe_insn insn;
    if (s->insn_len == 0)
        return 1;                       /* unknown code: read to be safe */
    recipe_insn_decode(s->insn, s->insn_len, s->mode, &insn);
    return insn.kind == RECIPE_INSN_OUT;
}

/* A gdbstub step that returns with the state unchanged executed nothing: QEMU
 * does that on the first step after reset and while the CPU sits halted.  Such
 * steps are not recorded; too many in a row means the guest is stuck.  Only
 * what `g` read is compared: the descriptor caches are not applied yet. */
static int made_progress(const struct hvt_step *before, const struct hvt_step *after)
{
    for (int f = 0; f < HVT_NFIELDS; f++)
        if ((hvt_field_group(f) & after->st.known) && before->st.f[f] != after->st.f[f])
            return 1;
    return rec_jumps_to_itself(before);
}

/* A recipe is told each step with the state its successor starts from, and
 * that is only known one step later: after an interrupt or SMI it is the
 * handler's first state, not the one the pre-empted instruction stopped at
 * (smi-follow must see SMM's a000:8000 after the out, not 0000:7c1d).  So
 * with a recipe a step is held until the next step's verdict (flush_held);
 * its watches are checked when it runs (record_executed), as memory is then. */
static int flush_held(struct rspeng *e, const struct hvt_step *next, hvt_error *err)
{
    struct recorder *r = e->r;
    if (!e->have_held)
        return 0;
    e->have_held = 0;
    e->held.n = r->nsteps;
    int keep = rec_recipe_step(r, &e->held, next, err);
    if (keep < 0 || (keep && engine_step(&e->out, &e->held, err)))
        return -1;
    r->nsteps += (uint64_t)keep;
    return 0;
}

/* The instruction x ran: record it (unless it is -icount's extra pass of a
 * rep, rep_echo.h), or hold it for the recipe. */
static int record_executed(struct rspeng *e, struct hvt_step *x, hvt_error *err)
{
    struct recorder *r = e->r;
    if (e->have_last && rep_echo_is_extra_pass(&e->last, x))
        return 0;
    e->last = *x;
    e->have_last = 1;
    if (r->recipe) {            /* its stores are seen now, before the next one's */
        e->held = *x;
        e->have_held = 1;
        return rec_recipe_after(r, x, err);
    }
    x->n = r->nsteps;
    if (engine_step(&e->out, x, err))
        return -1;
    r->nsteps++;
    return 0;
}

/* The step of x never returned (RSP_TIMEOUT, the VM stopped since): a hlt ran
 * and left the CPU halted with nothing to wake it; anything else is stuck
 * inside the instruction. */
static int halted(struct rspeng *e, struct hvt_step *x, hvt_error *err)
{
    struct recorder *r = e->r;
    if (!stepev_is_hlt(x))
        return rec_note_stuck(r, "a single step did not finish in " STR(STEP_STALL_MS)
                              " ms: the CPU is halted (hlt with interrupts off?)"), 1;
    if (rec_read_current(r, err))
        return rec_rsp_failed(r, err);
    fill_code(e, x);
    update_caches(e, x, 0);
    if (flush_held(e, x, err) || record_executed(e, x, err) || flush_held(e, &r->cur, err))
        return -1;
    r->cur.n = r->nsteps;
    if (!rec_replay_to_end(r))
        rec_note_stuck(r, "the CPU is halted (hlt with interrupts off)");
    return 1;
}

/* QEMU ended inside x (isa-debug-exit's `out`, a triple fault under
 * -no-reboot): x is the run's last step.  An attached stub that hangs up
 * while x writes to isa-debug-exit's ports (r->end_mem held) ended the
 * session there: nobody can ask its exit status. */
static int ended(struct rspeng *e, struct hvt_step *x, int srt, struct rsp_stop *st,
                 hvt_error *err)
{
    struct recorder *r = e->r;
    int hung_up_at_exit = srt && r->o->attach && r->end_mem;
    if (hung_up_at_exit)
        hvt_error_clear(err);
    int rc = hung_up_at_exit || (!srt && rec_stop_ends(r, st) && !err->msg[0])
             ? (rec_note_qemu_end(r), 1) : rec_rsp_failed(r, err);
    fill_code(e, x);
    if (rc == 1 && (flush_held(e, x, err) || record_executed(e, x, err) ||
                    flush_held(e, NULL, err)))
        return -1;
    return rc;
}

/* QEMU 7.2's `pause` (helper_pause) leaves its translation block through
 * cpu_loop_exit, so no single-step trap follows it and one `s` also runs the
 * instruction after it (SeaBIOS's wait loop `sti; nop; pause; cli` at
 * f000:8779: the cli went unrecorded; a breakpoint does not help, QEMU's
 * single-step overrides breakpoints).  PAUSE changes nothing but EIP (Intel
 * SDM vol 2, PAUSE), so the state before that next instruction is the pause's
 * own with EIP + 2: recorded as its step when the CPU is now just past it and
 * no event came between.  1 recorded, 0 not a merged pause, -1 error. */
static int pause_ran_next(struct rspeng *e, const struct hvt_step *x, hvt_error *err)
{
    struct recorder *r = e->r;
    uint64_t next = hvt_state_pc(&x->st) + 2;
    if (x->insn_len != 2 || x->insn[0] != 0xf3 || x->insn[1] != 0x90 ||
        hvt_state_pc(&r->cur.st) == next)
        return 0;
    struct hvt_step mid = *x;
    mid.st.f[HVT_RIP] += 2;
    rec_read_code(r, &mid);
    if (!mid.insn_len || hvt_state_pc(&r->cur.st) != next + mid.insn_len)
        return 0;
    return flush_held(e, &mid, err) || record_executed(e, &mid, err) ? -1 : 1;
}

static int step_loop(struct rspeng *e, hvt_error *err)
{
    struct recorder *r = e->r;
    struct rsp_stop st;
    struct hvt_step executed;
    struct stepev_verdict v;
    unsigned idle = 0;
    while (!rec_should_stop(r)) {
        if (idle == 0 && rec_snapshot_if_asked(r, err))
            return -1;
        executed = r->cur;
        executed.n = r->nsteps;
        code_bytes(r, &executed);        /* to see a hlt coming */
        e->seen = (struct stepev_seen){ .have_log = e->have_log, .hwint_vector = -1 };
        e->exc_vector = e->exc_old = -1;
        e->reload = e->boundary_exit = 0;
        /* isa-debug-exit ends QEMU inside the `out`: its memory is read now. */
        if (rec_end_may_exit(&executed) && rec_end_hold(r, err))
            return -1;
        int srt = step_insn(e, &executed, &st, err);
        if (srt == RSP_TIMEOUT)
            return halted(e, &executed, err);
        if (srt || rec_stop_ends(r, &st))
            return ended(e, &executed, srt, &st, err);
        rec_end_drop(r);
        if (rec_read_current(r, err))
            return rec_rsp_failed(r, err);
        fill_code(e, &executed);
        if (writes_port(&executed))
            rec_serial_poll_after(r, &executed);
        else if (executed.n % SERIAL_POLL_EVERY == 0)
            rec_serial_poll(r);
        if (!made_progress(&executed, &r->cur)) {
            update_caches(e, NULL, 0);
            if (++idle < STUCK_STEPS)
                continue;
            return rec_note_stuck(r, STR(STUCK_STEPS) " single steps in a row left the "
                                 "state unchanged"), 1;
        }
        idle = 0;
        classify(e, &executed, &v);
        if (e->boundary_exit)           /* the step ran into hv */
            v.executed = e->exit_eip != executed.st.f[HVT_RIP], v.event = STEPEV_NONE;
        update_caches(e, &executed, v.event != STEPEV_NONE || e->reload);
        if (flush_held(e, v.executed ? &executed : &r->cur, err) ||
            (v.executed && record_executed(e, &executed, err)) ||
            (v.executed && v.event == STEPEV_NONE && pause_ran_next(e, &executed, err) < 0))
            return -1;
        if (v.executed && e->exc_vector >= 0)
            note_exception(e);
        if (v.event != STEPEV_NONE)
            note_event(e, &executed, &v);
        else if (stepev_is_rsm(&executed))
            note_resumed(e);
        r->cur.n = r->nsteps;
        rec_bios_check(r);
        engine_progress(&e->out, r->nsteps, r->nsnaps, PROGRESS_EVERY);
    }
    /* A held step past --steps N stays out. */
    if (!r->o->max_steps || r->nsteps < r->o->max_steps)
        return flush_held(e, &r->cur, err);
    return 0;
}

/* QEMU's log (in_asm for code bytes, int for events) needs a QEMU this process
 * started (its log is ours to point at a FIFO).  Code bytes come from it only
 * without a recipe (recipes decode the next instruction before it runs). */
int engine_rsp_record(struct recorder *r, hvt_error *err)
{
    struct rspeng e = { .r = r };
    rec_engine_sink(r, &e.out);
    if (!r->o->attach) {
        if (qemu_fifo_log_start(&e.log, r->rsp, r->proc.dir, "in_asm,int,cpu_reset", NULL,
                                on_log_event, &e, err))
            return qemu_fifo_log_stop(&e.log, NULL), -1;
        e.have_log = 1;
        if (!r->recipe)
            r->code_log = &e.log;
    }
    update_caches(&e, NULL, 1);
    rec_bios_start(r);
    rec_bios_check(r);
    int rc = step_loop(&e, err);
    if (e.have_log)
        qemu_fifo_log_stop(&e.log, r->qemu_gone ? NULL : r->rsp);
    r->code_log = NULL;
    return rc;
}
