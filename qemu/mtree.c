/*
 * mtree: find a named i/o range in `info mtree -f` output (mtree.h).  A line
 * is "<spaces>LO-HI (prio P, i/o): NAME" with LO and HI in hex; memory ranges
 * say "ram", "rom" or "i/o" in the same place, and only i/o ones are ports.
 * Anything else (headers, "AS ..." lines, aliases "NAME @offset") is skipped.
 * Invariant: reads text only, never past its NUL.
 */
#include "qemu/mtree.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Does line (up to its end) name exactly `name` as an i/o range? */
static int io_line(const char *line, size_t len, const char *name, uint64_t *lo, uint64_t *hi)
{
    char kind[8];
    int at = 0;
    if (sscanf(line, " %" SCNx64 "-%" SCNx64 " (prio %*d, %7[^)]): %n", lo, hi, kind, &at) != 3 ||
        at == 0 || (size_t)at > len || strcmp(kind, "i/o"))
        return 0;
    size_t n = strlen(name);
    return len - (size_t)at == n && !strncmp(line + at, name, n);
}

int qemu_mtree_io_range(const char *text, const char *name, uint64_t *lo, uint64_t *hi)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len && p[len - 1] == '\r')
            len--;
        if (io_line(p, len, name, lo, hi))
            return 0;
        p = nl ? nl + 1 : NULL;
    }
    return -1;
}
