/*
 * test_rundb: the run file end to end (db/rundb*.c, db/snapshot.c, the views and
 * the sqlite3 extension).  Steps come from a synthetic real-mode trace shaped
 * like SeaBIOS POST (a memset loop changing DI, CX, EIP and flags, then
 * straight-line routines changing one or two GPRs); every read-back is compared
 * with a second run of the same generator, page counts and integrity with plain
 * SQL on the file, disassembly with hand-checked encodings.  Prints measured
 * bytes/step and write/read speeds as "# " lines.
 */
#include "db/rundb.h"

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"

/* ---- synthetic real-mode trace ---- */

/* Set by steps_size_straight_line_code: loops run once, so nearly every step is a
 * straight-line instruction with fresh register values (the least compressible
 * shape of real-mode code). */
static int gen_no_loops;

struct gen {
    uint64_t n, rng;
    int phase, left;            /* phase 0..3: the loop's instruction; 4: routine */
    uint64_t routine_pc;
    struct hvt_step s;
};

static uint64_t gen_rand(struct gen *g)
{
    g->rng = g->rng * 6364136223846793005ull + 1442695040888963407ull;
    return g->rng >> 33;
}

static void gen_init(struct gen *g)
{
    memset(g, 0, sizeof *g);
    g->rng = 1;
    struct hvt_state *st = &g->s.st;
    st->known = HVT_K_GPR | HVT_K_SEL | HVT_K_SEGDESC | HVT_K_CR | HVT_K_DT;
    st->f[HVT_CS_SEL] = 0xf000;
    st->f[HVT_CS_BASE] = 0xf0000;
    st->f[HVT_SS_SEL] = 0x0000;
    st->f[HVT_RSP] = 0x6ff0;
    st->f[HVT_CR0] = 0x10;
    st->f[HVT_EFLAGS] = 0x2;
    st->f[HVT_IDTR_LIMIT] = 0x3ff;
    for (int i = HVT_ES_LIMIT; i <= HVT_GS_LIMIT; i++)
        st->f[i] = 0xffff;
    g->left = 1000;
    st->f[HVT_RCX] = gen_no_loops ? 1 : (uint64_t)g->left;
    st->f[HVT_RIP] = 0x1000;
}

/* Instruction bytes at a pc: the loop's real encodings, else bytes derived from
 * the pc so that one pc always holds the same instruction. */
static void gen_insn(struct gen *g)
{
    static const uint8_t loop[4][3] = { { 0x26, 0x88, 0x05 }, { 0x47 }, { 0x49 },
                                        { 0x75, 0xf9 } };
    static const uint8_t loop_len[4] = { 3, 1, 1, 2 };
    struct hvt_step *s = &g->s;
    s->mode = HVT_MODE_16;
    if (g->phase < 4) {
        memcpy(s->insn, loop[g->phase], 3);
        s->insn_len = loop_len[g->phase];
        return;
    }
    uint64_t h = s->st.f[HVT_RIP] * 0x9e3779b97f4a7c15ull;
    s->insn_len = (uint8_t)(1 + (h >> 61));
    for (int i = 0; i < 16; i++)
        s->insn[i] = (uint8_t)(h >> (8 * (i % 8)));
}

static uint64_t flags_of(uint64_t v)
{
    uint64_t f = 0x2 | (__builtin_parity(v & 0xff) ? 0 : 0x4);
    return f | ((v & 0xffff) ? 0 : 0x40) | ((v & 0x8000) ? 0x80 : 0);
}

/* One step of the loop `mov es:[di],al; inc di; dec cx; jnz` at f000:1000. */
static void gen_loop(struct gen *g)
{
    uint64_t *f = g->s.st.f;
    static const uint8_t next_ip[4] = { 3, 4, 5, 0 };
    if (g->phase == 1) {
        f[HVT_RDI] = (f[HVT_RDI] + 1) & 0xffff;
        f[HVT_EFLAGS] = flags_of(f[HVT_RDI]);
    } else if (g->phase == 2) {
        f[HVT_RCX] = (f[HVT_RCX] - 1) & 0xffff;
        f[HVT_EFLAGS] = flags_of(f[HVT_RCX]);
    }
    if (g->phase == 3 && f[HVT_RCX] == 0) {       /* loop done: call a routine */
        g->phase = 4;
        g->left = 30 + (int)(gen_rand(g) % 50);
        f[HVT_RIP] = 0x2000 + (gen_rand(g) % 64) * 0x100;
        return;
    }
    f[HVT_RIP] = 0x1000 + next_ip[g->phase];
    g->phase = (g->phase + 1) % 4;
}

