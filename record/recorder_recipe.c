/*
 * recorder_recipe: runs a recipe (recipes/recipe.h) inside a recording.  The
 * recipe is pure; this file gives it the recorder's memory reads, snapshots,
 * events and stop request.  The RSP engine calls it once per executed step,
 * with the VM stopped between the two.  The log engine (recipes that
 * recipe_runs_at_breakpoints accepts) calls rec_recipe_pair for each step
 * pair as QEMU's log delivers it, the VM running on: memory and snapshots are
 * then unavailable, except at the stops this file asks for (the handler
 * entries of `int` triggers, `addr` triggers, the return addresses of calls
 * in flight), where the pair is evaluated with the VM stopped before `next`.
 * Invariant: each pair is evaluated once, in step order (bp.evaluated).
 * Without a recipe every hook keeps every step.
 */
#include <stdio.h>
#include <string.h>

#include "recipes/recipe.h"
#include "record/recorder_int.h"

static int io_read_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct recorder *r = ctx;
    hvt_error ignored = { "" };
    if (r->engine_log && !r->recipe_bp.mem_ok)
        return -1;              /* the VM runs: no moment to read at */
    return rsp_read_mem(r->rsp, addr, buf, len, &ignored);
}

static int io_snapshot(void *ctx, uint64_t step, const char *label, hvt_error *err)
{
    struct recorder *r = ctx;
    if (r->qemu_gone || (r->engine_log && !r->recipe_bp.mem_ok))
        return 0;               /* nothing left to read, or no moment to read at */
    return rec_take_snapshot(r, label, err);
}

static int io_event(void *ctx, uint64_t step, const char *kind, const char *text,
                    hvt_error *err)
{
    struct recorder *r = ctx;
    return rundb_add_event(r->db, step, kind, text, err);
}

static void io_request_stop(void *ctx, const char *reason)
{
    struct recorder *r = ctx;
    r->recipe_stop = 1;
    snprintf(r->recipe_reason, sizeof r->recipe_reason, "recipe: %s", reason);
}

int rec_recipe_begin(struct recorder *r, hvt_error *err)
{
    static const struct recipe_io io = {
        .read_mem = io_read_mem, .snapshot = io_snapshot, .event = io_event,
        .request_stop = io_request_stop };
    if (!r->o->recipe)
        return 0;
    r->recipe_io = io;
    r->recipe_io.ctx = r;
    if (recipe_rt_new(r->o->recipe, &r->recipe, err))
        return -1;
    r->recipe_bp.mem_ok = 1;    /* the VM is stopped at the first state */
    int rc = recipe_begin(r->recipe, &r->cur, &r->recipe_io, err);
    r->recipe_bp.mem_ok = 0;
    return rc;
}

int rec_recipe_step(struct recorder *r, const struct hvt_step *done,
                    const struct hvt_step *next, hvt_error *err)
{
    if (!r->recipe)
        return 1;
    return recipe_on_step(r->recipe, done, next, &r->recipe_io, err);
}

int rec_recipe_after(struct recorder *r, const struct hvt_step *done, hvt_error *err)
{
    return r->recipe ? recipe_after_insn(r->recipe, done, &r->recipe_io, err) : 0;
}

int rec_recipe_end(struct recorder *r, hvt_error *err)
{
    if (!r->recipe)
        return 0;
    r->recipe_bp.mem_ok = !r->qemu_gone;
    int rc = recipe_end(r->recipe, &r->recipe_io, err);
    r->recipe_bp.mem_ok = 0;
    recipe_rt_free(r->recipe);
    r->recipe = NULL;
    return rc;
}

/* ---- the log engine ---- */

#define BOOT_SECTOR_PC 0x7c00   /* the BIOS has filled the IVT before it runs this */

/* IVT[v]'s target, linear (real mode: segment*16 + offset), in the table at
 * base (rec_ivt_base: IDTR.base); UINT64_MAX if unreadable. */
static uint64_t ivt_target(struct recorder *r, uint64_t base, uint8_t v)
{
    uint8_t e[4];
    if (rsp_read_mem(r->rsp, base + 4u * v, e, 4, &(hvt_error){ "" }))
        return UINT64_MAX;
    return ((uint64_t)(e[3] << 8 | e[2]) << 4) + (uint64_t)(e[1] << 8 | e[0]);
}

