/*
 * engine_bochs: a recording from Bochs 2.7's internal debugger, for what QEMU's
 * TCG cannot run (VMX hypervisors), with every memory access of every step.
 *
 * Bochs is started by bochs_launch (headless, debugger on pipes) and driven by
 * commands only; its text is parsed by bochs/bochslog.c.  Order:
 *
 *   LAUNCH -> "trace-reg on" -> (lb FROM; c) -> "trace-mem on"; sreg; creg
 *          -> SNAPSHOT start -> ("s 1"; sreg; creg)* -> SNAPSHOT end -> quit
 *
 * Each `s 1` executes one instruction; the parser delivers it, with the state
 * before it and its accesses, when the next state is printed.  sreg/creg after
 * every step make selectors, descriptors, CRs and GDTR/IDTR exact per step
 * (trace-reg prints only GPRs).  Stop conditions are checked on the state
 * Bochs waits at (r->cur), as in the QEMU engines.
 * Facts (Bochs 2.7, seen): `s 1` on a CPU halted with interrupts off never
 * returns: a step executing `hlt` with IF=0 ends the run (Bochs is killed;
 * the end snapshot is the start one plus every recorded store, end_from_stores),
 * and a batch without output for BX_STALL_MS ends it as stuck.  Snapshots: `writemem FILE 0
 * 0x100000` writes linear memory, which is physical below 1 MiB while the
 * guest's paging is off (the guests recorded here; under hv, the guest's view).
 * A breakpoint (`lb`) matches the linear address exactly: no false hits.
 * COM1: the file Bochs writes until recording starts (stamped 0), then the
 * guest's OUTs to the transmit register (com1_out).  Bochs does not report SMM in this text: steps carry no SMM flag (known lacks
 * HVT_K_SMM); SMI entry shows as a jump to SMBASE+0x8000.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bochs/bochs_dbg.h"
#include "common/disasm.h"
#include "common/sha256.h"
#include "record/recorder_int.h"

#define BX_START_MS      30000      /* Bochs start to its first prompt */
#define BX_CMD_MS        10000      /* a command that does not run the guest */
#define BX_SLICE_MS      200        /* free run: check SIGINT/timeout this often */
#define BX_STALL_MS      10000      /* no output for that long: the CPU is halted */
#define BX_STEP_CMDS     "s 1\nsreg\ncreg\n"
#define BX_BATCH         512         /* steps sent at once when nothing needs each stop */
#define EFLAGS_IF        (1u << 9)

struct bxeng {
    struct recorder *r;
    struct bochs_proc proc;
    struct bochs_dbg dbg;
    off_t serial_off;
    uint64_t limit;             /* --steps, or UINT64_MAX */
    int halted;                 /* a `hlt` ran with interrupts off ... */
    uint64_t hlt_cs, hlt_ip;    /* ... here */
    uint64_t hlt_pc;            /* ... its linear pc */
    int stepping;               /* COM1 bytes come from the recorded OUTs now */
    uint8_t lcr;                /* COM1's line control register, as last written */
    int gone;                   /* Bochs exited */
    int failed;
    hvt_error *err;
    uint64_t last_cs, last_ip;  /* the last recorded step's CS:IP */
    uint8_t *shadow;            /* the start snapshot + every recorded store since (the
                                 * code of a handler's first instruction: irq_step) */
};

/* ---- steps from the parser ---- */

/* COM1 output while stepping is read from the guest's own `out dx, al` to the
 * transmit register (0x3f8 with LCR.DLAB clear; 16550 datasheet): each byte is
 * then stamped with the step that wrote it, exactly.  Bochs' file output lags by
 * the UART's transmit time (~90 instructions a byte here), and arrives in
 * batches.  Other ways to write COM1 (outsb, a 16-bit out) are not seen. */