/* One straight-line instruction: one or two GPRs, sometimes the stack. */
static void gen_routine(struct gen *g)
{
    uint64_t *f = g->s.st.f;
    uint64_t r = gen_rand(g);
    f[HVT_RAX + r % 7] = (r >> 8) & 0xffff;
    if (r & 0x10000)
        f[HVT_RAX + (r >> 17) % 7] += 1;
    if ((r >> 20) % 8 == 0)
        f[HVT_RSP] += (r & 0x100000) ? 2 : (uint64_t)-2;
    f[HVT_EFLAGS] = flags_of(r >> 4);
    f[HVT_RIP] += g->s.insn_len;
    if (--g->left == 0) {
        g->phase = 0;
        f[HVT_RIP] = 0x1000;
        f[HVT_RCX] = gen_no_loops ? 1 : 500 + gen_rand(g) % 2500;
    }
}

/* Fills g->s with step g->n and moves the generator on. */
static const struct hvt_step *gen_next(struct gen *g)
{
    static struct hvt_step out;
    g->s.n = g->n++;
    gen_insn(g);
    out = g->s;
    if (g->phase < 4)
        gen_loop(g);
    else
        gen_routine(g);
    return &out;
}

/* ---- helpers ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static char tmpdir[64];

static void tmpdir_remove(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[320];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name) > 0)
            unlink(p);
    if (d)
        closedir(d);
    rmdir(tmpdir);
}

static const char *tpath(const char *name)
{
    static char buf[8][256];
    static int k;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/test_rundb.XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
        atexit(tmpdir_remove);
    }
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static int write_run(const char *path, uint64_t nsteps, hvt_error *err)
{
    rundb *db;
    struct gen g;
    gen_init(&g);
    if (rundb_create(&db, path, 1, err))
        return -1;
    for (uint64_t i = 0; i < nsteps; i++)
        if (rundb_append_step(db, gen_next(&g), err)) {
            rundb_close(db);
            return -1;
        }
    int rc = rundb_finish(db, RUNDB_COMPLETE, "stopped at --steps", err);
    rundb_close(db);
    return rc;
}

/* Compares every delivered step with the generator run in lockstep. */
struct cmp { struct gen g; uint64_t seen, bad; };

static int cmp_step(void *ctx, const struct hvt_step *s)
{
    struct cmp *c = ctx;
    const struct hvt_step *want = gen_next(&c->g);
    if (s->n != want->n || s->st.known != want->st.known ||
        memcmp(s->st.f, want->st.f, sizeof s->st.f) ||
        s->insn_len != want->insn_len || s->mode != want->mode ||
        memcmp(s->insn, want->insn, s->insn_len))
        c->bad++;
    c->seen++;
    return 0;
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static int sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_close(db);
    return rc;
}

/* ---- tests ---- */

UNIT_TEST(steps_round_trip_and_size)
{
    const char *path = tpath("big.db");
    const uint64_t n = 400000;
    hvt_error err = { { 0 } };
    double t0 = now_s();
    CHECK(write_run(path, n, &err) == 0);
    double t1 = now_s();
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    double per_step = (double)sb.st_size / (double)n;
    rundb *db;
    CHECK(rundb_open(&db, path, &err) == 0);
    CHECK_EQ_U64(rundb_step_count(db), n);
    struct cmp c;
    gen_init(&c.g);
    c.seen = c.bad = 0;
    double t2 = now_s();
    CHECK(rundb_read_steps(db, 0, 0, cmp_step, &c, &err) == 0);
    double t3 = now_s();
    rundb_close(db);
    printf("# %llu steps: file %lld bytes = %.2f bytes/step; write %.2fM steps/s, "
           "read %.2fM steps/s\n", (unsigned long long)n, (long long)sb.st_size,
           per_step, n / (t1 - t0) / 1e6, n / (t3 - t2) / 1e6);
    CHECK_EQ_U64(c.seen, n);
    CHECK_EQ_U64(c.bad, 0);
    CHECK(per_step <= 16.0);
    /* Read speed is printed, not asserted: speed goals live in make bench. */
}

