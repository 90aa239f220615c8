/*
 * rundb: opening, creating and closing run files; metadata and run status.
 * Steps live in rundb_steps.c, snapshots in snapshot.c, serial/events in
 * rundb_text.c.
 *
 * Journal mode: rollback journal (DELETE), not WAL.  A run file is one file a
 * user copies, mails or attaches to a bug; WAL would keep a run.db-wal and
 * run.db-shm beside it, and a copy of run.db alone would silently miss every
 * transaction not yet checkpointed.  With DELETE the journal exists only while a
 * chunk is being committed; if the recorder is killed in that window the next
 * open (read-write when the file permits) rolls the hot journal back, leaving all
 * earlier chunks (SQLite "Atomic Commit", sqlite.org/atomiccommit.html).
 * synchronous=NORMAL: a killed process loses nothing the OS already holds, which is
 * all that crash safety against kill -9 needs; only a power cut at the wrong
 * moment could cost the last transaction.
 *
 * Invariant: a file that rundb_open accepts has application_id 'HVTR' and
 * RUNDB_OLDEST_VERSION <= user_version <= rundb_schema_version (older
 * files lack what later versions added: table mem before 2, meta
 * hvtrace_version before 3); rundb_create never leaves a half-built
 * file under the final name (it builds it under a temporary name and renames).
 */
#include "db/rundb_int.h"
#include "common/pathres.h"
#include "common/version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNDB_APP_ID      0x48565452    /* "HVTR"; also set by db/schema.sql */
#define RUNDB_META_PID    "recorder_pid"  /* who writes a run still recording */
#define RUNDB_BUSY_MS     5000          /* a reader (sqlite3 CLI) may hold a lock */

int rundb_sqlerr(rundb *db, hvt_error *err, const char *what)
{
    return hvt_error_set(err, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->db));
}

int rundb_exec(rundb *db, const char *sql, hvt_error *err)
{
    if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return rundb_sqlerr(db, err, "sql");
    return 0;
}

int rundb_prepare(rundb *db, const char *sql, sqlite3_stmt **st, hvt_error *err)
{
    if (sqlite3_prepare_v2(db->db, sql, -1, st, NULL) != SQLITE_OK)
        return rundb_sqlerr(db, err, "prepare");
    return 0;
}

int rundb_begin_with_steps(rundb *db, hvt_error *err)
{
    if (!db->writer)
        return hvt_error_set(err, "%s: opened for reading only", db->path);
    if (rundb_exec(db, "BEGIN IMMEDIATE", err))
        return -1;
    if (rundb_steps_write(db, err) || rundb_mem_write(db, err)) {
        rundb_rollback(db);
        return -1;
    }
    return 0;
}

int rundb_commit(rundb *db, hvt_error *err)
{
    if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rundb_sqlerr(db, err, "commit");
        rundb_rollback(db);
        return -1;
    }
    rundb_steps_committed(db);
    rundb_mem_committed(db);
    return 0;
}

