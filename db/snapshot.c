/*
 * snapshot: physical memory snapshots as lists of 4 KiB pages stored once each.
 *
 * A page is found by a 64-bit content hash (index page_hash) and then compared
 * byte for byte, so a hash collision costs a comparison, never a wrong page.
 * Identical pages within one snapshot and across snapshots share one row: the
 * second snapshot of a 1 MiB boot that changed one page adds one page.  Pages are
 * deflated when that makes them smaller (zero pages become ~20 bytes).
 *
 * Each snapshot is committed in one transaction with the steps buffered so far.
 * Does not snapshot anything itself: the recorder passes the bytes.
 */
#include "db/rundb_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SNAP_PAGE 4096

/* 64-bit multiply-rotate hash over the page's words (any good mix will do: equal
 * hashes are always confirmed by comparing the bytes). */
static int64_t page_hash(const uint8_t *p)
{
    uint64_t h = 0x243f6a8885a308d3ull;
    for (size_t i = 0; i < SNAP_PAGE; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= w * 0x9e3779b97f4a7c15ull;
        h = ((h << 29) | (h >> 35)) * 0xbf58476d1ce4e5b9ull;
    }
    return (int64_t)(h ^ (h >> 31));
}

/* Stored form -> 4096 bytes; -1 if the row is not a page. */
static int page_unpack(const void *data, size_t len, uint8_t *out)
{
    if (len == SNAP_PAGE) {
        memcpy(out, data, SNAP_PAGE);
        return 0;
    }
    uLongf got = SNAP_PAGE;
    if (uncompress(out, &got, data, len) != Z_OK || got != SNAP_PAGE)
        return -1;
    return 0;
}

/* Existing page with these bytes, or 0. */
static int64_t page_find(sqlite3_stmt *find, int64_t hash, const uint8_t *page)
{
    uint8_t tmp[SNAP_PAGE];
    int64_t id = 0;
    sqlite3_bind_int64(find, 1, hash);
    while (!id && sqlite3_step(find) == SQLITE_ROW) {
        const void *data = sqlite3_column_blob(find, 1);
        size_t len = (size_t)sqlite3_column_bytes(find, 1);
        if (page_unpack(data, len, tmp) == 0 && memcmp(tmp, page, SNAP_PAGE) == 0)
            id = sqlite3_column_int64(find, 0);
    }
    sqlite3_reset(find);
    return id;
}

static int64_t page_insert(sqlite3_stmt *ins, int64_t hash, const uint8_t *page)
{
    uint8_t z[SNAP_PAGE];
    uLongf zlen = sizeof z;
    int packed = compress2(z, &zlen, page, SNAP_PAGE, Z_BEST_SPEED) == Z_OK &&
                 zlen < SNAP_PAGE;
    sqlite3_bind_int64(ins, 1, hash);
    sqlite3_bind_blob(ins, 2, packed ? z : page, packed ? (int)zlen : SNAP_PAGE,
                      SQLITE_STATIC);
    int rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(sqlite3_db_handle(ins)) : 0;
}

struct snap_stmts { sqlite3_stmt *find, *ins, *link; };

static void stmts_free(struct snap_stmts *s)
{
    sqlite3_finalize(s->find);
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->link);
}

static int store_pages(rundb *db, int64_t snap, const uint8_t *mem, size_t len,
                       hvt_error *err)
{
    struct snap_stmts s = { 0 };
    int rc = -1;
    if (rundb_prepare(db, "SELECT id, data FROM page WHERE hash = ?", &s.find, err) ||
        rundb_prepare(db, "INSERT INTO page(hash, data) VALUES (?, ?)", &s.ins, err) ||
        rundb_prepare(db, "INSERT INTO snapshot_page(snapshot_id, idx, page_id) "
                      "VALUES (?, ?, ?)", &s.link, err))
        goto out;
    for (size_t idx = 0; idx < len / SNAP_PAGE; idx++) {
        const uint8_t *page = mem + idx * SNAP_PAGE;
        int64_t hash = page_hash(page);
        int64_t id = page_find(s.find, hash, page);
        if (!id && !(id = page_insert(s.ins, hash, page))) {
            rundb_sqlerr(db, err, "store page");
            goto out;
        }
        sqlite3_bind_int64(s.link, 1, snap);
        sqlite3_bind_int64(s.link, 2, (sqlite3_int64)idx);
        sqlite3_bind_int64(s.link, 3, id);
        int src = sqlite3_step(s.link);
        sqlite3_reset(s.link);
        if (src != SQLITE_DONE) {
            rundb_sqlerr(db, err, "store snapshot page");
            goto out;
        }
    }
    rc = 0;
out:
    stmts_free(&s);
    return rc;
}