UNIT_TEST(steps_size_straight_line_code)
{
    const char *path = tpath("straight.db");
    const uint64_t n = 100000;
    hvt_error err = { { 0 } };
    struct stat sb;
    gen_no_loops = 1;
    int rc = write_run(path, n, &err);
    gen_no_loops = 0;
    CHECK(rc == 0);
    CHECK(stat(path, &sb) == 0);
    double per_step = (double)sb.st_size / (double)n;
    printf("# straight-line code, %llu steps: %.2f bytes/step\n",
           (unsigned long long)n, per_step);
    CHECK(per_step <= 16.0);
}

UNIT_TEST(read_window_from_middle)
{
    const char *path = tpath("window.db");
    hvt_error err = { { 0 } };
    CHECK(write_run(path, 3 * RUNDB_CHUNK + 100, &err) == 0);
    rundb *db;
    CHECK(rundb_open(&db, path, &err) == 0);
    uint64_t from[] = { 0, RUNDB_CHUNK - 1, RUNDB_CHUNK, 2 * RUNDB_CHUNK + 7,
                        3 * RUNDB_CHUNK + 99 };
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        struct cmp c;
        gen_init(&c.g);
        for (uint64_t k = 0; k < from[i]; k++)
            gen_next(&c.g);
        c.seen = c.bad = 0;
        CHECK(rundb_read_steps(db, from[i], 50, cmp_step, &c, &err) == 0);
        CHECK_EQ_U64(c.bad, 0);
        CHECK_EQ_U64(c.seen, from[i] + 50 <= 3 * RUNDB_CHUNK + 100 ? 50
                             : 3 * RUNDB_CHUNK + 100 - from[i]);
    }
    rundb_close(db);
}

/* rundb_cursor: states of increasing steps with gaps (inside a chunk, over a
 * whole chunk), backward (to an earlier chunk, inside the current one), the
 * last step, one past it, and on after that error: each as the generator made it. */
UNIT_TEST(cursor_states_match_the_steps_written)
{
    enum { N = 5 * RUNDB_CHUNK + 100 };
    static struct hvt_state want[N];
    const char *path = tpath("cursor.db");
    hvt_error err = { { 0 } };
    CHECK(write_run(path, N, &err) == 0);
    struct gen g;
    gen_init(&g);
    for (uint64_t k = 0; k < N; k++)
        want[k] = gen_next(&g)->st;
    rundb *db;
    rundb_cursor *c;
    CHECK(rundb_open(&db, path, &err) == 0);
    CHECK(rundb_cursor_open(db, &c, &err) == 0);
    uint64_t at[] = { 5, 5, 6, 4000, RUNDB_CHUNK, RUNDB_CHUNK + 1, 3 * RUNDB_CHUNK + 1, 2,
                      4 * RUNDB_CHUNK + 50, 4 * RUNDB_CHUNK + 10, N - 1 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        const struct hvt_state *s = rundb_cursor_state(c, at[i], &err);
        CHECK(s != NULL);
        CHECK(s->known == want[at[i]].known && !memcmp(s->f, want[at[i]].f, sizeof s->f));
    }
    CHECK(rundb_cursor_state(c, N, &err) == NULL);
    CHECK(strstr(err.msg, "no step"));
    const struct hvt_state *s = rundb_cursor_state(c, 7, &err);
    CHECK(s && !memcmp(s->f, want[7].f, sizeof s->f));
    rundb_cursor_close(c);
    rundb_close(db);
}

/* The loop's four instructions plus the routine pcs the generator visited. */
UNIT_TEST(insn_table_dedups_and_disassembles)
{
    const char *path = tpath("insn.db");
    hvt_error err = { { 0 } };
    CHECK(write_run(path, 20000, &err) == 0);
    struct gen g;
    static uint8_t seen[0x10000];       /* pcs f0000-fffff */
    uint64_t distinct = 0;
    gen_init(&g);
    for (int i = 0; i < 20000; i++) {
        const struct hvt_step *s = gen_next(&g);
        uint64_t pc = s->st.f[HVT_CS_BASE] + s->st.f[HVT_RIP];
        CHECK(pc >= 0xf0000 && pc <= 0xfffff);
        distinct += !seen[pc - 0xf0000];
        seen[pc - 0xf0000] = 1;
    }
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM insn"), distinct);
    /* 0x47 is inc %di, 0x49 dec %cx, 75 f9 at f1005 jumps back to f1000. */
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM insns WHERE pc = '000f1003' AND "
                         "bytes = '47' AND disasm = 'incw %di'"), 1);
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM insns WHERE pc = '000f1004' AND "
                         "disasm = 'decw %cx'"), 1);
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM insns WHERE pc = '000f1005' AND "
                         "bytes = '75f9' AND disasm LIKE 'jne %1000'"), 1);
}

