/*
 * serial: COM1 bytes to step-stamped lines (see serial.h).  Invariant: at most
 * one of `held` and `sent` is non-empty after any call (matching consumes
 * pairs), so a byte is stamped as soon as both it and its step are known; a
 * byte only ever joins its own writer's line.
 */
#include "record/serial.h"

#include <stdlib.h>
#include <string.h>

void serial_init(struct serial_lines *s, serial_line_fn emit, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->emit = emit;
    s->ctx = ctx;
}

void serial_free(struct serial_lines *s)
{
    free(s->held);
    free(s->sent);
    s->held = NULL;
    s->sent = NULL;
    s->nheld = s->capheld = s->nsent = s->capsent = 0;
}

/* Emit writer src's line so far (an empty one too: the guest sent its end). */
static int emit_src(struct serial_lines *s, uint64_t step, int src)
{
    size_t n = s->len[src];
    s->buf[src][n] = 0;
    s->len[src] = 0;
    return s->emit(s->ctx, step, s->buf[src], n);
}

/* Append byte c to src's line, splitting it first if it is full. */
static int serial_put(struct serial_lines *s, uint64_t step, int src, char c)
{
    int rc = s->len[src] + 1 > SERIAL_MAX_LINE ? emit_src(s, step, src) : 0;
    s->buf[src][s->len[src]++] = c;
    return rc;
}

/* A CR waits for the next byte: before LF it is the line's end, else a byte. */
static int place_cr(struct serial_lines *s, uint64_t step, int src)
{
    if (!s->cr[src])
        return 0;
    s->cr[src] = 0;
    return serial_put(s, step, src, '\r');
}

int serial_flush(struct serial_lines *s, uint64_t step)
{
    int rc = 0;
    for (int src = 0; src < SERIAL_NSRC && !rc; src++) {
        rc = place_cr(s, step, src);
        if (!rc && s->len[src])
            rc = emit_src(s, step, src);
    }
    return rc;
}

int serial_feed_from(struct serial_lines *s, uint64_t step, enum serial_src src,
                     const char *bytes, size_t n)
{
    int w = src < SERIAL_NSRC ? (int)src : SERIAL_GUEST;
    for (size_t i = 0; i < n; i++) {
        int rc = 0;
        if (bytes[i] == '\n') {
            s->cr[w] = 0;       /* CR LF: the CR is part of the end */
            s->lf[w] = 1;
            rc = emit_src(s, step, w);
        } else if (bytes[i] == '\r' && s->lf[w]) {
            s->lf[w] = 0;       /* LF CR: so is this one */
        } else {
            s->lf[w] = 0;
            rc = place_cr(s, step, w);
            if (!rc && bytes[i] == '\r')
                s->cr[w] = 1;
            else if (!rc)
                rc = serial_put(s, step, w, bytes[i]);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int serial_feed(struct serial_lines *s, uint64_t step, const char *bytes, size_t n)
{
    return serial_feed_from(s, step, SERIAL_GUEST, bytes, n);
}

/* Stamp pairs of (held byte, sent step) in order. */
static int match(struct serial_lines *s)
{
    size_t k = s->nheld < s->nsent ? s->nheld : s->nsent;
    int rc = 0;
    for (size_t i = 0; i < k && !rc; i++)
        rc = serial_feed_from(s, s->sent[i].step, s->sent[i].src, &s->held[i], 1);
    if (k == 0)
        return 0;               /* also: held/sent may still be NULL (C11 7.24.1p2) */
    memmove(s->held, s->held + k, s->nheld - k);
    memmove(s->sent, s->sent + k, (s->nsent - k) * sizeof *s->sent);
    s->nheld -= k;
    s->nsent -= k;
    return rc;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4096;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

int serial_hold(struct serial_lines *s, const char *bytes, size_t n)
{
    if (s->failed || s->nheld + n > SERIAL_MAX_HELD ||
        grow((void **)&s->held, &s->capheld, s->nheld + n, 1)) {
        /* No memory, or far more bytes than the trace has sent: stamp them
         * with the newest step known rather than lose them. */
        s->failed = 1;
        uint64_t step = s->nsent ? s->sent[s->nsent - 1].step : 0;
        return serial_feed(s, step, bytes, n);
    }
    memcpy(s->held + s->nheld, bytes, n);
    s->nheld += n;
    return match(s);
}

int serial_sent(struct serial_lines *s, uint64_t step)
{
    return serial_sent_from(s, step, SERIAL_GUEST);
}

int serial_sent_from(struct serial_lines *s, uint64_t step, enum serial_src src)
{
    if (s->nsent >= SERIAL_MAX_HELD)
        s->nsent = 0;           /* writes without output (loopback?): forget */
    if (grow((void **)&s->sent, &s->capsent, s->nsent + 1, sizeof *s->sent))
        return s->failed = 1, 0;
    s->sent[s->nsent++] = (struct serial_sent_step){ step, (uint8_t)src };
    return match(s);
}

int serial_settle(struct serial_lines *s, uint64_t step)
{
    int rc = s->nheld ? serial_feed(s, step, s->held, s->nheld) : 0;
    s->nheld = 0;
    s->nsent = 0;
    s->failed = 0;
    return rc;
}
