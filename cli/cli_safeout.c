/*
 * cli_safeout: stdout and stderr of every hvtrace command pass through
 * textesc (common/textesc.h), so no byte a guest or a run file supplied
 * (serial lines, stop reasons, file names, event texts) reaches the terminal
 * as a control sequence, whichever code path prints it, and a backslash in
 * such text is doubled, so the guest's ESC (\x1b) and the four characters it
 * may print (\\x1b) read differently.  hvtrace's own output is plain text with
 * LF and TAB and no backslash: it passes unchanged.  Text escaped already (a
 * field through cli_put_line, a JSON document) is written in escaped mode
 * (cli_escaped_output): its backslashes pass, control bytes are still caught.  The progress line's own
 * CR and erase sequence are written to the file descriptor directly
 * (cli_common.c), not through these streams.
 * A write that fails (other than a closed pipe) is remembered, and main
 * reports it once the command is done (cli_stdout_error): output that did not
 * arrive is trouble, exit 2.
 * Invariant: at most 3 bytes (an incomplete UTF-8 sequence) wait between
 * writes; fclose/exit flushes them escaped.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/textesc.h"

#define SAFEOUT_CHUNK 4096

struct safeout {
    int fd;
    unsigned char pend[4];
    size_t npend;
    int escaped;                /* cli_escaped_output: the text is escaped already */
    int err;                    /* errno of the first failed write, or 0 */
};

static struct safeout safeout_streams[2] = { { .fd = 1 }, { .fd = 2 } };

static void safeout_write_all(struct safeout *s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {           /* a closed pipe: nothing more to say */
            if (!s->err && !(w < 0 && errno == EPIPE))
                s->err = w < 0 ? errno : EIO;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void safeout_chunk(struct safeout *s, const char *buf, size_t n, int final)
{
    unsigned char in[SAFEOUT_CHUNK + sizeof s->pend];
    char out[TEXTESC_MAX_PER_BYTE * sizeof in + 1];
    size_t used;
    memcpy(in, s->pend, s->npend);
    memcpy(in + s->npend, buf, n);
    size_t total = s->npend + n;
    int flags = TEXTESC_KEEP_NEWLINES | (final ? TEXTESC_FINAL : 0) |
                (s->escaped ? TEXTESC_RAW_BACKSLASH : 0);
    size_t len = textesc_escape(in, total, flags, out, sizeof out, &used);
    safeout_write_all(s, out, len);
    s->npend = total - used;
    memcpy(s->pend, in + used, s->npend);
}

static ssize_t safeout_write(void *cookie, const char *buf, size_t n)
{
    for (size_t done = 0; done < n;) {
        size_t take = n - done < SAFEOUT_CHUNK ? n - done : SAFEOUT_CHUNK;
        safeout_chunk(cookie, buf + done, take, 0);
        done += take;
    }
    struct safeout *s = cookie;
    return s->err ? (errno = s->err, -1) : (ssize_t)n;
}

static int safeout_close(void *cookie)
{
    struct safeout *s = cookie;
    safeout_chunk(s, "", 0, 1);
    return s->err ? (errno = s->err, -1) : 0;
}

void cli_escaped_output(FILE *f, int on)
{
    struct safeout *s = f == stdout ? &safeout_streams[0] :
                        f == stderr ? &safeout_streams[1] : NULL;
    if (!s)
        return;
    fflush(f);                  /* what came before was written in the other mode */
    s->escaped = on;
}

int cli_stdout_error(void)
{
    if (fflush(stdout) && !safeout_streams[0].err)
        safeout_streams[0].err = errno ? errno : EIO;
    return safeout_streams[0].err;
}

void cli_safe_streams(void)
{
    cookie_io_functions_t io = { .write = safeout_write, .close = safeout_close };
    FILE *out = fopencookie(&safeout_streams[0], "w", io);
    FILE *err = fopencookie(&safeout_streams[1], "w", io);
    if (out) {
        setvbuf(out, NULL, isatty(1) ? _IOLBF : _IOFBF, BUFSIZ);
        stdout = out;
    }
    if (err) {
        setvbuf(err, NULL, _IOLBF, BUFSIZ);
        stderr = err;
    }
}
