/*
 * serial: turn the guest's COM1 byte stream into lines stamped with the step of
 * the instruction that sent each line's last byte.  Pure: bytes and steps in,
 * lines out through a callback; no I/O.  CR is dropped; a NUL byte is kept as
 * the text \x00 (lines are C strings: a raw NUL would cut the line there); a
 * line longer than SERIAL_MAX_LINE is split.
 *
 * Two ways to stamp:
 *   - serial_feed(step, bytes): the caller knows the bytes were sent by `step`
 *     (the RSP engine reads COM1 right after each `out`; the free run to
 *     --from stamps everything 0).
 *   - serial_hold(bytes) + serial_sent(step): the caller reads COM1 whenever it
 *     likes (the log engine: QEMU runs ahead of its log), and reports each step
 *     the trace shows sending a byte to COM1 (serial_thr.h).  The k-th byte
 *     held gets the k-th step sent: both are in program order, and every byte
 *     in COM1's output was sent by exactly one such step.  serial_settle(step)
 *     stamps whatever is still unmatched with `step` and forgets steps without
 *     a byte: call it when the VM is stopped and the trace is complete up to
 *     `step`, so a miscounted write cannot shift later stamps.
 */
#ifndef HVT_SERIAL_H
#define HVT_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_MAX_LINE 1024
#define SERIAL_MAX_HELD (1u << 20)  /* more unmatched bytes or steps: settled */

typedef int (*serial_line_fn)(void *ctx, uint64_t step, const char *line);

struct serial_lines {
    char buf[SERIAL_MAX_LINE + 1];
    size_t len;
    serial_line_fn emit;
    void *ctx;
    char *held;                 /* bytes read, not yet matched to a step */
    size_t nheld, capheld;
    uint64_t *sent;             /* steps that sent a byte, not yet matched */
    size_t nsent, capsent;
    int failed;                 /* out of memory: stamps fall back to settle's */
};

void serial_init(struct serial_lines *s, serial_line_fn emit, void *ctx);
void serial_free(struct serial_lines *s);
/* Feed bytes sent by `step`; returns the first non-zero emit result. */
int serial_feed(struct serial_lines *s, uint64_t step, const char *bytes, size_t n);
/* Bytes read from COM1 whose sending steps come through serial_sent. */
int serial_hold(struct serial_lines *s, const char *bytes, size_t n);
/* The trace shows `step` sending one byte to COM1. */
int serial_sent(struct serial_lines *s, uint64_t step);
/* Stamp every held byte with `step`, forget unmatched steps. */
int serial_settle(struct serial_lines *s, uint64_t step);
/* Emit a trailing unterminated line, if any. */
int serial_flush(struct serial_lines *s, uint64_t step);

#endif
