/*
 * recorder_rr: a recording made on QEMU's replay of a free run, so that no
 * gdbstub stop changes what the guest does (recorder.c's header says why a
 * stop at a breakpoint moves QEMU 7.2's -icount clock).
 *
 * First the guest runs free under `-icount ...,rr=record` (QEMU's
 * docs/system/replay.rst: clock warps, interrupts and disk completions through
 * blkreplay go to a log), with no gdbstub at all, until it ends by itself
 * (QEMU exits, a power-off pauses it under -no-shutdown, or QMP's `info
 * registers` shows a CPU halted with IF clear: only an NMI or SMI would wake
 * it, Intel SDM vol 2 HLT) or a time limit passes.  QEMU is then told to quit,
 * so that its exit handler writes the log's header.  The recording proper then
 * runs on `rr=replay` of that log: breakpoint stops, single steps and -d
 * logging there take every clock warp from the log, so the instructions are
 * the free run's.  Self-check: COM1's output of the replay must be the free
 * run's (a prefix when the recording stopped first).
 * Not here: the engines (they do not know they run on a replay).
 * Invariant: the log and the free run's COM1 file live in the free run's
 * private directory (qemu_launch.h), removed with it when the recorder
 * releases QEMU; a recorder killed with -9 leaves it to qemu_clean_stale.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/recorder_int.h"

#define RR_POLL_MS      100     /* how often the free run is looked at */
#define RR_QUIT_WAIT_MS 5000    /* QEMU writing its log's end after `quit` */
#define RR_FREE_MAX_S   30.0    /* a guest that never ends: stop its free run */
#define RR_HEADER_BYTES 12      /* QEMU's replay log: version + header */

static int rr_keep(struct recorder *r, hvt_error *err);

/* Does a --qemu-arg add a block device?  Only hvtrace's own disk goes through
 * blkreplay; QEMU 7.2 in rr=record does not start with another drive (no QMP
 * greeting: real_record's second disk, GRUB's chain to hd1). */
static int extra_block_device(const char *const *extra)
{
    static const char *const opts[] = { "-drive", "-blockdev", "-hda", "-hdb", "-hdc",
                                        "-hdd", "-cdrom", "-fda", "-fdb", "-sd", "-mtdblock",
                                        "-pflash" };
    for (; extra && *extra; extra++)
        for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
            if (!strcmp(*extra, opts[i]))
                return 1;
    return 0;
}

int rec_rr_wanted(const struct recorder *r)
{
    const struct record_opts *o = r->o;
    /* Where the stop at --from would warp the clock (either engine).  A log
     * engine recording from reset without --from still stops at its --until,
     * --snapshot-at and BIOS-call breakpoints live (README, known limits);
     * `--from f000:fff0` gives it a replay too.  Not under --with-hv: QEMU
     * 7.2's replay of hv (SVM world switches, an SMI held in host context)
     * left its free run (smi.S, hv smi=host: QEMU exited after 48 steps,
     * "Missing character write event in the replay log").  Nor with a disk of
     * the caller's (extra_block_device). */
    return !o->attach && !o->no_replay && r->qemu.deterministic && !o->hv_image &&
           !extra_block_device(r->qemu.extra) && (o->has_from || o->replay_log);
}

/* `info registers` of the running VM, through QMP: is the CPU on a hlt with
 * EFLAGS.IF clear?  No reply (QMP closed: QEMU is ending): wait a poll
 * period, say no. */
static int rr_halted_for_good(struct recorder *r)
{
    char reply[4096];
    if (qmp_events_hmp(&r->rr_qmp, "info registers", reply, sizeof reply, 1000)) {
        usleep(RR_POLL_MS * 1000);
        return 0;
    }
    return qmp_events_halted_if_clear(reply);
}

/* Watch the free run until it ends; the words say how, for the run file. */
static void rr_watch(struct recorder *r, double limit, char *how, size_t cap)
{
    const struct record_opts *o = r->o;
    int status;
    for (;;) {
        qmp_events_wait_shutdown(&r->rr_qmp, RR_POLL_MS);
        if (qemu_exited(&r->rr_free, &status)) {
            qemu_exit_reason(&r->rr_free, status, how, cap);
            return;
        }
        if (r->rr_qmp.reason[0]) {
            snprintf(how, cap, "QEMU shut the VM down (%s)", r->rr_qmp.reason);
            return;
        }
        if (rr_halted_for_good(r)) {
            snprintf(how, cap, "guest halted (hlt with IF clear)");
            return;
        }
        if (o->interrupted && *o->interrupted) {
            snprintf(how, cap, "interrupted by signal %d", (int)*o->interrupted);
            return;
        }
        if (rec_now() > limit) {
            snprintf(how, cap, "stopped after %.0f s, the guest had not ended",
                     limit - r->rr_started);
            r->rr_cut = 1;
            return;
        }
    }
}

/* QMP quit, then wait: a QEMU killed instead leaves a log without header. */
static int rr_quit(struct recorder *r, hvt_error *err)
{
    int status;
    qmp_events_quit(&r->rr_qmp);
    for (int i = 0; i < RR_QUIT_WAIT_MS / 10; i++) {
        if (qemu_exited(&r->rr_free, &status))
            break;
        usleep(10000);
    }
    if (!qemu_exited(&r->rr_free, &status)) {
        kill(r->rr_free.pid, SIGKILL);
        return hvt_error_set(err, "QEMU's free run (record/replay) did not quit within %d s",
                             RR_QUIT_WAIT_MS / 1000);
    }
    struct stat sb;
    if (stat(r->rr_free.rr_path, &sb) || sb.st_size <= RR_HEADER_BYTES)
        return hvt_error_set(err, "QEMU's free run left no record/replay log (%s)",
                             r->rr_free.rr_path);
    return 0;
}

