/*
 * cli: what every hvtrace subcommand shares — the exit-status convention, the
 * one-line error format, and the progress line.  Only CLI code (cli/main.c,
 * cli/cli_*.c) prints; the library below it returns hvt_error.
 *
 * Exit status: 0 success, 1 "differences found" (diff only, like diff(1)),
 * 2 trouble (bad input, I/O, QEMU failure) with one line on stderr naming it.
 */
#ifndef HVT_CLI_H
#define HVT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "common/hvt_error.h"

#define CLI_OK       0
#define CLI_DIFFER   1
#define CLI_TROUBLE  2

/* "hvtrace CMD: message" on stderr; returns CLI_TROUBLE. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same plus "(see 'hvtrace CMD --help')": for bad command-line usage. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long returned c: '?' (an unknown option) or ':' (a known one with
 * its value missing: every optstring starts with ':').  opterr is 0, so getopt
 * printed nothing: one usage line naming the option, argv[optind - 1]. */
int cli_bad_option(const char *cmd, int c, char **argv);
/* 1 if paths a and b name the same existing file (st_dev and st_ino, so hard
 * links, symlinks and other spellings count), 0 otherwise: an output that is
 * one of the command's inputs is refused before anything is written. */
int cli_same_file(const char *a, const char *b);
/* Write the file path as fill(f, ctx, err) writes it, under path.tmpPID
 * renamed to path only when complete: a failed write leaves path as it was
 * and no temporary file.  A path that exists and is not a regular file
 * (/dev/stdout, a FIFO) is written in place; a symbolic link is written
 * through (TARGET.tmpPID renamed onto its target; the link stays). */
int cli_write_file(const char *path, int (*fill)(FILE *f, void *ctx, hvt_error *err),
                   void *ctx, hvt_error *err);
/* Parse an unsigned number: decimal (leading zeros too, never octal), or hex
 * after 0x; -1 on junk. */
int cli_parse_u64(const char *s, uint64_t *out);
/* Route stdout and stderr through the escaping of textesc.h (cli_safeout.c):
 * control bytes, bytes that are not UTF-8 and the backslash; called once by main. */
void cli_safe_streams(void);
/* While on != 0, what is written to f (stdout or stderr) is escaped already (a
 * JSON document, cli_put_line's text): its backslashes pass as they are, the
 * control bytes are still escaped.  Other streams: nothing to do. */
void cli_escaped_output(FILE *f, int on);
/* s on f as one line: LF, TAB, every other control byte and the backslash
 * escaped (textesc.h), no newline added.  For values from a run file or the
 * command line. */
void cli_put_line(FILE *f, const char *s);
/* The same for n bytes that may hold NUL (a guest's serial line). */
void cli_put_bytes(FILE *f, const char *s, size_t n);
/* Flush stdout; the errno of its first failed write (not a closed pipe), or 0. */
int cli_stdout_error(void);
/* A positive number of seconds (decimal, at most CLI_MAX_SECONDS: a week). */
#define CLI_MAX_SECONDS (7 * 24 * 3600.0)
int cli_parse_seconds(const char *s, double *out);

/* Progress on stderr, redrawn in place, only when stderr is a terminal and
 * TERM is not "dumb"; never coloured. */
struct cli_progress {
    int tty;
    double start, last;
};
void cli_progress_init(struct cli_progress *p);
void cli_progress_update(struct cli_progress *p, uint64_t steps, int snapshots, int force);
void cli_progress_done(struct cli_progress *p);
double cli_now(void);

int cmd_record(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_recipes(int argc, char **argv);
int cmd_why(int argc, char **argv);
int cmd_version(int argc, char **argv);


#endif
