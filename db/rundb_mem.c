/*
 * rundb_mem: memory accesses per step (table mem, schema 2), written in the
 * steps' transactions and read back for the chain of causes.  Not here: where
 * accesses come from (the Bochs engine) or what they mean.
 * Invariant: accesses buffered in db->mem belong to steps not yet committed or
 * to the chunk being committed; a crash loses them with their steps, never
 * leaves accesses of steps the file does not hold.
 */
#include <stdlib.h>
#include <string.h>

#include "db/rundb_int.h"

#define LAST_STORE_SPAN 64      /* longest access Bochs prints (len=64) */

int rundb_add_mem(rundb *db, uint64_t step, const struct rundb_mem *m, size_t n,
                  hvt_error *err)
{
    if (!db->writer)
        return hvt_error_set(err, "%s: opened for reading only", db->path);
    if (db->nmem + n > db->capmem) {
        size_t cap = db->capmem ? db->capmem * 2 : 1024;
        while (cap < db->nmem + n)
            cap *= 2;
        struct rundb_mem *p = realloc(db->mem, cap * sizeof *p);
        if (!p)
            return hvt_error_set(err, "%s: out of memory", db->path);
        db->mem = p, db->capmem = cap;
    }
    for (size_t i = 0; i < n; i++) {
        db->mem[db->nmem] = m[i];
        db->mem[db->nmem].step = step;
        db->mem[db->nmem].seq = (uint32_t)i;
        db->nmem++;
    }
    return 0;
}

int rundb_mem_write(rundb *db, hvt_error *err)
{
    if (!db->nmem)
        return 0;
    if (!db->st_mem && rundb_prepare(db, "INSERT INTO mem(step, seq, rw, len, phys, lin, "
                                     "value) VALUES (?, ?, ?, ?, ?, ?, ?)", &db->st_mem, err))
        return -1;
    sqlite3_stmt *st = db->st_mem;
    for (size_t i = 0; i < db->nmem; i++) {
        const struct rundb_mem *m = &db->mem[i];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)m->step);
        sqlite3_bind_int64(st, 2, m->seq);
        sqlite3_bind_int(st, 3, m->rw);
        sqlite3_bind_int64(st, 4, m->len);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)m->phys);
        if (m->has_lin)
            sqlite3_bind_int64(st, 6, (sqlite3_int64)m->lin);
        else
            sqlite3_bind_null(st, 6);
        if (m->has_value)
            sqlite3_bind_int64(st, 7, (sqlite3_int64)m->value);
        else
            sqlite3_bind_null(st, 7);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rundb_sqlerr(db, err, "store memory accesses");
    }
    return 0;
}

void rundb_mem_committed(rundb *db)
{
    db->nmem = 0;
}

void rundb_mem_free(rundb *db)
{
    if (db->st_mem)
        sqlite3_finalize(db->st_mem);
    free(db->mem);
    db->mem = NULL;
    db->nmem = db->capmem = 0;
}

static void row_to_mem(sqlite3_stmt *st, struct rundb_mem *m)
{
    memset(m, 0, sizeof *m);
    m->step = (uint64_t)sqlite3_column_int64(st, 0);
    m->seq = (uint32_t)sqlite3_column_int64(st, 1);
    m->rw = (uint8_t)sqlite3_column_int(st, 2);
    m->len = (uint32_t)sqlite3_column_int64(st, 3);
    m->phys = (uint64_t)sqlite3_column_int64(st, 4);
    if ((m->has_lin = sqlite3_column_type(st, 5) != SQLITE_NULL))
        m->lin = (uint64_t)sqlite3_column_int64(st, 5);
    if ((m->has_value = sqlite3_column_type(st, 6) != SQLITE_NULL))
        m->value = (uint64_t)sqlite3_column_int64(st, 6);
}

#define MEM_COLS "step, seq, rw, len, phys, lin, value"

int rundb_has_mem(rundb *db)
{
    sqlite3_stmt *st;
    if (!db->has_mem || sqlite3_prepare_v2(db->db, "SELECT 1 FROM mem LIMIT 1", -1, &st,
                                           NULL) != SQLITE_OK)
        return 0;
    int any = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return any || db->nmem;
}

/* Index mem_store (phys, step) WHERE a store: candidates start at most
 * LAST_STORE_SPAN - 1 bytes below the byte. */
int rundb_last_store(rundb *db, uint64_t phys, uint64_t before, struct rundb_mem *out,
                     hvt_error *err)
{
    sqlite3_stmt *st;
    if (!db->has_mem)
        return 0;
    if (rundb_prepare(db, "SELECT " MEM_COLS " FROM mem WHERE rw IN (1, 3, 5, 7) "
                      "AND phys BETWEEN ? AND ? AND phys + len > ? AND step < ? "
                      "ORDER BY step DESC, seq DESC LIMIT 1", &st, err))
        return -1;
    uint64_t lo = phys >= LAST_STORE_SPAN - 1 ? phys - (LAST_STORE_SPAN - 1) : 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)phys);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)phys);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)before);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_to_mem(st, out);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rundb_sqlerr(db, err, "read memory accesses");
    return rc == SQLITE_ROW;
}

int rundb_read_mem(rundb *db, uint64_t step, struct rundb_mem *out, size_t cap, size_t *n,
                   hvt_error *err)
{
    sqlite3_stmt *st;
    *n = 0;
    if (!db->has_mem)
        return 0;
    if (rundb_prepare(db, "SELECT " MEM_COLS " FROM mem WHERE step = ? ORDER BY seq", &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)step);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n < cap)
            row_to_mem(st, &out[*n]);
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "read memory accesses");
}

long rundb_apply_stores(rundb *db, uint64_t from, uint64_t to, uint8_t *mem, size_t len,
                        long *unknown, hvt_error *err)
{
    sqlite3_stmt *st;
    long applied = 0;
    *unknown = 0;
    if (!db->has_mem)
        return 0;
    if (rundb_flush(db, err) ||
        rundb_prepare(db, "SELECT phys, len, value FROM mem WHERE rw IN (1, 3, 5, 7) "
                      "AND step >= ? AND step < ? AND phys < ? ORDER BY step, seq", &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)to);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)len);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t phys = (uint64_t)sqlite3_column_int64(st, 0);
        uint64_t n = (uint64_t)sqlite3_column_int64(st, 1);
        if (sqlite3_column_type(st, 2) == SQLITE_NULL || n > 8) {
            (*unknown)++;
            continue;
        }
        uint64_t v = (uint64_t)sqlite3_column_int64(st, 2);
        for (uint64_t i = 0; i < n && phys + i < len; i++)
            mem[phys + i] = (uint8_t)(v >> (8 * i));
        applied++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? applied : rundb_sqlerr(db, err, "read memory accesses");
}
