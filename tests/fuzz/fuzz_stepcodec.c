/*
 * fuzz_stepcodec: decodes arbitrary bytes as a chunk blob (db/stepcodec.c).
 * The decoder must fail with a message or decode cleanly, never read out of
 * bounds, hang or leak.  When a blob decodes, re-encoding its states and decoding
 * again must give the same states (the codec is a bijection on what it accepts,
 * up to deflate's choice of bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "db/stepcodec.h"

#define FUZZ_MAX_STEPS 4096     /* keep each input cheap */

static size_t decode_all(const uint8_t *data, size_t size, struct hvt_state *out)
{
    stepcodec_reader r;
    hvt_error err = { { 0 } };
    size_t n = 0;
    int rc = -1;
    stepcodec_reader_init(&r);
    if (stepcodec_reader_open(&r, data, size, &err) == 0)
        while (n < FUZZ_MAX_STEPS && (rc = stepcodec_next(&r, &out[n], &err)) == 1)
            n++;
    stepcodec_reader_free(&r);
    if (rc == -1 && !err.msg[0])
        abort();                /* a failure must always say why */
    return rc == 0 ? n : SIZE_MAX;
}

/* Field by field: struct padding is not part of a state. */
static int same_states(const struct hvt_state *a, const struct hvt_state *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].known != b[i].known || memcmp(a[i].f, b[i].f, sizeof a[i].f))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hvt_state a[FUZZ_MAX_STEPS], b[FUZZ_MAX_STEPS];
    size_t n = decode_all(data, size, a);
    if (n == SIZE_MAX)
        return 0;
    stepcodec_writer w;
    uint8_t *blob;
    size_t len;
    stepcodec_writer_init(&w);
    for (size_t i = 0; i < n; i++)
        if (stepcodec_put(&w, &a[i], NULL))
            abort();
    if (stepcodec_seal(&w, &blob, &len, NULL))
        abort();
    stepcodec_writer_free(&w);
    if (decode_all(blob, len, b) != n || !same_states(a, b, n))
        abort();
    free(blob);
    return 0;
}
