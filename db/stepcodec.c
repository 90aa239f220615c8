/*
 * stepcodec: encodes a run of CPU states as one compact blob and back.
 *
 * Blob:  u8 version (1) | varint nsteps | varint body length | zlib stream of body
 * Body:  per step, varint mask of changed fields, then one varint per set bit.
 * Each step is coded against the previous one; the first against an all-zero
 * state, which makes it the chunk's keyframe, so every chunk decodes alone.
 * Mask bit i stands for field codec_order[i]: RIP, EFLAGS and the eight classic
 * GPRs come first so the mask of a typical step fits one or two varint bytes.
 * Bit CODEC_KNOWN_BIT stands for hvt_state.known.  Values: zigzag(new - old) for
 * RIP and the GPRs (counters and stack pointers move by small signed amounts),
 * new ^ old for everything else (flags, selectors, control registers are bit
 * fields).  Varints are LEB128, at most 10 bytes.
 *
 * Invariant: decode(encode(states)) == states, and the decoder rejects any blob
 * that is not exactly an encoding (bad header, inflate error, trailing bytes,
 * over-long varint, mask bit beyond the known fields).  It does not know chunk
 * numbers; callers prefix errors with where the blob came from.
 */
#include "db/stepcodec.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CODEC_VERSION    1
#define CODEC_KNOWN_BIT  HVT_NFIELDS            /* mask bit for hvt_state.known */
#define CODEC_NBITS      (HVT_NFIELDS + 1)
#define VARINT_MAX       10
/* Worst case body bytes a step can take: a full mask plus every value. */
#define STEP_MAX_BYTES   (VARINT_MAX * (1 + CODEC_NBITS))
/* zlib level 6 (the default).  Measured on test_rundb's synthetic BIOS trace:
 * level 1 0.70 bytes/step, 6 0.50 at 3.2M steps/s written, 9 0.49 at 1.2M/s. */
#define CODEC_ZLEVEL     6

static const uint8_t codec_order[HVT_NFIELDS] = {
    HVT_RIP, HVT_EFLAGS, HVT_RAX, HVT_RCX, HVT_RDX, HVT_RBX, HVT_RSP, HVT_RBP,
    HVT_RSI, HVT_RDI, HVT_R8, HVT_R9, HVT_R10, HVT_R11, HVT_R12, HVT_R13,
    HVT_R14, HVT_R15,
    HVT_ES_SEL, HVT_CS_SEL, HVT_SS_SEL, HVT_DS_SEL, HVT_FS_SEL, HVT_GS_SEL,
    HVT_ES_BASE, HVT_CS_BASE, HVT_SS_BASE, HVT_DS_BASE, HVT_FS_BASE, HVT_GS_BASE,
    HVT_ES_LIMIT, HVT_CS_LIMIT, HVT_SS_LIMIT, HVT_DS_LIMIT, HVT_FS_LIMIT,
    HVT_GS_LIMIT,
    HVT_ES_ATTR, HVT_CS_ATTR, HVT_SS_ATTR, HVT_DS_ATTR, HVT_FS_ATTR, HVT_GS_ATTR,
    HVT_CR0, HVT_CR2, HVT_CR3, HVT_CR4, HVT_EFER,
    HVT_GDTR_BASE, HVT_GDTR_LIMIT, HVT_IDTR_BASE, HVT_IDTR_LIMIT,
    HVT_SMM,
};
_Static_assert(sizeof codec_order == HVT_NFIELDS, "codec_order must list every field");
_Static_assert(CODEC_NBITS <= 64, "mask must fit a uint64_t");

/* Mask bits 0..17 (RIP, EFLAGS, RAX..R15) are delta-coded. */
#define CODEC_NDELTA 18

static uint64_t zigzag(uint64_t d)
{
    return (d << 1) ^ (uint64_t)((int64_t)d >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

static size_t varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Reads a varint from [*p, end); returns 0 on truncation or over-long encoding. */
static int varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; q < end && shift < 7 * VARINT_MAX; shift += 7) {
        uint8_t b = *q++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *v = x;
            return 1;
        }
    }
    return 0;
}