/* Self-modifying code: a pc whose bytes change gets a second row, and reads
 * before and after the change see the right bytes. */
static int grab_insn(void *ctx, const struct hvt_step *s)
{
    uint8_t (*out)[2] = ctx;
    out[s->n][0] = s->insn[0];
    out[s->n][1] = s->insn_len;
    return 0;
}

UNIT_TEST(self_modifying_code_versions)
{
    const char *path = tpath("smc.db");
    hvt_error err = { { 0 } };
    rundb *db;
    CHECK(rundb_create(&db, path, 1, &err) == 0);
    struct hvt_step s = { .mode = HVT_MODE_16, .insn_len = 1 };
    s.st.known = HVT_K_GPR | HVT_K_SEL;
    s.st.f[HVT_RIP] = 0x7c00;
    for (uint64_t i = 0; i < 6; i++) {
        s.n = i;
        s.insn[0] = i < 3 ? 0x90 : 0xf4;    /* nop, then hlt written over it */
        CHECK(rundb_append_step(db, &s, &err) == 0);
    }
    CHECK(rundb_finish(db, RUNDB_COMPLETE, "", &err) == 0);
    rundb_close(db);
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM insn WHERE pc = 31744"), 2);
    CHECK(rundb_open(&db, path, &err) == 0);
    uint8_t got[6][2];
    CHECK(rundb_read_steps(db, 0, 0, grab_insn, got, &err) == 0);
    rundb_close(db);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_U64(got[i][0], i < 3 ? 0x90 : 0xf4);
        CHECK_EQ_U64(got[i][1], 1);
    }
}

UNIT_TEST(meta_status_serial_events)
{
    const char *path = tpath("meta.db");
    hvt_error err = { { 0 } };
    rundb *db;
    struct gen g;
    gen_init(&g);
    CHECK(rundb_create(&db, path, 1, &err) == 0);
    CHECK(rundb_set_meta(db, "engine", "rsp", &err) == 0);
    CHECK(rundb_set_meta(db, "engine", "log", &err) == 0);
    for (int i = 0; i < 10; i++)
        CHECK(rundb_append_step(db, gen_next(&g), &err) == 0);
    CHECK(rundb_add_serial(db, 3, "SeaBIOS (version 1.16.2)", 24, &err) == 0);
    CHECK(rundb_add_event(db, 7, "break", "0000:7c00", &err) == 0);
    CHECK(rundb_add_serial(db, 9, "Booting from Hard Disk...", 25, &err) == 0);
    CHECK(rundb_finish(db, RUNDB_INCOMPLETE, "qemu exited", &err) == 0);
    rundb_close(db);

    CHECK(rundb_open(&db, path, &err) == 0);
    char *v = rundb_get_meta(db, "engine");
    CHECK_STR(v, "log");
    free(v);
    CHECK(rundb_get_meta(db, "nope") == NULL);
    struct rundb_info info;
    CHECK(rundb_info(db, &info, &err) == 0);
    CHECK_STR(info.status, RUNDB_INCOMPLETE);
    CHECK_STR(info.reason, "qemu exited");
    CHECK_EQ_U64(info.steps, 10);
    CHECK_EQ_U64(info.nserial, 2);
    rundb_close(db);
    CHECK_EQ_U64(sql_int(path, "SELECT step FROM serial_lines WHERE line LIKE "
                         "'Booting%'"), 9);
    CHECK_EQ_U64(sql_int(path, "SELECT step FROM events WHERE kind = 'break'"), 7);
    CHECK_EQ_U64(sql_int(path, "SELECT steps FROM run_info WHERE status = "
                         "'incomplete'"), 10);
}

