/*
 * recorder: one recording, from QEMU start (or attach) to a finished run file.
 *
 * The recorder owns the session around an engine: it launches QEMU or attaches
 * to one, opens the run file and writes its provenance, runs to --from, takes
 * the snapshots, stamps serial lines, checks every stop condition and writes the
 * final status.  The engine only produces steps (engine_rsp.c: one gdbstub
 * single-step each).  Order of a recording:
 *
 *   LAUNCH -> CONNECT -> (RUN_TO_FROM) -> SNAPSHOT start -> STEP* -> SNAPSHOT end
 *          -> FINISH(status, reason)
 *
 * Invariant: once the run file exists, every exit path goes through FINISH (or
 * the process dies and the file stays 'recording', which readers call killed).
 */
#ifndef HVT_RECORDER_H
#define HVT_RECORDER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hvt_error.h"
#include "common/addr.h"
#include "qemu/qemu_launch.h"

struct recipe;

#define RECORD_MAX_SNAP_AT 16
#define RECORD_SNAP_BYTES  (1u << 20)   /* the first 1 MiB: IVT..BIOS */

struct record_opts {
    struct qemu_opts qemu;      /* used unless attach is set */
    const char *attach;         /* HOST:PORT of a gdbstub the user started */
    const char *out;            /* run file */
    int overwrite;
    uint64_t max_steps;         /* 0: no limit */
    int has_from, has_until;
    struct hvt_addr from, until;
    struct hvt_addr snap_at[RECORD_MAX_SNAP_AT];
    int nsnap_at;
    uint64_t snap_every;        /* --snapshot-every N steps; 0: never */
    double timeout;             /* seconds; 0: none */
    int no_replay;              /* never record a replay of a free run (recorder_rr.c) */
    const char *replay_log;     /* record on the replay of this QEMU rr log (no free run) */
    const char *keep_free_run;  /* copy the free run's log here (COM1 output: .com1) */
    const char *guest_image;    /* provenance only */
    const char *hv_image, *hv_opts;
    const char *engine;         /* "rsp" or "log" (QEMU) */
    const char *emulator;       /* "qemu" (default) or "bochs" (engine_bochs.c) */
    const char *bios;           /* Bochs: romimage (default Bochs' rombios) */
    int bochs_no_mem;           /* Bochs: no trace-mem (no memory accesses) */
    const struct recipe *recipe;    /* --recipe (RSP engine only), or NULL */
    void (*progress)(void *ctx, uint64_t steps, int snapshots);
    void *progress_ctx;
    volatile sig_atomic_t *interrupted;   /* set by the CLI's SIGINT handler */
};

struct record_result {
    uint64_t steps;
    int snapshots;
    double step_seconds;        /* wall time of the step loop alone */
    int complete;               /* stopped where asked */
    char reason[256];
};

int record_run(const struct record_opts *opts, struct record_result *res, hvt_error *err);
/* The same for --emulator bochs (engine_bochs.c); record_run dispatches to it. */
int record_run_bochs(const struct record_opts *opts, struct record_result *res, hvt_error *err);

#endif