static int set_bp(struct recorder *r, uint64_t pc, int insert, hvt_error *err)
{
    return pc == UINT64_MAX ? 0 : rsp_hwbreak(r->rsp, pc, insert, err);
}

/* With the VM stopped: a breakpoint on each int trigger's handler entry as the
 * IVT says now (a guest may hook a vector; a recording from reset starts with
 * an empty IVT, so a stop at the boot sector looks again once the BIOS set it). */
static int follow_entries(struct recorder *r, hvt_error *err)
{
    struct rec_recipe_stops *b = &r->recipe_bp;
    uint64_t base = b->nentry ? rec_ivt_base(r) : 0;
    for (int i = 0; i < b->nentry; i++) {
        uint64_t now = ivt_target(r, base, b->vec[i]);
        if (now == b->entry[i])
            continue;
        if (set_bp(r, b->entry[i], 0, err) || set_bp(r, now, 1, err))
            return -1;
        b->entry[i] = now;
    }
    return 0;
}

static int set_fixed(struct recorder *r, int insert, hvt_error *err)
{
    struct rec_recipe_stops *b = &r->recipe_bp;
    const struct hvt_addr *a[REC_RECIPE_BPS];
    size_t na = recipe_trigger_addrs(r->o->recipe, a, REC_RECIPE_BPS);
    for (size_t i = 0; i < na; i++)
        if (rec_set_pair(r, a[i], insert, err))
            return -1;
    for (int i = 0; i < b->nentry; i++)
        if (set_bp(r, b->entry[i], insert, err))
            return -1;
    return b->boot_bp ? set_bp(r, BOOT_SECTOR_PC, insert, err) : 0;
}

int rec_recipe_breaks(struct recorder *r, int insert, hvt_error *err)
{
    struct rec_recipe_stops *b = &r->recipe_bp;
    if (!r->recipe)
        return 0;
    if (insert) {
        b->nentry = (int)recipe_trigger_vectors(r->o->recipe, b->vec, REC_RECIPE_BPS);
        b->evaluated = r->cur.n + 1;    /* recipe_begin evaluated the first state */
        b->boot_bp = 0;
        uint64_t base = b->nentry ? rec_ivt_base(r) : 0;
        for (int i = 0; i < b->nentry; i++) {
            b->entry[i] = ivt_target(r, base, b->vec[i]);
            b->boot_bp |= b->entry[i] == 0;     /* IVT not set yet: from reset */
        }
        return set_fixed(r, 1, err);
    }
    for (int i = 0; i < b->nret; i++)
        rsp_hwbreak(r->rsp, b->ret[i], 0, err);
    b->nret = 0;
    return set_fixed(r, 0, err);
}

int rec_recipe_pair(struct recorder *r, const struct hvt_step *done,
                    const struct hvt_step *next, int mem_ok, hvt_error *err)
{
    struct rec_recipe_stops *b = &r->recipe_bp;
    if (!r->recipe || next->n < b->evaluated)
        return 0;
    b->evaluated = next->n + 1;
    b->mem_ok = mem_ok;
    int rc = rec_recipe_step(r, done, next, err);
    b->mem_ok = 0;
    return rc < 0 ? -1 : 0;
}

int rec_recipe_at_stop(struct recorder *r, hvt_error *err)
{
    struct rec_recipe_stops *b = &r->recipe_bp;
    uint64_t want[REC_RECIPE_BPS];
    if (!r->recipe)
        return 0;
    if (follow_entries(r, err))
        return -1;
    size_t n = recipe_return_pcs(r->recipe, want, REC_RECIPE_BPS);
    for (int i = 0; i < b->nret; i++)
        if (rsp_hwbreak(r->rsp, b->ret[i], 0, err))
            return -1;
    for (size_t i = 0; i < n; i++)
        if (rsp_hwbreak(r->rsp, want[i], 1, err))
            return -1;
    memcpy(b->ret, want, n * sizeof want[0]);
    b->nret = (int)n;
    return 0;
}
