/*
 * test_rsp_codec: RSP framing and the pure parsers, against frames QEMU 7.2 and
 * GDB actually exchange (tests/unit/data/qemu72-{i386,x86_64}/session.txt) and the GDB
 * manual's own examples ("Overview": `0* ` is "0000"; escapes XOR 0x20).
 */
#include "tests/unit/unit.h"
#include "gdbstub/rsp_codec.h"

#include <stdlib.h>

static struct rsp_decoder dec;

/* Feed a whole string; collect up to 8 events, payload of the last packet kept. */
static int feed_all(const char *s, size_t n, enum rsp_event *evs, int max,
                    char *last, size_t *last_len)
{
    int k = 0;
    size_t i = 0;
    while (i < n) {
        enum rsp_event ev;
        i += rsp_decoder_feed(&dec, s + i, n - i, &ev);
        if (ev == RSP_EV_NONE)
            continue;
        if (k < max)
            evs[k] = ev;
        k++;
        if (ev == RSP_EV_PACKET && last) {
            memcpy(last, dec.payload, dec.len + 1);
            *last_len = dec.len;
        }
    }
    return k;
}

static int decode_one(const char *frame, char *payload, size_t *len)
{
    enum rsp_event evs[8];
    rsp_decoder_init(&dec);
    int k = feed_all(frame, strlen(frame), evs, 8, payload, len);
    return k == 1 ? (int)evs[0] : -1;
}

UNIT_TEST(encode_matches_qemu_frames)
{
    char out[64];
    /* Frames copied from the QEMU 7.2 transcripts. */
    CHECK_EQ_U64(rsp_encode("g", 1, out, sizeof out), 5);
    CHECK_STR(out, "$g#67");
    rsp_encode("s", 1, out, sizeof out);
    CHECK_STR(out, "$s#73");
    rsp_encode("?", 1, out, sizeof out);
    CHECK_STR(out, "$?#3f");
    rsp_encode("T05thread:01;", 13, out, sizeof out);
    CHECK_STR(out, "$T05thread:01;#07");
}

UNIT_TEST(encode_escapes_special_bytes)
{
    char out[64];
    /* `$ # } *` go out as `}` + byte^0x20: 0x04 0x03 0x5d 0x0a. */
    size_t n = rsp_encode("a$#}*b", 6, out, sizeof out);
    CHECK_EQ_U64(n, 1 + 10 + 3);
    CHECK(memcmp(out, "$a}\x04}\x03}]}\x0a" "b#", 12) == 0);
    unsigned sum = 0;
    for (size_t i = 1; i < n - 3; i++)
        sum += (unsigned char)out[i];
    char want[3];
    snprintf(want, sizeof want, "%02x", sum & 0xff);
    CHECK(memcmp(out + n - 2, want, 2) == 0);
}

UNIT_TEST(encode_refuses_small_buffer)
{
    char out[8];
    CHECK_EQ_U64(rsp_encode("abcd", 4, out, sizeof out), 0);   /* needs 9 + NUL */
    CHECK_EQ_U64(rsp_encode("abc", 3, out, sizeof out), 7);
    CHECK_EQ_U64(rsp_encode("}}}", 3, out, sizeof out), 0);
}

UNIT_TEST(decode_single_bytes)
{
    enum rsp_event evs[8];
    rsp_decoder_init(&dec);
    CHECK_EQ_U64(feed_all("+-\x03xyz+", 7, evs, 8, NULL, NULL), 4);
    CHECK_EQ_U64(evs[0], RSP_EV_ACK);
    CHECK_EQ_U64(evs[1], RSP_EV_NAK);
    CHECK_EQ_U64(evs[2], RSP_EV_INTERRUPT);
    CHECK_EQ_U64(evs[3], RSP_EV_ACK);
}

UNIT_TEST(decode_qemu_packet)
{
    char p[128];
    size_t n;
    CHECK_EQ_U64(decode_one("$T05thread:01;#07", p, &n), RSP_EV_PACKET);
    CHECK_STR(p, "T05thread:01;");
    CHECK_EQ_U64(n, 13);
    CHECK_EQ_U64(decode_one("$OK#9a", p, &n), RSP_EV_PACKET);
    CHECK_STR(p, "OK");
    CHECK_EQ_U64(decode_one("$#00", p, &n), RSP_EV_PACKET);   /* empty reply */
    CHECK_EQ_U64(n, 0);
    CHECK_EQ_U64(decode_one("$OK#9A", p, &n), RSP_EV_PACKET); /* upper-case digits */
}

