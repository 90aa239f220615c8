/*
 * rundb: the run file, one SQLite database per recorded boot.  The only module
 * that knows db/schema.sql; every other module reads and writes runs through
 * these functions.
 *
 * Writing.  rundb_create makes the file and a `run` row with status 'recording'
 * in one transaction.  Steps are buffered and stored in chunks (one transaction
 * per chunk), so a kill -9 of the recorder at any moment leaves a file that opens,
 * passes PRAGMA integrity_check and holds every chunk committed so far; its status
 * still says 'recording', which rundb_info (on a handle from rundb_open) reports
 * with the reason "recorder was killed".
 * rundb_finish flushes the last chunk and sets the final status and reason.
 *
 * Step storage.  Target: <= 16 bytes a step.  A chunk holds up to RUNDB_CHUNK
 * steps as one blob: the first step's full state, then per step a varint mask of
 * changed fields plus each changed value (zigzag delta for RIP and the GPRs, xor
 * otherwise), deflated (format: db/stepcodec.c).  Instruction bytes are not
 * stored per step: table `insn` holds each distinct (linear pc, bytes, mode)
 * with the first step it was seen at; a reader takes
 * the latest row for the pc at or before the step (self-modifying code gets a new
 * row).
 *
 * Snapshots: 4 KiB pages stored once by content hash (table `page`); a snapshot is
 * a list of page ids.
 */
#ifndef HVT_RUNDB_H
#define HVT_RUNDB_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"

#define RUNDB_CHUNK 4096

typedef struct rundb rundb;

/* Run status as stored. */
#define RUNDB_RECORDING  "recording"    /* still being written, or writer killed */
#define RUNDB_COMPLETE   "complete"     /* stopped where asked (--steps, --until) */
#define RUNDB_INCOMPLETE "incomplete"   /* stopped early: reason says why */

/* Create a new run file.  Fails if path exists unless overwrite is set (then the
 * old file is replaced only once the new one is created under a temporary name
 * and renamed, so a failed create never destroys a previous run).  A path that
 * is a symbolic link is written through: its target is created or replaced. */
int rundb_create(rundb **out, const char *path, int overwrite, hvt_error *err);
/* Open an existing run file for reading; checks it is an hvtrace run file of a
 * schema version this build understands. */
int rundb_open(rundb **out, const char *path, hvt_error *err);
/* Move a finished (closed) run file tmp over path, dropping path's old journal
 * first; tmp is removed on failure.  A path that is a symbolic link is written
 * through: tmp must be in its target's directory (common/pathres.h). */
int rundb_replace(const char *tmp, const char *path, hvt_error *err);
/* Delete a run file and its journal (a run that never began); through a
 * symbolic link, its target. */
void rundb_remove(const char *path);
void rundb_close(rundb *db);

/* Metadata: free-form key/value (qemu_cmdline, qemu_version, firmware_sha256,
 * guest_sha256, hv_image, hv_sha256, hv_opts, engine, target_arch, ...). */
int rundb_set_meta(rundb *db, const char *key, const char *value, hvt_error *err);
/* Returns a malloc'd copy or NULL if absent. */
char *rundb_get_meta(rundb *db, const char *key);

/* Append the next step; s->n must equal the number of steps appended so far. */
int rundb_append_step(rundb *db, const struct hvt_step *s, hvt_error *err);
/* Commit buffered steps now (called on snapshot, serial line, and finish). */
int rundb_flush(rundb *db, hvt_error *err);
uint64_t rundb_step_count(rundb *db);

/* Guest serial output: one row per line (len bytes as the guest sent them, NUL
 * included), with the step count at which it appeared. */
int rundb_add_serial(rundb *db, uint64_t step, const char *line, size_t len, hvt_error *err);
/* Events: breakpoint hits, false hits, stops, SMM entry... kind + text. */
int rundb_add_event(rundb *db, uint64_t step, const char *kind, const char *text,
                    hvt_error *err);

/* Physical memory snapshot of len bytes starting at phys 0 (normally 1 MiB);
 * len must be a multiple of 4096.  Returns the snapshot id in *id. */
int rundb_add_snapshot(rundb *db, uint64_t step, const char *label,
                       const uint8_t *mem, size_t len, int64_t *id, hvt_error *err);

/* ---- memory accesses (schema 2; engines that see them: Bochs) ----
 *
 * For the chain of causes: rundb_last_store answers "which step last wrote
 * byte X (physical) before step N, and what" from recorded accesses, instead
 * of reconstructing it from snapshots and instruction semantics.  Use it when
 * rundb_has_mem says the run recorded accesses; a run without them (QEMU
 * engines, version-1 files) has none, and 0 then means "not recorded", not
 * "never written". */