#define COM1_THR 0x3f8
#define COM1_LCR 0x3fb
static void com1_out(struct bxeng *e, const struct hvt_step *s)
{
    if (!e->stepping || s->insn_len != 1 || s->insn[0] != 0xee)
        return;
    uint64_t port = s->st.f[HVT_RDX] & 0xffff;
    char al = (char)(s->st.f[HVT_RAX] & 0xff);
    if (port == COM1_LCR)
        e->lcr = (uint8_t)al;
    else if (port == COM1_THR && !(e->lcr & 0x80))
        serial_feed_from(&e->r->serial, e->r->nsteps,   /* after the step, as the QEMU engines */
                         rec_in_hv(e->r, hvt_state_pc(&s->st)) ? SERIAL_HV : SERIAL_GUEST,
                         &al, 1);
}

/* s's accesses into m (BOCHSLOG_MAX_MEM at most); each store with a value
 * also goes into the shadow memory (below 1 MiB). */
static size_t step_mem(struct bxeng *e, const struct bochslog_step *s, struct rundb_mem *m)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nmem && n < BOCHSLOG_MAX_MEM; i++) {
        const struct bochslog_mem *a = &s->mem[i];
        m[n++] = (struct rundb_mem){ .rw = a->rw, .len = a->len, .phys = a->phys, .lin = a->lin,
                                     .has_lin = a->has_lin, .value = a->value,
                                     .has_value = a->has_value };
        int store = a->rw == BOCHSLOG_WR || a->rw == BOCHSLOG_RW || a->rw == BOCHSLOG_SW ||
                    a->rw == BOCHSLOG_SRW;
        for (uint32_t k = 0; e->shadow && store && a->has_value && k < a->len &&
                             a->phys + k < RECORD_SNAP_BYTES; k++)
            e->shadow[a->phys + k] = (uint8_t)(a->value >> (8 * k));
    }
    return n;
}

/* The bytes at st's CS:IP in the shadow memory and their length as Capstone
 * decodes them (0: unknown, when paging is on or the code is above 1 MiB). */
static void shadow_insn(const struct bxeng *e, struct hvt_step *st)
{
    uint64_t pc = hvt_state_pc(&st->st);
    char text[96];
    st->insn_len = 0;
    if (!e->shadow || (st->st.f[HVT_CR0] & (1ull << 31)) || pc + sizeof st->insn > RECORD_SNAP_BYTES)
        return;
    memcpy(st->insn, e->shadow + pc, sizeof st->insn);
    st->insn_len = (uint8_t)hvt_disasm(st->insn, sizeof st->insn, st->st.f[HVT_RIP],
                                       (enum hvt_mode)st->mode, text, sizeof text);
}

/* One executed instruction into the run file, and what follows from it. */
static int append_step(struct bxeng *e, struct hvt_step *st, const struct rundb_mem *m,
                       size_t nm, size_t dropped)
{
    struct recorder *r = e->r;
    st->n = r->nsteps;
    if (rundb_append_step(r->db, st, e->err) ||
        (nm && rundb_add_mem(r->db, st->n, m, nm, e->err)))
        return e->failed = 1, 1;
    e->last_cs = st->st.f[HVT_CS_SEL];
    e->last_ip = st->st.f[HVT_RIP];
    if (dropped)
        rundb_add_event(r->db, st->n, "mem-dropped", "more accesses than one step keeps", NULL);
    r->nsteps++;
    com1_out(e, st);
    if (st->insn_len && st->insn[0] == 0xf4 && !(st->st.f[HVT_EFLAGS] & EFLAGS_IF)) {
        e->halted = 1;
        e->hlt_cs = st->st.f[HVT_CS_SEL];
        e->hlt_ip = st->st.f[HVT_RIP];
        e->hlt_pc = hvt_state_pc(&st->st);
    }
    if (r->o->progress && r->nsteps % PROGRESS_EVERY == 0)
        r->o->progress(r->o->progress_ctx, r->nsteps, r->nsnaps);
    return 0;
}

