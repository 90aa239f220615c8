/*
 * stepcodec: the byte format of one chunk of steps (table chunk, column data).
 * Pure: buffers in, buffers out; no SQLite, no I/O.  Format in stepcodec.c.
 *
 * Writing: stepcodec_writer_init, stepcodec_put per state, stepcodec_seal to get
 * the blob, stepcodec_writer_reset once the blob is safely stored.  Reading:
 * stepcodec_reader_open inflates and checks a blob, stepcodec_next yields the
 * states in order.  Any byte string may be given to the reader: it fails with a
 * message, never reads out of bounds (tests/fuzz/fuzz_stepcodec.c).
 */
#ifndef HVT_STEPCODEC_H
#define HVT_STEPCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"

/* Largest number of steps one chunk may hold (a blob claiming more is corrupt). */
#define STEPCODEC_MAX_STEPS 65536u

typedef struct stepcodec_writer {
    uint8_t *raw;               /* encoded steps before deflate */
    size_t len, cap;
    uint32_t nsteps;
    struct hvt_state prev;      /* state of the last put step (zero at start) */
} stepcodec_writer;

typedef struct stepcodec_reader {
    uint8_t *raw;               /* inflated body, reused across chunks */
    size_t len, cap, pos;
    uint32_t nsteps, done;
    struct hvt_state cur;
    uint64_t same;              /* after stepcodec_next: the fields (bit per enum
                                 * hvt_field) equal to the previous step's; 0 for
                                 * a chunk's first step (its keyframe) */
} stepcodec_reader;

void stepcodec_writer_init(stepcodec_writer *w);
void stepcodec_writer_free(stepcodec_writer *w);
int stepcodec_put(stepcodec_writer *w, const struct hvt_state *s, hvt_error *err);
/* Deflates the steps put so far into a malloc'd blob; the writer keeps them. */
int stepcodec_seal(stepcodec_writer *w, uint8_t **blob, size_t *blob_len, hvt_error *err);
/* Forgets the steps put so far: the next step starts a new chunk (keyframe). */
void stepcodec_writer_reset(stepcodec_writer *w);

void stepcodec_reader_init(stepcodec_reader *r);
void stepcodec_reader_free(stepcodec_reader *r);
/* Inflates blob; afterwards r->nsteps says how many steps it holds. */
int stepcodec_reader_open(stepcodec_reader *r, const uint8_t *blob, size_t len,
                          hvt_error *err);
/* 1: *out holds the next state; 0: all steps read (and the body had no trailing
 * bytes); -1: corrupt, err filled. */
int stepcodec_next(stepcodec_reader *r, struct hvt_state *out, hvt_error *err);
/* The same, decoding in place: *cur must hold the state this reader gave
 * last (at a chunk's first step anything: it is cleared), and r->cur is left
 * alone.  Saves copying a state a step. */
int stepcodec_next_into(stepcodec_reader *r, struct hvt_state *cur, hvt_error *err);

#endif
