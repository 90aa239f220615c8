/*
 * rundb_steps: appending steps in chunks and reading them back in order.
 *
 * Writer states: steps [0, chunk_first) are committed in table chunk; steps
 * [chunk_first, nsteps) sit in the encoder; instruction versions first seen in
 * the buffered steps sit in pend.  rundb_steps_write stores both inside the
 * caller's transaction; only rundb_commit's success (rundb_steps_committed)
 * advances chunk_first, so a failed transaction keeps the steps buffered.
 * A chunk ends at RUNDB_CHUNK steps or at any flush (serial line, event,
 * snapshot, finish): frequent flushes make small chunks, not wrong ones.
 *
 * Reading decodes chunks sequentially with one reused inflate buffer and looks
 * each step's instruction up in the in-memory insnmap (no SQL per step).  It does
 * not trust the file: a bad blob or a gap between chunks is an error naming the
 * chunk.
 */
#include "db/rundb_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/disasm.h"

static int pend_push(rundb *db, uint64_t pc, const struct hvt_step *s, uint8_t mode,
                     hvt_error *err)
{
    if (db->npend == db->cappend) {
        size_t cap = db->cappend ? db->cappend * 2 : 256;
        struct rundb_pending_insn *p = realloc(db->pend, cap * sizeof *p);
        if (!p)
            return hvt_error_set(err, "%s: out of memory", db->path);
        db->pend = p;
        db->cappend = cap;
    }
    struct rundb_pending_insn *p = &db->pend[db->npend++];
    uint8_t len = s->insn_len > sizeof p->bytes ? sizeof p->bytes : s->insn_len;
    memset(p, 0, sizeof *p);
    p->pc = pc;
    p->first_step = s->n;
    memcpy(p->bytes, s->insn, len);
    p->len = len;
    p->mode = mode;
    /* Disassembled at the first step's IP: near branch targets read as offsets
     * in that step's code segment (common/disasm.h). */
    struct hvt_step at = *s;
    at.mode = mode;
    at.insn_len = len;
    hvt_disasm_step(&at, p->disasm, sizeof p->disasm);
    return 0;
}

/* Records the step's instruction if its pc is new or now holds other bytes. */
static int note_insn(rundb *db, const struct hvt_step *s, hvt_error *err)
{
    uint64_t pc = hvt_state_pc(&s->st);
    uint8_t mode = s->mode ? s->mode : (uint8_t)hvt_state_mode(&s->st);
    uint8_t len = s->insn_len > 16 ? 16 : s->insn_len;
    const struct insnmap_ver *v = insnmap_find(&db->insns, pc, UINT64_MAX);
    if (v && v->len == len && v->mode == mode && memcmp(v->bytes, s->insn, len) == 0)
        return 0;
    if (insnmap_add(&db->insns, pc, s->n, s->insn, len, mode))
        return hvt_error_set(err, "%s: out of memory", db->path);
    return pend_push(db, pc, s, mode, err);
}

int rundb_append_step(rundb *db, const struct hvt_step *s, hvt_error *err)
{
    if (!db->writer)
        return hvt_error_set(err, "%s: opened for reading only", db->path);
    if (s->n != db->nsteps)
        return hvt_error_set(err, "%s: step %llu appended, expected step %llu",
                             db->path, (unsigned long long)s->n,
                             (unsigned long long)db->nsteps);
    if (note_insn(db, s, err) || stepcodec_put(&db->enc, &s->st, err))
        return -1;
    db->nsteps++;
    if (db->nsteps - db->chunk_first >= RUNDB_CHUNK)
        return rundb_flush(db, err);
    return 0;
}

int rundb_flush(rundb *db, hvt_error *err)
{
    if (!db->writer || db->nsteps == db->chunk_first)
        return 0;
    if (rundb_begin_with_steps(db, err))
        return -1;
    return rundb_commit(db, err);
}