/* The step Bochs printed delivered a hardware interrupt instead of running
 * (bochslog_irq_delivered): the instruction it stood at did not run (the
 * handler returns to it), so it is an "interrupt" event, as the QEMU engines
 * record it, followed by the step of the handler's first instruction, which
 * Bochs ran in the same `s 1` (real mode, and protected mode through a
 * 32-bit gate: bochslog_irq_delivered): its state before is the one the
 * delivery produced (bochslog_irq_entry_state), its bytes are the shadow memory's, its
 * after-state is the next one Bochs prints.  That step also holds the
 * delivery's accesses (the frame stores, the IVT read) before its own.
 * 1 when s was such a step (handled), 0 when not, -1 on error. */
static int irq_step(struct bxeng *e, const struct bochslog_step *s, struct rundb_mem *m)
{
    int vector;
    char text[96];
    struct hvt_step st = { 0 };
    if (!e->stepping || !e->r->nsteps || !bochslog_irq_delivered(s, &vector) ||
        bochslog_irq_entry_state(s, vector, &st.st))
        return 0;
    st.mode = (uint8_t)hvt_state_mode(&st.st);
    snprintf(text, sizeof text, "vector 0x%02x after %04" PRIx64 ":%08" PRIx64 " (hardware)",
             vector, e->last_cs, e->last_ip);
    rundb_add_event(e->r->db, e->r->nsteps, "interrupt", text, NULL);
    size_t nm = step_mem(e, s, m);
    shadow_insn(e, &st);
    return append_step(e, &st, m, nm, s->mem_dropped) ? -1 : 1;
}

static int on_step(void *priv, const struct bochslog_step *s)
{
    struct bxeng *e = priv;
    struct recorder *r = e->r;
    struct rundb_mem m[BOCHSLOG_MAX_MEM];
    if (e->failed || e->halted || r->nsteps >= e->limit)
        return 0;               /* past the end, or a halted CPU's non-step */
    int irq = irq_step(e, s, m);
    if (irq)
        return irq < 0;
    struct hvt_step st = { .st = s->st, .insn_len = s->insn_len };
    memcpy(st.insn, s->insn, s->insn_len);
    st.mode = (uint8_t)hvt_state_mode(&s->st);
    size_t nm = step_mem(e, s, m);
    return append_step(e, &st, m, nm, s->mem_dropped);
}

/* ---- serial: COM1 goes to a file; new bytes are stamped with the step count ---- */

static void poll_serial(struct bxeng *e)
{
    char buf[4096];
    if (e->stepping)
        return;                 /* com1_out has them */
    FILE *f = fopen(e->proc.serial_path, "rb");
    if (!f)
        return;
    size_t n;
    if (fseeko(f, e->serial_off, SEEK_SET) == 0)
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
            serial_feed(&e->r->serial, e->r->nsteps, buf, n);
            e->serial_off += (off_t)n;
        }
    fclose(f);
}

/* ---- commands ---- */

static void note_gone(struct bxeng *e)
{
    char why[400];
    int status = 0;
    for (int i = 0; i < 100 && !bochs_exited(&e->proc, &status); i++)
        usleep(10000);
    bochs_last_words(&e->proc, why, sizeof why);
    e->gone = 1;
    snprintf(e->r->res->reason, sizeof e->r->res->reason, "Bochs exited%s%.200s",
             why[0] ? ": " : "", why);
    e->r->res->complete = 0;
    rundb_add_event(e->r->db, e->r->nsteps, "bochs-exit", e->r->res->reason, NULL);
}

/* A command that does not run the guest: 0, 1 if Bochs went away, -1. */
static int command(struct bxeng *e, const char *cmds)
{
    int rc = bochs_dbg_cmd(&e->dbg, cmds, BX_CMD_MS, e->err);
    if (rc == BOCHS_DBG_EOF)
        return note_gone(e), 1;
    if (rc == BOCHS_DBG_TIMEOUT)
        return hvt_error_set(e->err, "Bochs did not answer '%.*s'", (int)strcspn(cmds, "\n"), cmds);
    return rc;
}

