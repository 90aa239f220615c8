/*
 * chain_src: the chain of causes fed from run files.  Wraps an open run
 * (db/rundb.h) as the struct chain_run diffing/chain.c walks: steps read in
 * blocks, the "start" snapshot for values from before the trace, and the
 * run's recorded memory accesses (schema 2, Bochs) for "last store" when it
 * has them, and the value a step read (its recorded read) likewise;
 * otherwise the walker reconstructs stores from operands.
 * Recorded accesses are physical: without paging (boot code) linear equals
 * physical, which is what this assumes.  Does not print.
 */
#include "compare/compare.h"

#include <stdlib.h>
#include <string.h>

struct collect {
    struct hvt_step *out;
    size_t n, cap;
};

static int on_step(void *ctx, const struct hvt_step *s)
{
    struct collect *c = ctx;
    c->out[c->n++] = *s;
    return c->n == c->cap;
}

int report_read_steps(rundb *db, uint64_t from, uint64_t count, struct hvt_step *out,
                      size_t *got, hvt_error *err)
{
    struct collect c = { out, 0, count };
    *got = 0;
    if (!count)
        return 0;
    if (rundb_read_steps(db, from, count, on_step, &c, err) < 0)
        return -1;
    *got = c.n;
    return 0;
}

static int src_read(void *priv, uint64_t from, uint64_t count, struct hvt_step *out,
                    size_t *got, hvt_error *err)
{
    const struct report_chain_src *s = priv;
    return report_read_steps(s->db, from, count, out, got, err);
}

static int src_start_mem(void *priv, uint64_t addr, uint32_t len, uint64_t *value)
{
    struct report_chain_src *s = priv;
    if (!s->start || addr + len > s->nstart || len > 8)
        return -1;
    *value = 0;
    for (uint32_t i = len; i-- > 0;)
        *value = *value << 8 | s->start[addr + i];
    return 0;
}

static int src_last_store(void *priv, uint64_t before, uint64_t addr, uint32_t len,
                          uint64_t *step)
{
    struct report_chain_src *s = priv;
    struct rundb_mem m;
    hvt_error err = { "" };
    int found = 0;
    for (uint32_t i = 0; i < len; i++) {
        int rc = rundb_last_store(s->db, addr + i, before, &m, &err);
        if (rc < 0)
            return -1;
        if (rc == 1 && (!found || m.step > *step))
            *step = m.step;
        found |= rc == 1;
    }
    return found;
}

/* The bytes [addr, addr+len) step read, from its recorded accesses (reads
 * and read-modify-writes carry the value read: Bochs' trace-mem). */
static int src_read_value(void *priv, uint64_t step, uint64_t addr, uint32_t len,
                          uint64_t *value)
{
    struct report_chain_src *s = priv;
    struct rundb_mem m[16];
    size_t n = 0;
    hvt_error err = { "" };
    if (rundb_read_mem(s->db, step, m, 16, &n, &err) < 0)
        return -1;
    for (size_t i = 0; i < n && i < 16; i++) {
        uint64_t at = m[i].has_lin ? m[i].lin : m[i].phys;
        if ((m[i].rw == RUNDB_MEM_READ || m[i].rw == RUNDB_MEM_RMW) && m[i].has_value &&
            addr >= at && addr + len <= at + m[i].len) {
            uint64_t v = m[i].value >> ((addr - at) * 8);
            *value = len >= 8 ? v : v & ((1ull << (len * 8)) - 1);
            return 0;
        }
    }
    return -1;
}

/* The snapshot labelled "start" (taken where the recording began), if any. */
static void load_start(struct report_chain_src *s, hvt_error *err)
{
    struct rundb_snapshot *snaps = NULL;
    int n = 0;
    if (rundb_list_snapshots(s->db, &snaps, &n, err) < 0)
        return;
    for (int i = 0; i < n; i++)
        if (!strcmp(snaps[i].label, "start")) {
            if (rundb_get_snapshot(s->db, snaps[i].id, &s->start, &s->nstart, err) < 0)
                s->start = NULL;
            break;
        }
    free(snaps);
}

int report_chain_src_open(struct report_chain_src *s, rundb *db,
                          const struct align_range *excl, size_t nexcl, hvt_error *err)
{
    memset(s, 0, sizeof *s);
    s->db = db;
    s->run.nsteps = rundb_step_count(db);
    s->run.read = src_read;
    s->run.start_mem = src_start_mem;
    s->run.last_store = rundb_has_mem(db) ? src_last_store : NULL;
    s->run.read_value = rundb_has_mem(db) ? src_read_value : NULL;
    s->run.priv = s;
    s->run.excl = excl;
    s->run.nexcl = nexcl;
    hvt_error ignore = { "" };
    load_start(s, &ignore);
    s->image = rundb_get_meta(db, "guest_sha256");
    s->run.image = s->image;
    (void)err;
    return 0;
}

void report_chain_src_close(struct report_chain_src *s)
{
    free(s->start);
    free(s->image);
    memset(s, 0, sizeof *s);
}