void rundb_rollback(rundb *db)
{
    if (!sqlite3_get_autocommit(db->db))
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

static rundb *handle_new(const char *path, hvt_error *err)
{
    rundb *db = calloc(1, sizeof *db);
    if (db)
        db->path = strdup(path);
    if (!db || !db->path) {
        free(db);
        hvt_error_set(err, "%s: out of memory", path);
        return NULL;
    }
    stepcodec_writer_init(&db->enc);
    stepcodec_reader_init(&db->dec);
    insnmap_init(&db->insns);
    return db;
}

/* NOMUTEX: hvtrace runs one thread and a handle is never shared, so SQLite's
 * per-call connection mutex (taken by every sqlite3_column_* call: a few
 * percent of reading a run's 1M-row instruction table) guards nothing. */
static int handle_connect(rundb *db, const char *file, int flags, hvt_error *err)
{
    if (sqlite3_open_v2(file, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return hvt_error_set(err, "%s: cannot open: %s", file,
                             db->db ? sqlite3_errmsg(db->db) : "out of memory");
    sqlite3_busy_timeout(db->db, RUNDB_BUSY_MS);
    return 0;
}

/* The writer's settings (see the header comment); readers keep the defaults. */
static int handle_tune_writer(rundb *db, hvt_error *err)
{
    return rundb_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL", err);
}

static int query_int(rundb *db, const char *sql, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

static int check_identity(rundb *db, hvt_error *err)
{
    int app, ver;
    if (query_int(db, "PRAGMA application_id", &app) || app != RUNDB_APP_ID)
        return hvt_error_set(err, "%s: not an hvtrace run file", db->path);
    if (query_int(db, "PRAGMA user_version", &ver))
        return hvt_error_set(err, "%s: not an hvtrace run file", db->path);
    db->has_mem = ver >= RUNDB_FIRST_MEM_VERSION;
    if (ver < RUNDB_OLDEST_VERSION || ver > rundb_schema_version)
        return hvt_error_set(err, "%s: run file has schema version %d; this hvtrace "
                             "reads versions %d-%d only", db->path, ver,
                             RUNDB_OLDEST_VERSION, rundb_schema_version);
    return 0;
}

int rundb_open(rundb **out, const char *path, hvt_error *err)
{
    *out = NULL;
    if (access(path, R_OK))     /* SQLite would say only "unable to open database file" */
        return hvt_error_errno(err, "%s: cannot open", path);
    rundb *db = handle_new(path, err);
    if (!db)
        return -1;
    /* Read-write (without CREATE) so a hot journal left by a killed recorder can
     * be rolled back; SQLite falls back to read-only on a write-protected file. */
    if (handle_connect(db, path, SQLITE_OPEN_READWRITE, err) || check_identity(db, err)) {
        rundb_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

static void unlink_sidecars(const char *path)
{
    static const char *const suffix[] = { "-journal", "-wal", "-shm" };
    char name[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
        if (snprintf(name, sizeof name, "%s%s", path, suffix[i]) < (int)sizeof name)
            unlink(name);
}

/* Builds a complete, empty run under tmp and closes it. */
/* meta hvtrace_version (schema 3): which hvtrace wrote the file. */
static int insert_version(rundb *db, hvt_error *err)
{
    char *sql = sqlite3_mprintf("INSERT INTO meta(key, value) VALUES "
                                "('hvtrace_version', %Q)", hvt_version_line());
    if (!sql)
        return hvt_error_set(err, "%s: out of memory", db->path);
    int rc = rundb_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

static int create_tmp(rundb *db, const char *tmp, hvt_error *err)
{
    unlink(tmp);
    unlink_sidecars(tmp);
    int rc = handle_connect(db, tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
    if (!rc)
        rc = handle_tune_writer(db, err);
    if (!rc)
        rc = rundb_exec(db, "BEGIN", err) || rundb_exec(db, rundb_schema_sql, err) ||
             rundb_exec(db, "INSERT INTO run(id, status) VALUES (1, 'recording')", err)
             || insert_version(db, err) || rundb_exec(db, "COMMIT", err) ? -1 : 0;
    sqlite3_close(db->db);
    db->db = NULL;
    return rc;
}

/* Moves tmp to path.  Without overwrite, link() fails atomically if path exists.
 * With overwrite, a journal of the old file must go first: SQLite would take it
 * for ours and "roll back" pages of the old run into the new one. */
static int install_tmp(const char *tmp, const char *path, int overwrite, hvt_error *err)
{
    if (!overwrite) {
        int rc = link(tmp, path);
        int saved = errno;
        unlink(tmp);
        errno = saved;
        if (rc)
            return errno == EEXIST ? hvt_error_set(err, "%s: already exists", path)
                                   : hvt_error_errno(err, "%s: cannot create", path);
        return 0;
    }
    unlink_sidecars(path);
    if (rename(tmp, path)) {
        hvt_error_errno(err, "%s: cannot replace", path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A path that is a symbolic link names its target (common/pathres.h): the
 * temporary file goes beside the target and is renamed onto it; the link stays. */
int rundb_create(rundb **out, const char *path, int overwrite, hvt_error *err)
{
    *out = NULL;
    char target[4096], tmp[4200];
    if (pathres_target(path, target, sizeof target))
        return hvt_error_errno(err, "%s: cannot create", path);
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", target, (long)getpid()) >= (int)sizeof tmp)
        return hvt_error_set(err, "%s: path too long", path);
    if (!overwrite && access(target, F_OK) == 0)
        return hvt_error_set(err, "%s: already exists", path);
    rundb *db = handle_new(path, err);
    if (!db)
        return -1;
    if (create_tmp(db, tmp, err) || install_tmp(tmp, target, overwrite, err) ||
        handle_connect(db, path, SQLITE_OPEN_READWRITE, err) ||
        handle_tune_writer(db, err)) {
        unlink(tmp);
        rundb_close(db);
        return -1;
    }
    db->writer = 1;
    db->has_mem = 1;
    db->insns_loaded = 1;       /* a new run has no instructions yet */
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    rundb_set_meta(db, RUNDB_META_PID, pid, NULL);
    *out = db;
    return 0;
}

int rundb_replace(const char *tmp, const char *path, hvt_error *err)
{
    char target[4096];
    if (pathres_target(path, target, sizeof target)) {
        hvt_error_errno(err, "%s: cannot replace", path);
        unlink(tmp);
        return -1;
    }
    return install_tmp(tmp, target, 1, err);
}

void rundb_remove(const char *path)
{
    char target[4096];
    if (pathres_target(path, target, sizeof target))
        return;
    unlink(target);             /* a link's target: the link is the user's */
    unlink_sidecars(target);
}

void rundb_close(rundb *db)
{
    if (!db)
        return;
    if (db->writer && db->db && db->nsteps > db->chunk_first) {
        /* Best effort: keep what was appended; the status still says recording
         * unless rundb_finish ran. */
        if (!rundb_begin_with_steps(db, NULL))
            rundb_commit(db, NULL);
    }
    rundb_steps_free(db);
    rundb_mem_free(db);
    sqlite3_close(db->db);
    stepcodec_writer_free(&db->enc);
    stepcodec_reader_free(&db->dec);
    insnmap_free(&db->insns);
    free(db->path);
    free(db);
}

int rundb_set_meta(rundb *db, const char *key, const char *value, hvt_error *err)
{
    sqlite3_stmt *st;
    if (rundb_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                      &st, err))
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "set meta");
    sqlite3_finalize(st);
    return rc;
}

char *rundb_get_meta(rundb *db, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

int rundb_finish(rundb *db, const char *status, const char *reason, hvt_error *err)
{
    if (strcmp(status, RUNDB_COMPLETE) && strcmp(status, RUNDB_INCOMPLETE))
        return hvt_error_set(err, "%s: bad final status '%s'", db->path, status);
    sqlite3_stmt *st;
    if (rundb_begin_with_steps(db, err))
        return -1;
    if (rundb_prepare(db, "UPDATE run SET status = ?, reason = ?, finished_at = "
                      "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", &st, err)) {
        rundb_rollback(db);
        return -1;
    }
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason ? reason : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "finish");
    sqlite3_finalize(st);
    if (rc) {
        rundb_rollback(db);
        return -1;
    }
    return rundb_commit(db, err);
}

static int count_rows(rundb *db, const char *sql, int *n, hvt_error *err)
{
    if (query_int(db, sql, n))
        return rundb_sqlerr(db, err, "count");
    return 0;
}

/* The pid of the process recording this file, if it still runs: the meta
 * key recorder_pid names it, and /proc/PID/comm must still say hvtrace (a
 * reused pid belongs to something else).  0 if it is gone. */
static long recorder_pid(rundb *db)
{
    char *v = rundb_get_meta(db, RUNDB_META_PID);
    long pid = v ? strtol(v, NULL, 10) : 0;
    free(v);
    char path[64], comm[32] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    if (!fgets(comm, sizeof comm, f))
        comm[0] = 0;
    fclose(f);
    return strncmp(comm, "hvtrace", 7) == 0 ? pid : 0;
}

int rundb_info(rundb *db, struct rundb_info *info, hvt_error *err)
{
    sqlite3_stmt *st;
    memset(info, 0, sizeof *info);
    if (rundb_prepare(db, "SELECT status, reason FROM run WHERE id = 1", &st, err))
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return hvt_error_set(err, "%s: run row missing", db->path);
    }
    snprintf(info->status, sizeof info->status, "%s", sqlite3_column_text(st, 0));
    snprintf(info->reason, sizeof info->reason, "%s", sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    /* Nobody finished this run and we are not its writer: its recorder is
     * still at work, or it died. */
    if (!db->writer && strcmp(info->status, RUNDB_RECORDING) == 0) {
        long pid = recorder_pid(db);
        if (pid > 0)
            snprintf(info->reason, sizeof info->reason, "being recorded (pid %ld)", pid);
        else
            snprintf(info->reason, sizeof info->reason, "recorder was killed");
    }
    if (rundb_count_steps(db, &info->steps, err) ||
        count_rows(db, "SELECT count(*) FROM snapshot", &info->nsnapshots, err) ||
        count_rows(db, "SELECT count(*) FROM serial", &info->nserial, err))
        return -1;
    return 0;
}