static uint64_t field_value(const struct hvt_state *s, unsigned bit)
{
    return bit == CODEC_KNOWN_BIT ? s->known : s->f[codec_order[bit]];
}

static uint64_t encode_value(unsigned bit, uint64_t now, uint64_t was)
{
    return bit < CODEC_NDELTA ? zigzag(now - was) : now ^ was;
}

/* ---- writer ---- */

void stepcodec_writer_init(stepcodec_writer *w)
{
    memset(w, 0, sizeof *w);
}

void stepcodec_writer_free(stepcodec_writer *w)
{
    free(w->raw);
    memset(w, 0, sizeof *w);
}

static int writer_reserve(stepcodec_writer *w, size_t need, hvt_error *err)
{
    if (w->cap - w->len >= need)
        return 0;
    size_t cap = w->cap ? w->cap * 2 : 64 * 1024;
    while (cap - w->len < need)
        cap *= 2;
    uint8_t *p = realloc(w->raw, cap);
    if (!p)
        return hvt_error_set(err, "step codec: out of memory");
    w->raw = p;
    w->cap = cap;
    return 0;
}

int stepcodec_put(stepcodec_writer *w, const struct hvt_state *s, hvt_error *err)
{
    if (w->nsteps >= STEPCODEC_MAX_STEPS)
        return hvt_error_set(err, "step codec: more than %u steps in one chunk",
                             STEPCODEC_MAX_STEPS);
    if (writer_reserve(w, STEP_MAX_BYTES, err))
        return -1;
    uint64_t mask = 0, vals[CODEC_NBITS];
    unsigned nvals = 0;
    for (unsigned bit = 0; bit < CODEC_NBITS; bit++) {
        uint64_t now = field_value(s, bit), was = field_value(&w->prev, bit);
        if (now != was) {
            mask |= 1ull << bit;
            vals[nvals++] = encode_value(bit, now, was);
        }
    }
    uint8_t *p = w->raw + w->len;
    p += varint_put(p, mask);
    for (unsigned i = 0; i < nvals; i++)
        p += varint_put(p, vals[i]);
    w->len = (size_t)(p - w->raw);
    w->prev = *s;
    w->nsteps++;
    return 0;
}

int stepcodec_seal(stepcodec_writer *w, uint8_t **blob, size_t *blob_len, hvt_error *err)
{
    uLongf zlen = compressBound(w->len);
    size_t head = 1 + 2 * VARINT_MAX;
    uint8_t *out = malloc(head + zlen);
    if (!out)
        return hvt_error_set(err, "step codec: out of memory");
    size_t n = 0;
    out[n++] = CODEC_VERSION;
    n += varint_put(out + n, w->nsteps);
    n += varint_put(out + n, w->len);
    int zrc = compress2(out + n, &zlen, w->raw, w->len, CODEC_ZLEVEL);
    if (zrc != Z_OK) {
        free(out);
        return hvt_error_set(err, "step codec: deflate failed (zlib %d)", zrc);
    }
    *blob = out;
    *blob_len = n + zlen;
    return 0;
}

void stepcodec_writer_reset(stepcodec_writer *w)
{
    w->len = 0;
    w->nsteps = 0;
    memset(&w->prev, 0, sizeof w->prev);
}

/* ---- reader ---- */

void stepcodec_reader_init(stepcodec_reader *r)
{
    memset(r, 0, sizeof *r);
}

void stepcodec_reader_free(stepcodec_reader *r)
{
    free(r->raw);
    memset(r, 0, sizeof *r);
}

