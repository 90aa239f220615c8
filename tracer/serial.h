/*
 * serial: turn the guest's COM1 byte stream into lines stamped with the step at
 * which each line's last byte arrived.  The recorder polls the serial socket
 * after every step (an `out` to 0x3f8 reaches the chardev before the step's stop
 * reply), so the stamp is the step of the instruction that finished the line.
 * Pure: bytes in, lines out through a callback.  CR is dropped; a line longer
 * than SERIAL_MAX_LINE is split.
 */
#ifndef HVT_SERIAL_H
#define HVT_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_MAX_LINE 1024

typedef int (*serial_line_fn)(void *ctx, uint64_t step, const char *line);

struct serial_lines {
    char buf[SERIAL_MAX_LINE + 1];
    size_t len;
    serial_line_fn emit;
    void *ctx;
};

void serial_init(struct serial_lines *s, serial_line_fn emit, void *ctx);
/* Feed bytes that arrived by `step`; returns the first non-zero emit result. */
int serial_feed(struct serial_lines *s, uint64_t step, const char *bytes, size_t n);
/* Emit a trailing unterminated line, if any. */
int serial_flush(struct serial_lines *s, uint64_t step);

#endif
