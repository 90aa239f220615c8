/*
 * test_stepcodec: the chunk codec alone (db/stepcodec.c).  Round trips are
 * checked against the input states, not against expected bytes: edge values
 * (0, all ones, sign flips, `known` changes) must come back exactly, and
 * the fields said unchanged must be; every
 * truncation and a sweep of single-byte corruptions must fail cleanly or decode
 * to the exact original; the blob's own header must be rejected when it lies.
 */
#include "db/stepcodec.h"

#include <stdlib.h>

#include "tests/unit/unit.h"

/* Deterministic 64-bit generator (splitmix64, Steele et al., OOPSLA 2014). */
static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* State n of a sequence touching every field with awkward values. */
static void edge_state(uint64_t n, struct hvt_state *s, uint64_t *seed)
{
    static const uint64_t vals[] = { 0, 1, ~0ull, 0x8000000000000000ull,
                                     0x7fffffffffffffffull, 0xfff0, 0x7c00 };
    uint64_t r = mix(seed);
    int f = (int)(r % HVT_NFIELDS);
    s->f[f] = (r >> 8) & 1 ? vals[(r >> 16) % 7] : mix(seed);
    s->f[HVT_RIP] += (r >> 24) & 1 ? 0 - (r >> 40) : (r >> 40) & 0xff;
    if (n % 97 == 0)
        s->known = (uint32_t)mix(seed);
}

static uint8_t *encode(const struct hvt_state *st, size_t n, size_t *len)
{
    stepcodec_writer w;
    uint8_t *blob = NULL;
    stepcodec_writer_init(&w);
    for (size_t i = 0; i < n; i++)
        if (stepcodec_put(&w, &st[i], NULL))
            return NULL;
    if (stepcodec_seal(&w, &blob, len, NULL))
        blob = NULL;
    stepcodec_writer_free(&w);
    return blob;
}

/* Field by field: struct padding is not part of a state. */
static int same_state(const struct hvt_state *a, const struct hvt_state *b)
{
    return a->known == b->known && memcmp(a->f, b->f, sizeof a->f) == 0;
}

/* The fields of b equal to a's: the most the reader's `same` may say. */
static uint64_t unchanged(const struct hvt_state *a, const struct hvt_state *b)
{
    uint64_t m = 0;
    for (int i = 0; i < HVT_NFIELDS; i++)
        m |= (uint64_t)(a->f[i] == b->f[i]) << i;
    return m;
}

/* 1: blob decodes to exactly st[0..n), each step's `same` naming only fields
 * equal to the step before's (none for the first); 0: decoder reported an error;
 * -1: decoded without error to something else (a codec bug). */
static int decode_matches(const uint8_t *blob, size_t len, const struct hvt_state *st,
                          size_t n)
{
    stepcodec_reader r;
    hvt_error err = { { 0 } };
    struct hvt_state s;
    size_t i = 0;
    int rc;
    stepcodec_reader_init(&r);
    if (stepcodec_reader_open(&r, blob, len, &err)) {
        stepcodec_reader_free(&r);
        return err.msg[0] ? 0 : -1;
    }
    int same = r.nsteps == n;
    while ((rc = stepcodec_next(&r, &s, &err)) == 1) {
        same = same && i < n && same_state(&s, &st[i]) &&
               !(r.same & ~(i ? unchanged(&st[i - 1], &st[i]) : 0));
        i++;
    }
    stepcodec_reader_free(&r);
    if (rc < 0)
        return err.msg[0] ? 0 : -1;
    return same && i == n ? 1 : -1;
}

#define NEDGE 3000

static struct hvt_state *edge_states(void)
{
    struct hvt_state *st = calloc(NEDGE, sizeof *st), cur = { .known = 0x3f };
    uint64_t seed = 42;
    for (size_t i = 0; st && i < NEDGE; i++) {
        edge_state(i, &cur, &seed);
        st[i] = cur;
    }
    return st;
}