static int insert_chunk(rundb *db, hvt_error *err)
{
    uint8_t *blob;
    size_t len;
    if (stepcodec_seal(&db->enc, &blob, &len, err))
        return -1;
    if (!db->st_chunk && rundb_prepare(db, "INSERT INTO chunk(first_step, nsteps, "
                                       "data) VALUES (?, ?, ?)", &db->st_chunk, err)) {
        free(blob);
        return -1;
    }
    sqlite3_stmt *st = db->st_chunk;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)db->chunk_first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(db->nsteps - db->chunk_first));
    sqlite3_bind_blob(st, 3, blob, (int)len, free);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rundb_sqlerr(db, err, "store chunk");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int insert_insns(rundb *db, hvt_error *err)
{
    if (!db->st_insn && rundb_prepare(db, "INSERT INTO insn(pc, first_step, len, mode,"
                                      " bytes, disasm) VALUES (?, ?, ?, ?, ?, ?)",
                                      &db->st_insn, err))
        return -1;
    sqlite3_stmt *st = db->st_insn;
    for (size_t i = 0; i < db->npend; i++) {
        const struct rundb_pending_insn *p = &db->pend[i];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)p->pc);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)p->first_step);
        sqlite3_bind_int(st, 3, p->len);
        sqlite3_bind_int(st, 4, p->mode);
        sqlite3_bind_blob(st, 5, p->bytes, p->len, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, p->disasm, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rundb_sqlerr(db, err, "store instruction");
    }
    return 0;
}

int rundb_steps_write(rundb *db, hvt_error *err)
{
    if (db->nsteps > db->chunk_first && insert_chunk(db, err))
        return -1;
    return insert_insns(db, err);
}

void rundb_steps_committed(rundb *db)
{
    stepcodec_writer_reset(&db->enc);
    db->chunk_first = db->nsteps;
    db->npend = 0;
}

void rundb_steps_free(rundb *db)
{
    sqlite3_finalize(db->st_chunk);
    sqlite3_finalize(db->st_insn);
    db->st_chunk = db->st_insn = NULL;
    free(db->pend);
    db->pend = NULL;
    db->npend = db->cappend = 0;
}

int rundb_count_steps(rundb *db, uint64_t *n, hvt_error *err)
{
    if (db->writer) {
        *n = db->nsteps;
        return 0;
    }
    sqlite3_stmt *st;
    if (rundb_prepare(db, "SELECT first_step + nsteps FROM chunk ORDER BY first_step "
                      "DESC LIMIT 1", &st, err))
        return -1;
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rundb_sqlerr(db, err, "count steps");
    return 0;
}

uint64_t rundb_step_count(rundb *db)
{
    uint64_t n = 0;
    return rundb_count_steps(db, &n, NULL) ? 0 : n;
}

/* ---- reading ---- */

