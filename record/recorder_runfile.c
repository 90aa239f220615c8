/*
 * recorder_runfile: the run file's life, the same for every engine (QEMU's
 * log and RSP engines, Bochs).
 *
 * Without --force the run is written under its own name.  With --force it is
 * written beside the old one, as OUT.hvtrace-new-PID (beside the file OUT
 * points to when it is a symbolic link: the link stays), and replaces the old run
 * only once it is finished (rundb_replace: a rename), so a failed, interrupted
 * or killed recording never costs the old run.  The name of a file that is not
 * yet a run sits in the private directory's `pending` file (qemu_set_pending_in),
 * so the next hvtrace deletes it if this recorder is killed with -9.
 * States: opened (pending: the file) -> a run (pending: cleared, or still the
 * new file under --force) -> closed (replaced, or discarded; pending cleared).
 * Not here: what the run holds (recorder.c, the engines).
 */
#include <stdio.h>
#include <unistd.h>

#include "common/pathres.h"
#include "qemu/qemu_launch.h"
#include "record/recorder_int.h"

int rec_run_open(struct recorder *r, const char *private_dir, hvt_error *err)
{
    char target[4096];
    const char *path = r->o->out;
    r->private_dir = private_dir;
    if (pathres_target(r->o->out, target, sizeof target))
        return hvt_error_errno(err, "cannot create %s", r->o->out);
    if (r->o->overwrite) {
        if (snprintf(r->tmp_out, sizeof r->tmp_out, "%s.hvtrace-new-%ld", target,
                     (long)getpid()) >= (int)sizeof r->tmp_out)
            return hvt_error_set(err, "%s: path too long", r->o->out);
        path = r->tmp_out;
    }
    /* What a later hvtrace deletes if we die: rundb_create's temporary file,
     * a journal SQLite would leave (named before the file is made), then the
     * unfinished run itself: the file, not a link to it. */
    qemu_set_run_in(private_dir, r->o->overwrite ? path : target);
    if (rundb_create(&r->db, path, r->o->overwrite, err)) {
        qemu_set_run_in(private_dir, NULL);     /* not ours: another run's, maybe */
        return -1;
    }
    qemu_set_pending_in(private_dir, r->o->overwrite ? path : target);
    return 0;
}

/* Nothing left to clean after us: the private directory's notes go. */
static void settled(struct recorder *r)
{
    qemu_set_pending_in(r->private_dir, NULL);
    qemu_set_run_in(r->private_dir, NULL);
}

void rec_run_began(struct recorder *r)
{
    if (!r->o->overwrite)       /* from now on the file is a run, even if killed */
        qemu_set_pending_in(r->private_dir, NULL);
}

void rec_run_discard(struct recorder *r)
{
    rundb_close(r->db);
    r->db = NULL;
    rundb_remove(r->tmp_out[0] ? r->tmp_out : r->o->out);
    settled(r);
}

int rec_run_close(struct recorder *r, int rc, hvt_error *err)
{
    const struct record_opts *o = r->o;
    hvt_error ferr = { "" };
    int frc = rundb_finish(r->db, r->res->complete ? RUNDB_COMPLETE : RUNDB_INCOMPLETE,
                           r->res->reason, rc < 0 ? &ferr : err);
    rundb_close(r->db);
    r->db = NULL;
    if (!frc && r->tmp_out[0] && o->interrupted && *o->interrupted &&
        access(o->out, F_OK) == 0) {
        /* --force: an interrupted run is not finished; the old run stays. */
        rundb_remove(r->tmp_out);
        settled(r);
        hvt_error_clear(err);
        return hvt_error_set(err, "interrupted by signal %d: the new run was discarded, "
                             "%s left as it was", (int)*o->interrupted, o->out);
    }
    if (!frc && r->tmp_out[0])
        frc = rundb_replace(r->tmp_out, o->out, rc < 0 ? &ferr : err);
    settled(r);
    return rc < 0 || frc ? -1 : 0;
}
