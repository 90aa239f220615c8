/*
 * recorder: one recording from launch (or attach) to a finished run file; see
 * recorder.h for the state order.  This is the session around the engines
 * (engine_rsp.c, engine_log.c): QEMU, gdbstub, serial, provenance, --from,
 * snapshots, stop conditions, the final status.
 *
 * QEMU's single-step mask is ENABLE|NOTIMER.  Not NOIRQ (its default): that
 * masks SMI too, and SeaBIOS goes astray after `out 0xb2`.  NOTIMER because
 * of what a gdbstub step does to time (QEMU 7.2: cpus.c cpu_handle_guest_debug,
 * util/main-loop.c, softmmu/icount.c icount_start_warp_timer): after the one
 * instruction the vCPU is marked stopped while the run state is still
 * "running", so the main loop sees every vCPU idle and, under -icount
 * sleep=off, warps the virtual clock to the next timer deadline before it stops
 * the VM.  Every step then ends at a timer: irqs.S took 292 IRQ0s in 120,000
 * steps and never printed a line.  With NOTIMER the vCPU disables the virtual
 * clock while it steps (tcg-accel-ops-rr.c), so there is no warp; the clock is
 * enabled again on resume (resume_all_vcpus), where timers that are due run
 * before the next instruction.  Measured on irqs.S from 0x7c00: the IRQ0 comes
 * after the same 27 instructions as free-running, and the stream matches the
 * log engine's 75,131 steps exactly.  Without -icount a step's stop feeds host
 * time (~0.1-1 ms) into the guest's clock, so the RSP engine always runs QEMU
 * with -icount (qemu_opts.count_insns).
 * A breakpoint stop (`c` until a hw breakpoint) has no NOTIMER: at its debug
 * exception the vCPU marks itself stopped while the VM still counts as
 * running, so the main loop warps the clock to the next timer deadline
 * (icount_start_warp_timer) before it stops the VM; the stop at --from brought
 * irqs.S's and irqrep.S's next IRQ0 forward (TICK0 0003 against the free run's
 * 0002).  So --from under -icount records QEMU's replay of a free run
 * (recorder_rr.c): a replay takes every warp from its log, and the stream is
 * the free run's (irqs.S, irqrep.S: TICK0/INREP as free-running, both engines,
 * same 74,721 / 25,174 steps).  The log engine's breakpoints without --from
 * (--until, --snapshot-at, BIOS calls from reset) still stop the live QEMU.
 */
#include "record/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/disasm.h"
#include "common/sha256.h"
#include "db/rundb.h"
#include "gdbstub/rsp.h"
#include "record/recorder_int.h"

#define CONNECT_RETRY_MS    5000
#define QEMU_EXIT_WAIT_MS   2000    /* after the stub hangs up */
#define CODE_WINDOW         96      /* bytes of code read with every `g` */
#define CODE_WINDOW_BEHIND  32      /* of them before the previous PC (loops) */
#define HALT_CHECK_SLICES   5       /* free run: look for a halted CPU every second */


double rec_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Has the QEMU we launched exited, or does it within QEMU_EXIT_WAIT_MS?  (It
 * closes its sockets a moment before its process ends.)  Never when attached. */
static int qemu_ended(struct recorder *r, int *status)
{
    for (int i = 0; !r->o->attach && i < QEMU_EXIT_WAIT_MS / 10; i++) {
        if (qemu_exited(&r->proc, status))
            return 1;
        usleep(10000);
    }
    return 0;
}

/* ---- serial ---- */

/* If QEMU died while we connected, its own message is the real error (a locked
 * disk image, a bad -cpu), not the socket's. */
static int explain_qemu_start_failure(struct recorder *r, hvt_error *err)
{
    int status;
    char why[400];
    if (!qemu_ended(r, &status))
        return -1;
    qemu_exit_reason(&r->proc, status, why, sizeof why);
    hvt_error_clear(err);
    return hvt_error_set(err, "QEMU did not start: %s", why);
}


#define HV_STOPPED "hv: guest stopped: "         /* hv/log.c, hv_stop */
#define HV_IMAGE "hv: image 0x%llx-0x%llx;"      /* hv/main.c: [start, end) of its image */
#define HV_OPTIONS "hv: options "                /* hv/main.c: the options in effect */

int rec_in_hv(const struct recorder *r, uint64_t pc)
{
    return r->hv_end && pc >= r->hv_lo && pc < r->hv_end;
}

int rec_hv_halt_reason(const struct recorder *r, uint64_t pc, const char *at, char *buf,
                       size_t n)
{
    if (!rec_in_hv(r, pc))
        return 0;
    snprintf(buf, n, "hv halted (cli; hlt) at %s, in its own code (%" PRIx64 "-%" PRIx64
             " by its banner): the guest did not finish", at, r->hv_lo, r->hv_end - 1);
    return 1;
}

/* hv's banner says where its image lies and which options it runs with,
 * however it was loaded (--with-hv, or GRUB from the guest's disk): kept as
 * meta hv_range ("LO-HI", inclusive, what diff excludes) and hv_options, and
 * used to tell hv's serial bytes and halts from the guest's. */