UNIT_TEST(rejects_foreign_files)
{
    hvt_error err = { { 0 } };
    rundb *db;
    const char *text = tpath("text.db"), *plain = tpath("plain.db"),
               *future = tpath("future.db");
    FILE *f = fopen(text, "w");
    CHECK(f);
    fputs("this is not a database, just some text long enough to be read\n", f);
    fclose(f);
    CHECK(rundb_open(&db, text, &err) == -1 && db == NULL);
    CHECK(strstr(err.msg, "not an hvtrace run file"));
    CHECK(sql_exec(plain, "CREATE TABLE t(x)") == 0);
    hvt_error_clear(&err);
    CHECK(rundb_open(&db, plain, &err) == -1);
    CHECK(strstr(err.msg, "not an hvtrace run file"));
    CHECK(write_run(future, 10, &err) == 0);
    CHECK(sql_exec(future, "PRAGMA user_version = 99") == 0);
    hvt_error_clear(&err);
    CHECK(rundb_open(&db, future, &err) == -1);
    CHECK(strstr(err.msg, "version 99"));
    hvt_error_clear(&err);
    CHECK(rundb_open(&db, tpath("missing.db"), &err) == -1);
}

/* Schema 3: every new file names the hvtrace that wrote it (meta and the
 * run_info view); a version-2 file, which has neither, still opens and reads
 * as "not recorded". */
UNIT_TEST(run_records_hvtrace_version_old_files_still_open)
{
    const char *path = tpath("version.db"), *old = tpath("version2.db");
    hvt_error err = { { 0 } };
    rundb *db;
    CHECK(write_run(path, 10, &err) == 0);
    CHECK(rundb_open(&db, path, &err) == 0);
    char *v = rundb_get_meta(db, "hvtrace_version");
    CHECK(v && strncmp(v, "hvtrace ", 8) == 0 && strstr(v, " (git "));
    free(v);
    rundb_close(db);
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM run_info WHERE hvtrace_version "
                               "LIKE 'hvtrace %(git %)'"), 1);
    CHECK(write_run(old, 10, &err) == 0);
    CHECK(sql_exec(old, "DELETE FROM meta WHERE key = 'hvtrace_version'; "
                        "PRAGMA user_version = 2") == 0);
    CHECK(rundb_open(&db, old, &err) == 0);
    CHECK(rundb_get_meta(db, "hvtrace_version") == NULL);
    struct rundb_info in;
    CHECK(rundb_info(db, &in, &err) == 0);
    CHECK_EQ_U64(in.steps, 10);
    rundb_close(db);
}

UNIT_TEST(create_keeps_old_run_until_new_exists)
{
    const char *path = tpath("keep.db");
    hvt_error err = { { 0 } };
    rundb *db;
    CHECK(write_run(path, 100, &err) == 0);
    CHECK(rundb_create(&db, path, 0, &err) == -1);
    CHECK(strstr(err.msg, "already exists"));
    /* Make the temporary name unusable: the overwrite must fail, old run intact. */
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    CHECK(mkdir(tmp, 0700) == 0);
    hvt_error_clear(&err);
    CHECK(rundb_create(&db, path, 1, &err) == -1);
    rmdir(tmp);
    CHECK_EQ_U64(sql_int(path, "SELECT steps FROM run_info"), 100);
    /* A working overwrite replaces it with an empty run. */
    CHECK(rundb_create(&db, path, 1, &err) == 0);
    CHECK_EQ_U64(rundb_step_count(db), 0);
    rundb_close(db);
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM chunk"), 0);
}

UNIT_TEST(corrupt_chunk_named)
{
    const char *path = tpath("corrupt.db");
    hvt_error err = { { 0 } };
    CHECK(write_run(path, 3 * RUNDB_CHUNK, &err) == 0);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE chunk SET data = substr(data, 1, 20) || "
             "zeroblob(8) || substr(data, 29) WHERE first_step = %d", RUNDB_CHUNK);
    CHECK(sql_exec(path, sql) == 0);
    rundb *db;
    CHECK(rundb_open(&db, path, &err) == 0);
    struct cmp c;
    gen_init(&c.g);
    c.seen = c.bad = 0;
    CHECK(rundb_read_steps(db, 0, 0, cmp_step, &c, &err) == -1);
    rundb_close(db);
    char want[64];
    snprintf(want, sizeof want, "chunk at step %d", RUNDB_CHUNK);
    CHECK(strstr(err.msg, want));
    CHECK_EQ_U64(c.seen, RUNDB_CHUNK);
    CHECK_EQ_U64(c.bad, 0);
    rundb_cursor *cur;                      /* the cursor names it too */
    CHECK(rundb_open(&db, path, &err) == 0);
    CHECK(rundb_cursor_open(db, &cur, &err) == 0);
    CHECK(rundb_cursor_state(cur, 5, &err) != NULL);
    err.msg[0] = 0;
    CHECK(rundb_cursor_state(cur, RUNDB_CHUNK + 5, &err) == NULL);
    CHECK(strstr(err.msg, want));
    rundb_cursor_close(cur);
    rundb_close(db);
}

