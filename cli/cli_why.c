/*
 * cli_why: `hvtrace why RUN STEP REG|ADDR` — the chain of causes of one value
 * in one run: who last wrote it, from what, back to a value from outside the
 * guest (a port, the clock, hv), a constant in the code, an event (SMM entry,
 * RSM, an interrupt) or the start of the trace.  The question the seed asked
 * by hand ("who changed the IVT?"), for any recorded run.  The walk is
 * diffing/chain.c's; this file is options, the run file and printing.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report.h"
#include "reports/report_fmt.h"
#include "common/addr.h"
#include "cli/cli.h"
#include "common/plural.h"

static void why_help(void)
{
    printf(
"usage: hvtrace why [OPTIONS] RUN STEP REG|ADDR\n"
"Walk back the value a register, flag or memory location held just before\n"
"step STEP of RUN: the step that last wrote it (an instruction, or an event\n"
"such as SMM entry, RSM or an interrupt), what that value was made from, and\n"
"so on back to a port, the clock, hv, a constant in the code or the start of\n"
"the trace (then the 'start' snapshot's value).  eflags (or flags, rflags) is answered\n"
"flag by flag: the flags each instruction (or event) last wrote, one chain each.\n\n"
"  REG              eax, ax, al, ah, esi, cs, cr0, zf, cf, ...\n"
"  ADDR             linear hex (54) or SEG:OFF (0000:0054)\n"
"  --len N          bytes at ADDR (default 4: an IVT vector)\n"
"  --json           print the chain as JSON\n"
"\nExit status: 0 chain printed, 2 trouble.\n");
}

static int parse_loc(const char *s, uint64_t len, struct chain_loc *loc)
{
    struct hvt_addr a;
    hvt_error err = { "" };
    if (chain_loc_parse_reg(s, loc) == 0)
        return 0;
    if (addr_parse(s, &a, &err))
        return -1;
    *loc = (struct chain_loc){ .kind = CHAIN_LOC_MEM, .addr = a.linear, .len = (uint32_t)len };
    return 0;
}

static int print_text(rundb *db, const struct chain *c, hvt_error *err)
{
    char line[REPORT_LINE], what[REPORT_LINE * 2];
    struct hvt_step st;
    for (size_t i = 0; i < c->n; i++) {
        size_t got;
        if (report_read_steps(db, c->link[i].step, 1, &st, &got, err) < 0)
            return -1;
        report_fmt_link(&c->link[i], what, sizeof what);
        if (got)
            report_fmt_step(&st, line, sizeof line);
        printf(" %2zu %s\n      %s\n", i + 1, got ? line : "", what);
    }
    return 0;
}

/* "cf=1 zf=0": each flag of `flags` in value v. */
static void flag_values(uint32_t flags, uint64_t v, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned b = 0; b < 12; b++)
        if (flags & (1u << b)) {
            char name[8];
            defuse_flags_name(1u << b, name, sizeof name);
            o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s=%u", o ? " " : "", name,
                                  (unsigned)(v >> b & 1));
        }
}

/* EFLAGS as a whole: each group of flags with the same last writer, and its
 * chain (diffing/chain_flags.c). */
static int print_flags(rundb *db, const char *path, uint64_t step, uint64_t eflags,
                       const struct chain_flag_group *g, size_t ng, int json, hvt_error *err)
{
    char name[64], vals[128];
    if (json) {
        printf("{\"run\":");
        report_json_string(stdout, path);
        printf(",\"step\":%" PRIu64 ",\"loc\":\"eflags\",\"value\":%" PRIu64 ",\"groups\":[",
               step, eflags);
    } else {
        printf("why eflags before step #%" PRIu64 " of %s: 0x%" PRIx64 ", each flag as its "
               "own last writer left it (Intel SDM vol 1, 3.4.3), %zu writer%s:\n", step, path,
               eflags, ng, hvt_s(ng));
    }
    for (size_t i = 0; i < ng; i++) {
        defuse_flags_name(g[i].flags, name, sizeof name);
        flag_values(g[i].flags, eflags, vals, sizeof vals);
        if (json) {
            printf("%s{\"flags\":", i ? "," : "");
            report_json_string(stdout, name);
            printf(",\"values\":");
            report_json_string(stdout, vals);
            printf(",\"chain\":");
            if (report_json_chain(stdout, db, &g[i].chain, err) < 0)
                return -1;
            printf("}");
        } else {
            printf("%s (%s):\n", name, vals);
            if (print_text(db, &g[i].chain, err) < 0)
                return -1;
        }
    }
    if (json)
        printf("]}\n");
    return 0;
}

