/*
 * cli_show: the reading-back commands — `show` (steps as GDB's x/i plus the
 * registers each instruction changed), `info` (what a run file holds and where
 * it came from) and `mem` (a snapshot written out as a raw image that
 * `objdump -b binary -m i8086 -D` can read).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/disasm.h"
#include "db/rundb.h"
#include "cli/cli.h"
#include "common/plural.h"

/* ---- show ---- */

struct show_mark { uint64_t step; char *text; };

struct show_ctx {
    struct hvt_step prev;
    int have_prev;
    uint64_t last;      /* last step to print; step last+1 only supplies effects */
    struct show_mark *marks;    /* events taken between steps, by step */
    size_t nmarks, capmarks, next_mark;
};

/* Events that happen between two instructions rather than being one: the
 * recorder stamps them with the step of the first instruction after them. */
static int is_between_steps(const char *kind)
{
    static const char *const kinds[] = { "interrupt", "exception", "smm-enter", "smm-rsm",
                                         "triple-fault", "cpu-reset", NULL };
    for (int i = 0; kind && kinds[i]; i++)
        if (!strcmp(kind, kinds[i]))
            return 1;
    return 0;
}

static int collect_mark(void *vctx, uint64_t step, const char *kind, const char *text,
                        size_t len)
{
    (void)len;
    struct show_ctx *c = vctx;
    if (!is_between_steps(kind))
        return 0;
    if (c->nmarks == c->capmarks) {
        size_t cap = c->capmarks ? 2 * c->capmarks : 64;
        struct show_mark *m = realloc(c->marks, cap * sizeof *m);
        if (!m)
            return -1;
        c->marks = m;
        c->capmarks = cap;
    }
    size_t n = strlen(kind) + strlen(text) + 3;
    char *t = malloc(n);
    if (!t)
        return -1;
    snprintf(t, n, "%s: %s", kind, text);
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    c->marks[c->nmarks++] = (struct show_mark){ step, t };
    return 0;
}

/* "--- interrupt: vector 0x08 ..." before the step it precedes.
 * The recorder writes these texts, but a run file is input: control bytes are
 * shown as '?' so they never reach the terminal. */
static void print_marks(struct show_ctx *c, uint64_t step)
{
    while (c->next_mark < c->nmarks && c->marks[c->next_mark].step <= step) {
        if (c->marks[c->next_mark].step == step)
            printf("          --- %s\n", c->marks[c->next_mark].text);
        c->next_mark++;
    }
}

static void print_effects(const struct hvt_state *a, const struct hvt_state *b)
{
    int printed = 0;
    for (int f = 0; f < HVT_NFIELDS; f++) {
        if (f == HVT_RIP || !(a->known & b->known & (uint32_t)hvt_field_group(f)))
            continue;
        if (a->f[f] != b->f[f]) {
            printf("%s%s=%" PRIx64, printed ? " " : "        ", hvt_field_name(f), b->f[f]);
            printed = 1;
        }
    }
    if (printed)
        putchar('\n');
}

static void print_step(const struct hvt_step *s)
{
    char text[128], hex[3 * 16 + 1] = "";
    hvt_disasm_step(s, text, sizeof text);
    for (int i = 0; i < s->insn_len; i++)
        sprintf(hex + 3 * i, "%02x ", s->insn[i]);
    /* 64-bit code: RIP and the linear PC whole (0010:ffffffff810000d4). */
    uint64_t rip = s->mode == HVT_MODE_64 ? s->st.f[HVT_RIP] : s->st.f[HVT_RIP] & 0xffffffff;
    printf("%8" PRIu64 "  %04" PRIx64 ":%08" PRIx64 "  %08" PRIx64 ":  %-24s %s\n",
           s->n, s->st.f[HVT_CS_SEL], rip, hvt_state_pc(&s->st), hex, text);
}

static int show_one(void *vctx, const struct hvt_step *s)
{
    struct show_ctx *c = vctx;
    if (c->have_prev)
        print_effects(&c->prev.st, &s->st);
    if (s->n <= c->last) {
        print_marks(c, s->n);
        print_step(s);
    }
    c->prev = *s;
    c->have_prev = 1;
    return 0;
}

static void show_help(FILE *f)
{
    fprintf(f, "usage: hvtrace show RUN [--from N] [--count N]\n"
               "Print steps N.. of RUN: step, CS:EIP, linear PC, bytes, disassembly in the\n"
               "mode the CPU was in, then the registers that instruction changed.  Interrupts,\n"
               "exceptions and SMM entries/exits taken between two steps are marked\n"
               "'---' before the step of the first instruction after them.\n"
               "  --from N    first step (default 0)\n"
               "  --count N   how many steps (default 20; 0 = to the end)\n");
}