static int insert_snapshot(rundb *db, uint64_t step, const char *label, size_t len,
                           int64_t *id, hvt_error *err)
{
    sqlite3_stmt *st;
    if (rundb_prepare(db, "INSERT INTO snapshot(step, label, len) VALUES (?, ?, ?)",
                      &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)step);
    sqlite3_bind_text(st, 2, label ? label : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)len);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "snapshot");
    sqlite3_finalize(st);
    *id = sqlite3_last_insert_rowid(db->db);
    return rc;
}

int rundb_add_snapshot(rundb *db, uint64_t step, const char *label,
                       const uint8_t *mem, size_t len, int64_t *id, hvt_error *err)
{
    if (len % SNAP_PAGE)
        return hvt_error_set(err, "%s: snapshot of %zu bytes is not whole 4 KiB pages",
                             db->path, len);
    int64_t snap;
    if (rundb_begin_with_steps(db, err))
        return -1;
    if (insert_snapshot(db, step, label, len, &snap, err) ||
        store_pages(db, snap, mem, len, err)) {
        rundb_rollback(db);
        return -1;
    }
    if (rundb_commit(db, err))
        return -1;
    if (id)
        *id = snap;
    return 0;
}

int rundb_list_snapshots(rundb *db, struct rundb_snapshot **out, int *n, hvt_error *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (rundb_prepare(db, "SELECT id, step, label, len FROM snapshot "
                      "ORDER BY step, id", &st, err))
        return -1;
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct rundb_snapshot *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) {
                rc = SQLITE_NOMEM;
                break;
            }
            *out = p;
        }
        struct rundb_snapshot *s = &(*out)[(*n)++];
        s->id = sqlite3_column_int64(st, 0);
        s->step = (uint64_t)sqlite3_column_int64(st, 1);
        snprintf(s->label, sizeof s->label, "%s", sqlite3_column_text(st, 2));
        s->len = (size_t)sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return hvt_error_set(err, "%s: cannot list snapshots", db->path);
    }
    return 0;
}

/* Fills mem (npages pages) from the snapshot's page list; every page once. */
static int read_pages(rundb *db, int64_t id, uint8_t *mem, size_t npages,
                      hvt_error *err)
{
    sqlite3_stmt *st;
    if (rundb_prepare(db, "SELECT sp.idx, p.data FROM snapshot_page sp JOIN page p "
                      "ON p.id = sp.page_id WHERE sp.snapshot_id = ? ORDER BY sp.idx",
                      &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    size_t want = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t idx = sqlite3_column_int64(st, 0);
        if (idx < 0 || (uint64_t)idx != want || want >= npages ||
            page_unpack(sqlite3_column_blob(st, 1),
                        (size_t)sqlite3_column_bytes(st, 1), mem + want * SNAP_PAGE))
            break;
        want++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE || want != npages)
        return hvt_error_set(err, "%s: snapshot %lld: page %zu missing or corrupt",
                             db->path, (long long)id, want);
    return 0;
}

int rundb_get_snapshot(rundb *db, int64_t id, uint8_t **mem, size_t *len, hvt_error *err)
{
    sqlite3_stmt *st;
    *mem = NULL;
    *len = 0;
    if (rundb_prepare(db, "SELECT len FROM snapshot WHERE id = ?", &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (n < 0 || n % SNAP_PAGE)
        return hvt_error_set(err, "%s: no snapshot %lld", db->path, (long long)id);
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    if (!buf)
        return hvt_error_set(err, "%s: out of memory", db->path);
    if (read_pages(db, id, buf, (size_t)n / SNAP_PAGE, err)) {
        free(buf);
        return -1;
    }
    *mem = buf;
    *len = (size_t)n;
    return 0;
}