static int reader_inflate(stepcodec_reader *r, const uint8_t *z, size_t zlen,
                          uint64_t body_len, hvt_error *err)
{
    if (r->cap < body_len || !r->raw) {
        size_t cap = body_len ? (size_t)body_len : 1;
        uint8_t *p = realloc(r->raw, cap);
        if (!p)
            return hvt_error_set(err, "step codec: out of memory");
        r->raw = p;
        r->cap = cap;
    }
    uLongf got = (uLongf)body_len;
    uLong used = (uLong)zlen;
    int zrc = uncompress2(r->raw, &got, z, &used);
    if (zrc != Z_OK)
        return hvt_error_set(err, "corrupt step data: inflate failed (%s)",
                             zrc == Z_BUF_ERROR ? "body longer than declared"
                                                : "bad zlib stream");
    if (got != body_len || used != zlen)
        return hvt_error_set(err, "corrupt step data: body is %lu bytes, header says "
                             "%llu (%lu of %zu compressed bytes used)", got,
                             (unsigned long long)body_len, used, zlen);
    r->len = got;
    return 0;
}

int stepcodec_reader_open(stepcodec_reader *r, const uint8_t *blob, size_t len,
                          hvt_error *err)
{
    const uint8_t *p = blob, *end = blob + len;
    uint64_t nsteps, body_len;
    if (len < 1 || *p++ != CODEC_VERSION)
        return hvt_error_set(err, "corrupt step data: unknown codec version");
    if (!varint_get(&p, end, &nsteps) || !varint_get(&p, end, &body_len))
        return hvt_error_set(err, "corrupt step data: truncated header");
    if (nsteps > STEPCODEC_MAX_STEPS || body_len > nsteps * STEP_MAX_BYTES)
        return hvt_error_set(err, "corrupt step data: header claims %llu steps in "
                             "%llu bytes", (unsigned long long)nsteps,
                             (unsigned long long)body_len);
    if (reader_inflate(r, p, (size_t)(end - p), body_len, err))
        return -1;
    r->pos = 0;
    r->nsteps = (uint32_t)nsteps;
    r->done = 0;
    memset(&r->cur, 0, sizeof r->cur);
    return 0;
}

static int apply_value(struct hvt_state *s, unsigned bit, uint64_t v)
{
    if (bit == CODEC_KNOWN_BIT) {
        uint64_t known = s->known ^ v;
        if (known >> 32)
            return -1;
        s->known = (uint32_t)known;
        return 0;
    }
    uint64_t *f = &s->f[codec_order[bit]];
    *f = bit < CODEC_NDELTA ? *f + unzigzag(v) : *f ^ v;
    return 0;
}

int stepcodec_next(stepcodec_reader *r, struct hvt_state *out, hvt_error *err)
{
    int rc = stepcodec_next_into(r, &r->cur, err);
    if (rc == 1)
        *out = r->cur;
    return rc;
}

int stepcodec_next_into(stepcodec_reader *r, struct hvt_state *cur, hvt_error *err)
{
    const uint8_t *p = r->raw + r->pos, *end = r->raw + r->len;
    if (r->done == r->nsteps) {
        if (p != end)
            return hvt_error_set(err, "corrupt step data: %zu bytes after the last "
                                 "step", (size_t)(end - p));
        return 0;
    }
    uint64_t mask, v, changed = 0;
    if (!r->done)
        memset(cur, 0, sizeof *cur);        /* the keyframe: against a zero state */
    if (!varint_get(&p, end, &mask) || (mask >> CODEC_NBITS))
        return hvt_error_set(err, "corrupt step data: bad field mask at step %u",
                             r->done);
    while (mask) {
        unsigned bit = (unsigned)__builtin_ctzll(mask);
        mask &= mask - 1;
        if (!varint_get(&p, end, &v) || apply_value(cur, bit, v))
            return hvt_error_set(err, "corrupt step data: bad value at step %u",
                                 r->done);
        if (bit != CODEC_KNOWN_BIT)
            changed |= 1ull << codec_order[bit];
    }
    r->same = r->done ? ~changed & ((1ull << HVT_NFIELDS) - 1) : 0;
    r->pos = (size_t)(p - r->raw);
    r->done++;
    return 1;
}