static void update_cur(struct bxeng *e)
{
    const struct bochslog_step *c = bochslog_current(e->dbg.log);
    if (!c)
        return;
    e->r->cur.st = c->st;
    e->r->cur.n = e->r->nsteps;
    e->r->cur.insn_len = c->insn_len;
    memcpy(e->r->cur.insn, c->insn, c->insn_len);
    e->r->cur.mode = (uint8_t)hvt_state_mode(&c->st);
}

static int snapshot(struct bxeng *e, const char *label)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "writemem \"%s\" 0 %u\n", e->proc.mem_path, RECORD_SNAP_BYTES);
    unlink(e->proc.mem_path);
    int rc = command(e, cmd);
    if (rc)
        return rc;
    uint8_t *mem = malloc(RECORD_SNAP_BYTES);
    FILE *f = fopen(e->proc.mem_path, "rb");
    size_t got = f && mem ? fread(mem, 1, RECORD_SNAP_BYTES, f) : 0;
    if (f)
        fclose(f);
    int64_t id;
    rc = got != RECORD_SNAP_BYTES
         ? hvt_error_set(e->err, "Bochs' writemem produced %zu bytes, not %u", got, RECORD_SNAP_BYTES)
         : rundb_add_snapshot(e->r->db, e->r->nsteps, label, mem, RECORD_SNAP_BYTES, &id, e->err);
    if (!rc && !e->shadow && !strcmp(label, "start"))
        e->shadow = mem, mem = NULL;
    free(mem);
    if (!rc)
        e->r->nsnaps++;
    return rc;
}

static int snapshot_if_asked(struct bxeng *e)
{
    struct recorder *r = e->r;
    if (r->o->snap_every && r->nsteps >= r->next_periodic) {
        char label[64];
        snprintf(label, sizeof label, "every %" PRIu64, r->o->snap_every);
        r->next_periodic = (r->nsteps / r->o->snap_every + 1) * r->o->snap_every;
        if (snapshot(e, label))
            return -1;
    }
    for (int i = 0; i < r->o->nsnap_at; i++)
        if (addr_matches(&r->o->snap_at[i], &r->cur.st)) {
            char label[64];
            snprintf(label, sizeof label, "at %s", r->o->snap_at[i].text);
            return snapshot(e, label);
        }
    return 0;
}

/* ---- free run to --from ---- */

/* Under hv the breakpoint also hits code that is not the guest: GRUB's El
 * Torito image runs at 0000:7c00 too before hv copies the guest's sector there.
 * A hit inside the boot sector counts only when the bytes there are the disk's
 * own (sector 0 of DISK). */
static int is_guest_code(struct bxeng *e)
{
    const struct recorder *r = e->r;
    uint64_t off = r->o->from.linear - 0x7c00;
    uint8_t disk[16];
    if (!r->o->hv_image || r->o->from.linear < 0x7c00 || off + r->cur.insn_len > 512)
        return 1;
    FILE *f = fopen(r->o->guest_image, "rb");
    size_t got = f && fseek(f, (long)off, SEEK_SET) == 0 ? fread(disk, 1, r->cur.insn_len, f) : 0;
    if (f)
        fclose(f);
    return got == r->cur.insn_len && !memcmp(disk, r->cur.insn, got);
}

/* `c` until the breakpoint, in slices; SIGINT (Bochs' own Ctrl-C) stops it
 * early when the timeout or the user says so.  0 there, 1 ended, -1 error. */
