/*
 * cli_diff: `hvtrace diff A B` — where two runs part and why, as text, JSON or
 * a self-contained HTML page.  The comparison is compare/compare.c's (on
 * top of the pure diffing/); this file is options, files and exit status.
 * Exit status follows diff(1): 0 no meaningful difference, 1 differences,
 * 2 trouble.  An output file is written under a temporary name and renamed, so
 * a failed diff never leaves a half-written report looking valid.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/report.h"
#include "common/addr.h"
#include "cli/cli.h"

typedef int (*report_fn)(FILE *f, rundb *a, rundb *b, const struct report_diff *d,
                         hvt_error *err);

static void diff_help(void)
{
    printf(
"usage: hvtrace diff [OPTIONS] A B\n"
"Align the instruction streams of runs A and B (typically without and with hv)\n"
"and report the first meaningful divergence, the hunks where they part (loops\n"
"that ran a different number of times folded as 'body x n vs x m', interrupts\n"
"taken at different places compared apart), register differences (persistent\n"
"ones once, with bits named), labelled memory differences (IVT vectors, BDA\n"
"fields) and the BIOS calls each run made, paired by alignment.  hv's own code\n"
"is left out of the alignment when the run file says hv was loaded.\n"
"Hunks are classed timing (polling, interrupts taken elsewhere), by design\n"
"(hv's code), ends (one recording stops, the other goes on identically) or\n"
"meaningful; the verdict is the first meaningful one, and 'why' walks back the\n"
"chain of causes behind it in both runs (see also: hvtrace why).\n\n"
"  --html FILE         also write a self-contained HTML report to FILE\n"
"  --json              print JSON instead of text\n"
"  --anchor ADDR       align from the first execution of ADDR (default 7c00)\n"
"  --exclude LO-HI     leave steps with PC in [LO,HI] out (hex, repeatable)\n"
"  --context N         steps of context around hunks (default 3)\n"
"  --max-hunks N       hunks shown (default 200)\n"
"\nExit status: 0 no meaningful difference, 1 differences, 2 trouble.\n");
}

static int parse_range(const char *s, struct align_range *r)
{
    char *end;
    errno = 0;
    if (!isxdigit((unsigned char)*s))
        return -1;
    r->lo = strtoull(s, &end, 16);
    if (end == s || *end != '-' || !isxdigit((unsigned char)end[1]))
        return -1;
    const char *hi = end + 1;
    r->hi = strtoull(hi, &end, 16);
    return errno || end == hi || *end || r->hi < r->lo ? -1 : 0;
}

static int parse_diff_opt(struct report_opts *o, int c, const char *arg)
{
    struct hvt_addr a;
    hvt_error err = { "" };
    uint64_t n;
    switch (c) {
    case 'a':
        if (addr_parse(arg, &a, &err))
            return cli_usage("diff", "%s", err.msg);
        o->anchor_set = 1;
        o->anchor_pc = a.linear;
        return 0;
    case 'x':
        if (o->nexclude == REPORT_MAX_EXCLUDE)
            return cli_usage("diff", "at most %d --exclude", REPORT_MAX_EXCLUDE);
        if (parse_range(arg, &o->exclude[o->nexclude]))
            return cli_usage("diff", "bad range '%s' (want LO-HI in hex)", arg);
        o->nexclude++;
        return 0;
    case 'c': case 'm':
        if (cli_parse_u64(arg, &n) || n > 100000)
            return cli_usage("diff", "bad number '%s'", arg);
        *(c == 'c' ? &o->context : &o->max_hunks) = (unsigned)n;
        return 0;
    }
    return cli_usage("diff", "bad option");
}

struct report_job {
    report_fn fn;
    rundb *a, *b;
    const struct report_diff *d;
};

static int fill_report(FILE *f, void *ctx, hvt_error *err)
{
    const struct report_job *j = ctx;
    return j->fn(f, j->a, j->b, j->d, err);
}

static int run_diff(const char *pa, const char *pb, const struct report_opts *o,
                    const char *html, int json, hvt_error *err)
{
    rundb *a = NULL, *b = NULL;
    struct report_diff d;
    int computed = 0, rc = -1;
    if (rundb_open(&a, pa, err) || rundb_open(&b, pb, err))
        goto out;
    if (report_diff_compute(&d, a, pa, b, pb, o, err))
        goto out;
    computed = 1;
    struct report_job job = { report_html, a, b, &d };
    if (html && cli_write_file(html, fill_report, &job, err))
        goto out;
    cli_escaped_output(stdout, json);   /* JSON escapes its own strings */
    int wrc = (json ? report_json : report_text)(stdout, a, b, &d, err);
    cli_escaped_output(stdout, 0);
    if (wrc)
        goto out;
    rc = report_diff_status(&d);
out:
    if (computed)
        report_diff_free(&d);
    if (a)
        rundb_close(a);
    if (b)
        rundb_close(b);
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option lo[] = {
        { "html", 1, 0, 'H' }, { "json", 0, 0, 'j' }, { "anchor", 1, 0, 'a' },
        { "exclude", 1, 0, 'x' }, { "context", 1, 0, 'c' }, { "max-hunks", 1, 0, 'm' },
        { "help", 0, 0, 'h' }, { 0 } };
    struct report_opts o;
    memset(&o, 0, sizeof o);
    const char *html = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (c == 'h')
            return diff_help(), CLI_OK;
        if (c == 'H')
            html = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == '?' || c == ':' || parse_diff_opt(&o, c, optarg))
            return c == '?' || c == ':' ? cli_bad_option("diff", c, argv) : CLI_TROUBLE;
    }
    if (optind + 2 != argc)
        return cli_usage("diff", "expected two run files");
    for (int i = 0; i < 2; i++)
        if (cli_same_file(html, argv[optind + i]))
            return cli_fail("diff", "--html %s is the run file %s: choose another output",
                            html, argv[optind + i]);
    hvt_error err = { "" };
    fflush(stdout);
    int rc = run_diff(argv[optind], argv[optind + 1], &o, html, json, &err);
    return rc < 0 ? cli_fail("diff", "%s", err.msg) : rc;
}
