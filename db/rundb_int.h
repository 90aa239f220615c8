/*
 * rundb_int: what the rundb*.c files share and nobody else sees: the handle and
 * small SQLite helpers that turn SQLite failures into hvt_error lines naming the
 * run file.
 */
#ifndef HVT_RUNDB_INT_H
#define HVT_RUNDB_INT_H

#include <sqlite3.h>

#include "db/insnmap.h"
#include "db/rundb.h"
#include "db/stepcodec.h"

/* From $(B)/gen/db/schema_sql.c, generated from db/schema.sql by db/module.mk. */
extern const char rundb_schema_sql[];
extern const int rundb_schema_version;

/* An instruction version waiting for the next chunk's transaction. */
struct rundb_pending_insn {
    uint64_t pc, first_step;
    uint8_t bytes[16];
    uint8_t len, mode;
    char disasm[128];
};

struct rundb {
    sqlite3 *db;
    char *path;
    int writer;                 /* created by rundb_create: may append */
    /* Writer: steps [chunk_first, nsteps) are buffered in enc, not yet committed. */
    stepcodec_writer enc;
    uint64_t chunk_first, nsteps;
    struct rundb_pending_insn *pend;
    size_t npend, cappend;
    sqlite3_stmt *st_chunk, *st_insn;
    /* Both: instruction versions (writer: everything appended; reader: loaded
     * from table insn on the first read). */
    insnmap insns;
    int insns_loaded;
    stepcodec_reader dec;
    /* Memory accesses (rundb_mem.c): buffered like steps, written in the same
     * transaction; has_mem: the file's schema has table mem. */
    struct rundb_mem *mem;
    size_t nmem, capmem;
    sqlite3_stmt *st_mem;
    int has_mem;
};

#define RUNDB_FIRST_MEM_VERSION 2   /* schema version that added table mem */
#define RUNDB_OLDEST_VERSION    1   /* oldest schema version still read */

/* Sets err to "<path>: <what>: <sqlite message>"; returns -1. */
int rundb_sqlerr(rundb *db, hvt_error *err, const char *what);
int rundb_exec(rundb *db, const char *sql, hvt_error *err);
int rundb_prepare(rundb *db, const char *sql, sqlite3_stmt **st, hvt_error *err);
/* BEGIN IMMEDIATE, then writes buffered steps; the caller adds its rows and calls
 * rundb_commit (or rundb_rollback on failure). */
int rundb_begin_with_steps(rundb *db, hvt_error *err);
int rundb_commit(rundb *db, hvt_error *err);
void rundb_rollback(rundb *db);
/* Steps module: writes the buffered chunk and instructions (transaction open). */
int rundb_steps_write(rundb *db, hvt_error *err);
/* Called by rundb_commit once that transaction is durable: forget the buffer. */
void rundb_steps_committed(rundb *db);
void rundb_steps_free(rundb *db);
int rundb_mem_write(rundb *db, hvt_error *err);
void rundb_mem_committed(rundb *db);
void rundb_mem_free(rundb *db);
int rundb_count_steps(rundb *db, uint64_t *n, hvt_error *err);

#endif
