/*
 * rundb_cursor: a run's states read forward on demand, for a pass that visits
 * increasing steps with gaps (compare/'s registers at aligned pairs: two
 * cursors in step, one per run).  Each chunk is inflated once while the steps
 * asked for increase, chunks wholly inside a gap are not inflated, and no
 * instruction bytes are looked up (rundb_read_steps does both for every call,
 * from the chunk holding its first step).  A step before the last one asked
 * for, or far ahead, re-reads from the chunk holding it.
 * Like rundb_read_steps, it does not trust the file: a gap between chunks or a
 * bad blob is an error naming the chunk.
 */
#include "db/rundb_int.h"

#include <stdlib.h>
#include <string.h>

#define CURSOR_MAX_SKIP 16          /* chunks stepped over before a new query */

struct rundb_cursor {
    rundb *db;
    sqlite3_stmt *st;               /* chunks in order, from the one holding a step */
    int row;                        /* st is on a row: the chunk of steps [first, end) */
    uint64_t first, end;
    int have;                       /* its blob is inflated into dec, */
    stepcodec_reader dec;
    uint64_t n;                     /* steps [first, n) decoded: cur is step n - 1 */
    struct hvt_state cur;
};

int rundb_cursor_open(rundb *db, rundb_cursor **out, hvt_error *err)
{
    rundb_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return hvt_error_set(err, "%s: out of memory", db->path);
    c->db = db;
    stepcodec_reader_init(&c->dec);
    if (rundb_prepare(db, "SELECT first_step, nsteps, data FROM chunk WHERE first_step"
                      " >= coalesce((SELECT max(first_step) FROM chunk WHERE "
                      "first_step <= ?1), 0) ORDER BY first_step", &c->st, err)) {
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void rundb_cursor_close(rundb_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    stepcodec_reader_free(&c->dec);
    free(c);
}

static int chunk_error(rundb_cursor *c, uint64_t first, const char *what, hvt_error *err)
{
    c->row = c->have = 0;
    return hvt_error_set(err, "%s: chunk at step %llu: %s", c->db->path,
                         (unsigned long long)first, what);
}

/* The next chunk row; it must start where the last one ended (expect), or
 * start at or before step n when it is a query's first (expect UINT64_MAX). */
static int next_row(rundb_cursor *c, uint64_t n, uint64_t expect, hvt_error *err)
{
    int rc = sqlite3_step(c->st);
    c->row = c->have = 0;
    if (rc == SQLITE_DONE)
        return hvt_error_set(err, "%s: no step %llu (the run ends before it)", c->db->path,
                             (unsigned long long)n);
    if (rc != SQLITE_ROW)
        return rundb_sqlerr(c->db, err, "read steps");
    uint64_t first = (uint64_t)sqlite3_column_int64(c->st, 0);
    uint64_t nsteps = (uint64_t)sqlite3_column_int64(c->st, 1);
    if (expect != UINT64_MAX ? first != expect : first > n)
        return chunk_error(c, first, "the chunks before it leave a gap", err);
    c->row = 1;
    c->first = first;
    c->end = first + nsteps;
    return 0;
}

/* Inflate the current row's blob: no step decoded yet. */
static int open_row(rundb_cursor *c, hvt_error *err)
{
    hvt_error inner = { { 0 } };
    const uint8_t *blob = sqlite3_column_blob(c->st, 2);
    size_t len = (size_t)sqlite3_column_bytes(c->st, 2);
    if (stepcodec_reader_open(&c->dec, blob, len, &inner))
        return chunk_error(c, c->first, inner.msg, err);
    if (c->dec.nsteps != c->end - c->first)
        return chunk_error(c, c->first, "its blob and its row disagree on its steps", err);
    c->have = 1;
    c->n = c->first;
    return 0;
}

/* Open the chunk holding step n, stepping over a few chunks when it lies
 * ahead, else by a new query. */
static int seek(rundb_cursor *c, uint64_t n, hvt_error *err)
{
    for (int i = 0; c->row && n >= c->end && i < CURSOR_MAX_SKIP; i++)
        if (next_row(c, n, c->end, err))
            return -1;
    if (!c->row || n < c->first || n >= c->end) {
        sqlite3_reset(c->st);
        sqlite3_bind_int64(c->st, 1, (sqlite3_int64)n);
        if (next_row(c, n, UINT64_MAX, err))
            return -1;
        while (n >= c->end)
            if (next_row(c, n, c->end, err))
                return -1;
    }
    return open_row(c, err);
}

const struct hvt_state *rundb_cursor_state(rundb_cursor *c, uint64_t n, hvt_error *err)
{
    if (!(c->have && n >= c->first && n < c->end && n + 1 >= c->n) && seek(c, n, err))
        return NULL;
    hvt_error inner = { { 0 } };
    while (c->n <= n) {
        int rc = stepcodec_next_into(&c->dec, &c->cur, &inner);
        if (rc != 1) {
            chunk_error(c, c->first, rc ? inner.msg : "fewer steps than its row says", err);
            return NULL;
        }
        c->n++;
    }
    return &c->cur;
}
