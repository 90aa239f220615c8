/*
 * rundb_text: guest serial lines and events (breakpoint hits, stops, SMM entry).
 *
 * Each row is committed in one transaction together with the steps buffered so
 * far, so a committed line or event never refers to a step that a crash lost.
 * Does not interpret the text: kinds are whatever the recorder names them.
 */
#include "db/rundb_int.h"

#include <limits.h>
#include <string.h>

static int text_insert(rundb *db, const char *sql, uint64_t step, const char *a,
                       size_t alen, const char *b, hvt_error *err)
{
    sqlite3_stmt *st;
    if (rundb_begin_with_steps(db, err))
        return -1;
    if (rundb_prepare(db, sql, &st, err)) {
        rundb_rollback(db);
        return -1;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)step);
    sqlite3_bind_text(st, 2, a, (int)alen, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "insert");
    sqlite3_finalize(st);
    if (rc) {
        rundb_rollback(db);
        return -1;
    }
    return rundb_commit(db, err);
}

int rundb_add_serial(rundb *db, uint64_t step, const char *line, size_t len, hvt_error *err)
{
    return text_insert(db, "INSERT INTO serial(step, line) VALUES (?, ?)", step, line,
                       len < INT_MAX ? len : INT_MAX, NULL, err);
}

int rundb_add_event(rundb *db, uint64_t step, const char *kind, const char *text,
                    hvt_error *err)
{
    return text_insert(db, "INSERT INTO event(step, kind, text) VALUES (?, ?, ?)",
                       step, kind, strlen(kind), text, err);
}

static int text_read(rundb *db, const char *sql, rundb_text_fn fn, void *ctx,
                     hvt_error *err)
{
    sqlite3_stmt *st;
    if (rundb_prepare(db, sql, &st, err))
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t step = (uint64_t)sqlite3_column_int64(st, 0);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *text = (const char *)sqlite3_column_text(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        if (fn(ctx, step, kind, text ? text : "", text ? len : 0))
            break;
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "read");
    sqlite3_finalize(st);
    return rc;
}

int rundb_read_serial(rundb *db, rundb_text_fn fn, void *ctx, hvt_error *err)
{
    return text_read(db, "SELECT step, 'serial', line FROM serial ORDER BY step, id",
                     fn, ctx, err);
}

int rundb_read_events(rundb *db, rundb_text_fn fn, void *ctx, hvt_error *err)
{
    return text_read(db, "SELECT step, kind, text FROM event ORDER BY step, id",
                     fn, ctx, err);
}
