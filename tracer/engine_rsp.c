/*
 * engine_rsp: steps produced by the gdbstub, one `s` each, then registers and
 * code bytes read back (rec_read_current).  Works wherever a gdbstub does,
 * including a QEMU the user started on KVM (--attach); ~4,000 steps/s at most,
 * the cost of a debug stop in QEMU.
 *
 * A step that returns with the state unchanged executed nothing (QEMU does that
 * on the first step after reset and while the CPU sits halted): it is not
 * recorded.  A step that never returns means a halted CPU with nothing to wake
 * it: the run ends as stuck.
 */
#include <string.h>

#include "tracer/recorder_int.h"
#include "tracer/rep_echo.h"

#define SERIAL_POLL_EVERY 1024

/* One `s`, but a CPU that never finishes the instruction (halted with nothing
 * to wake it: the seed's BIOS call that never returns) is reported as
 * RSP_TIMEOUT after stopping the VM, instead of waiting forever. */
static int step_or_stall(struct recorder *r, struct rsp_stop *st, hvt_error *err)
{
    if (rsp_conn_send(r->rsp->conn, "s", 1, err))
        return -1;
    int rc = rsp_wait_stop(r->rsp, STEP_STALL_MS, st, err);
    if (rc != RSP_TIMEOUT)
        return rc;
    if (rsp_interrupt(r->rsp, err) || rsp_wait_stop(r->rsp, STEP_STALL_MS, st, err))
        return hvt_error_set(err, "QEMU did not stop when interrupted");
    return RSP_TIMEOUT;
}

/* With a code log, an instruction's bytes are the ones QEMU translated when it
 * ran it (read after the step; a new translation means changed code).  Code
 * QEMU translated before logging started is read with `m`. */
static void fill_code(struct recorder *r, struct hvt_step *s)
{
    if (!r->code_log)
        return;
    qemu_fifo_log_drain(r->code_log);
    const struct codemap_entry *c = codemap_get(&r->code_log->code, hvt_state_pc(&s->st));
    if (!c) {
        rec_read_code(r, s);
        return;
    }
    memcpy(s->insn, c->bytes, c->len);
    s->insn_len = c->len;
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
 * steps are not recorded; too many in a row means the guest is stuck. */
static int made_progress(const struct hvt_step *before, const struct hvt_step *after)
{
    /* Compare the fields, not the struct: its tail padding is not copied. */
    return memcmp(before->st.f, after->st.f, sizeof before->st.f) != 0 ||
           before->st.known != after->st.known || rec_jumps_to_itself(before);
}

static int step_loop(struct recorder *r, hvt_error *err)
{
    struct rsp_stop st;
    struct hvt_step executed, last;     /* last: the last step recorded */
    int have_last = 0;
    unsigned idle = 0;
    while (!rec_should_stop(r)) {
        if (idle == 0 && rec_snapshot_if_asked(r, err))
            return -1;
        executed = r->cur;
        executed.n = r->nsteps;
        int srt = step_or_stall(r, &st, err);
        if (srt == RSP_TIMEOUT)
            return rec_note_stuck(r, "a single step did not finish in " STR(STEP_STALL_MS)
                                 " ms: the CPU is halted (hlt with interrupts off?)"), 1;
        if (srt || rec_stop_ends(r, &st)) {
            /* QEMU ended inside this instruction (isa-debug-exit's `out`, a
             * triple fault under -no-reboot): it is the run's last step. */
            int rc = rec_stop_ends(r, &st) && !err->msg[0] ? (rec_note_qemu_end(r), 1)
                                                               : rec_rsp_failed(r, err);
            fill_code(r, &executed);
            if (rc == 1 && rec_recipe_step(r, &executed, NULL, err) == 1 &&
                rundb_append_step(r->db, &executed, err) == 0)
                r->nsteps++;
            return rc;
        }
        if (rec_read_current(r, err))
            return rec_rsp_failed(r, err);
        fill_code(r, &executed);
        if (writes_port(&executed) || executed.n % SERIAL_POLL_EVERY == 0)
            rec_serial_poll(r);
        if (!made_progress(&executed, &r->cur)) {
            if (++idle < STUCK_STEPS)
                continue;
            return rec_note_stuck(r, STR(STUCK_STEPS) " single steps in a row left the "
                                 "state unchanged"), 1;
        }
        idle = 0;
        /* -icount's extra pass of a rep string instruction (rep_echo.h). */
        if (have_last && rep_echo_is_extra_pass(&last, &executed))
            continue;
        int keep = rec_recipe_step(r, &executed, &r->cur, err);
        if (keep < 0 || (keep && rundb_append_step(r->db, &executed, err)))
            return -1;
        r->nsteps += (uint64_t)keep;
        if (keep)
            last = executed, have_last = 1;
        r->cur.n = r->nsteps;
        rec_bios_check(r);
        if (r->o->progress && r->nsteps % PROGRESS_EVERY == 0)
            r->o->progress(r->o->progress_ctx, r->nsteps, r->nsnaps);
    }
    return 0;
}

/* The code log needs a QEMU this process started (its log is ours to point at
 * a FIFO) and no recipe (recipes decode the next instruction before it runs). */
int engine_rsp_record(struct recorder *r, hvt_error *err)
{
    struct qemu_fifo_log log;
    if (!r->o->attach && !r->recipe) {
        if (qemu_fifo_log_start(&log, r->rsp, r->proc.dir, "in_asm", NULL, NULL, NULL, err))
            return qemu_fifo_log_stop(&log, NULL), -1;
        r->code_log = &log;
    }
    rec_bios_start(r);
    rec_bios_check(r);
    int rc = step_loop(r, err);
    if (r->code_log)
        qemu_fifo_log_stop(&log, r->qemu_gone ? NULL : r->rsp);
    r->code_log = NULL;
    return rc;
}
