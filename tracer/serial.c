/*
 * serial: COM1 bytes to step-stamped lines (see serial.h).
 */
#include "tracer/serial.h"

void serial_init(struct serial_lines *s, serial_line_fn emit, void *ctx)
{
    s->len = 0;
    s->emit = emit;
    s->ctx = ctx;
}

int serial_flush(struct serial_lines *s, uint64_t step)
{
    if (s->len == 0)
        return 0;
    s->buf[s->len] = 0;
    s->len = 0;
    return s->emit(s->ctx, step, s->buf);
}

int serial_feed(struct serial_lines *s, uint64_t step, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = 0;
        if (bytes[i] == '\n')
            rc = serial_flush(s, step);
        else if (bytes[i] != '\r') {
            s->buf[s->len++] = bytes[i];
            if (s->len == SERIAL_MAX_LINE)
                rc = serial_flush(s, step);
        }
        if (rc)
            return rc;
    }
    return 0;
}