static void fill_mem(uint8_t *m, size_t len)
{
    memset(m, 0, len);
    for (size_t i = 0; i < 0x500; i++)          /* an IVT and BDA */
        m[i] = (uint8_t)(i * 7);
    for (size_t i = 0xf0000; i < len; i++)       /* a BIOS */
        m[i] = (uint8_t)(i ^ (i >> 8));
}

UNIT_TEST(snapshots_share_pages)
{
    const char *path = tpath("snap.db");
    hvt_error err = { { 0 } };
    const size_t len = 1 << 20;
    uint8_t *a = malloc(len), *b = malloc(len), *back = NULL;
    CHECK(a && b);
    fill_mem(a, len);
    memcpy(b, a, len);
    b[0x7c00 + 510] = 0x55;                      /* one page differs */
    rundb *db;
    int64_t ida, idb;
    CHECK(rundb_create(&db, path, 1, &err) == 0);
    CHECK(rundb_add_snapshot(db, 0, "reset", a, len, &ida, &err) == 0);
    int64_t pages_a = sql_int(path, "SELECT count(*) FROM page");
    CHECK(rundb_add_snapshot(db, 5, "boot sector", b, len, &idb, &err) == 0);
    CHECK(rundb_add_snapshot(db, 6, "odd", b, 1000, NULL, &err) == -1);
    CHECK(rundb_finish(db, RUNDB_COMPLETE, "", &err) == 0);
    rundb_close(db);
    /* zero pages collapse to one row; the BIOS's 16 pages are each distinct */
    CHECK_EQ_U64(pages_a, 1 + 1 + 16);
    CHECK_EQ_U64(sql_int(path, "SELECT count(*) FROM page"), pages_a + 1);
    CHECK(rundb_open(&db, path, &err) == 0);
    struct rundb_snapshot *list;
    int n;
    size_t got;
    CHECK(rundb_list_snapshots(db, &list, &n, &err) == 0);
    CHECK(n == 2 && list[1].id == idb && list[1].step == 5);
    CHECK_STR(list[1].label, "boot sector");
    free(list);
    CHECK(rundb_get_snapshot(db, idb, &back, &got, &err) == 0);
    CHECK(got == len && memcmp(back, b, len) == 0);
    free(back);
    CHECK(rundb_get_snapshot(db, ida, &back, &got, &err) == 0);
    CHECK(got == len && memcmp(back, a, len) == 0);
    free(back);
    rundb_close(db);
    free(a);
    free(b);
}

/* ---- kill -9 ---- */

/* Child: record steps as fast as possible, reporting each committed count. */
static void killed_writer(const char *path, int fd)
{
    hvt_error err = { { 0 } };
    rundb *db;
    struct gen g;
    gen_init(&g);
    if (rundb_create(&db, path, 1, &err))
        _exit(2);
    for (;;) {
        if (rundb_append_step(db, gen_next(&g), &err))
            _exit(3);
        if (g.n % RUNDB_CHUNK == 0 && write(fd, &g.n, sizeof g.n) != sizeof g.n)
            _exit(4);
    }
}

static uint64_t kill_writer_after(const char *path, long usec_after_first)
{
    int p[2];
    uint64_t committed = 0, v;
    if (pipe(p))
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        killed_writer(path, p[1]);
    }
    close(p[1]);
    if (read(p[0], &committed, sizeof committed) == sizeof committed) {
        usleep((useconds_t)usec_after_first);
        kill(pid, SIGKILL);
        while (read(p[0], &v, sizeof v) == sizeof v)
            committed = v;
    } else {
        kill(pid, SIGKILL);
    }
    waitpid(pid, NULL, 0);
    close(p[0]);
    return committed;
}