static int continue_to_break(struct bxeng *e)
{
    bochslog_forget(e->dbg.log);    /* what `c` runs is not displayed: no step */
    if (bochs_dbg_send(&e->dbg, "c\n", e->err))
        return -1;
    for (;;) {
        int rc = bochs_dbg_wait(&e->dbg, BX_SLICE_MS, e->err);
        poll_serial(e);
        if (rc == BOCHS_DBG_EOF)
            return note_gone(e), 1;
        if (rc != BOCHS_DBG_TIMEOUT)
            return rc;
        if (rec_should_stop(e->r)) {
            kill(e->proc.pid, SIGINT);
            return bochs_dbg_wait(&e->dbg, BX_CMD_MS, e->err) == 0 ? 1 : -1;
        }
    }
}

static int run_to_from(struct bxeng *e)
{
    struct recorder *r = e->r;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "lb 0x%" PRIx64 "\n", r->o->from.linear);
    int rc = command(e, cmd);
    for (;;) {
        if (rc || (rc = continue_to_break(e)) != 0)
            return rc;
        update_cur(e);
        char text[160];
        int hit = is_guest_code(e);
        snprintf(text, sizeof text, "%s at %04" PRIx64 ":%04" PRIx64 " via the linear breakpoint%s",
                 r->o->from.text, r->cur.st.f[HVT_CS_SEL], r->cur.st.f[HVT_RIP],
                 hit ? "" : " (not the guest's code: before hv started it)");
        rundb_add_event(r->db, 0, hit ? "from-hit" : "false-hit", text, NULL);
        if (hit)
            return command(e, "d 1\n");
    }
}

/* ---- the step loop ---- */

/* A `hlt` with IF=0 inside a batch: each `s 1` queued after it waits forever
 * (seen; Bochs' SIGINT ends one such wait at a time, too slow for a batch).
 * Bochs is killed: the run has no end snapshot, and says so. */
/* The run's end as the QEMU engines word it (recorder.c, rec_note_stuck). */
static void note_halted(struct bxeng *e)
{
    struct record_result *res = e->r->res;
    char at[40];
    snprintf(at, sizeof at, "%04" PRIx64 ":%04" PRIx64, e->hlt_cs, e->hlt_ip);
    res->complete = !rec_hv_halt_reason(e->r, e->hlt_pc, at, res->reason, sizeof res->reason);
    if (res->complete)
        snprintf(res->reason, sizeof res->reason, "guest halted (cli; hlt) at %s", at);
    rundb_add_event(e->r->db, e->r->nsteps, "halted", res->reason, NULL);
}

/* A batch that took too long without a halting `hlt`: stuck. */
static void note_stuck(struct bxeng *e)
{
    struct recorder *r = e->r;
    snprintf(r->res->reason, sizeof r->res->reason, "stuck at %04" PRIx64 ":%08" PRIx64
             ": no instruction executed for " STR(BX_STALL_MS) " ms (hlt waiting for an "
             "interrupt?)", r->cur.st.f[HVT_CS_SEL], r->cur.st.f[HVT_RIP]);
    r->res->complete = 0;
    rundb_add_event(r->db, r->nsteps, "stuck", r->res->reason, NULL);
}

/* The end snapshot when Bochs cannot be asked for one: the start snapshot with
 * every store the steps made applied (trace-mem records them all, with their
 * values, physical addresses).  Not in it: what no instruction wrote (DMA) and
 * stores wider than 8 bytes (counted in the event). */
static void end_from_stores(struct bxeng *e)
{
    struct recorder *r = e->r;
    struct rundb_snapshot *list = NULL;
    uint8_t *mem = NULL;
    size_t len = 0;
    int n = 0;
    long unknown = 0, applied = -1;
    hvt_error err = { "" };
    if (!r->o->bochs_no_mem && rundb_list_snapshots(r->db, &list, &n, &err) == 0 && n > 0 &&
        !strcmp(list[0].label, "start") &&
        rundb_get_snapshot(r->db, list[0].id, &mem, &len, &err) == 0)
        applied = rundb_apply_stores(r->db, list[0].step, r->nsteps, mem, len, &unknown, &err);
    char text[200];
    int64_t id;
    if (applied >= 0 && rundb_add_snapshot(r->db, r->nsteps, "end", mem, len, &id, &err) == 0) {
        r->nsnaps++;
        snprintf(text, sizeof text, "end snapshot = start + %ld recorded stores (%ld wider than "
                 "8 bytes not applied): Bochs waits forever in a halted step", applied, unknown);
        rundb_add_event(r->db, r->nsteps, "end-from-stores", text, NULL);
    } else {
        rundb_add_event(r->db, r->nsteps, "no-end-snapshot",
                        "Bochs waits forever in a halted step; it was killed", NULL);
    }
    free(mem);
    free(list);
}