void rec_note_hv_line(struct recorder *r, const char *line)
{
    unsigned long long lo, end;
    if (strncmp(line, "hv: ", 4))
        return;
    if (!r->hv_end && sscanf(line, HV_IMAGE, &lo, &end) == 2 && lo < end) {
        char v[48];
        r->hv_lo = lo;
        r->hv_end = end;
        snprintf(v, sizeof v, "%llx-%llx", lo, end - 1);
        rundb_set_meta(r->db, "hv_range", v, NULL);
    } else if (!strncmp(line, HV_OPTIONS, strlen(HV_OPTIONS))) {
        rundb_set_meta(r->db, "hv_options", line + strlen(HV_OPTIONS), NULL);
    }
}
#define HV_CANNOT_START "hv: cannot start the guest; halting"  /* hv/main.c */

static int serial_to_db(void *ctx, uint64_t step, const char *line, size_t len)
{
    struct recorder *r = ctx;
    int hv = r->o->hv_image || r->hv_end;   /* hv is there: we loaded it, or it said so */
    if (hv && !strncmp(line, HV_STOPPED, strlen(HV_STOPPED)))
        snprintf(r->hv_stopped, sizeof r->hv_stopped, "%s", line + strlen(HV_STOPPED));
    else if (hv && !strcmp(line, HV_CANNOT_START))
        snprintf(r->hv_stopped, sizeof r->hv_stopped, "it could not start it: %.130s",
                 r->hv_prev);
    if (hv && !strncmp(line, "hv: ", 4))
        snprintf(r->hv_prev, sizeof r->hv_prev, "%s", line + 4);
    rec_note_hv_line(r, line);
    return rundb_add_serial(r->db, step, line, len, NULL);
}

/* COM1's output file (qemu_launch.c says why a file).  QEMU created it before
 * its gdbstub accepted us, so it exists once connect_target got this far. */
static int serial_open(struct recorder *r, hvt_error *err)
{
    r->serial_fd = open(r->proc.serial_path, O_RDONLY | O_CLOEXEC);
    if (r->serial_fd < 0)
        return hvt_error_errno(err, "cannot read QEMU's serial output %s", r->proc.serial_path);
    return 0;
}

/* Read what COM1 produced since the last call.  Stamped with the current step,
 * or, once the engine reports the steps that send bytes (rec_serial_sent),
 * held until matched with them (serial.h). */
void rec_serial_poll_after(struct recorder *r, const struct hvt_step *by)
{
    char buf[4096];
    ssize_t n;
    enum serial_src src = by && rec_in_hv(r, hvt_state_pc(&by->st)) ? SERIAL_HV : SERIAL_GUEST;
    if (r->serial_fd < 0)
        return;
    while ((n = read(r->serial_fd, buf, sizeof buf)) > 0) {
        if (r->serial_by_trace)
            serial_hold(&r->serial, buf, (size_t)n);
        else
            serial_feed_from(&r->serial, r->nsteps, src, buf, (size_t)n);
    }
}

void rec_serial_poll(struct recorder *r)
{
    rec_serial_poll_after(r, NULL);
}

void rec_serial_by_trace(struct recorder *r)
{
    rec_serial_poll(r);
    serial_thr_init(&r->thr, SERIAL_THR_COM1);
    r->serial_by_trace = 1;
}

void rec_serial_sent(struct recorder *r, const struct hvt_step *s)
{
    if (r->serial_by_trace && serial_thr_step(&r->thr, s))
        serial_sent_from(&r->serial, s->n,
                         rec_in_hv(r, hvt_state_pc(&s->st)) ? SERIAL_HV : SERIAL_GUEST);
}

void rec_serial_settle(struct recorder *r)
{
    rec_serial_poll(r);
    serial_settle(&r->serial, r->nsteps);
}

/* ---- provenance ---- */

/* A file the run depends on: its path under key, its SHA-256 under hash_key. */
void rec_meta_file(struct recorder *r, const char *key, const char *hash_key,
                   const char *path)
{
    char hex[65];
    if (!path)
        return;
    rundb_set_meta(r->db, key, path, NULL);
    if (sha256_file_hex(path, hex) == 0)
        rundb_set_meta(r->db, hash_key, hex, NULL);
}

static void write_provenance(struct recorder *r)
{
    const struct record_opts *o = r->o;
    char when[64];
    time_t t = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    rundb_set_meta(r->db, "started", when, NULL);
    rundb_set_meta(r->db, "engine", o->engine ? o->engine : "rsp", NULL);
    rundb_set_meta(r->db, "target_arch", rsp_session_arch(r->rsp), NULL);
    rundb_set_meta(r->db, "gdbstub_sstep", r->sstep_flags & RSP_SSTEP_NOTIMER ?
                   "ENABLE|NOTIMER" : "ENABLE (the stub refused NOTIMER)", NULL);
    if (o->attach) {
        rundb_set_meta(r->db, "attach", o->attach, NULL);
    } else {
        char *v = qemu_version(r->qemu.qemu);
        rundb_set_meta(r->db, "qemu_cmdline", r->proc.cmdline, NULL);
        rec_rr_provenance(r);
        if (v)
            rundb_set_meta(r->db, "qemu_version", v, NULL);
        free(v);
        rec_meta_file(r, "firmware", "firmware_sha256", qemu_default_bios());
    }
    rec_meta_file(r, "guest_image", "guest_sha256", o->guest_image);
    rec_meta_file(r, "hv_image", "hv_sha256", o->hv_image);
    if (o->hv_image)
        rundb_set_meta(r->db, "hv_opts", o->hv_opts ? o->hv_opts : "", NULL);
}

