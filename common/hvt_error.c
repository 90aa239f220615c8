/*
 * hvt_error: one-line error messages filled by library code (see hvt_error.h).
 */
#include "common/hvt_error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int error_vset(hvt_error *err, int errnum, const char *fmt, va_list ap)
{
    if (!err || err->msg[0])
        return -1;
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (errnum && n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errnum));
    return -1;
}

int hvt_error_set(hvt_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int hvt_error_errno(hvt_error *err, const char *fmt, ...)
{
    int errnum = errno;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

void hvt_error_clear(hvt_error *err)
{
    if (err)
        err->msg[0] = 0;
}
