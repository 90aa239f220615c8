/*
 * cli_common: error lines, number parsing and the progress line shared by the
 * subcommands (see cli.h).
 */
#include "cli/cli.h"
#include "common/pathres.h"
#include "common/plural.h"
#include "common/textesc.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL 0.25   /* seconds between redraws */

void cli_put_bytes(FILE *f, const char *s, size_t n)
{
    enum { CHUNK = 1024 };
    char out[TEXTESC_MAX_PER_BYTE * CHUNK + 1];
    cli_escaped_output(f, 1);
    while (n > 0) {
        size_t take = n < CHUNK ? n : CHUNK, used;
        textesc_escape((const unsigned char *)s, take, take == n ? TEXTESC_FINAL : 0, out,
                       sizeof out, &used);
        fputs(out, f);
        used = used ? used : take;
        s += used;
        n -= used;
    }
    cli_escaped_output(f, 0);
}

void cli_put_line(FILE *f, const char *s)
{
    cli_put_bytes(f, s, strlen(s));
}

/* The message is one line whatever it quotes: a newline or tab in a file
 * name or an argument is escaped like any control byte (textesc.h). */
static void vfail(const char *cmd, const char *fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "hvtrace%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    cli_put_line(stderr, msg);
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(cmd, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_TROUBLE;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(cmd, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, " (see 'hvtrace %s --help')\n", cmd);
    else
        fputs(" (see 'hvtrace --help')\n", stderr);
    return CLI_TROUBLE;
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
    const char *opt = optind > 0 ? argv[optind - 1] : "";
    if (c == ':')
        return cli_usage(cmd, "option '%s' needs a value", opt);
    return cli_usage(cmd, "unknown option '%s'", opt);
}

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* A symbolic link is written through (common/pathres.h): the temporary file
 * goes beside the link's target and is renamed onto it, with the target's
 * permissions; the link stays. */
int cli_write_file(const char *path, int (*fill)(FILE *f, void *ctx, hvt_error *err),
                   void *ctx, hvt_error *err)
{
    char target[4096], tmp[4200];
    struct stat sb;
    if (pathres_target(path, target, sizeof target))
        return hvt_error_errno(err, "cannot create %s", path);
    int exists = stat(target, &sb) == 0;
    int special = exists && !S_ISREG(sb.st_mode);   /* /dev/stdout, a FIFO */
    if (snprintf(tmp, sizeof tmp, "%s.tmp%d", target, (int)getpid()) >= (int)sizeof tmp)
        return hvt_error_set(err, "%s: path too long", path);
    if (special)
        snprintf(tmp, sizeof tmp, "%s", target);
    FILE *f = fopen(tmp, special ? "w" : "wb");
    if (!f)
        return hvt_error_errno(err, "cannot create %s", path);
    if (exists && !special)
        fchmod(fileno(f), sb.st_mode & 07777);
    int rc = fill(f, ctx, err);
    if (rc && !err->msg[0])
        hvt_error_errno(err, "cannot write %s", path);
    if (fclose(f) && !rc)
        rc = hvt_error_errno(err, "cannot write %s", path);
    if (!rc && !special && rename(tmp, target))
        rc = hvt_error_errno(err, "cannot rename %s to %s", tmp, target);
    if (rc && !special)
        unlink(tmp);
    return rc;
}

/* Numbers from the command line: decimal, or hexadecimal after 0x/0X; the
 * whole text must be the number, with no sign, space or suffix (strtoull alone
 * accepts " -1" as 2^64-1).  A leading 0 is a decimal zero, not C's octal
 * prefix: "010" is ten, as a person counting steps means it. */
int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex && !isxdigit((unsigned char)s[2]))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_seconds(const char *s, double *out)
{
    char *end;
    if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v <= 0 || v > CLI_MAX_SECONDS)
        return -1;
    *out = v;
    return 0;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The progress line needs CR and ECMA-48 EL (erase in line); a terminal that
 * says it is dumb (TERM=dumb: Emacs' shell, some CI consoles) has neither.
 * No colour is ever used, so NO_COLOR has nothing to switch off (hvtrace(1)). */
static int progress_terminal(void)
{
    const char *term = getenv("TERM");
    return isatty(2) && !(term && !strcmp(term, "dumb"));
}

void cli_progress_init(struct cli_progress *p)
{
    p->tty = progress_terminal();
    p->start = p->last = cli_now();
}

void cli_progress_update(struct cli_progress *p, uint64_t steps, int snapshots, int force)
{
    double now = cli_now();
    if (!p->tty || (!force && now - p->last < PROGRESS_INTERVAL))
        return;
    p->last = now;
    double el = now - p->start;
    /* Straight to the descriptor: CR and erase-line (ECMA-48 EL) are ours,
     * and stderr escapes every control byte (cli_safeout.c). */
    dprintf(2, "\r%llu step%s  %.0f steps/s  %d snapshot%s  %.1fs elapsed\033[K",
            (unsigned long long)steps, hvt_s(steps), el > 0 ? steps / el : 0.0, snapshots,
            hvt_s((uint64_t)snapshots), el);
}

void cli_progress_done(struct cli_progress *p)
{
    if (p->tty)
        dprintf(2, "\n");
}
