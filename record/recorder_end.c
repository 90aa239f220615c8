/*
 * recorder_end: the end snapshot of a run whose QEMU is gone.  isa-debug-exit
 * (hw/misc/debugexit.c, QEMU 7.2) calls exit() inside the guest's `out`, so
 * no VM is left to read when the recorder learns of it.  Two ways, one per
 * engine:
 *   - The RSP engine stops before every instruction: before one that may
 *     write to isa-debug-exit's ports it reads the memory (rec_end_hold) and
 *     keeps it only if QEMU then ended inside that step.  An `out` (or `outs`)
 *     writes no memory (Intel SDM vol 2, OUT/OUTS), so the memory before it is
 *     the memory after it: the end snapshot, at the step after the `out`.
 *   - The log engine cannot stop before an instruction it has not seen yet.
 *     Its QEMU keeps the guest's RAM in a memfd the recorder holds
 *     (qemu_launch.h, ram_file), still readable after QEMU exited: the RAM as
 *     the guest left it.  Only the RAM below the VGA window goes in (640 KiB):
 *     0xa0000-0xbffff is VGA memory or SMRAM and 0xc0000-0xfffff ROM or
 *     shadow RAM depending on chipset registers, none of which survives QEMU,
 *     so the snapshot is shorter, never filled in, and an event says so.
 * A QEMU killed by a signal leaves its RAM file too: its RAM when it died is
 * the end snapshot, with an event saying that the last recorded step may or
 * may not have completed in it (a kill lands anywhere in an instruction's
 * execution; QEMU logs a state before running it).
 * Not here: snapshots of a VM that still exists (recorder.c).
 * Attached (--attach), nobody can ask the exit status: a session that ended
 * inside such an `out` keeps the memory read before it, and says so.
 * Invariant: at most one held memory image; it is stored at most once, as
 * "end", and only for a QEMU that ended through isa-debug-exit (or, attached,
 * whose gdbstub ended the session inside that `out`).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "record/recorder_int.h"

/* May s write to isa-debug-exit's ports?  A port in DX is read from s's
 * state; any width (up to 4 bytes) that reaches the device counts. */
int rec_end_may_exit(const struct hvt_step *s)
{
    unsigned port;
    return rec_out_port(s, &port) && port + 3 >= QEMU_DEBUG_EXIT_PORT &&
           port < QEMU_DEBUG_EXIT_PORT + QEMU_DEBUG_EXIT_SIZE;
}

int rec_end_hold(struct recorder *r, hvt_error *err)
{
    if (!r->end_mem && !(r->end_mem = malloc(RECORD_SNAP_BYTES)))
        return hvt_error_set(err, "out of memory for the end snapshot");
    if (rec_read_low_memory(r, r->end_mem, err)) {
        rec_end_drop(r);
        return -1;
    }
    return 0;
}

void rec_end_drop(struct recorder *r)
{
    free(r->end_mem);
    r->end_mem = NULL;
}

/* How the QEMU we launched ended: 1 through isa-debug-exit, 2 killed by a
 * signal (SIGKILL, or one it caught and exited on, like SIGTERM), 0 otherwise
 * or unknown. */
static int how_it_ended(struct recorder *r)
{
    int status;
    char why[400];
    if (r->o->attach || r->proc.pid <= 0 || !qemu_exited(&r->proc, &status))
        return 0;
    if (qemu_exit_was_guest_poweroff(status))
        return 1;
    qemu_exit_reason(&r->proc, status, why, sizeof why);
    return !strncmp(why, "QEMU killed by signal", 21) ? 2 : 0;
}

/* The RAM file's 640 KiB as the end snapshot, and an event saying what it is. */
static int end_from_ram(struct recorder *r, const char *what, hvt_error *err)
{
    uint8_t *mem = malloc(QEMU_LOW_RAM_BYTES);
    if (!mem)
        return hvt_error_set(err, "out of memory for the end snapshot");
    int rc = qemu_read_ram(&r->proc, mem, QEMU_LOW_RAM_BYTES, err);
    if (!rc)
        rc = rec_store_snapshot(r, "end", mem, QEMU_LOW_RAM_BYTES, err);
    free(mem);
    if (!rc)
        rundb_add_event(r->db, r->nsteps, "end-from-ram", what, NULL);
    return rc;
}

int rec_end_after_exit(struct recorder *r, hvt_error *err)
{
    int how = how_it_ended(r);
    if (r->o->attach && r->end_mem) {   /* whose exit status nobody can ask */
        rundb_add_event(r->db, r->nsteps, "end-before-exit",
                        "end snapshot read before the out to port 0xf4 (isa-debug-exit's, if "
                        "the attached QEMU has one) in whose step the gdbstub ended the "
                        "session (an out writes no memory)", NULL);
        return rec_store_snapshot(r, "end", r->end_mem, RECORD_SNAP_BYTES, err);
    }
    if (how == 2 && r->proc.has_ram)
        return end_from_ram(r, "end snapshot = the guest's RAM 0-0x9ffff when QEMU was "
                            "killed (RAM file): the last recorded step may or may not have "
                            "completed in it; 0xa0000-0xfffff (VGA window, ROM, shadow RAM) "
                            "is not RAM and not in it", err);
    if (how != 1) {
        rundb_add_event(r->db, r->nsteps, "no-end-snapshot",
                        "QEMU is gone: no memory left to read", NULL);
        return 0;
    }
    if (r->end_mem) {
        rundb_add_event(r->db, r->nsteps, "end-before-exit",
                        "end snapshot read before the out to isa-debug-exit (an out "
                        "writes no memory)", NULL);
        return rec_store_snapshot(r, "end", r->end_mem, RECORD_SNAP_BYTES, err);
    }
    if (!r->proc.has_ram) {
        rundb_add_event(r->db, r->nsteps, "no-end-snapshot",
                        "QEMU exited inside the out to isa-debug-exit and kept no RAM file",
                        NULL);
        return 0;
    }
    return end_from_ram(r, "end snapshot = the guest's RAM 0-0x9ffff as QEMU left it at its "
                        "isa-debug-exit (RAM file); 0xa0000-0xfffff (VGA window, ROM, "
                        "shadow RAM) is not RAM and not in it", err);
}
