/*
 * recorder_recipe: runs a recipe (tracer/recipe.h) inside a recording.  The
 * recipe is pure; this file gives it the recorder's memory reads, snapshots,
 * events and stop request, and is called by the RSP engine once per executed
 * step (recipes read memory between steps, so they need a stopped VM: the RSP
 * engine, never the log engine).  Without a recipe every hook keeps every step.
 */
#include <stdio.h>
#include <string.h>

#include "tracer/recipe.h"
#include "tracer/recorder_int.h"

static int io_read_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct recorder *r = ctx;
    hvt_error ignored = { "" };
    return rsp_read_mem(r->rsp, addr, buf, len, &ignored);
}

static int io_snapshot(void *ctx, uint64_t step, const char *label, hvt_error *err)
{
    struct recorder *r = ctx;
    if (r->qemu_gone)
        return 0;               /* nothing left to read */
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
    return recipe_begin(r->recipe, &r->cur, &r->recipe_io, err);
}

int rec_recipe_step(struct recorder *r, const struct hvt_step *done,
                    const struct hvt_step *next, hvt_error *err)
{
    if (!r->recipe)
        return 1;
    return recipe_on_step(r->recipe, done, next, &r->recipe_io, err);
}

int rec_recipe_end(struct recorder *r, hvt_error *err)
{
    if (!r->recipe)
        return 0;
    int rc = recipe_end(r->recipe, &r->recipe_io, err);
    recipe_rt_free(r->recipe);
    r->recipe = NULL;
    return rc;
}
