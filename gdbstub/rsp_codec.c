/*
 * rsp_codec: RSP framing as a byte-fed state machine, plus the pure encoders and
 * parsers every command needs (hex, stop replies).  No I/O, no allocation.
 *
 * Decoder states and transitions (all in rsp_decoder_feed / decode_byte):
 *   IDLE    --'$'--> PAYLOAD     '+', '-', 0x03 yield an event; others skipped
 *   PAYLOAD --'}'--> ESCAPE --any--> PAYLOAD (byte ^ 0x20 appended)
 *   PAYLOAD --'*'--> REPEAT --n----> PAYLOAD (previous byte n-29 more times)
 *   PAYLOAD --'#'--> CSUM1 --hex--> CSUM2 --hex--> IDLE + event
 *   PAYLOAD --'$'--> PAYLOAD (restart: the previous frame was cut off, as GDB does)
 * Invariant: d->len <= RSP_PAYLOAD_MAX; an overflow or a leading `*` marks the
 * frame malformed and the decoder keeps reading to its `#xx` so that it stays in
 * step with the stream, then reports RSP_EV_BAD_PACKET.  Escape and repeat bytes
 * are taken verbatim, as GDB's remote.c read_frame does: `}#` is data, not an end.
 */
#include "gdbstub/rsp_codec.h"

#include <string.h>

enum rsp_dstate { D_IDLE, D_PAYLOAD, D_ESCAPE, D_REPEAT, D_CSUM1, D_CSUM2 };

/* `c*n`: n - RLE_BIAS further copies (GDB manual: "n - 29"). */
#define RLE_BIAS 29

static const char hex_lower[] = "0123456789abcdef";

void rsp_decoder_init(struct rsp_decoder *d)
{
    d->state = D_IDLE;
    d->len = 0;
    d->payload[0] = 0;
}

int rsp_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void start_frame(struct rsp_decoder *d)
{
    d->state = D_PAYLOAD;
    d->sum = 0;
    d->len = 0;
    d->malformed = 0;
    d->csum_bad = 0;
}

static void append(struct rsp_decoder *d, uint8_t c, unsigned count)
{
    if (d->len + count > RSP_PAYLOAD_MAX) {
        d->malformed = 1;
        return;
    }
    memset(d->payload + d->len, c, count);
    d->len += count;
}

static enum rsp_event end_frame(struct rsp_decoder *d)
{
    d->state = D_IDLE;
    if (d->csum_bad || d->csum != d->sum)
        return RSP_EV_BAD_CHECKSUM;
    if (d->malformed)
        return RSP_EV_BAD_PACKET;
    d->payload[d->len] = 0;
    return RSP_EV_PACKET;
}

static enum rsp_event decode_idle(struct rsp_decoder *d, uint8_t c)
{
    switch (c) {
    case '+': return RSP_EV_ACK;
    case '-': return RSP_EV_NAK;
    case 0x03: return RSP_EV_INTERRUPT;
    case '$': start_frame(d); return RSP_EV_NONE;
    default: return RSP_EV_NONE;
    }
}

static void decode_payload(struct rsp_decoder *d, uint8_t c)
{
    if (c == '#') {
        d->state = D_CSUM1;
        return;
    }
    if (c == '$') {
        start_frame(d);
        return;
    }
    d->sum += c;
    if (c == '}')
        d->state = D_ESCAPE;
    else if (c == '*')
        d->state = D_REPEAT;
    else
        append(d, c, 1);
}

static void decode_repeat(struct rsp_decoder *d, uint8_t c)
{
    d->sum += c;
    d->state = D_PAYLOAD;
    if (d->len == 0 || c < RLE_BIAS)
        d->malformed = 1;
    else
        append(d, (uint8_t)d->payload[d->len - 1], c - RLE_BIAS);
}

static enum rsp_event decode_csum(struct rsp_decoder *d, uint8_t c)
{
    int v = rsp_hex_digit(c);
    if (v < 0) {
        d->csum_bad = 1;
        v = 0;
    }
    if (d->state == D_CSUM1) {
        d->csum = (uint8_t)(v << 4);
        d->state = D_CSUM2;
        return RSP_EV_NONE;
    }
    d->csum |= (uint8_t)v;
    return end_frame(d);
}

static enum rsp_event decode_byte(struct rsp_decoder *d, uint8_t c)
{
    switch (d->state) {
    case D_IDLE:
        return decode_idle(d, c);
    case D_PAYLOAD:
        decode_payload(d, c);
        return RSP_EV_NONE;
    case D_ESCAPE:
        d->sum += c;
        d->state = D_PAYLOAD;
        append(d, c ^ 0x20, 1);
        return RSP_EV_NONE;
    case D_REPEAT:
        decode_repeat(d, c);
        return RSP_EV_NONE;
    default:
        return decode_csum(d, c);
    }
}

/* Plain payload bytes are the bulk of every `g` and `m` reply: copy runs of them
 * without going through the per-byte switch. */