static int is_eflags(const struct chain_loc *loc)
{
    return loc->kind == CHAIN_LOC_REG && loc->reg.field == HVT_EFLAGS;
}

static int why_flags(rundb *db, const char *path, const struct chain_run *r, uint64_t step,
                     int json, hvt_error *err)
{
    struct chain_flag_group *g = malloc(9 * sizeof *g);
    struct hvt_step st;
    size_t ng = 0, got = 0;
    int rc = g ? 0 : hvt_error_set(err, "out of memory");
    if (!rc)
        rc = report_read_steps(db, step, 1, &st, &got, err);
    if (!rc && !got)
        rc = hvt_error_set(err, "cannot read step %" PRIu64 " of %s", step, path);
    if (!rc)
        rc = chain_why_flags(r, step, CHAIN_EFLAGS_ALL, g, 9, &ng, err);
    if (!rc)
        rc = print_flags(db, path, step, st.st.f[HVT_EFLAGS], g, ng, json, err);
    free(g);
    return rc;
}

static int run_why(const char *path, uint64_t step, const struct chain_loc *loc, int json,
                   hvt_error *err)
{
    rundb *db = NULL;
    struct report_chain_src src;
    struct chain *c = malloc(sizeof *c);
    int rc = -1;
    if (!c) {
        hvt_error_set(err, "out of memory");
        return -1;
    }
    if (rundb_open(&db, path, err))
        goto out;
    if (step >= rundb_step_count(db)) {
        hvt_error_set(err, "%s has %" PRIu64 " step%s; no step %" PRIu64, path,
                      rundb_step_count(db), hvt_s(rundb_step_count(db)), step);
        goto out;
    }
    struct align_range hv[2];
    size_t nhv = report_hv_ranges(db, hv, 2);
    report_chain_src_open(&src, db, hv, nhv, err);
    src.run.before = report_runs_under_hv(db) ? "hv, which this run boots under" : NULL;
    if (is_eflags(loc))
        rc = why_flags(db, path, &src.run, step, json, err);
    else
        rc = chain_why(&src.run, step, loc, c, err);
    if (!rc && !is_eflags(loc)) {
        char l[64];
        chain_loc_format(loc, l, sizeof l);
        if (json) {
            cli_escaped_output(stdout, 1);      /* JSON escapes its own strings */
            printf("{\"run\":");
            report_json_string(stdout, path);
            printf(",\"step\":%" PRIu64 ",\"loc\":", step);
            report_json_string(stdout, l);
            printf(",\"chain\":");
            rc = report_json_chain(stdout, db, c, err);
            printf("}\n");
            cli_escaped_output(stdout, 0);
        } else {
            printf("why %s before step #%" PRIu64 " of %s:\n", l, step, path);
            rc = print_text(db, c, err);
        }
    }
    report_chain_src_close(&src);
out:
    free(c);
    if (db)
        rundb_close(db);
    return rc;
}

int cmd_why(int argc, char **argv)
{
    static const struct option lo[] = {
        { "len", 1, 0, 'l' }, { "json", 0, 0, 'j' }, { "help", 0, 0, 'h' }, { 0 } };
    uint64_t len = 4, step;
    int json = 0, c;
    struct chain_loc loc;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (c == 'h')
            return why_help(), CLI_OK;
        if (c == 'j')
            json = 1;
        else if (c == 'l' && (cli_parse_u64(optarg, &len) || len == 0 || len > 8))
            return cli_usage("why", "bad --len '%s' (1 to 8 bytes)", optarg);
        else if (c == '?' || c == ':')
            return cli_bad_option("why", c, argv);
    }
    if (optind + 3 != argc)
        return cli_usage("why", "expected RUN STEP REG|ADDR");
    if (cli_parse_u64(argv[optind + 1], &step))
        return cli_usage("why", "bad step '%s'", argv[optind + 1]);
    if (parse_loc(argv[optind + 2], len, &loc))
        return cli_usage("why", "'%s' is neither a register nor an address", argv[optind + 2]);
    hvt_error err = { "" };
    fflush(stdout);
    return run_why(argv[optind], step, &loc, json, &err) < 0 ? cli_fail("why", "%s", err.msg)
                                                            : CLI_OK;
}