int cmd_show(int argc, char **argv)
{
    static const struct option lo[] = {
        { "from", 1, 0, 'f' }, { "count", 1, 0, 'n' }, { "help", 0, 0, 'h' }, { 0 } };
    uint64_t from = 0, count = 20;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:n:h", lo, NULL)) != -1) {
        if (c == 'h')
            return show_help(stdout), CLI_OK;
        uint64_t *dst = c == 'f' ? &from : c == 'n' ? &count : NULL;
        if (!dst)
            return cli_bad_option("show", c, argv);
        if (cli_parse_u64(optarg, dst))
            return cli_usage("show", "bad number '%s'", optarg);
    }
    if (optind + 1 != argc)
        return cli_usage("show", "expected one run file");
    rundb *db;
    hvt_error err = { "" };
    if (rundb_open(&db, argv[optind], &err))
        return cli_fail("show", "%s", err.msg);
    uint64_t total = rundb_step_count(db);
    if (from >= total && total > 0)
        return rundb_close(db), cli_fail("show", "step %" PRIu64 " is past the end "
                                        "(%" PRIu64 " step%s)", from, total, hvt_s(total));
    struct show_ctx ctx = { .last = count ? from + count - 1 : UINT64_MAX };
    int rc = rundb_read_events(db, collect_mark, &ctx, &err);
    if (!rc)
        rc = rundb_read_steps(db, from, count ? count + 1 : 0, show_one, &ctx, &err);
    rundb_close(db);
    for (size_t i = 0; i < ctx.nmarks; i++)
        free(ctx.marks[i].text);
    free(ctx.marks);
    return rc ? cli_fail("show", "%s", err.msg) : CLI_OK;
}

/* ---- info ---- */

static int print_text(void *ctx, uint64_t step, const char *kind, const char *text,
                      size_t len)
{
    printf("  %10" PRIu64 "  %s%s", step, kind ? kind : "", kind ? "  " : "");
    cli_put_bytes(stdout, text, len);
    putchar('\n');
    return 0;
}

/* "key              value", the value on one line whatever the file holds. */
static void print_field(const char *key, const char *value)
{
    printf("%-16s ", key);
    cli_put_line(stdout, value);
    putchar('\n');
}

/* What the run file knows of hv: the image hvtrace loaded (--with-hv) and the
 * options it passed, and what hv's own banner on COM1 said (its range and the
 * options in effect), which is all there is when the guest's boot loader
 * loaded hv.  A value the file cannot know is said so, never left blank. */
static void print_hv_meta(rundb *db)
{
    char *img = rundb_get_meta(db, "hv_image"), *opts = rundb_get_meta(db, "hv_opts");
    char *range = rundb_get_meta(db, "hv_range"), *said = rundb_get_meta(db, "hv_options");
    if (img)
        print_field("hv_opts", opts && *opts ? opts : "(none given: hv's defaults)");
    else if (range)
        printf("%-16s %s\n", "hv", "loaded by the guest's boot loader, not by hvtrace "
               "(no image or options of its own in this file; below, hv's banner)");
    if (range)
        printf("%-16s ", "hv_range"), cli_put_line(stdout, range), puts(" (hv's banner on COM1)");
    if (said)
        printf("%-16s ", "hv_options"), cli_put_line(stdout, said), puts(" (as hv printed them)");
    else if (img || range)
        printf("%-16s %s\n", "hv_options", "(not in this file: no \"hv: options\" line was "
               "seen, or an older hvtrace recorded it)");
    free(img);
    free(opts);
    free(range);
    free(said);
}

static void print_keys(rundb *db, const char *const *keys)
{
    for (int i = 0; keys[i]; i++) {
        char *v = rundb_get_meta(db, keys[i]);
        if (v)
            print_field(keys[i], v);
        free(v);
    }
}

static void print_meta(rundb *db)
{
    static const char *const files[] = {
        "engine", "qemu_version", "qemu_cmdline", "qemu_replay", "qemu_free_cmdline",
        "gdbstub_sstep", "firmware", "firmware_sha256",
        "guest_image", "guest_sha256", "hv_image", "hv_sha256", NULL };
    static const char *const target[] = { "target_arch", "started", NULL };
    char *hv = rundb_get_meta(db, "hvtrace_version");
    print_field("written by", hv ? hv : "(not recorded: a run file older than schema 3)");
    free(hv);
    print_keys(db, files);
    print_hv_meta(db);
    print_keys(db, target);
}

