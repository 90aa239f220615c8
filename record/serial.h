/*
 * serial: turn the guest's COM1 byte stream into lines stamped with the step of
 * the instruction that sent each line's last byte.  Pure: bytes and steps in,
 * lines out through a callback; no I/O.
 *
 * The line rule keeps every byte the guest sent but the line ends: a line
 * ends at LF, and a CR right before that LF (CR LF: the BIOS, Linux, hv) or
 * right after it (LF CR: GRUB's terminal) is part of the end; a terminal shows
 * all three alike.  Any other CR (BS\rCR, the first CR of CR CR LF, a CR the
 * output ends with) is a byte of the line, as are NUL and every other byte;
 * an empty line (CR LF alone) is a line.  So the guest's output is the lines
 * joined with their ends, byte for byte, up to the form of each end (LF, CR
 * LF, LF CR).  A line longer than SERIAL_MAX_LINE is split.
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
 *
 * Two writers share COM1 under hv: the guest and hv (its log lines).  Each
 * byte comes with its writer (SERIAL_GUEST or SERIAL_HV, from the pc of the
 * step that sent it), and each writer has its own line: when hv logs while
 * the guest is half-way through a line, the guest's line is emitted whole
 * when its own newline comes, and hv's line on its own.  Bytes whose writer
 * is unknown (read time stamps, settle) are the guest's.
 */
#ifndef HVT_SERIAL_H
#define HVT_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_MAX_LINE 1024
#define SERIAL_MAX_HELD (1u << 20)  /* more unmatched bytes or steps: settled */

enum serial_src { SERIAL_GUEST, SERIAL_HV, SERIAL_NSRC };

/* line: len bytes, NUL-terminated after them (a NUL the guest sent may come
 * earlier). */
typedef int (*serial_line_fn)(void *ctx, uint64_t step, const char *line, size_t len);

struct serial_sent_step {
    uint64_t step;
    uint8_t src;                /* enum serial_src */
};

struct serial_lines {
    char buf[SERIAL_NSRC][SERIAL_MAX_LINE + 1];   /* each writer's line so far */
    size_t len[SERIAL_NSRC];
    uint8_t cr[SERIAL_NSRC];    /* each writer's last byte was a CR, not yet placed */
    uint8_t lf[SERIAL_NSRC];    /* ... was the LF of a line end (a CR now ends it too) */
    serial_line_fn emit;
    void *ctx;
    char *held;                 /* bytes read, not yet matched to a step */
    size_t nheld, capheld;
    struct serial_sent_step *sent;  /* steps that sent a byte, not yet matched */
    size_t nsent, capsent;
    int failed;                 /* out of memory: stamps fall back to settle's */
};

void serial_init(struct serial_lines *s, serial_line_fn emit, void *ctx);
void serial_free(struct serial_lines *s);
/* Feed bytes sent by `step` (of the guest); returns the first non-zero emit result. */
int serial_feed(struct serial_lines *s, uint64_t step, const char *bytes, size_t n);
/* The same, sent by writer src. */
int serial_feed_from(struct serial_lines *s, uint64_t step, enum serial_src src,
                     const char *bytes, size_t n);
/* Bytes read from COM1 whose sending steps come through serial_sent. */
int serial_hold(struct serial_lines *s, const char *bytes, size_t n);
/* The trace shows `step` (of the guest, or of writer src) sending one byte to COM1. */
int serial_sent(struct serial_lines *s, uint64_t step);
int serial_sent_from(struct serial_lines *s, uint64_t step, enum serial_src src);
/* Stamp every held byte with `step`, forget unmatched steps. */
int serial_settle(struct serial_lines *s, uint64_t step);
/* Emit each writer's trailing unterminated line, if any (the guest's first). */
int serial_flush(struct serial_lines *s, uint64_t step);

#endif
