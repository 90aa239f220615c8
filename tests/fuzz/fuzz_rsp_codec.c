/*
 * fuzz_rsp_codec: arbitrary bytes through the RSP decoder (fed in pieces whose
 * sizes come from the input, as TCP may cut them), the stop-reply parser and the
 * hex helpers; and every input as a payload through rsp_encode then the decoder,
 * which must give it back unchanged.  Aborts on any broken invariant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/rsp_codec.h"

static struct rsp_decoder dec;
static char frame[2 * 4096 + 8];

static void feed_pieces(const uint8_t *data, size_t size)
{
    size_t step = size ? (size_t)data[0] % 17 + 1 : 1;
    rsp_decoder_init(&dec);
    for (size_t i = 0; i < size;) {
        size_t n = size - i < step ? size - i : step;
        enum rsp_event ev;
        size_t used = rsp_decoder_feed(&dec, data + i, n, &ev);
        if (used == 0 || used > n || dec.len > RSP_PAYLOAD_MAX)
            abort();
        if (ev == RSP_EV_PACKET) {
            struct rsp_stop st;
            if (dec.payload[dec.len] != 0)
                abort();
            rsp_parse_stop(dec.payload, dec.len, &st);
        }
        if (ev == RSP_EV_NONE && used != n)
            abort();
        i += used;
    }
}

static void roundtrip(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return;
    size_t fl = rsp_encode(data, size, frame, sizeof frame);
    if (fl == 0)
        abort();
    enum rsp_event ev;
    rsp_decoder_init(&dec);
    if (rsp_decoder_feed(&dec, frame, fl, &ev) != fl || ev != RSP_EV_PACKET ||
        dec.len != size || memcmp(dec.payload, data, size) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t bytes[4096];
    uint64_t v;
    feed_pieces(data, size);
    roundtrip(data, size);
    if (size <= 2 * sizeof bytes)
        rsp_hex_decode((const char *)data, size & ~(size_t)1, bytes);
    rsp_hex_u64((const char *)data, size, &v);
    return 0;
}