static int print_snapshots(rundb *db, hvt_error *err)
{
    struct rundb_snapshot *snaps;
    int n;
    if (rundb_list_snapshots(db, &snaps, &n, err))
        return -1;
    printf("snapshots        %d\n", n);
    for (int i = 0; i < n; i++)
        printf("  #%-3" PRId64 " step %-10" PRIu64 " %-14s %zu byte%s\n",
               snaps[i].id, snaps[i].step, snaps[i].label, snaps[i].len, hvt_s(snaps[i].len));
    free(snaps);
    return 0;
}

int cmd_info(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--help")) {
        printf("usage: hvtrace info RUN\nWhat RUN holds: provenance (QEMU, firmware, guest, hv),\n"
               "status and stop reason, step count, snapshots, serial lines and events.\n");
        return CLI_OK;
    }
    if (argc != 2)
        return cli_usage("info", "expected one run file");
    rundb *db;
    hvt_error err = { "" };
    struct rundb_info in;
    if (rundb_open(&db, argv[1], &err) || rundb_info(db, &in, &err))
        return cli_fail("info", "%s", err.msg);
    print_field("run", argv[1]);
    print_meta(db);
    printf("%-16s ", "status");
    cli_put_line(stdout, in.status);
    fputs(in.reason[0] ? ": " : "", stdout);
    cli_put_line(stdout, in.reason);
    putchar('\n');
    printf("steps            %" PRIu64 "\n", in.steps);
    int rc = print_snapshots(db, &err);
    if (!rc) {
        printf("serial lines     %d\n", in.nserial);
        rc = rundb_read_serial(db, print_text, NULL, &err);
    }
    if (!rc) {
        printf("events\n");
        rc = rundb_read_events(db, print_text, NULL, &err);
    }
    rundb_close(db);
    return rc ? cli_fail("info", "%s", err.msg) : CLI_OK;
}

/* ---- mem ---- */

/* SNAP names a snapshot by id ("3", "#3") or label ("start", "end"). */
static int find_snapshot(rundb *db, const char *name, int64_t *id, hvt_error *err)
{
    struct rundb_snapshot *snaps;
    int n;
    uint64_t want;
    int by_id = cli_parse_u64(name[0] == '#' ? name + 1 : name, &want) == 0;
    if (rundb_list_snapshots(db, &snaps, &n, err))
        return -1;
    int found = -1;
    for (int i = 0; i < n && found < 0; i++)
        if (by_id ? snaps[i].id == (int64_t)want : !strcmp(snaps[i].label, name))
            found = i;
    if (found >= 0)
        *id = snaps[found].id;
    free(snaps);
    return found >= 0 ? 0 : hvt_error_set(err, "no snapshot '%s' (see 'hvtrace info')", name);
}

struct mem_image {
    const uint8_t *mem;
    size_t len;
};

static int fill_image(FILE *f, void *ctx, hvt_error *err)
{
    const struct mem_image *m = ctx;
    (void)err;                  /* cli_write_file names the file */
    return fwrite(m->mem, 1, m->len, f) == m->len && fflush(f) == 0 ? 0 : -1;
}

int cmd_mem(int argc, char **argv)
{
    static const struct option lo[] = { { "output", 1, 0, 'o' }, { "help", 0, 0, 'h' }, { 0 } };
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:h", lo, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: hvtrace mem RUN SNAP -o FILE\nWrite snapshot SNAP (id or label, "
                   "e.g. start, end) of RUN to FILE as a raw physical image from 0.\n");
            return CLI_OK;
        }
        if (c != 'o')
            return cli_bad_option("mem", c, argv);
        out = optarg;
    }
    if (optind + 2 != argc || !out)
        return cli_usage("mem", "expected RUN SNAP -o FILE");
    if (cli_same_file(out, argv[optind]))
        return cli_fail("mem", "-o %s is the run file %s: choose another output", out,
                        argv[optind]);
    rundb *db;
    hvt_error err = { "" };
    int64_t id = 0;
    uint8_t *mem = NULL;
    size_t len;
    int rc = rundb_open(&db, argv[optind], &err);
    if (!rc) {
        rc = find_snapshot(db, argv[optind + 1], &id, &err) ||
             rundb_get_snapshot(db, id, &mem, &len, &err) ||
             cli_write_file(out, fill_image, &(struct mem_image){ mem, len }, &err);
        rundb_close(db);
    }
    free(mem);
    return rc ? cli_fail("mem", "%s", err.msg) : CLI_OK;
}
