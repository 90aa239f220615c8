/*
 * hvt_error: how library code reports failure without printing.
 *
 * Every fallible function in the library rooms (gdbstub/, qemu/, record/,
 * recipes/, db/, diffing/, compare/, reports/) returns an int (0 on success,
 * -1 on failure) and, on failure, fills an hvt_error with one line
 * that names the problem ("qemu: gdbstub closed the connection", "run.db: not an
 * hvtrace run file").  Only the CLI decides what the user sees.  The first error
 * set wins; later calls of hvt_error_set on a filled error are ignored so that the
 * innermost, most specific cause survives unwinding.
 */
#ifndef HVT_ERROR_H
#define HVT_ERROR_H

#include <stdarg.h>

typedef struct hvt_error {
    char msg[512];
} hvt_error;

/* Fill err (if not NULL and still empty) with a printf-formatted line; returns -1. */
int hvt_error_set(hvt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same, appending ": strerror(errno)". */
int hvt_error_errno(hvt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void hvt_error_clear(hvt_error *err);

#endif