static int load_insns(rundb *db, hvt_error *err)
{
    sqlite3_stmt *st;
    if (db->insns_loaded)
        return 0;
    /* In primary-key order (pc, first_step): no sort, and each pc's versions
     * come oldest first, as insnmap_add wants them. */
    if (rundb_prepare(db, "SELECT pc, first_step, len, mode, bytes FROM insn "
                      "ORDER BY pc, first_step", &st, err))
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int len = sqlite3_column_int(st, 2);
        const void *bytes = sqlite3_column_blob(st, 4);
        if (len < 0 || len > 16 || sqlite3_column_bytes(st, 4) < len) {
            sqlite3_finalize(st);
            return hvt_error_set(err, "%s: bad instruction row", db->path);
        }
        if (insnmap_add(&db->insns, (uint64_t)sqlite3_column_int64(st, 0),
                        (uint64_t)sqlite3_column_int64(st, 1), bytes, (uint8_t)len,
                        (uint8_t)sqlite3_column_int(st, 3))) {
            sqlite3_finalize(st);
            return hvt_error_set(err, "%s: out of memory", db->path);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return rundb_sqlerr(db, err, "read instructions");
    db->insns_loaded = 1;
    return 0;
}

/* Where one rundb_read_steps call stands. */
struct steps_walk {
    uint64_t next;              /* step number the next chunk must start at */
    uint64_t from, end;         /* deliver [from, end) */
    rundb_step_fn fn;
    void *ctx;
    int stopped;                /* fn asked to stop, or end reached */
    struct hvt_step step;
};

/* Every appended step has a row in table insn (unreadable code too, with
 * len 0): a step without one means the file was damaged after recording. */
static int fill_insn(rundb *db, struct hvt_step *s, hvt_error *err)
{
    uint64_t pc = hvt_state_pc(&s->st);
    const struct insnmap_ver *v = insnmap_find(&db->insns, pc, s->n);
    if (!v)
        return hvt_error_set(err, "step %llu at pc 0x%llx has no row in table insn: the "
                             "run file is damaged", (unsigned long long)s->n,
                             (unsigned long long)pc);
    memcpy(s->insn, v->bytes, sizeof s->insn);
    s->insn_len = v->len;
    s->mode = v->mode;
    return 0;
}

/* Decodes one chunk and delivers the requested part of it. */
static int walk_chunk(rundb *db, struct steps_walk *w, const uint8_t *blob, size_t len,
                      uint64_t nsteps, hvt_error *err)
{
    if (stepcodec_reader_open(&db->dec, blob, len, err))
        return -1;
    if (db->dec.nsteps != nsteps)
        return hvt_error_set(err, "blob holds %u steps, row says %llu",
                             db->dec.nsteps, (unsigned long long)nsteps);
    int rc;
    for (uint64_t n = w->next; (rc = stepcodec_next_into(&db->dec, &w->step.st, err)) == 1;
         n++) {
        if (n < w->from)
            continue;
        if (n >= w->end) {
            w->stopped = 1;
            return 0;
        }
        w->step.n = n;
        if (fill_insn(db, &w->step, err))
            return -1;
        if (w->fn(w->ctx, &w->step)) {
            w->stopped = 1;
            return 0;
        }
    }
    return rc;
}

static int walk_row(rundb *db, struct steps_walk *w, sqlite3_stmt *st, hvt_error *err)
{
    uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
    uint64_t nsteps = (uint64_t)sqlite3_column_int64(st, 1);
    const uint8_t *blob = sqlite3_column_blob(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 2);
    hvt_error inner = { { 0 } };
    if (w->next == UINT64_MAX)  /* the chunk holding `from` must start at or before it */
        w->next = first <= w->from ? first : w->from;
    if (first != w->next)
        hvt_error_set(&inner, "expected a chunk at step %llu",
                      (unsigned long long)w->next);
    else if (walk_chunk(db, w, blob, len, nsteps, &inner) == 0) {
        w->next = first + nsteps;
        return 0;
    }
    return hvt_error_set(err, "%s: chunk at step %llu: %s", db->path,
                         (unsigned long long)first, inner.msg);
}

uint64_t rundb_step_unchanged(rundb *db)
{
    return db->dec.same;
}

int rundb_read_steps(rundb *db, uint64_t from, uint64_t count, rundb_step_fn fn,
                     void *ctx, hvt_error *err)
{
    sqlite3_stmt *st;
    if (load_insns(db, err) ||
        rundb_prepare(db, "SELECT first_step, nsteps, data FROM chunk WHERE first_step"
                      " >= coalesce((SELECT max(first_step) FROM chunk WHERE "
                      "first_step <= ?1), 0) ORDER BY first_step", &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    struct steps_walk w = { .next = UINT64_MAX, .from = from, .fn = fn, .ctx = ctx,
                            .end = count && from + count > from ? from + count
                                                                : UINT64_MAX };
    int rc = 0, src = SQLITE_DONE;
    while (!rc && !w.stopped && (src = sqlite3_step(st)) == SQLITE_ROW)
        rc = walk_row(db, &w, st, err);
    if (!rc && !w.stopped && src != SQLITE_DONE)
        rc = rundb_sqlerr(db, err, "read steps");
    sqlite3_finalize(st);
    return rc;
}