static size_t copy_plain_run(struct rsp_decoder *d, const uint8_t *p, size_t n)
{
    size_t i = 0;
    size_t room = RSP_PAYLOAD_MAX - d->len;
    uint8_t sum = d->sum;
    while (i < n && i < room) {
        uint8_t c = p[i];
        if (c == '#' || c == '$' || c == '}' || c == '*')
            break;
        d->payload[d->len + i] = (char)c;
        sum += c;
        i++;
    }
    d->len += i;
    d->sum = sum;
    return i;
}

size_t rsp_decoder_feed(struct rsp_decoder *d, const void *data, size_t n,
                        enum rsp_event *ev)
{
    const uint8_t *p = data;
    size_t i = 0;
    *ev = RSP_EV_NONE;
    while (i < n) {
        if (d->state == D_PAYLOAD) {
            size_t run = copy_plain_run(d, p + i, n - i);
            i += run;
            if (i == n)
                break;
        }
        enum rsp_event e = decode_byte(d, p[i++]);
        if (e != RSP_EV_NONE) {
            *ev = e;
            break;
        }
    }
    return i;
}

static int needs_escape(uint8_t c)
{
    return c == '$' || c == '#' || c == '}' || c == '*';
}

size_t rsp_encode(const void *payload, size_t n, char *out, size_t cap)
{
    const uint8_t *p = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 1)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (o + 2 >= cap)
            return 0;
        if (needs_escape(c)) {
            out[o++] = '}';
            sum += '}';
            c ^= 0x20;
        }
        out[o++] = (char)c;
        sum += c;
    }
    if (o + 4 > cap)
        return 0;
    out[o++] = '#';
    out[o++] = hex_lower[sum >> 4];
    out[o++] = hex_lower[sum & 0xf];
    out[o] = 0;
    return o;
}

void rsp_hex_encode(const void *src, size_t n, char *dst)
{
    const uint8_t *p = src;
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = hex_lower[p[i] >> 4];
        dst[2 * i + 1] = hex_lower[p[i] & 0xf];
    }
    dst[2 * n] = 0;
}

int rsp_hex_decode(const char *hex, size_t nhex, void *dst)
{
    uint8_t *out = dst;
    if (nhex % 2)
        return -1;
    for (size_t i = 0; i < nhex / 2; i++) {
        int hi = rsp_hex_digit((unsigned char)hex[2 * i]);
        int lo = rsp_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(nhex / 2);
}

int rsp_hex_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 16)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int d = rsp_hex_digit((unsigned char)s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

static enum rsp_stop_reason reason_by_name(const char *name, size_t n)
{
    static const struct { const char *name; enum rsp_stop_reason r; } names[] = {
        { "watch", RSP_REASON_WATCH },     { "rwatch", RSP_REASON_RWATCH },
        { "awatch", RSP_REASON_AWATCH },   { "swbreak", RSP_REASON_SWBREAK },
        { "hwbreak", RSP_REASON_HWBREAK },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && memcmp(names[i].name, name, n) == 0)
            return names[i].r;
    return RSP_REASON_NONE;
}

/* One `name:value` pair of a T reply.  Numeric names are register values (GDB
 * manual: "n is a hex number") and are not needed: the session reads `g`. */
static int stop_pair(struct rsp_stop *out, const char *p, size_t n)
{
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return -1;
    size_t nlen = (size_t)(colon - p), vlen = n - nlen - 1;
    const char *val = colon + 1;
    if (nlen == 6 && memcmp(p, "thread", 6) == 0) {
        if (vlen >= sizeof out->thread)
            return -1;
        memcpy(out->thread, val, vlen);
        out->thread[vlen] = 0;
        return 0;
    }
    enum rsp_stop_reason r = reason_by_name(p, nlen);
    if (r == RSP_REASON_NONE)
        return 0;
    out->reason = r;
    if (r == RSP_REASON_SWBREAK || r == RSP_REASON_HWBREAK)
        return 0;
    return rsp_hex_u64(val, vlen, &out->watch_addr);
}

int rsp_parse_stop(const char *p, size_t n, struct rsp_stop *out)
{
    uint64_t code;
    memset(out, 0, sizeof *out);
    if (n < 3 || rsp_hex_u64(p + 1, 2, &code) < 0)
        return -1;
    out->code = (unsigned)code;
    switch (p[0]) {
    case 'S': out->kind = RSP_STOP_SIGNAL; return n == 3 ? 0 : -1;
    case 'W': out->kind = RSP_STOP_EXITED; return 0;   /* may carry ;process:pid */
    case 'X': out->kind = RSP_STOP_KILLED; return 0;
    case 'T': out->kind = RSP_STOP_SIGNAL; break;
    default: return -1;
    }
    for (size_t i = 3; i < n;) {
        const char *semi = memchr(p + i, ';', n - i);
        size_t end = semi ? (size_t)(semi - p) : n;
        if (stop_pair(out, p + i, end - i) < 0)
            return -1;
        i = end + 1;
    }
    return 0;
}