static int halted_in_batch(struct bxeng *e)
{
    note_halted(e);
    bochs_stop(&e->proc);
    e->gone = 1;
    end_from_stores(e);
    return 1;
}

/* Wait for a batch in slices: a batch that stops printing right after a
 * halting `hlt` is not waited for to the end; stuck means no output at all for
 * BX_STALL_MS (a loaded machine makes a batch slow, not silent). */
static int wait_batch(struct bxeng *e)
{
    for (int waited = 0; waited < BX_STALL_MS; waited += BX_SLICE_MS) {
        uint64_t lines = bochslog_stats(e->dbg.log)->lines;
        int rc = bochs_dbg_wait(&e->dbg, BX_SLICE_MS, e->err);
        if (rc != BOCHS_DBG_TIMEOUT || e->halted)
            return rc;
        if (bochslog_stats(e->dbg.log)->lines != lines)
            waited = 0;
    }
    return BOCHS_DBG_TIMEOUT;
}

/* Steps that need no look at each intermediate state go in batches: measured
 * here (hello guest, load ~12 on 2 cores) 330 steps/s with 64 a batch, 800
 * with 512 (Bochs idles while a batch is parsed and stored). */
static int batch_size(const struct bxeng *e)
{
    const struct record_opts *o = e->r->o;
    if (o->has_until || o->nsnap_at || o->snap_every)
        return 1;
    uint64_t left = e->limit - e->r->nsteps;
    return left < BX_BATCH ? (int)left : BX_BATCH;
}

static int step_once(struct bxeng *e)
{
    char cmds[sizeof BX_STEP_CMDS * BX_BATCH] = "";
    for (int i = batch_size(e); i > 0; i--)
        strcat(cmds, BX_STEP_CMDS);
    int rc = bochs_dbg_send(&e->dbg, cmds, e->err) ? -1 : wait_batch(e);
    poll_serial(e);
    if (rc == BOCHS_DBG_EOF)
        return note_gone(e), 1;
    if (rc == BOCHS_DBG_TIMEOUT && e->halted)
        return halted_in_batch(e);
    if (rc == BOCHS_DBG_TIMEOUT)
        return note_stuck(e), 1;
    if (rc || e->failed)
        return -1;
    update_cur(e);
    return 0;
}

static int step_loop(struct bxeng *e)
{
    struct recorder *r = e->r;
    for (;;) {
        if (rec_should_stop(r))
            return 0;
        if (e->halted)
            return note_halted(e), 0;
        if (snapshot_if_asked(e))
            return -1;
        int rc = step_once(e);
        if (rc)
            return rc > 0 ? 0 : -1;
    }
}

/* From reset there is no register dump yet: trace the first instruction (its
 * display comes with the dump), then step as usual. */
static int start_state(struct bxeng *e)
{
    struct recorder *r = e->r;
    int rc = command(e, "trace-reg on\n");
    if (!rc && r->o->has_from)
        rc = run_to_from(e);
    if (!rc)
        rc = command(e, r->o->bochs_no_mem ? "sreg\ncreg\n" : "trace-mem on\nsreg\ncreg\n");
    if (!rc && !bochslog_current(e->dbg.log))
        rc = command(e, "trace on\ns 1\ntrace off\nsreg\ncreg\n");
    if (!rc)
        update_cur(e);
    return rc;
}

/* ---- provenance ---- */

