/*
 * test_rundb_mem: memory accesses in the run file (schema 2): stored with their
 * steps, read back per step and through the mem_accesses view, the last store
 * covering a byte before a step (the chain of causes' question), and a
 * start snapshot plus the stores (rundb_apply_stores), and a
 * version-1 file (no table mem) still opens and reads as "no accesses".
 */
#include "db/rundb.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/unit.h"

static void tmp_path(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/hvt-mem-%d.db", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    unlink(buf);
}

/* Ten steps; step k writes byte 0x600+k (value k) and step 5 a word at 0x604. */
static rundb *make_run(const char *path)
{
    rundb *db;
    hvt_error err = { "" };
    if (rundb_create(&db, path, 1, &err))
        return NULL;
    for (uint64_t k = 0; k < 10; k++) {
        struct hvt_step s = { .n = k, .insn = { 0x90 }, .insn_len = 1, .mode = 16 };
        s.st.known = HVT_K_GPR;
        s.st.f[HVT_RIP] = 0x7c00 + k;
        struct rundb_mem m[2] = {
            { .rw = RUNDB_MEM_READ, .len = 1, .phys = 0x500, .lin = 0x500, .has_lin = 1 },
            { .rw = RUNDB_MEM_WRITE, .len = 1, .phys = 0x600 + k, .lin = 0x600 + k,
              .has_lin = 1, .value = k, .has_value = 1 },
        };
        if (k == 5)
            m[1].len = 2, m[1].phys = m[1].lin = 0x604, m[1].value = 0xbeef;
        if (rundb_append_step(db, &s, &err) || rundb_add_mem(db, k, m, 2, &err))
            return NULL;
    }
    rundb_finish(db, RUNDB_COMPLETE, "test", &err);
    return db;
}

UNIT_TEST(rundb_mem_last_store)
{
    char path[256];
    tmp_path(path, sizeof path);
    rundb *w = make_run(path), *db;
    hvt_error err = { "" };
    CHECK(w);
    rundb_close(w);
    CHECK(rundb_open(&db, path, &err) == 0);
    CHECK(rundb_has_mem(db));
    struct rundb_mem m;
    CHECK_EQ_U64(rundb_last_store(db, 0x603, 10, &m, &err), 1);
    CHECK_EQ_U64(m.step, 3);
    CHECK_EQ_U64(m.value, 3);
    CHECK_EQ_U64(rundb_last_store(db, 0x605, 10, &m, &err), 1);   /* inside step 5's word */
    CHECK_EQ_U64(m.step, 5);
    CHECK_EQ_U64(m.len, 2);
    CHECK_EQ_U64(m.value, 0xbeef);
    CHECK_EQ_U64(rundb_last_store(db, 0x604, 5, &m, &err), 1);    /* before step 5: step 4 */
    CHECK_EQ_U64(m.step, 4);
    CHECK_EQ_U64(rundb_last_store(db, 0x603, 3, &m, &err), 0);    /* not yet written */
    CHECK_EQ_U64(rundb_last_store(db, 0x500, 10, &m, &err), 0);   /* only read */
    struct rundb_mem all[4];
    size_t n;
    CHECK(rundb_read_mem(db, 7, all, 4, &n, &err) == 0);
    CHECK_EQ_U64(n, 2);
    CHECK(all[0].rw == RUNDB_MEM_READ && all[1].phys == 0x607 && all[1].seq == 1);
    /* start + stores: the end memory (step 5's word overwrites step 4's byte) */
    uint8_t mem[4096] = { 0 };
    long unknown;
    CHECK_EQ_U64(rundb_apply_stores(db, 0, 10, mem, sizeof mem, &unknown, &err), 10);
    CHECK_EQ_U64(unknown, 0);
    const uint8_t want[10] = { 0, 1, 2, 3, 0xef, 0xbe, 6, 7, 8, 9 };
    CHECK(!memcmp(mem + 0x600, want, sizeof want));
    memset(mem, 0, sizeof mem);
    CHECK_EQ_U64(rundb_apply_stores(db, 0, 5, mem, sizeof mem, &unknown, &err), 5);
    CHECK(mem[0x604] == 4 && mem[0x605] == 0);
    rundb_close(db);

    sqlite3 *s;
    sqlite3_stmt *st;
    CHECK(sqlite3_open(path, &s) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(s, "SELECT kind, lin, phys, value FROM mem_accesses "
                             "WHERE step = 5 AND seq = 1", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "write");
    CHECK_STR((const char *)sqlite3_column_text(st, 2), "00000604");
    CHECK_STR((const char *)sqlite3_column_text(st, 3), "beef");
    sqlite3_finalize(st);
    /* make it a version-1 file: no table mem */
    CHECK(sqlite3_exec(s, "DROP VIEW mem_accesses; DROP TABLE mem; PRAGMA user_version = 1",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(s);
    CHECK(rundb_open(&db, path, &err) == 0);
    CHECK(!rundb_has_mem(db));
    CHECK_EQ_U64(rundb_last_store(db, 0x603, 10, &m, &err), 0);
    struct rundb_info info;
    CHECK(rundb_info(db, &info, &err) == 0 && info.steps == 10);
    rundb_close(db);
    unlink(path);
}

UNIT_MAIN()
