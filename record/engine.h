/*
 * engine: the narrow interfaces an engine (engine_log.c, engine_rsp.c,
 * engine_bochs.c) is meant to see instead of the whole recording session
 * (struct recorder, recorder_int.h).  The data flow of a recording is
 *
 *   stop/step source  ->  engine  ->  state sink (executed steps, in order)
 *   (QEMU's gdbstub,                  event sink (what happened between
 *    its log, Bochs'                   steps, and progress)
 *    debugger)
 *
 * The sinks are defined here and filled by the recorder (rec_engine_sink in
 * recorder.c: the run file, the --progress callback).  An engine writes every
 * step and every event through them, never to the run file itself, so a test
 * or a second consumer (a live view, a filter) can take an engine's output
 * without a run file, and the engines stop depending on db/ (engine_bochs.c
 * does not use them yet: it writes the run file itself).  The stop/step
 * source has no type: engines reach QEMU/Bochs through their own modules
 * (gdbstub/, qemu/, bochs/) and the recorder's rec_* helpers.
 */
#ifndef HVT_ENGINE_H
#define HVT_ENGINE_H

#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"

struct engine_sink {
    void *ctx;
    /* One executed step, in step order (s->n counts from 0).  -1 and err set
     * when it cannot be kept (the run file is full or broken). */
    int (*step)(void *ctx, const struct hvt_step *s, hvt_error *err);
    /* Something that happened before step `step` (an interrupt, SMM entry,
     * QEMU's log errors...): kind is a short name, text one line.  Best
     * effort: an event that cannot be kept is dropped, the recording goes on. */
    void (*event)(void *ctx, uint64_t step, const char *kind, const char *text);
    /* steps recorded and snapshots taken so far; NULL when nobody listens. */
    void (*progress)(void *ctx, uint64_t steps, int snapshots);
};

static inline int engine_step(const struct engine_sink *k, const struct hvt_step *s,
                              hvt_error *err)
{
    return k->step(k->ctx, s, err);
}

static inline void engine_event(const struct engine_sink *k, uint64_t step,
                                const char *kind, const char *text)
{
    k->event(k->ctx, step, kind, text);
}

/* Progress every `every` steps (a power of two keeps it one AND). */
static inline void engine_progress(const struct engine_sink *k, uint64_t steps,
                                   int snapshots, uint64_t every)
{
    if (k->progress && steps % every == 0)
        k->progress(k->ctx, steps, snapshots);
}

#endif
