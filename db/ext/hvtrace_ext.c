/*
 * hvtrace_ext: SQLite loadable extension giving plain `sqlite3` users a per-step
 * table.  Steps are stored as compressed chunks (db/stepcodec.c), so SQL alone
 * cannot see them; this registers the eponymous virtual table hvt_steps, one row
 * per step with the step number, linear pc, mode, `known` and every field of
 * struct hvt_state (names from hvt_field_name, '.' written as '_').  The schema's
 * view steps_hex formats it and joins the instruction bytes and disassembly.
 *
 *   sqlite3 run.db '.load build/hvtrace-sqlite' 'SELECT * FROM steps_hex LIMIT 20'
 *
 * Read-only; decodes the chunks of the connection's main database in order.
 * Constraints on `step` (=, >, >=, <, <=) seek to the chunk holding the first
 * wanted step, so `WHERE step BETWEEN a AND b` does not decode the whole run.
 * Not part of libhvtrace.a: it is built as $(B)/hvtrace-sqlite.so only.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu_state.h"
#include "db/stepcodec.h"

/* Columns: step, pc, mode, known, then the HVT_NFIELDS fields in enum order. */
enum { COL_STEP, COL_PC, COL_MODE, COL_KNOWN, COL_FIELD0 };

/* idxNum bits chosen by ext_best_index. */
#define IDX_LO_GE 1     /* step >= ?  (also = and >, adjusted in ext_filter) */
#define IDX_LO_GT 2
#define IDX_LO_EQ 4
#define IDX_HI_LE 8
#define IDX_HI_LT 16

typedef struct ext_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
} ext_vtab;

typedef struct ext_cursor {
    sqlite3_vtab_cursor base;
    sqlite3_stmt *chunks;
    stepcodec_reader dec;
    struct hvt_state st;
    sqlite3_int64 step, chunk_left, lo, hi;     /* deliver [lo, hi] */
    int eof;
} ext_cursor;

static int ext_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                       sqlite3_vtab **out, char **err)
{
    char decl[4096];
    size_t n = (size_t)snprintf(decl, sizeof decl,
                                "CREATE TABLE x(step INTEGER, pc INTEGER, mode INTEGER, "
                                "known INTEGER");
    for (int f = 0; f < HVT_NFIELDS && n < sizeof decl; f++) {
        char name[32];
        snprintf(name, sizeof name, "%s", hvt_field_name((enum hvt_field)f));
        for (char *p = name; *p; p++)
            if (*p == '.')
                *p = '_';
        n += (size_t)snprintf(decl + n, sizeof decl - n, ", %s INTEGER", name);
    }
    if (n + 2 >= sizeof decl)
        return SQLITE_ERROR;
    strcat(decl, ")");
    int rc = sqlite3_declare_vtab(db, decl);
    if (rc != SQLITE_OK)
        return rc;
    ext_vtab *vt = sqlite3_malloc(sizeof *vt);
    if (!vt)
        return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->db = db;
    *out = &vt->base;
    return SQLITE_OK;
}

static int ext_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

static int ext_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    int lo = -1, hi = -1, idx = 0;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (!c->usable || c->iColumn != COL_STEP)
            continue;
        int bit = c->op == SQLITE_INDEX_CONSTRAINT_EQ ? IDX_LO_EQ
                : c->op == SQLITE_INDEX_CONSTRAINT_GE ? IDX_LO_GE
                : c->op == SQLITE_INDEX_CONSTRAINT_GT ? IDX_LO_GT
                : c->op == SQLITE_INDEX_CONSTRAINT_LE ? IDX_HI_LE
                : c->op == SQLITE_INDEX_CONSTRAINT_LT ? IDX_HI_LT : 0;
        int is_lo = bit & (IDX_LO_EQ | IDX_LO_GE | IDX_LO_GT);
        if (!bit || (is_lo ? lo : hi) >= 0)
            continue;
        *(is_lo ? &lo : &hi) = i;
        idx |= bit;
    }
    int argn = 0;
    if (lo >= 0)
        info->aConstraintUsage[lo] = (struct sqlite3_index_constraint_usage){ ++argn, 1 };
    if (hi >= 0)
        info->aConstraintUsage[hi] = (struct sqlite3_index_constraint_usage){ ++argn, 1 };
    info->idxNum = idx;
    info->estimatedCost = idx ? 1e3 : 1e7;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == COL_STEP &&
        !info->aOrderBy[0].desc)
        info->orderByConsumed = 1;      /* steps come out in order */
    return SQLITE_OK;
}

static int ext_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    ext_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    stepcodec_reader_init(&c->dec);
    *out = &c->base;
    return SQLITE_OK;
}