UNIT_TEST(decode_bad_checksum)
{
    char p[64];
    size_t n;
    CHECK_EQ_U64(decode_one("$OK#9b", p, &n), RSP_EV_BAD_CHECKSUM);
    CHECK_EQ_U64(decode_one("$OK#9g", p, &n), RSP_EV_BAD_CHECKSUM);
    CHECK_EQ_U64(decode_one("$OK#zz", p, &n), RSP_EV_BAD_CHECKSUM);
}

UNIT_TEST(decode_run_length)
{
    char p[128], frame[64];
    size_t n;
    /* GDB manual: "0* " is "0000" (' ' = 32: 3 more copies). */
    unsigned sum = '0' + '*' + ' ';
    snprintf(frame, sizeof frame, "$0* #%02x", sum & 0xff);
    CHECK_EQ_U64(decode_one(frame, p, &n), RSP_EV_PACKET);
    CHECK_STR(p, "0000");
    /* '~' = 126: 97 more copies; then plain text continues. */
    sum = 'x' + '*' + '~' + 'y';
    snprintf(frame, sizeof frame, "$x*~y#%02x", sum & 0xff);
    CHECK_EQ_U64(decode_one(frame, p, &n), RSP_EV_PACKET);
    CHECK_EQ_U64(n, 99);
    CHECK(p[0] == 'x' && p[97] == 'x' && p[98] == 'y');
    /* A repeat with nothing before it is malformed, but the frame is consumed. */
    sum = '*' + ' ';
    snprintf(frame, sizeof frame, "$* #%02x", sum & 0xff);
    CHECK_EQ_U64(decode_one(frame, p, &n), RSP_EV_BAD_PACKET);
}

UNIT_TEST(decode_escape)
{
    char p[64];
    size_t n;
    char frame[64];
    rsp_encode("#$}*\x03", 5, frame, sizeof frame);
    CHECK_EQ_U64(decode_one(frame, p, &n), RSP_EV_PACKET);
    CHECK_EQ_U64(n, 5);
    CHECK(memcmp(p, "#$}*\x03", 5) == 0);
}

UNIT_TEST(decode_roundtrip_all_bytes)
{
    static char payload[256], frame[1024], p[RSP_PAYLOAD_MAX + 1];
    size_t n;
    for (int i = 0; i < 256; i++)
        payload[i] = (char)i;
    size_t fl = rsp_encode(payload, 256, frame, sizeof frame);
    CHECK(fl > 0);
    enum rsp_event evs[4];
    rsp_decoder_init(&dec);
    CHECK_EQ_U64(feed_all(frame, fl, evs, 4, p, &n), 1);
    CHECK_EQ_U64(evs[0], RSP_EV_PACKET);
    CHECK_EQ_U64(n, 256);
    CHECK(memcmp(p, payload, 256) == 0);
}

/* A frame split at every position, fed byte by byte and in two pieces, yields
 * the same single packet: TCP may cut anywhere. */
UNIT_TEST(decode_split_feeds)
{
    const char *frame = "+$T05thread:01;#07+";
    size_t fl = strlen(frame);
    for (size_t cut = 0; cut <= fl; cut++) {
        enum rsp_event evs[8];
        char p[64];
        size_t n = 0;
        rsp_decoder_init(&dec);
        int k = feed_all(frame, cut, evs, 8, p, &n);
        k += feed_all(frame + cut, fl - cut, evs + k, 8 - k, p, &n);
        CHECK_EQ_U64(k, 3);
        CHECK_EQ_U64(evs[1], RSP_EV_PACKET);
        CHECK_STR(p, "T05thread:01;");
    }
}

UNIT_TEST(decode_garbage_and_restart)
{
    enum rsp_event evs[8];
    char p[64];
    size_t n;
    rsp_decoder_init(&dec);
    /* Noise before a frame is skipped; a '$' inside a frame starts a new one. */
    const char *s = "noise\r\n$OK$S05#b8";
    CHECK_EQ_U64(feed_all(s, strlen(s), evs, 8, p, &n), 1);
    CHECK_EQ_U64(evs[0], RSP_EV_PACKET);
    CHECK_STR(p, "S05");
}