UNIT_TEST(roundtrip_edge_values)
{
    struct hvt_state *st = edge_states();
    size_t len;
    CHECK(st);
    uint8_t *blob = encode(st, NEDGE, &len);
    CHECK(blob);
    CHECK(decode_matches(blob, len, st, NEDGE) == 1);
    stepcodec_reader r;                     /* the encoder's deltas: `same` exact */
    struct hvt_state s;
    stepcodec_reader_init(&r);
    CHECK(stepcodec_reader_open(&r, blob, len, NULL) == 0);
    for (size_t i = 0; stepcodec_next(&r, &s, NULL) == 1; i++)
        CHECK(r.same == (i ? unchanged(&st[i - 1], &st[i]) : 0));
    stepcodec_reader_free(&r);
    free(blob);
    free(st);
}

UNIT_TEST(empty_and_identical_steps)
{
    struct hvt_state st[3];
    size_t len;
    memset(st, 0, sizeof st);            /* identical to the implicit zero state */
    uint8_t *blob = encode(st, 0, &len);
    CHECK(blob && decode_matches(blob, len, st, 0) == 1);
    free(blob);
    blob = encode(st, 3, &len);
    CHECK(blob && decode_matches(blob, len, st, 3) == 1);
    free(blob);
}

UNIT_TEST(every_truncation_fails)
{
    struct hvt_state *st = edge_states();
    size_t len;
    uint8_t *blob = encode(st, 200, &len);
    CHECK(blob);
    for (size_t cut = 0; cut < len; cut++)
        CHECK(decode_matches(blob, cut, st, 200) == 0);
    free(blob);
    free(st);
}

UNIT_TEST(corruptions_never_decode_wrong)
{
    struct hvt_state *st = edge_states();
    size_t len;
    uint8_t *blob = encode(st, 200, &len);
    CHECK(blob);
    /* zlib's adler32 guards the body; the header fields are checked against it.
     * A flip in the padding bits after deflate's last block changes nothing, so
     * "decodes to the original" is allowed; decoding to anything else is not. */
    int rejected = 0;
    for (size_t at = 0; at < len; at++)
        for (int bit = 0; bit < 8; bit++) {
            blob[at] ^= (uint8_t)(1u << bit);
            int rc = decode_matches(blob, len, st, 200);
            CHECK(rc >= 0);
            rejected += rc == 0;
            blob[at] ^= (uint8_t)(1u << bit);
        }
    CHECK(rejected >= (int)(8 * len) - 8);
    free(blob);
    free(st);
}

UNIT_TEST(lying_header_rejected)
{
    /* version 1, 2^40 steps claimed, 10 body bytes, no stream */
    const uint8_t huge[] = { 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 10 };
    const uint8_t badver[] = { 2, 0, 0 };
    const uint8_t overlong[] = { 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0x01, 0 };
    hvt_error err = { { 0 } };
    stepcodec_reader r;
    stepcodec_reader_init(&r);
    CHECK(stepcodec_reader_open(&r, huge, sizeof huge, &err) == -1);
    CHECK(strstr(err.msg, "steps"));
    hvt_error_clear(&err);
    CHECK(stepcodec_reader_open(&r, badver, sizeof badver, &err) == -1);
    CHECK(strstr(err.msg, "version"));
    hvt_error_clear(&err);
    CHECK(stepcodec_reader_open(&r, overlong, sizeof overlong, &err) == -1);
    stepcodec_reader_free(&r);
}

UNIT_TEST(chunk_limit_enforced)
{
    stepcodec_writer w;
    struct hvt_state s = { .known = 1 };
    hvt_error err = { { 0 } };
    int rc = 0;
    stepcodec_writer_init(&w);
    for (uint32_t i = 0; i <= STEPCODEC_MAX_STEPS && !rc; i++) {
        s.f[HVT_RIP] = i;
        rc = stepcodec_put(&w, &s, &err);
    }
    CHECK_EQ_U64(w.nsteps, STEPCODEC_MAX_STEPS);
    CHECK(rc == -1 && strstr(err.msg, "steps"));
    stepcodec_writer_free(&w);
}

UNIT_MAIN()
