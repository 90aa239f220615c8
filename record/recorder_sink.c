/*
 * recorder_sink: the recorder's side of record/engine.h — the state and event
 * sinks an engine writes to, backed by the run file (every step appended in
 * order, those after an `out` held until the power-off rule has spoken,
 * recorder_poweroff.c; events best effort) and by record_opts' progress callback.  Nothing
 * else: stop conditions, snapshots and serial stay in recorder.c.
 */
#include "record/engine.h"
#include "record/recorder_int.h"

static int sink_step(void *ctx, const struct hvt_step *s, hvt_error *err)
{
    struct recorder *r = ctx;
    return rec_poweroff_step(r, s, err);   /* to the run file, or held */
}

static void sink_event(void *ctx, uint64_t step, const char *kind, const char *text)
{
    struct recorder *r = ctx;
    rundb_add_event(r->db, step, kind, text, NULL);
}

static void sink_progress(void *ctx, uint64_t steps, int snapshots)
{
    struct recorder *r = ctx;
    r->o->progress(r->o->progress_ctx, steps, snapshots);
}

void rec_engine_sink(struct recorder *r, struct engine_sink *out)
{
    out->ctx = r;
    out->step = sink_step;
    out->event = sink_event;
    out->progress = r->o->progress ? sink_progress : NULL;
}