struct rundb_mem {
    uint64_t step;
    uint32_t seq;               /* order within the step */
    uint8_t rw;                 /* RUNDB_MEM_* (Bochs' access types) */
    uint8_t has_lin, has_value;
    uint32_t len;
    uint64_t lin, phys;
    uint64_t value;             /* the bytes, little-endian, when has_value (len <= 8) */
};
#define RUNDB_MEM_READ   0
#define RUNDB_MEM_WRITE  1
#define RUNDB_MEM_EXEC   2
#define RUNDB_MEM_RMW    3
#define RUNDB_MEM_SYS_READ  4
#define RUNDB_MEM_SYS_WRITE 5
#define RUNDB_MEM_SYS_RMW   7

/* Append step's accesses (step = the step they belong to, already appended or
 * being appended next); committed with the steps. */
int rundb_add_mem(rundb *db, uint64_t step, const struct rundb_mem *m, size_t n,
                  hvt_error *err);
/* 1 if the run file records memory accesses (and any were recorded). */
int rundb_has_mem(rundb *db);
/* The last store covering physical byte `phys` at a step < before: 1 and *out,
 * 0 if none recorded, -1 on error. */
int rundb_last_store(rundb *db, uint64_t phys, uint64_t before, struct rundb_mem *out,
                     hvt_error *err);
/* Apply, in order, every recorded store with a value (len <= 8) at a step in
 * [from, to) to mem, which holds physical bytes [0, len).  Returns the number
 * of stores applied, or -1.  Stores without a value (len > 8) cannot be applied:
 * *unknown receives how many of those fell inside [0, len). */
long rundb_apply_stores(rundb *db, uint64_t from, uint64_t to, uint8_t *mem, size_t len,
                        long *unknown, hvt_error *err);
/* A step's accesses in order into out[cap]; *n receives how many there are. */
int rundb_read_mem(rundb *db, uint64_t step, struct rundb_mem *out, size_t cap, size_t *n,
                   hvt_error *err);

/* Final status (RUNDB_COMPLETE or RUNDB_INCOMPLETE) and a one-line reason. */
int rundb_finish(rundb *db, const char *status, const char *reason, hvt_error *err);

/* ---- reading ---- */

struct rundb_info {
    char status[32];
    char reason[256];
    uint64_t steps;
    int nsnapshots;
    int nserial;
};
int rundb_info(rundb *db, struct rundb_info *info, hvt_error *err);

/* Calls fn for steps [from, from+count) in order (count 0 = to the end); stops
 * early if fn returns non-zero.  Instruction bytes and mode are filled in. */
typedef int (*rundb_step_fn)(void *ctx, const struct hvt_step *s);
int rundb_read_steps(rundb *db, uint64_t from, uint64_t count,
                     rundb_step_fn fn, void *ctx, hvt_error *err);

/* States alone (no instruction bytes), read forward on demand: for a pass
 * over increasing steps with gaps, each chunk is inflated once
 * (db/rundb_cursor.c).  rundb_cursor_state returns step n's state, valid
 * until the next call, or NULL with err set (no such step, a damaged chunk);
 * any n may be asked, a smaller one costs a re-read of its chunk. */
typedef struct rundb_cursor rundb_cursor;
int rundb_cursor_open(rundb *db, rundb_cursor **out, hvt_error *err);
const struct hvt_state *rundb_cursor_state(rundb_cursor *c, uint64_t n, hvt_error *err);
void rundb_cursor_close(rundb_cursor *c);

/* In a rundb_read_steps callback: the fields (bit per enum hvt_field) of the
 * step delivered known to equal the previous step's (0: not known, e.g. at
 * the start of a chunk).  From the stored deltas: no comparison made. */
uint64_t rundb_step_unchanged(rundb *db);

struct rundb_snapshot {
    int64_t id;
    uint64_t step;
    char label[64];
    size_t len;
};
/* Lists snapshots in step order; *n receives the count (array malloc'd). */
int rundb_list_snapshots(rundb *db, struct rundb_snapshot **out, int *n, hvt_error *err);
/* Reads a snapshot's bytes into a malloc'd buffer. */
int rundb_get_snapshot(rundb *db, int64_t id, uint8_t **mem, size_t *len, hvt_error *err);

/* Serial lines and events, in step order: text is NUL-terminated and len
 * bytes long (a serial line may hold a NUL the guest sent before len). */
typedef int (*rundb_text_fn)(void *ctx, uint64_t step, const char *kind, const char *text,
                             size_t len);
int rundb_read_serial(rundb *db, rundb_text_fn fn, void *ctx, hvt_error *err);
int rundb_read_events(rundb *db, rundb_text_fn fn, void *ctx, hvt_error *err);

#endif
