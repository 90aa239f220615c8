/*
 * rsp_codec: the GDB Remote Serial Protocol's byte-level format, with no I/O.
 *
 * Framing (GDB manual, "Remote Protocol > Overview"): a packet is
 * `$payload#xx`, xx the modulo-256 sum of the bytes between `$` and `#` in two
 * lower-case hex digits.  Inside a payload `}` escapes the next byte (sent XOR
 * 0x20) and `*` run-length encodes: `c*n` stands for c followed by n-29 more
 * copies of c.  Between packets single bytes mean: `+` ack, `-` nak (resend),
 * 0x03 interrupt.  Everything else between packets is noise and is skipped.
 *
 * rsp_decoder is fed bytes and reports one event at a time; the decoded payload
 * of a PACKET event stays valid until the next feed.  Command helpers here are
 * pure parsers and encoders (hex, stop replies); sessions live in rsp.h.
 */
#ifndef HVT_RSP_CODEC_H
#define HVT_RSP_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Largest decoded payload.  QEMU 7.2's own limit is 4096 (PacketSize=1000); the
 * margin covers run-length expansion from other stubs. */
#define RSP_PAYLOAD_MAX 65536

enum rsp_event {
    RSP_EV_NONE,            /* all bytes consumed, nothing complete yet */
    RSP_EV_ACK,             /* '+' */
    RSP_EV_NAK,             /* '-': the peer wants the last packet again */
    RSP_EV_INTERRUPT,       /* 0x03 */
    RSP_EV_PACKET,          /* a packet with a correct checksum */
    RSP_EV_BAD_CHECKSUM,    /* a packet whose checksum did not match (or was not hex) */
    RSP_EV_BAD_PACKET,      /* checksum fine but payload malformed: overflow, `*` first */
};

struct rsp_decoder {
    uint8_t state;          /* enum rsp_dstate in rsp_codec.c */
    uint8_t sum;            /* running checksum of the raw bytes after `$` */
    uint8_t csum;           /* checksum digits received so far */
    uint8_t csum_bad;       /* a checksum digit was not hex */
    uint8_t malformed;      /* payload error seen; reported at `#xx` */
    size_t len;             /* decoded payload bytes */
    char payload[RSP_PAYLOAD_MAX + 1];  /* NUL-terminated on RSP_EV_PACKET */
};

void rsp_decoder_init(struct rsp_decoder *d);
/* Consume bytes from data until one event completes or all n are used.  Returns
 * the number of bytes consumed and sets *ev (RSP_EV_NONE if none completed).
 * On RSP_EV_PACKET the payload is d->payload[0 .. d->len). */
size_t rsp_decoder_feed(struct rsp_decoder *d, const void *data, size_t n,
                        enum rsp_event *ev);

/* Frame a payload as `$...#xx`, escaping `$ # } *`.  Returns the frame length
 * (a NUL follows it), or 0 if cap is too small. */
size_t rsp_encode(const void *payload, size_t n, char *out, size_t cap);

/* Hex helpers.  Encoding writes 2n lower-case digits plus a NUL. */
void rsp_hex_encode(const void *src, size_t n, char *dst);
/* Decode nhex digits (must be even) into nhex/2 bytes; -1 on a non-hex digit. */
int rsp_hex_decode(const char *hex, size_t nhex, void *dst);
/* A big-endian hex number of 1..16 digits (addresses, exit codes); 0 or -1. */
int rsp_hex_u64(const char *s, size_t n, uint64_t *out);
int rsp_hex_digit(int c);   /* 0..15, or -1 */

/* Stop replies (GDB manual, "Stop Reply Packets"). */
enum rsp_stop_kind {
    RSP_STOP_SIGNAL,        /* `S AA` or `T AA ...`: stopped with signal AA */
    RSP_STOP_EXITED,        /* `W AA`: process exited with status AA */
    RSP_STOP_KILLED,        /* `X AA`: terminated by signal AA */
};
enum rsp_stop_reason {
    RSP_REASON_NONE, RSP_REASON_WATCH, RSP_REASON_RWATCH, RSP_REASON_AWATCH,
    RSP_REASON_SWBREAK, RSP_REASON_HWBREAK,
};
struct rsp_stop {
    enum rsp_stop_kind kind;
    unsigned code;              /* signal number or exit status */
    enum rsp_stop_reason reason;/* from a T reply's watch/rwatch/awatch/..break */
    uint64_t watch_addr;        /* data address for the watch reasons */
    char thread[32];            /* T reply's thread id as sent ("p01.01"), or "" */
};
/* Parse a stop reply payload; -1 if it is not one (e.g. "OK", "E01", "O..."). */
int rsp_parse_stop(const char *p, size_t n, struct rsp_stop *out);

#endif