/* ---- snapshots ---- */

/* Local QEMU: pmemsave through the monitor (~2 ms a MiB); attached: `m` reads,
 * which see linear addresses (equal to physical below 1 MiB in real mode). */
int rec_read_low_memory(struct recorder *r, uint8_t *mem, hvt_error *err)
{
    if (r->o->attach)
        return rsp_read_mem(r->rsp, 0, mem, RECORD_SNAP_BYTES, err);
    char path[200], cmd[300], out[512];
    snprintf(path, sizeof path, "%s/snap.bin", r->proc.dir);
    snprintf(cmd, sizeof cmd, "pmemsave 0 0x%x \"%s\"", RECORD_SNAP_BYTES, path);
    if (rsp_monitor(r->rsp, cmd, out, sizeof out, err))
        return -1;
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(mem, 1, RECORD_SNAP_BYTES, f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    if (got != RECORD_SNAP_BYTES)
        return hvt_error_set(err, "pmemsave produced %zu bytes, not %u (QEMU said: %s)",
                             got, RECORD_SNAP_BYTES, out);
    return 0;
}

int rec_store_snapshot(struct recorder *r, const char *label, const uint8_t *mem,
                       size_t len, hvt_error *err)
{
    int64_t id;
    if (rundb_add_snapshot(r->db, r->nsteps, label, mem, len, &id, err))
        return -1;
    r->nsnaps++;
    return 0;
}

int rec_take_snapshot(struct recorder *r, const char *label, hvt_error *err)
{
    uint8_t *mem = malloc(RECORD_SNAP_BYTES);
    if (!mem)
        return hvt_error_set(err, "out of memory for a snapshot");
    int rc = rec_read_low_memory(r, mem, err);
    if (!rc)
        rc = rec_store_snapshot(r, label, mem, RECORD_SNAP_BYTES, err);
    free(mem);
    return rc;
}

/* ---- state ---- */

/* `g` has no segment bases, but the linear PC needs CS's.  Real mode: CS*16,
 * except before the first CS load after reset, when the base is 0xffff0000
 * (Intel SDM vol 3, 9.1.4).  Protected mode with the CS loaded in real mode
 * still in place (between setting CR0.PE and the far jump): that base.  Any
 * other protected-mode CS is taken as flat (SeaBIOS, GRUB, hv all use flat
 * code segments).  Returns 1 while a real-mode CS runs in protected mode. */
static int track_cs_base(struct recorder *r, struct hvt_state *st)
{
    uint64_t sel = st->f[HVT_CS_SEL];
    int real = !(st->f[HVT_CR0] & 1) || (st->f[HVT_EFLAGS] & (1u << 17));
    if (st->known & HVT_K_SEGDESC)
        return 0;
    if (real) {
        int at_reset = r->nsteps == 0 && sel == 0xf000 && st->f[HVT_RIP] == 0xfff0;
        st->f[HVT_CS_BASE] = at_reset ? 0xffff0000 : sel << 4;
        r->rm_cs_sel = sel;
        r->rm_cs_base = st->f[HVT_CS_BASE];
    } else {
        if (sel != r->rm_cs_sel)
            r->rm_cs_sel = UINT64_MAX;  /* reloaded in protected mode: flat from now */
        st->f[HVT_CS_BASE] = sel == r->rm_cs_sel ? r->rm_cs_base : 0;
    }
    st->known |= HVT_K_CSBASE;
    return !real && sel == r->rm_cs_sel;
}

/* The instruction bytes at s's PC by `m`, cut to the instruction's length (as
 * QEMU's in_asm gives them: a change to the bytes after it is not a new
 * instruction).  Unreadable code is recorded as such (length 0), not fatal. */
void rec_read_code(struct recorder *r, struct hvt_step *s)
{
    uint64_t pc = hvt_state_pc(&s->st);
    if (rsp_read_mem(r->rsp, pc, s->insn, sizeof s->insn, &(hvt_error){ "" })) {
        s->insn_len = 0;
        return;
    }
    rec_trim_code(s);
}

void rec_trim_code(struct hvt_step *s)
{
    char text[128];
    size_t len = hvt_disasm(s->insn, sizeof s->insn, hvt_state_pc(&s->st), s->mode,
                            text, sizeof text);
    s->insn_len = (uint8_t)(len ? len : sizeof s->insn);
}

static void set_mode(struct recorder *r, struct hvt_step *s)
{
    int real_mode_cs = track_cs_base(r, &s->st);
    s->n = r->nsteps;
    /* A CS loaded in real mode is a 16-bit segment even once CR0.PE is set. */
    s->mode = real_mode_cs ? HVT_MODE_16 : (uint8_t)hvt_state_mode(&s->st);
}

/* Registers, and (without a code log) the code around the previous PC in the
 * same round trip: the next instruction is nearly always there (fall-through,
 * short branch, loop), so a step costs `s` + one batched `g`/`m` instead of
 * three round trips.  Other targets get their own `m`.  With a code log the
 * engine fills the bytes itself once the instruction has run. */
int rec_read_current(struct recorder *r, hvt_error *err)
{
    struct hvt_step *s = &r->cur;
    if (r->code_log) {
        if (rsp_read_regs(r->rsp, &s->st, err))
            return -1;
        set_mode(r, s);
        return 0;
    }
    uint64_t prev_pc = hvt_state_pc(&s->st);
    uint64_t lo = prev_pc > CODE_WINDOW_BEHIND ? prev_pc - CODE_WINDOW_BEHIND : 0;
    uint8_t window[CODE_WINDOW];
    int rc = rsp_read_regs_mem(r->rsp, &s->st, lo, window, sizeof window, err);
    if (rc < 0)
        return -1;
    set_mode(r, s);
    uint64_t pc = hvt_state_pc(&s->st);
    if (rc == 0 && pc >= lo && pc - lo <= sizeof window - sizeof s->insn) {
        memcpy(s->insn, window + (pc - lo), sizeof s->insn);
        rec_trim_code(s);
    } else {
        rec_read_code(r, s);
    }
    return 0;
}

/* Did the QEMU we launched report a shutdown on QMP (within wait_ms) and
 * still hold the paused VM?  Never for --attach or other emulators, nor for
 * a signal to QEMU (cause host-signal): QEMU 7.2's qemu_system_killed makes
 * it exit whatever -no-shutdown says, so there is no VM to read. */
static int qmp_says_shut(struct recorder *r, int wait_ms)
{
    int status;
    if (r->o->attach || r->proc.pid <= 0)
        return 0;
    qmp_events_wait_shutdown(&r->qmp, wait_ms);
    return r->qmp.reason[0] && strcmp(r->qmp.reason, "host-signal") &&
           !qemu_exited(&r->proc, &status);
}

int rec_stop_ends(struct recorder *r, const struct rsp_stop *st)
{
    if (st->kind == RSP_STOP_SIGNAL && st->code == REC_SIGQUIT)
        r->vm_shut = 1;
    return st->kind != RSP_STOP_SIGNAL || r->vm_shut;
}

static void set_reasonf(struct recorder *r, int complete, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note_halt(struct recorder *r, const char *why, const char *why_end);

/* QMP's ShutdownCause in words (qapi/run-state.json).  guest-reset under
 * -no-reboot is a triple fault or a reset request (keyboard controller, 0xcf9). */
static void describe_shutdown(struct recorder *r)
{
    const char *why = r->qmp.reason;
    char qemu_says[300];
    qemu_exit_reason(&r->proc, 0, qemu_says, sizeof qemu_says);
    if (!strcmp(why, "guest-shutdown"))
        set_reasonf(r, 1, "guest powered off (ACPI)");
    else if (!strcmp(why, "guest-reset") && r->triple_fault)
        set_reasonf(r, 0, "guest triple fault (QEMU's log says so; -no-reboot ended QEMU)");
    else if (!strcmp(why, "guest-reset"))
        set_reasonf(r, 0, "guest reset (a triple fault or a reset request; -no-reboot ended QEMU)");
    else if (!strcmp(why, "guest-panic"))
        set_reasonf(r, 0, "guest panicked (pvpanic)");
    else if (!strncmp(qemu_says, "QEMU killed by signal", 21))
        set_reasonf(r, 0, "%s", qemu_says);
    else
        set_reasonf(r, 0, "QEMU shut the VM down (%s)", why[0] ? why : "cause unknown");
}

/* The VM ended.  A launched QEMU runs with -no-shutdown, so a power-off or a
 * triple fault only paused it: its memory still exists for the end snapshot
 * (record_body, once the engine appended the last step), and QMP says why.  A QEMU that exited
 * (isa-debug-exit, a crash, SIGKILL) is described by its exit status. */
void rec_note_qemu_end(struct recorder *r)
{
    int status = 0;
    if (r->qemu_gone)
        return;
    if (r->o->attach) {
        set_reasonf(r, 0, "the gdbstub ended the session");
    } else if (r->vm_shut && !qemu_exited(&r->proc, &status)) {
        r->vm_paused = 1;       /* record_body takes the end snapshot */
        qmp_events_wait_shutdown(&r->qmp, 1000);
        /* A replay replays the free run's end too: hvtrace's QMP quit
         * (recorder_rr.c) comes back as a host-caused shutdown at the same
         * instruction.  The guest's state there says how it ended. */
        if (r->qemu.rr == QEMU_RR_REPLAY && !strncmp(r->qmp.reason, "host-", 5) &&
            rec_read_current(r, &(hvt_error){ "" }) == 0) {
            note_halt(r, NULL, r->rr_how);
            r->qemu_gone = 1;
            return;
        }
        describe_shutdown(r);
    } else {
        qemu_ended(r, &status);
        qemu_exit_reason(&r->proc, status, r->res->reason, sizeof r->res->reason);
        r->res->complete = qemu_exit_was_guest_poweroff(status);
        if (r->triple_fault && !r->res->complete)
            set_reasonf(r, 0, "guest triple fault (QEMU's log says so; -no-reboot ended QEMU)");
    }
    r->qemu_gone = 1;
    if (!r->vm_paused)          /* else record_body, once the power-off rule has spoken */
        rec_end_event(r, "qemu-exit", r->res->reason);
}

void rec_end_event(struct recorder *r, const char *kind, const char *text)
{
    if (!r->recording || r->nend_ev == (int)(sizeof r->end_ev / sizeof r->end_ev[0])) {
        rundb_add_event(r->db, r->nsteps, kind, text, NULL);
        return;
    }
    snprintf(r->end_ev[r->nend_ev].kind, sizeof r->end_ev[0].kind, "%s", kind);
    snprintf(r->end_ev[r->nend_ev].text, sizeof r->end_ev[0].text, "%s", text);
    r->nend_ev++;
}

void rec_end_events_flush(struct recorder *r)
{
    for (int i = 0; i < r->nend_ev; i++)
        rundb_add_event(r->db, r->nsteps, r->end_ev[i].kind, r->end_ev[i].text, NULL);
    r->nend_ev = 0;
}

/* Is the CPU sitting after (or on) a `hlt` with EFLAGS.IF clear?  Nothing but
 * an NMI or SMI wakes it then (Intel SDM vol 2, HLT).  Returns the linear PC
 * of the hlt, or UINT64_MAX. */
static uint64_t halted_with_if_clear(struct recorder *r)
{
    const struct hvt_state *st = &r->cur.st;
    uint64_t pc = hvt_state_pc(st);
    uint8_t b[2];
    if (st->f[HVT_EFLAGS] & (1u << 9))
        return UINT64_MAX;
    if (!r->rsp)                /* Bochs: r->cur is the step that would not finish */
        return r->cur.insn_len && r->cur.insn[0] == 0xf4 ? pc : UINT64_MAX;
    if (pc == 0 || rsp_read_mem(r->rsp, pc - 1, b, 2, &(hvt_error){ "" }))
        return UINT64_MAX;
    return b[0] == 0xf4 ? pc - 1 : b[1] == 0xf4 ? pc : UINT64_MAX;
}

/* The CPU makes no progress, or (why_end set) a replay reached the end of its
 * free run.  A guest that ends with `cli; hlt` finished (the usual last words
 * of a boot sector or test guest); under hv, hv's own halt after "guest
 * stopped: WHY" is hv's verdict, and a halt inside hv's image (as its banner
 * gave it, also when GRUB loaded hv) is hv's, not the guest's: the guest did
 * not finish; anything else is stuck, or ended there. */
static void note_halt(struct recorder *r, const char *why, const char *why_end)
{
    char text[300];
    uint64_t cs = r->cur.st.f[HVT_CS_SEL], hlt = halted_with_if_clear(r);
    uint64_t ip = hlt == UINT64_MAX ? r->cur.st.f[HVT_RIP]
                                    : r->cur.st.f[HVT_RIP] - (hvt_state_pc(&r->cur.st) - hlt);
    const char *ipfmt = ip > 0xffff ? "%08" PRIx64 : "%04" PRIx64;
    char at[40];
    snprintf(at, sizeof at, "%04" PRIx64 ":", cs);
    snprintf(at + strlen(at), sizeof at - strlen(at), ipfmt, ip);
    if (hlt != UINT64_MAX && r->hv_stopped[0])
        set_reasonf(r, 0, "hv stopped the guest: %s", r->hv_stopped);
    else if (hlt != UINT64_MAX && rec_hv_halt_reason(r, hlt, at, text, sizeof text))
        set_reasonf(r, 0, "%s", text);
    else if (hlt != UINT64_MAX)
        set_reasonf(r, 1, "guest halted (cli; hlt) at %s", at);
    else if (why_end)
        set_reasonf(r, 0, "the replayed free run ends at %s (%s)", at, why_end);
    else
        set_reasonf(r, 0, "stuck at %s: %s", at, why);
    snprintf(text, sizeof text, "%s", r->res->reason);
    rec_end_event(r, hlt != UINT64_MAX ? "halted" : why_end ? "replay-end" : "stuck", text);
}

void rec_note_stuck(struct recorder *r, const char *why)
{
    /* A VM shut down under -no-shutdown looks stuck to the gdbstub: QEMU
     * ignores `s`/`c` until a reset.  QMP knows better. */
    if (qmp_says_shut(r, 100)) {
        r->vm_shut = 1;
        rec_note_qemu_end(r);
        return;
    }
    note_halt(r, why, NULL);
}

/* ---- stop conditions ---- */

static void set_reasonf(struct recorder *r, int complete, const char *fmt, ...)
{
    va_list ap;
    r->res->complete = complete;
    va_start(ap, fmt);
    int n = vsnprintf(r->res->reason, sizeof r->res->reason, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof r->res->reason)
        strcpy(r->res->reason + sizeof r->res->reason - 4, "...");
}

static void set_reason(struct recorder *r, int complete, const char *fmt, const char *arg)
{
    set_reasonf(r, complete, fmt, arg);
}

/* Should recording stop before the instruction in r->cur?  Sets the reason. */
int rec_should_stop(struct recorder *r)
{
    const struct record_opts *o = r->o;
    char num[32];
    if (o->interrupted && *o->interrupted) {
        snprintf(num, sizeof num, "%d", (int)*o->interrupted);
        set_reason(r, 0, "interrupted by signal %s", num);
    } else if (r->deadline && rec_now() > r->deadline) {
        snprintf(num, sizeof num, "%g", o->timeout);
        set_reason(r, 0, "timeout after %s s", num);
    } else if (o->max_steps && r->nsteps >= o->max_steps) {
        snprintf(num, sizeof num, "%" PRIu64, o->max_steps);
        set_reason(r, 1, "recorded --steps %s", num);
        r->stop_asked = 1;
    } else if (o->has_until && addr_matches(&o->until, &r->cur.st)) {
        set_reason(r, 1, "reached --until %s", o->until.text);
        r->stop_asked = 1;
    } else if (r->recipe_stop) {
        set_reason(r, 1, "%s", r->recipe_reason);
        r->stop_asked = 1;
    } else {
        return 0;
    }
    return 1;
}

/* An RSP failure because QEMU went away is the end of the guest, not an error.
 * QEMU closes the gdbstub socket a moment before its process exits: wait. */
int rec_rsp_failed(struct recorder *r, hvt_error *err)
{
    int status;
    (void)err;
    /* A VM that shut down under -no-shutdown ignores `c`/`s` (QEMU's gdbstub
     * refuses to resume a VM that needs a reset): QMP says it happened. */
    if (qmp_says_shut(r, 100))
        r->vm_shut = 1;
    else if (!qemu_ended(r, &status))
        return -1;
    rec_note_qemu_end(r);
    return 1;
}

/* ---- free run to --from ---- */

int rec_set_pair(struct recorder *r, const struct hvt_addr *a, int insert, hvt_error *err)
{
    if (rsp_hwbreak(r->rsp, a->linear, insert, err))
        return -1;
    if (a->has_seg && a->off != a->linear)
        return rsp_hwbreak(r->rsp, a->off, insert, err);
    return 0;
}

/* Stop the running VM for a look: 0 stopped by our interrupt, 1 the run ended,
 * 2 a breakpoint won the race (the VM stopped by itself), -1 error. */
static int pause_vm(struct recorder *r, struct rsp_stop *st, hvt_error *err)
{
    if (rsp_interrupt(r->rsp, err) || rsp_wait_stop(r->rsp, STEP_STALL_MS, st, err)) {
        hvt_error_set(err, "QEMU did not stop when interrupted");
        return rec_rsp_failed(r, err);
    }
    if (rec_stop_ends(r, st))
        return rec_note_qemu_end(r), 1;
    return st->kind == RSP_STOP_SIGNAL && st->code == RSP_SIGINT ? 0 : 2;
}

int rec_replay_to_end(struct recorder *r)
{
    struct rsp_stop st;
    hvt_error err = { "" };
    if (r->qemu.rr != QEMU_RR_REPLAY || halted_with_if_clear(r) == UINT64_MAX ||
        rsp_resume(r->rsp, &err))
        return 0;
    int rc = rsp_wait_stop(r->rsp, STEP_STALL_MS, &st, &err);
    if (rc == RSP_TIMEOUT)
        return pause_vm(r, &st, &err) == 1;
    if (rc)
        return rec_rsp_failed(r, &err) == 1;
    if (!rec_stop_ends(r, &st))
        return 0;
    rec_note_qemu_end(r);
    return 1;
}

/* Run until the VM stops by itself; 0 stopped, 1 ended (stop condition,
 * QEMU gone), 2 time for a halt check, -1 error. */
static int run_slices(struct recorder *r, struct rsp_stop *st, hvt_error *err)
{
    if (rsp_resume(r->rsp, err))
        return rec_rsp_failed(r, err);
    int rc, slices = 0;
    while ((rc = rsp_wait_stop(r->rsp, CONTINUE_SLICE_MS, st, err)) == RSP_TIMEOUT) {
        rec_serial_poll(r);
        if (rec_should_stop(r)) {
            rc = pause_vm(r, st, err);
            return rc < 0 ? rc : 1;
        }
        if (++slices == HALT_CHECK_SLICES) {
            rc = pause_vm(r, st, err);
            return rc == 0 ? 2 : rc == 2 ? 0 : rc;
        }
    }
    if (rc)
        return rec_rsp_failed(r, err);
    return rec_stop_ends(r, st) ? (rec_note_qemu_end(r), 1) : 0;
}

/* Continue until a breakpoint stops the VM, in slices so that SIGINT and the
 * timeout are honoured.  Every HALT_CHECK_SLICES the VM is paused for a look:
 * a CPU found twice on the same `hlt` with IF clear will never reach the
 * breakpoint (nothing but NMI/SMI wakes it).  Returns 0 stopped, 1 ended,
 * -1 error. */
int rec_continue_to_stop(struct recorder *r, hvt_error *err)
{
    struct rsp_stop st;
    uint64_t halted_at = UINT64_MAX;
    for (;;) {
        int rc = run_slices(r, &st, err);
        if (rc != 2)
            return rc;
        if (rec_read_current(r, err))
            return rec_rsp_failed(r, err);
        uint64_t h = halted_with_if_clear(r);
        if (h != UINT64_MAX && h == halted_at)
            return rec_note_stuck(r, "halted"), 1;
        halted_at = h;
    }
}

static int run_to_from(struct recorder *r, hvt_error *err)
{
    const struct hvt_addr *a = &r->o->from;
    if (addr_matches(a, &r->cur.st))
        return 0;
    if (rec_set_pair(r, a, 1, err))
        return -1;
    for (;;) {
        int rc = rec_continue_to_stop(r, err);
        if (rc)
            return rc;
        rec_serial_poll(r);
        if (rec_read_current(r, err))
            return rec_rsp_failed(r, err);
        char text[160];
        int via_linear = hvt_state_pc(&r->cur.st) == a->linear;
        snprintf(text, sizeof text, "%s at %04" PRIx64 ":%04" PRIx64 " via the %s breakpoint",
                 a->text, r->cur.st.f[HVT_CS_SEL], r->cur.st.f[HVT_RIP],
                 via_linear ? "linear" : "offset");
        int hit = addr_matches(a, &r->cur.st);
        rundb_add_event(r->db, 0, hit ? "from-hit" : "false-hit", text, NULL);
        if (hit)
            return rec_set_pair(r, a, 0, err);
        /* QEMU does not move on `c` while sitting on a breakpoint: step off it. */
        struct rsp_stop st;
        if (rsp_step(r->rsp, &st, err))
            return rec_rsp_failed(r, err);
        if (rec_stop_ends(r, &st))
            return rec_note_qemu_end(r), 1;
    }
}

/* ---- the step loop (RSP engine) ---- */

int rec_snapshot_if_asked(struct recorder *r, hvt_error *err)
{
    if (r->o->snap_every && r->nsteps >= r->next_periodic) {
        char label[64];
        snprintf(label, sizeof label, "every %" PRIu64, r->o->snap_every);
        r->next_periodic = (r->nsteps / r->o->snap_every + 1) * r->o->snap_every;
        if (rec_take_snapshot(r, label, err))
            return -1;
    }
    for (int i = 0; i < r->o->nsnap_at; i++) {
        if (!addr_matches(&r->o->snap_at[i], &r->cur.st))
            continue;
        char label[64];
        snprintf(label, sizeof label, "at %s", r->o->snap_at[i].text);
        return rec_take_snapshot(r, label, err);
    }
    return 0;
}

/* Does this instruction jump to itself (`jmp $`)?  Only then may a step leave
 * the state unchanged and still have executed something. */
int rec_jumps_to_itself(const struct hvt_step *s)
{
    const uint8_t *b = s->insn;
    if (s->insn_len >= 2 && b[0] == 0xeb && b[1] == 0xfe)
        return 1;
    if (s->insn_len >= 3 && s->mode == HVT_MODE_16 && b[0] == 0xe9)
        return b[1] == 0xfd && b[2] == 0xff;
    return s->insn_len >= 5 && b[0] == 0xe9 && b[1] == 0xfb && b[2] == 0xff &&
           b[3] == 0xff && b[4] == 0xff;
}

/* ---- session ---- */

static int connect_target(struct recorder *r, hvt_error *err)
{
    const char *addr = r->o->attach;
    char unix_addr[200];
    if (!addr) {
        if (qemu_launch(&r->qemu, &r->proc, err))
            return -1;
        snprintf(unix_addr, sizeof unix_addr, "unix:%s", r->proc.gdb_path);
        addr = unix_addr;
    }
    if (rsp_open(&r->rsp, addr, CONNECT_RETRY_MS, err))
        return explain_qemu_start_failure(r, err);
    /* Without QMP the run still works; only a shutdown's cause is unknown. */
    if (!r->o->attach)
        qmp_events_open(&r->qmp, r->proc.qmp_path, CONNECT_RETRY_MS, &(hvt_error){ "" });
    if (!r->o->attach && serial_open(r, err))
        return -1;
    /* QEMU's system-mode gdbstub does not wait for acks (gdbstub.c,
     * put_packet_binary waits only under CONFIG_USER_ONLY). */
    rsp_conn_set_lazy_acks(r->rsp->conn, 1);
    /* A stub that refuses NOTIMER (QEMU on KVM: E22, its accelerator offers
     * ENABLE and NOIRQ only) steps with timers on: README, --attach. */
    r->sstep_flags = REC_SSTEP_FLAGS;
    if (rsp_set_sstep(r->rsp, r->sstep_flags, &(hvt_error){ "" }) == 0)
        return 0;
    r->sstep_flags = RSP_SSTEP_ENABLE;
    return rsp_set_sstep(r->rsp, r->sstep_flags, err);
}

static int record_body(struct recorder *r, hvt_error *err)
{
    int rc = rec_read_current(r, err);
    if (!rc && r->o->has_from)
        rc = run_to_from(r, err);
    if (rc)
        return rc;
    r->recording = 1;
    if (rec_take_snapshot(r, "start", err))
        return -1;
    rec_run_began(r);
    double t0 = rec_now();
    rc = rec_recipe_begin(r, err);
    if (rc == 0)
        rc = r->engine_log ? engine_log_record(r, err) : engine_rsp_record(r, err);
    r->res->step_seconds = rec_now() - t0;
    if (rec_poweroff_end(r, rc < 0 ? &(hvt_error){ "" } : err))
        rc = -1;
    rec_end_events_flush(r);
    if (r->vm_paused)
        rundb_add_event(r->db, r->nsteps, "qemu-exit", r->res->reason, NULL);
    if (rc >= 0 && rec_recipe_end(r, err))
        rc = -1;
    /* Every ending with the VM still there gets its end snapshot: --steps,
     * --until, timeout, signal, a halted or stuck CPU, a shutdown (-no-shutdown
     * paused the VM).  A QEMU that exited: the memory it left (recorder_end.c). */
    if (rc >= 0 && (!r->qemu_gone || r->vm_paused))
        rc = rec_take_snapshot(r, "end", err) ? -1 : rc;
    else if (rc >= 0)
        rc = rec_end_after_exit(r, err) ? -1 : rc;
    rec_end_drop(r);
    return rc < 0 ? -1 : 0;
}

static void release(struct recorder *r)
{
    if (r->rsp)
        rsp_close(r->rsp);
    if (r->serial_fd >= 0)
        close(r->serial_fd);
    qmp_events_close(&r->qmp);
    qmp_events_close(&r->rr_qmp);
    if (!r->o->attach) {
        qemu_stop(&r->proc);
        qemu_stop(&r->rr_free);     /* and the record/replay log with its directory */
    }
}

/* The run never began (ended before --from was reached, QEMU failed at start,
 * or not one step was recorded): one line saying so replaces the engine's
 * error, and no run file is left. */
static void explain_no_run(struct recorder *r, int rc, hvt_error *err)
{
    const struct record_opts *o = r->o;
    char why[sizeof err->msg];
    int status;
    snprintf(why, sizeof why, "%s", rc < 0 ? err->msg : r->res->reason);
    hvt_error_clear(err);
    if (rc < 0 && o->interrupted && *o->interrupted) {
        hvt_error_set(err, "interrupted by signal %d before the recording began",
                      (int)*o->interrupted);
    } else if (rc < 0 && !o->attach && r->proc.pid > 0 && qemu_ended(r, &status)) {
        qemu_exit_reason(&r->proc, status, why, sizeof why);
        hvt_error_set(err, "%s before the recording began", why);
    } else if (rc < 0) {
        hvt_error_set(err, "%s%s", why[0] ? why : "recording failed before it began",
                      r->recording ? " (no step recorded)" : "");
    } else if (o->interrupted && *o->interrupted && !o->has_from) {
        hvt_error_set(err, "interrupted by signal %d before the recording began",
                      (int)*o->interrupted);   /* before its first step */
    } else if (o->interrupted && *o->interrupted) {
        hvt_error_set(err, "interrupted by signal %d before --from %s was reached",
                      (int)*o->interrupted, o->from.text);
    } else if (r->deadline && rec_now() > r->deadline && !o->has_from) {
        hvt_error_set(err, "the %g s timeout passed before the recording began", o->timeout);
    } else if (r->deadline && rec_now() > r->deadline) {
        hvt_error_set(err, "--from %s not reached before the %g s timeout", o->from.text,
                      o->timeout);
    } else if (!r->recording && r->rr_cut && o->timeout > 0) {   /* half of it ran free */
        hvt_error_set(err, "--from %s not reached before the %g s timeout", o->from.text,
                      o->timeout);
    } else if (!r->recording && r->rr_cut) {
        hvt_error_set(err, "--from %s not reached: the free run (record/replay) %s",
                      o->from.text, r->rr_how);
    } else if (r->recording || !o->has_from) {
        hvt_error_set(err, "no step recorded: %s", why);
    } else {
        hvt_error_set(err, "the guest ended before --from %s: %s", o->from.text, why);
    }
    size_t n = strlen(err->msg);
    if (o->overwrite && access(o->out, F_OK) == 0 && n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - n, ": %s left as it was", o->out);
}

int record_run(const struct record_opts *o, struct record_result *res, hvt_error *err)
{
    struct recorder r = { .o = o, .qemu = o->qemu, .serial_fd = -1, .res = res,
                          .next_periodic = o->snap_every, .qmp = { .fd = -1 },
                          .rr_qmp = { .fd = -1 },
                          .engine_log = o->engine && !strcmp(o->engine, "log") };
    if (o->emulator && !strcmp(o->emulator, "bochs"))
        return record_run_bochs(o, res, err);
    qemu_opts_defaults(&r.qemu);
    r.qemu.count_insns = !r.engine_log;
    r.qemu.ram_file = 1;        /* the end snapshot after isa-debug-exit (recorder_end.c) */
    memset(res, 0, sizeof *res);
    serial_init(&r.serial, serial_to_db, &r);
    if (o->timeout > 0)
        r.deadline = rec_now() + o->timeout;
    rsp_conn_abort_on(o->interrupted);     /* Ctrl-C while connecting: give up */
    int rc = rec_rr_wanted(&r) ? rec_rr_free_run(&r, err) : 0;
    if (!rc && o->interrupted && *o->interrupted) {   /* during the free run */
        explain_no_run(&r, 0, err);
        release(&r);
        return -1;
    }
    if (!rc)
        rc = connect_target(&r, err);
    rsp_conn_abort_on(NULL);
    if (!rc)
        rc = rec_run_open(&r, r.proc.dir, err);
    if (rc) {
        explain_no_run(&r, -1, err);
        release(&r);
        return -1;
    }
    write_provenance(&r);
    rc = record_body(&r, err);
    rec_serial_settle(&r);
    serial_flush(&r.serial, r.nsteps);
    serial_free(&r.serial);
    if (rc == 0 && r.recording && rec_rr_check_serial(&r, res->complete && !r.stop_asked, err))
        rc = -1;
    if (!r.recording || r.nsteps == 0) {
        explain_no_run(&r, rc, err);
        rec_run_discard(&r);
        release(&r);
        return -1;
    }
    if (rc < 0)
        set_reason(&r, 0, "recording failed: %s", err->msg);
    res->steps = r.nsteps;
    res->snapshots = r.nsnaps;
    rc = rec_run_close(&r, rc, err);
    release(&r);
    return rc;
}