UNIT_TEST(decode_overflow_recovers)
{
    size_t big = RSP_PAYLOAD_MAX + 10;
    char *s = malloc(big + 8);
    CHECK(s);
    s[0] = '$';
    memset(s + 1, 'a', big);
    unsigned sum = (unsigned)('a' * big);
    snprintf(s + 1 + big, 7, "#%02x", sum & 0xff);
    enum rsp_event evs[4];
    char p[16];
    size_t n;
    rsp_decoder_init(&dec);
    int k = feed_all(s, strlen(s), evs, 4, NULL, NULL);
    free(s);
    CHECK_EQ_U64(k, 1);
    CHECK_EQ_U64(evs[0], RSP_EV_BAD_PACKET);
    CHECK_EQ_U64(feed_all("$OK#9a", 6, evs, 4, p, &n), 1);
    CHECK_STR(p, "OK");
}

UNIT_TEST(hex_helpers)
{
    char hex[16];
    uint8_t b[4];
    uint64_t v;
    rsp_hex_encode("\x00\xab\xff", 3, hex);
    CHECK_STR(hex, "00abff");
    CHECK_EQ_U64(rsp_hex_decode("5be0F0", 6, b), 3);
    CHECK(b[0] == 0x5b && b[1] == 0xe0 && b[2] == 0xf0);
    CHECK(rsp_hex_decode("5be", 3, b) < 0);
    CHECK(rsp_hex_decode("xx", 2, b) < 0);       /* "unavailable" in a g reply */
    CHECK_EQ_U64(rsp_hex_u64("ffff0", 5, &v), 0);
    CHECK_EQ_U64(v, 0xffff0);
    CHECK_EQ_U64(rsp_hex_u64("ffffffffffffffff", 16, &v), 0);
    CHECK_EQ_U64(v, UINT64_MAX);
    CHECK(rsp_hex_u64("10000000000000000", 17, &v) < 0);
    CHECK(rsp_hex_u64("", 0, &v) < 0);
    CHECK(rsp_hex_u64("1g", 2, &v) < 0);
}

UNIT_TEST(stop_replies)
{
    struct rsp_stop st;
    CHECK_EQ_U64(rsp_parse_stop("S05", 3, &st), 0);
    CHECK_EQ_U64(st.kind, RSP_STOP_SIGNAL);
    CHECK_EQ_U64(st.code, 5);
    /* QEMU 7.2, with and without multiprocess+. */
    CHECK_EQ_U64(rsp_parse_stop("T05thread:01;", 13, &st), 0);
    CHECK_STR(st.thread, "01");
    CHECK_EQ_U64(st.reason, RSP_REASON_NONE);
    CHECK_EQ_U64(rsp_parse_stop("T02thread:p01.01;", 17, &st), 0);
    CHECK_EQ_U64(st.code, 2);
    CHECK_STR(st.thread, "p01.01");
    /* QEMU's watchpoint form: T05thread:..;watch:ADDR; */
    const char *w = "T05thread:01;awatch:7c00;";
    CHECK_EQ_U64(rsp_parse_stop(w, strlen(w), &st), 0);
    CHECK_EQ_U64(st.reason, RSP_REASON_AWATCH);
    CHECK_EQ_U64(st.watch_addr, 0x7c00);
    const char *h = "T05hwbreak:;08:f0ff0000;thread:01;";
    CHECK_EQ_U64(rsp_parse_stop(h, strlen(h), &st), 0);
    CHECK_EQ_U64(st.reason, RSP_REASON_HWBREAK);
    CHECK_EQ_U64(rsp_parse_stop("W00", 3, &st), 0);
    CHECK_EQ_U64(st.kind, RSP_STOP_EXITED);
    CHECK_EQ_U64(rsp_parse_stop("W01;process:1", 13, &st), 0);
    CHECK_EQ_U64(st.code, 1);
    CHECK_EQ_U64(rsp_parse_stop("X09", 3, &st), 0);
    CHECK_EQ_U64(st.kind, RSP_STOP_KILLED);
    CHECK_EQ_U64(st.code, 9);
    CHECK(rsp_parse_stop("OK", 2, &st) < 0);
    CHECK(rsp_parse_stop("E01", 3, &st) < 0);
    CHECK(rsp_parse_stop("S0", 2, &st) < 0);
    CHECK(rsp_parse_stop("S05x", 4, &st) < 0);
    CHECK(rsp_parse_stop("T05watch:zz;", 12, &st) < 0);
    CHECK(rsp_parse_stop("T05junk;", 8, &st) < 0);
}

UNIT_MAIN()