static int ext_close(sqlite3_vtab_cursor *cur)
{
    ext_cursor *c = (ext_cursor *)cur;
    sqlite3_finalize(c->chunks);
    stepcodec_reader_free(&c->dec);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* Decodes the next chunk row into c->dec; sets eof when there is none. */
static int ext_next_chunk(ext_cursor *c)
{
    int rc = sqlite3_step(c->chunks);
    if (rc == SQLITE_DONE) {
        c->eof = 1;
        return SQLITE_OK;
    }
    if (rc != SQLITE_ROW)
        return rc;
    hvt_error err = { { 0 } };
    sqlite3_int64 first = sqlite3_column_int64(c->chunks, 0);
    if (stepcodec_reader_open(&c->dec, sqlite3_column_blob(c->chunks, 2),
                              (size_t)sqlite3_column_bytes(c->chunks, 2), &err) ||
        (sqlite3_int64)c->dec.nsteps != sqlite3_column_int64(c->chunks, 1)) {
        sqlite3_free(c->base.pVtab->zErrMsg);
        c->base.pVtab->zErrMsg = sqlite3_mprintf("chunk at step %lld: %s", first,
                                                 err.msg[0] ? err.msg : "step count");
        return SQLITE_CORRUPT;
    }
    c->step = first - 1;
    c->chunk_left = c->dec.nsteps;
    return SQLITE_OK;
}

/* Advances one step, crossing chunk boundaries. */
static int ext_advance(ext_cursor *c)
{
    while (!c->eof && c->chunk_left == 0) {
        int rc = ext_next_chunk(c);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (c->eof)
        return SQLITE_OK;
    hvt_error err = { { 0 } };
    if (stepcodec_next(&c->dec, &c->st, &err) != 1) {
        sqlite3_free(c->base.pVtab->zErrMsg);
        c->base.pVtab->zErrMsg = sqlite3_mprintf("chunk at step %lld: %s",
                                                 c->step + 1 - (sqlite3_int64)c->dec.done,
                                                 err.msg);
        return SQLITE_CORRUPT;
    }
    c->step++;
    c->chunk_left--;
    if (c->step > c->hi)
        c->eof = 1;
    return SQLITE_OK;
}

static int ext_next(sqlite3_vtab_cursor *cur)
{
    return ext_advance((ext_cursor *)cur);
}

static void ext_bounds(ext_cursor *c, int idx, sqlite3_value **argv)
{
    int argn = 0;
    c->lo = 0;
    c->hi = INT64_MAX;
    if (idx & (IDX_LO_GE | IDX_LO_GT | IDX_LO_EQ)) {
        sqlite3_int64 v = sqlite3_value_int64(argv[argn++]);
        c->lo = idx & IDX_LO_GT ? v + 1 : v;
        if (idx & IDX_LO_EQ)
            c->hi = v;
    }
    if (idx & (IDX_HI_LE | IDX_HI_LT)) {
        sqlite3_int64 v = sqlite3_value_int64(argv[argn]);
        sqlite3_int64 hi = idx & IDX_HI_LT ? v - 1 : v;
        if (hi < c->hi)
            c->hi = hi;
    }
    if (c->lo < 0)
        c->lo = 0;
}

static int ext_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
                      sqlite3_value **argv)
{
    ext_cursor *c = (ext_cursor *)cur;
    ext_bounds(c, idx, argv);
    sqlite3_finalize(c->chunks);
    c->chunks = NULL;
    c->eof = 0;
    c->chunk_left = 0;
    int rc = sqlite3_prepare_v2(((ext_vtab *)cur->pVtab)->db,
                                "SELECT first_step, nsteps, data FROM main.chunk "
                                "WHERE first_step >= coalesce((SELECT max(first_step) "
                                "FROM main.chunk WHERE first_step <= ?1), 0) "
                                "ORDER BY first_step", -1, &c->chunks, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(c->chunks, 1, c->lo);
    do
        rc = ext_advance(c);
    while (rc == SQLITE_OK && !c->eof && c->step < c->lo);
    return rc;
}

static int ext_eof(sqlite3_vtab_cursor *cur)
{
    return ((ext_cursor *)cur)->eof;
}

static int ext_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    ext_cursor *c = (ext_cursor *)cur;
    sqlite3_int64 v;
    switch (col) {
    case COL_STEP:  v = c->step; break;
    case COL_PC:    v = (sqlite3_int64)hvt_state_pc(&c->st); break;
    case COL_MODE:  v = hvt_state_mode(&c->st); break;
    case COL_KNOWN: v = c->st.known; break;
    default:        v = (sqlite3_int64)c->st.f[col - COL_FIELD0]; break;
    }
    sqlite3_result_int64(ctx, v);
    return SQLITE_OK;
}

static int ext_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = ((ext_cursor *)cur)->step;
    return SQLITE_OK;
}

static sqlite3_module ext_module = {
    .xConnect = ext_connect,
    .xBestIndex = ext_best_index,
    .xDisconnect = ext_disconnect,
    .xOpen = ext_open,
    .xClose = ext_close,
    .xFilter = ext_filter,
    .xNext = ext_next,
    .xEof = ext_eof,
    .xColumn = ext_column,
    .xRowid = ext_rowid,
};

/* Entry point SQLite derives from the file name hvtrace-sqlite.so. */
__attribute__((visibility("default")))
int sqlite3_hvtracesqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
    SQLITE_EXTENSION_INIT2(api);
    return sqlite3_create_module(db, "hvt_steps", &ext_module, NULL);
}