UNIT_TEST(kill_9_leaves_readable_file)
{
    static const long delays[] = { 0, 1000, 7000, 23000, 61000, 150000 };
    for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
        const char *path = tpath("killed.db");
        uint64_t committed = kill_writer_after(path, delays[i]);
        CHECK(committed >= RUNDB_CHUNK);
        char journal[300];
        snprintf(journal, sizeof journal, "%s-journal", path);
        int hot = access(journal, F_OK) == 0;
        hvt_error err = { { 0 } };
        rundb *db;
        CHECK(rundb_open(&db, path, &err) == 0);   /* rolls back a hot journal */
        struct rundb_info info;
        CHECK(rundb_info(db, &info, &err) == 0);
        CHECK_STR(info.status, RUNDB_RECORDING);
        CHECK_STR(info.reason, "recorder was killed");
        /* Every reported commit is there; at most the chunk in flight beyond. */
        CHECK(info.steps >= committed && info.steps <= committed + RUNDB_CHUNK);
        CHECK(info.steps % RUNDB_CHUNK == 0);
        struct cmp c;
        gen_init(&c.g);
        c.seen = c.bad = 0;
        CHECK(rundb_read_steps(db, 0, 0, cmp_step, &c, &err) == 0);
        rundb_close(db);
        CHECK_EQ_U64(c.seen, info.steps);
        CHECK_EQ_U64(c.bad, 0);
        sqlite3 *s;
        sqlite3_stmt *st;
        CHECK(sqlite3_open(path, &s) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &st, NULL) == 0);
        CHECK(sqlite3_step(st) == SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
        sqlite3_finalize(st);
        sqlite3_close(s);
        printf("# kill -9 after %ld us: %llu steps committed and readable%s\n",
               delays[i], (unsigned long long)info.steps,
               hot ? " (killed mid-commit: hot journal rolled back)" : "");
    }
}

/* ---- the sqlite3 extension ---- */

static const char *ext_path(void)
{
    static char p[512];
    const char *b = getenv("HVT_BUILD");
    snprintf(p, sizeof p, "%s/hvtrace-sqlite.so", b ? b : "build");
    return p;
}

UNIT_TEST(sqlite_extension_steps_view)
{
    const char *path = tpath("ext.db");
    hvt_error err = { { 0 } };
    CHECK(write_run(path, 2 * RUNDB_CHUNK + 10, &err) == 0);
    sqlite3 *s;
    sqlite3_stmt *st;
    char *msg = NULL;
    CHECK(sqlite3_open(path, &s) == SQLITE_OK);
    sqlite3_enable_load_extension(s, 1);
    if (sqlite3_load_extension(s, ext_path(), NULL, &msg) != SQLITE_OK)
        UNIT_FAIL("load %s: %s", ext_path(), msg ? msg : "?");
    CHECK(sqlite3_prepare_v2(s, "SELECT step, cs_eip, ecx, edi, bytes, disasm FROM "
                             "steps_hex WHERE step >= 4094 AND step < 4100",
                             -1, &st, NULL) == SQLITE_OK);
    struct gen g;
    gen_init(&g);
    for (int i = 0; i < 4094; i++)
        gen_next(&g);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const struct hvt_step *w = gen_next(&g);
        char cs_eip[32], ecx[16], edi[16], bytes[40] = "";
        snprintf(cs_eip, sizeof cs_eip, "%04llx:%08llx",
                 (unsigned long long)w->st.f[HVT_CS_SEL],
                 (unsigned long long)w->st.f[HVT_RIP]);
        snprintf(ecx, sizeof ecx, "%08llx", (unsigned long long)w->st.f[HVT_RCX]);
        snprintf(edi, sizeof edi, "%08llx", (unsigned long long)w->st.f[HVT_RDI]);
        for (int k = 0; k < w->insn_len; k++)
            snprintf(bytes + 2 * k, 3, "%02x", w->insn[k]);
        CHECK_EQ_U64(sqlite3_column_int64(st, 0), w->n);
        CHECK_STR((const char *)sqlite3_column_text(st, 1), cs_eip);
        CHECK_STR((const char *)sqlite3_column_text(st, 2), ecx);
        CHECK_STR((const char *)sqlite3_column_text(st, 3), edi);
        CHECK_STR((const char *)sqlite3_column_text(st, 4), bytes);
        CHECK(sqlite3_column_text(st, 5) != NULL);
        rows++;
    }
    sqlite3_finalize(st);
    CHECK_EQ_U64(rows, 6);
    CHECK(sqlite3_prepare_v2(s, "SELECT count(*), min(step), max(step) FROM hvt_steps",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_EQ_U64(sqlite3_column_int64(st, 0), 2 * RUNDB_CHUNK + 10);
    CHECK_EQ_U64(sqlite3_column_int64(st, 2), 2 * RUNDB_CHUNK + 9);
    sqlite3_finalize(st);
    sqlite3_close(s);
}

UNIT_MAIN()