int rec_rr_free_run(struct recorder *r, hvt_error *err)
{
    if (r->o->replay_log) {             /* the caller's free run (--replay) */
        snprintf(r->rr_how, sizeof r->rr_how, "the end of the --replay log");
        r->qemu.rr = QEMU_RR_REPLAY;
        r->qemu.rr_file = r->o->replay_log;
        return 0;
    }
    struct qemu_opts free_opts = r->qemu;
    free_opts.rr = QEMU_RR_RECORD;
    free_opts.rr_file = NULL;           /* rr_free.rr_path, in its own directory */
    free_opts.ram_file = 0;             /* nothing is read from the free run's RAM */
    r->rr_started = rec_now();
    double limit = r->rr_started + RR_FREE_MAX_S;
    if (r->deadline && r->rr_started + (r->deadline - r->rr_started) / 2 < limit)
        limit = r->rr_started + (r->deadline - r->rr_started) / 2;   /* half for the replay */
    if (qemu_launch(&free_opts, &r->rr_free, err))
        return -1;
    if (qmp_events_open(&r->rr_qmp, r->rr_free.qmp_path, 5000, err)) {
        int status;
        if (qemu_exited(&r->rr_free, &status)) {
            char why[400];
            qemu_exit_reason(&r->rr_free, status, why, sizeof why);
            hvt_error_clear(err);
            return hvt_error_set(err, "QEMU did not start: %s", why);
        }
        return -1;
    }
    rr_watch(r, limit, r->rr_how, sizeof r->rr_how);
    if (!strncmp(r->rr_how, "QEMU killed by signal", 21))
        return hvt_error_set(err, "%s before the recording began", r->rr_how);
    if (rr_quit(r, err) || (r->o->keep_free_run && rr_keep(r, err)))
        return -1;
    qmp_events_close(&r->rr_qmp);
    r->rr_seconds = rec_now() - r->rr_started;
    /* A free run that a guest power-off or reset ended cannot be replayed to
     * its end: QEMU 7.2 replays that shutdown together with hvtrace's quit or
     * up to a block early, and the engines end at different instructions
     * (poweroff.asm replayed: 87 or 94 steps; the free run ran the out at
     * 93).  Such a guest is recorded live, as with --no-replay. */
    if (strncmp(r->rr_qmp.reason, "guest-", 6)) {
        r->qemu.rr = QEMU_RR_REPLAY;
        r->qemu.rr_file = r->rr_free.rr_path;
    }
    return 0;
}

void rec_rr_provenance(struct recorder *r)
{
    char text[400];
    struct stat sb;
    if (r->o->replay_log) {
        snprintf(text, sizeof text, "replay of --replay %s", r->o->replay_log);
        rundb_set_meta(r->db, "qemu_replay", text, NULL);
        return;
    }
    if (!r->rr_free.dir[0])
        return;
    snprintf(text, sizeof text, "%s a free run (%.1f s, %s; log %lld bytes)",
             r->qemu.rr ? "replay of" : "none (recorded live: QEMU 7.2 does not replay a "
             "guest's shutdown in place) after", r->rr_seconds, r->rr_how,
             stat(r->rr_free.rr_path, &sb) ? 0LL : (long long)sb.st_size);
    rundb_set_meta(r->db, "qemu_replay", text, NULL);
    rundb_set_meta(r->db, "qemu_free_cmdline", r->rr_free.cmdline, NULL);
}

static char *rr_slurp(const char *path, size_t *len);

/* --keep-free-run FILE: the log to FILE, the free run's COM1 output to
 * FILE.com1 (QEMU's own bytes), for --replay and for a test's truth. */
static int rr_keep(struct recorder *r, hvt_error *err)
{
    static const char *const ext[] = { "", ".com1" };
    const char *src[] = { r->rr_free.rr_path, r->rr_free.serial_path };
    for (int i = 0; i < 2; i++) {
        char dst[4096];
        size_t n = 0;
        snprintf(dst, sizeof dst, "%s%s", r->o->keep_free_run, ext[i]);
        char *buf = rr_slurp(src[i], &n);
        FILE *f = buf ? fopen(dst, "wb") : NULL;
        int ok = f && fwrite(buf, 1, n, f) == n;
        if (f && fclose(f))
            ok = 0;
        free(buf);
        if (!ok)
            return hvt_error_errno(err, "--keep-free-run: cannot write %s", dst);
    }
    return 0;
}

/* A whole file into a malloc'd buffer (NULL: unreadable). */
static char *rr_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    if (!f)
        return NULL;
    do {
        if (n == cap) {
            char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

/* The replay printed what the free run printed: all of it when the guest
 * ended the recording (whole), a prefix otherwise. */
int rec_rr_check_serial(struct recorder *r, int whole, hvt_error *err)
{
    size_t nf = 0, nr = 0, i = 0;
    int rc = 0;
    if (!r->qemu.rr || r->o->replay_log)   /* --replay: its free run's output is the caller's */
        return 0;
    char *f = rr_slurp(r->rr_free.serial_path, &nf), *p = rr_slurp(r->proc.serial_path, &nr);
    if (!f || !p) {
        rc = hvt_error_set(err, "cannot read COM1's output of the free run and its replay");
    } else {
        while (i < nf && i < nr && f[i] == p[i])
            i++;
        if (i < nr || (whole && i < nf))
            rc = hvt_error_set(err, "QEMU's replay is not its free run: COM1 output parts at "
                               "byte %zu (free run %zu bytes, replay %zu); the recording "
                               "is not what the guest did free-running", i, nf, nr);
    }
    free(f);
    free(p);
    return rc;
}