static void provenance(struct bxeng *e, const struct bochs_opts *bo)
{
    struct recorder *r = e->r;
    char when[64], ver[96];
    time_t t = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    snprintf(ver, sizeof ver, "Bochs x86 Emulator %s", e->dbg.version[0] ? e->dbg.version : "?");
    rundb_set_meta(r->db, "started", when, NULL);
    rundb_set_meta(r->db, "engine", "bochs", NULL);
    rundb_set_meta(r->db, "emulator", "bochs", NULL);
    rundb_set_meta(r->db, "target_arch", "x86_64", NULL);
    rundb_set_meta(r->db, "bochs_version", ver, NULL);
    rundb_set_meta(r->db, "bochsrc", e->proc.rc_text, NULL);
    rundb_set_meta(r->db, "mem_trace", r->o->bochs_no_mem ? "off" : "on", NULL);
    rec_meta_file(r, "firmware", "firmware_sha256", bo->bios);
    rec_meta_file(r, "guest_image", "guest_sha256", r->o->guest_image);
    rec_meta_file(r, "hv_image", "hv_sha256", r->o->hv_image);
    if (r->o->hv_image)
        rundb_set_meta(r->db, "hv_opts", r->o->hv_opts ? r->o->hv_opts : "", NULL);
}

/* ---- session ---- */

static int serial_to_db(void *ctx, uint64_t step, const char *line, size_t len)
{
    struct recorder *r = ctx;
    rec_note_hv_line(r, line);
    return rundb_add_serial(r->db, step, line, len, NULL);
}

static int body(struct bxeng *e)
{
    struct recorder *r = e->r;
    int rc = start_state(e);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (snapshot(e, "start"))
        return -1;
    rec_run_began(r);
    poll_serial(e);
    serial_flush(&e->r->serial, 0);
    e->stepping = 1;            /* bytes still in the UART now are lost */
    double t0 = rec_now();
    rc = step_loop(e);
    r->res->step_seconds = rec_now() - t0;
    poll_serial(e);
    if (rc == 0 && !e->gone && snapshot(e, "end"))
        return -1;
    return rc;
}

int record_run_bochs(const struct record_opts *o, struct record_result *res, hvt_error *err)
{
    struct recorder r = { .o = o, .res = res, .next_periodic = o->snap_every,
                          .qmp = { .fd = -1 } };
    struct bxeng e = { .r = &r, .err = err, .limit = o->max_steps ? o->max_steps : UINT64_MAX };
    struct bochs_opts bo = { .cpu = o->qemu.cpu, .memory_mb = o->qemu.memory_mb,
                             .disk = o->qemu.disk, .bios = o->bios,
                             .hv = o->hv_image, .hv_opts = o->hv_opts };
    bochs_opts_defaults(&bo);
    memset(res, 0, sizeof *res);
    serial_init(&r.serial, serial_to_db, &r);
    if (o->timeout > 0)
        r.deadline = rec_now() + o->timeout;
    if (bochs_launch(&bo, &e.proc, err) ||
        bochs_dbg_open(&e.dbg, &e.proc, on_step, &e, BX_START_MS, err) ||
        rec_run_open(&r, e.proc.dir, err)) {
        bochs_dbg_close(&e.dbg);
        bochs_stop(&e.proc);
        return -1;
    }
    provenance(&e, &bo);
    int rc = body(&e);
    if (!e.gone)
        bochs_dbg_send(&e.dbg, "quit\n", &(hvt_error){ "" });
    serial_flush(&r.serial, r.nsteps);
    if (rc) {
        res->complete = 0;
        snprintf(res->reason, sizeof res->reason, "recording failed: %.200s", err->msg);
    }
    res->steps = r.nsteps;
    res->snapshots = r.nsnaps;
    rc = rec_run_close(&r, rc ? -1 : 0, err);
    bochs_dbg_close(&e.dbg);
    bochs_stop(&e.proc);
    free(e.shadow);
    return rc;
}
