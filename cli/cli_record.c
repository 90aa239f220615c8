/*
 * cli_record: `hvtrace record` — command line to record_opts, the hv image and
 * boot-sector module for --with-hv, SIGINT handling and the progress line.
 * The recording itself is recorder.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/plural.h"
#include "recipes/recipe.h"
#include "record/recorder.h"

#define RECORD_MAX_QEMU_ARGS 32
#define RECORD_MAX_MEMORY_MB (1 << 20)    /* 1 TiB: more is a typo */

static volatile sig_atomic_t record_interrupted;

static void on_signal(int sig) { record_interrupted = sig; }

static void record_help(void)
{
    printf(
"usage: hvtrace record [OPTIONS] -o RUN [DISK]\n"
"Boot DISK (a raw disk image) in QEMU, stopped at reset, and record every\n"
"instruction with its CPU state into the SQLite run file RUN, plus 1 MiB memory\n"
"snapshots at start, end and each --snapshot-at.  ADDR is hex linear (7c00) or\n"
"real-mode SEG:OFF (0000:7c00).\n\n"
"  -o, --output RUN        run file to create (refuses to overwrite without --force)\n"
"      --force             replace an existing RUN (only once the new one is written)\n"
"      --steps N           stop after N recorded steps\n"
"      --from ADDR         run freely until ADDR executes, record from there\n"
"      --until ADDR        stop recording when ADDR is about to execute\n"
"      --snapshot-at ADDR  also snapshot memory each time ADDR is reached (repeatable)\n"
"      --snapshot-every N  also snapshot memory every N steps (the log engine takes\n"
"                          it where the VM stops, at most a few thousand steps on)\n"
"      --timeout SECONDS   stop after this much wall time\n"
"      --with-hv[=IMAGE]   boot the hypervisor hv with DISK's first sector as its\n"
"                          guest; IMAGE is a path, or i386 (default) / x86_64 for\n"
"                          the hv-ARCH.elf installed with hvtrace\n"
"      --hv-opts OPTS      hv boot options, e.g. \"smi=host tpm=absent\"\n"
"      --attach HOST:PORT  record from a QEMU you started with -s/-gdb (e.g. on KVM)\n"
"      --engine log|rsp    log (default): QEMU's own per-instruction log, ~170k\n"
"                          steps/s, TCG only; rsp: gdbstub single-steps, ~4k\n"
"                          steps/s, also with --attach (KVM)\n"
"      --qemu BIN          QEMU binary (default qemu-system-x86_64)\n"
"      --cpu MODEL         -cpu (default qemu64,+svm,+npt, for both runs of a diff)\n"
"      --machine M         -machine (default pc; e.g. pc,smm=off)\n"
"  -m, --memory MB         guest memory (default 32)\n"
"      --no-deterministic  host RTC, and (log engine) host time instead of -icount;\n"
"                          the rsp engine keeps -icount: its stops would feed\n"
"                          host time to the guest's timers\n"
"      --no-replay         record the live QEMU: by default, --from under -icount\n"
"                          (not --with-hv) first runs the guest free under QEMU's\n"
"                          record/replay until it ends (at most 30 s) and records\n"
"                          the replay, so that the stop at --from does not move\n"
"                          the guest's timers (README, known limits)\n"
"      --replay LOG        record on QEMU's replay of LOG, a record/replay log of a\n"
"                          free run of the same machine (its command line is\n"
"                          qemu_free_cmdline in 'hvtrace info' of a recording,\n"
"                          with your rrfile=): one free run, many recordings\n"
"      --keep-free-run FILE  keep the free run's log as FILE (for --replay) and\n"
"                          its COM1 output as FILE.com1\n"
"      --qemu-arg ARG      pass ARG to QEMU (repeatable)\n"
"      --emulator qemu|bochs  bochs: record in Bochs 2.7 through its debugger\n"
"                          (VMX, e.g. hv's vmx backend; ~1-3k steps/s) with every\n"
"                          memory access of every step (table mem); --cpu is then\n"
"                          a Bochs model (default corei7_haswell_4770)\n"
"      --bios FILE         Bochs: romimage (default Bochs' rombios)\n"
"      --no-mem-trace      Bochs: do not record memory accesses (faster)\n"
"      --recipe NAME|FILE  run an investigation recipe while recording (the log\n"
"                          engine for recipes on int/addr triggers, else rsp;\n"
"                          'hvtrace recipes' lists the built-in ones)\n"
"\nExit status: 0 recorded (including a guest that died: the run says why), 2 error.\n");
}

/* hv-ARCH.elf next to the hvtrace binary (build tree) or in ../share/hvtrace. */
static const char *installed_hv_image(const char *arch, char *buf, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    const char *const rel[] = { "%s/hv-%s.elf", "%s/../share/hvtrace/hv-%s.elf" };
    for (size_t i = 0; i < 2; i++)
        if (snprintf(buf, cap, rel[i], exe, arch) < (int)cap && access(buf, R_OK) == 0)
            return buf;
    return NULL;
}

/* -o RUN: refused before QEMU starts when it could never be written: a
 * directory, an existing file without --force, a directory that is missing or
 * not writable (the run is written there under a temporary name first). */
static int check_output(const char *out, int overwrite)
{
    struct stat sb;
    if (stat(out, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_fail("record", "-o %s: is a directory; give a run file name", out);
    if (!overwrite && access(out, F_OK) == 0)
        return cli_fail("record", "%s: already exists (use --force to replace it)", out);
    char dir[PATH_MAX];
    const char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - out) + (slash == out), out);
    if (access(dir, W_OK | X_OK))
        return cli_fail("record", "cannot create %s: %s", out, strerror(errno));
    return 0;
}

/* hv is loaded by QEMU's -kernel as a multiboot image: an ELF file with the
 * Multiboot header (magic 0x1BADB002, 32-bit aligned) in its first 8192 bytes
 * (Multiboot Specification 0.6.96, 3.1.1).  Anything else QEMU would take for
 * a Linux kernel and answer with a message about Linux. */
static int check_multiboot_elf(const char *image, hvt_error *err)
{
    unsigned char head[8192];
    FILE *f = fopen(image, "rb");
    if (!f)
        return hvt_error_errno(err, "cannot read hv image %s", image);
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    int multiboot = 0;
    for (size_t i = 0; i + 4 <= got && !multiboot; i += 4)
        multiboot = head[i] == 0x02 && head[i + 1] == 0xb0 && head[i + 2] == 0xad &&
                    head[i + 3] == 0x1b;
    if (got < 4 || memcmp(head, "\x7f" "ELF", 4) || !multiboot)
        return hvt_error_set(err, "%s: not a multiboot ELF image (hv-i386.elf or "
                             "hv-x86_64.elf)", image);
    return 0;
}

/* DISK's first sector, if the BIOS would boot it: 512 bytes ending in the
 * 55 AA signature (the BIOS Boot Specification 1.01, 6.5.1; SeaBIOS refuses
 * such a disk with "not a bootable disk" and recording it would only record
 * the firmware looking for something else to boot). */
static int read_boot_sector(const char *disk, unsigned char sector[512], hvt_error *err)
{
    struct stat sb;
    if (stat(disk, &sb) == 0 && S_ISDIR(sb.st_mode))
        return hvt_error_set(err, "%s: is a directory, not a disk image", disk);
    FILE *in = fopen(disk, "rb");
    if (!in)
        return hvt_error_errno(err, "cannot open %s", disk);
    size_t got = fread(sector, 1, 512, in);
    fclose(in);
    if (got != 512)
        return hvt_error_set(err, "%s: not a bootable disk (%s one 512-byte sector)", disk,
                             got ? "shorter than" : "empty, not even");
    if (sector[510] != 0x55 || sector[511] != 0xaa)
        return hvt_error_set(err, "%s: not a bootable disk (no 55 AA boot signature at "
                             "offset 510)", disk);
    return 0;
}

/* Write DISK's first 512 bytes to a temporary file: hv's multiboot module. */
static int extract_boot_sector(const char *disk, char *path, size_t cap, hvt_error *err)
{
    unsigned char sector[512];
    if (read_boot_sector(disk, sector, err))
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(path, cap, "%s/hvtrace-bootsect-%ld-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());   /* the pid: qemu_clean_stale knows whose it is */
    int fd = mkstemp(path);
    if (fd < 0)
        return hvt_error_errno(err, "cannot create %s", path);
    int ok = write(fd, sector, sizeof sector) == (ssize_t)sizeof sector;
    close(fd);
    return ok ? 0 : hvt_error_errno(err, "cannot write %s", path);
}

static void show_progress(void *ctx, uint64_t steps, int snapshots)
{
    cli_progress_update(ctx, steps, snapshots, 0);
}

struct record_args {
    struct record_opts o;
    const char *qemu_args[RECORD_MAX_QEMU_ARGS + 1];
    int nqemu_args;
    int with_hv;
    const char *hv_image;
    const char *recipe_name;
    struct recipe *recipe;
};

/* -o naming one of the inputs (with --force it would be replaced); after
 * prepare_hv, which finds the hv image. */
static int refuse_input_as_output(const struct record_args *ra)
{
    const char *const in[] = { ra->o.qemu.disk, ra->o.hv_image, ra->o.bios };
    const char *const what[] = { "the guest image", "the hv image", "the BIOS image" };
    for (size_t i = 0; i < 3; i++)
        if (cli_same_file(ra->o.out, in[i]))
            return cli_fail("record", "-o %s is %s %s: choose another output", ra->o.out,
                            what[i], in[i]);
    return 0;
}

static int parse_addr_opt(const char *s, struct hvt_addr *a)
{
    hvt_error err = { "" };
    if (addr_parse(s, a, &err))
        return cli_usage("record", "%s", err.msg);
    return 0;
}

/* -m MB: whole mebibytes, 1 up to RECORD_MAX_MEMORY_MB. */
static int parse_memory(const char *arg, int *mb)
{
    uint64_t v;
    if (cli_parse_u64(arg, &v) || v == 0 || v > RECORD_MAX_MEMORY_MB)
        return cli_usage("record", "bad --memory '%s' (MiB, 1 to %d)", arg,
                         RECORD_MAX_MEMORY_MB);
    *mb = (int)v;
    return 0;
}

static int parse_one(struct record_args *ra, int c, const char *arg)
{
    struct record_opts *o = &ra->o;
    switch (c) {
    case 'o': o->out = arg; return 0;
    case 'F': o->overwrite = 1; return 0;
    case 's': return cli_parse_u64(arg, &o->max_steps) || !o->max_steps
                     ? cli_usage("record", "bad --steps '%s' (a whole number of steps, at least 1)", arg) : 0;
    case 'f': o->has_from = 1; return parse_addr_opt(arg, &o->from);
    case 'u': o->has_until = 1; return parse_addr_opt(arg, &o->until);
    case 'S':
        if (o->nsnap_at == RECORD_MAX_SNAP_AT)
            return cli_usage("record", "at most %d --snapshot-at", RECORD_MAX_SNAP_AT);
        return parse_addr_opt(arg, &o->snap_at[o->nsnap_at++]);
    case 't': return cli_parse_seconds(arg, &o->timeout)
                     ? cli_usage("record", "bad --timeout '%s' (seconds, more than 0 and at "
                                 "most %.0f: a week; e.g. 5 or 0.5)", arg, CLI_MAX_SECONDS) : 0;
    case 'H': ra->with_hv = 1; ra->hv_image = arg; return 0;
    case 'O': o->hv_opts = arg; return 0;
    case 'a': o->attach = arg; return 0;
    case 'e': o->engine = arg;
        return !strcmp(arg, "rsp") || !strcmp(arg, "log") ? 0
               : cli_usage("record", "unknown engine '%s' (rsp or log)", arg);
    case 'q': o->qemu.qemu = arg; return 0;
    case 'X': o->emulator = arg;
        return !strcmp(arg, "qemu") || !strcmp(arg, "bochs") ? 0
               : cli_usage("record", "unknown emulator '%s' (qemu or bochs)", arg);
    case 'B': o->bios = arg; return 0;
    case 'N': o->bochs_no_mem = 1; return 0;
    case 'c': o->qemu.cpu = arg; return 0;
    case 'M': o->qemu.machine = arg; return 0;
    case 'm': return parse_memory(arg, &o->qemu.memory_mb);
    case 'D': o->qemu.deterministic = 0; return 0;
    case 'P': o->no_replay = 1; return 0;
    case 'L': o->replay_log = arg; return 0;
    case 'K': o->keep_free_run = arg; return 0;
    case 'R': ra->recipe_name = arg; return 0;
    case 'E':
        return cli_parse_u64(arg, &o->snap_every) || !o->snap_every
               ? cli_usage("record", "bad --snapshot-every '%s'", arg) : 0;
    case 'A':
        if (ra->nqemu_args == RECORD_MAX_QEMU_ARGS)
            return cli_usage("record", "too many --qemu-arg");
        ra->qemu_args[ra->nqemu_args++] = arg;
        return 0;
    }
    return cli_usage("record", "bad option");
}

/* --recipe NAME|FILE; its `from` applies unless --from was given. */
static int load_recipe(struct record_args *ra)
{
    hvt_error err = { "" };
    if (recipe_load(ra->recipe_name, &ra->recipe, &err))
        return cli_fail("record", "%s", err.msg);
    ra->o.recipe = ra->recipe;
    const struct hvt_addr *from = recipe_from(ra->recipe);
    if (from && !ra->o.has_from) {
        ra->o.has_from = 1;
        ra->o.from = *from;
    }
    return 0;
}

/* The log engine unless --attach, or a recipe that needs a stop at every step
 * (recipe_runs_at_breakpoints says which): those single-step (rsp). */
static int choose_engine(struct record_args *ra)
{
    const char *why = "";
    int log_ok = !ra->recipe || recipe_runs_at_breakpoints(ra->recipe, &why);
    if (ra->o.engine && !strcmp(ra->o.engine, "log") && !log_ok)
        return cli_usage("record", "--engine log cannot run recipe %s: %s (use --engine rsp)",
                         recipe_name(ra->recipe), why);
    if (!ra->o.engine)
        ra->o.engine = ra->o.attach || !log_ok ? "rsp" : "log";
    return 0;
}

static int parse_args(struct record_args *ra, int argc, char **argv)
{
    static const struct option lo[] = {
        { "output", 1, 0, 'o' }, { "force", 0, 0, 'F' }, { "steps", 1, 0, 's' },
        { "from", 1, 0, 'f' }, { "until", 1, 0, 'u' }, { "snapshot-at", 1, 0, 'S' },
        { "timeout", 1, 0, 't' }, { "with-hv", 2, 0, 'H' }, { "hv-opts", 1, 0, 'O' },
        { "attach", 1, 0, 'a' }, { "engine", 1, 0, 'e' }, { "qemu", 1, 0, 'q' },
        { "cpu", 1, 0, 'c' }, { "machine", 1, 0, 'M' }, { "memory", 1, 0, 'm' },
        { "no-deterministic", 0, 0, 'D' }, { "qemu-arg", 1, 0, 'A' }, { "recipe", 1, 0, 'R' },
        { "snapshot-every", 1, 0, 'E' }, { "emulator", 1, 0, 'X' }, { "bios", 1, 0, 'B' },
        { "no-mem-trace", 0, 0, 'N' }, { "no-replay", 0, 0, 'P' },
        { "replay", 1, 0, 'L' }, { "keep-free-run", 1, 0, 'K' },
        { "help", 0, 0, 'h' }, { 0 } };
    int c;
    optind = 1;
    ra->o.qemu.deterministic = 1;
    ra->o.engine = NULL;
    while ((c = getopt_long(argc, argv, ":o:m:h", lo, NULL)) != -1) {
        if (c == 'h')
            return record_help(), -1;
        if (c == '?' || c == ':' || parse_one(ra, c, optarg))
            return c == '?' || c == ':' ? cli_bad_option("record", c, argv) : CLI_TROUBLE;
    }
    if (!ra->o.out)
        return cli_usage("record", "missing -o RUN");
    if (check_output(ra->o.out, ra->o.overwrite))
        return CLI_TROUBLE;
    if (optind < argc)
        ra->o.guest_image = ra->o.qemu.disk = argv[optind++];
    if (optind < argc)
        return cli_usage("record", "unexpected argument '%s'", argv[optind]);
    if (!ra->o.qemu.disk && !ra->o.attach)
        return cli_usage("record", "missing DISK (or --attach)");
    unsigned char sector[512];
    hvt_error err = { "" };
    if (ra->o.qemu.disk && access(ra->o.qemu.disk, R_OK))
        return cli_fail("record", "cannot read disk image %s: %s", ra->o.qemu.disk,
                        strerror(errno));
    if (ra->o.qemu.disk && read_boot_sector(ra->o.qemu.disk, sector, &err))
        return cli_fail("record", "%s", err.msg);
    if (ra->with_hv && ra->o.attach)
        return cli_usage("record", "--with-hv starts QEMU itself; it cannot --attach");
    if (ra->o.engine && !strcmp(ra->o.engine, "log") && ra->o.attach)
        return cli_usage("record", "--engine log cannot --attach (it needs a QEMU hvtrace starts)");
    if (ra->o.emulator && !strcmp(ra->o.emulator, "bochs") &&
        (ra->o.attach || ra->recipe_name || ra->o.engine || !ra->o.qemu.disk))
        return cli_usage("record", "--emulator bochs records DISK in a Bochs it starts "
                         "(no --attach, --recipe or --engine)");
    if (ra->o.replay_log && (ra->o.attach || ra->o.no_replay || !ra->o.qemu.deterministic ||
                             ra->with_hv ||
                             (ra->o.emulator && !strcmp(ra->o.emulator, "bochs"))))
        return cli_usage("record", "--replay needs a QEMU hvtrace starts with -icount (no "
                         "--attach, --no-replay, --no-deterministic, --with-hv or --emulator "
                         "bochs)");
    if (ra->o.keep_free_run && (!ra->o.has_from || ra->o.replay_log || ra->o.no_replay ||
                                ra->o.attach || ra->with_hv || !ra->o.qemu.deterministic))
        return cli_usage("record", "--keep-free-run needs a free run: --from under -icount, "
                         "without --replay, --no-replay, --with-hv or --attach");
    if (ra->o.replay_log && access(ra->o.replay_log, R_OK))
        return cli_fail("record", "cannot read --replay log %s: %s", ra->o.replay_log,
                        strerror(errno));
    if (ra->recipe_name && load_recipe(ra))
        return CLI_TROUBLE;
    return choose_engine(ra);
}

static int prepare_hv(struct record_args *ra, char *module, size_t cap, hvt_error *err)
{
    static char found[PATH_MAX];
    const char *want = ra->hv_image ? ra->hv_image : "i386";
    const char *image = want;
    if (!strcmp(want, "i386") || !strcmp(want, "x86_64"))
        image = installed_hv_image(want, found, sizeof found);
    if (!image)
        return hvt_error_set(err, "no hv-%s.elf found next to hvtrace; give --with-hv=IMAGE",
                             want);
    if (access(image, R_OK))
        return hvt_error_errno(err, "cannot read hv image %s", image);
    if (check_multiboot_elf(image, err))
        return -1;
    ra->o.hv_image = image;
    if (ra->o.emulator && !strcmp(ra->o.emulator, "bochs"))
        return 0;               /* GRUB passes the sector (bochs_iso.h) */
    if (extract_boot_sector(ra->o.qemu.disk, module, cap, err))
        return -1;
    ra->o.qemu.kernel = image;
    ra->o.qemu.initrd = module;
    ra->o.qemu.append = ra->o.hv_opts ? ra->o.hv_opts : "";
    return 0;
}

int cmd_record(int argc, char **argv)
{
    struct record_args ra = { .nqemu_args = 0 };
    int rc = parse_args(&ra, argc, argv);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    ra.o.qemu.extra = ra.qemu_args;
    hvt_error err = { "" };
    char module[PATH_MAX] = "";
    if (ra.with_hv && prepare_hv(&ra, module, sizeof module, &err))
        return recipe_free(ra.recipe), cli_fail("record", "%s", err.msg);
    if (refuse_input_as_output(&ra)) {
        if (module[0])
            unlink(module);
        return recipe_free(ra.recipe), CLI_TROUBLE;
    }
    struct cli_progress prog;
    cli_progress_init(&prog);
    ra.o.progress = show_progress;
    ra.o.progress_ctx = &prog;
    ra.o.interrupted = &record_interrupted;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGPIPE, SIG_IGN);
    struct record_result res;
    rc = record_run(&ra.o, &res, &err);
    cli_progress_done(&prog);
    if (module[0])
        unlink(module);
    recipe_free(ra.recipe);
    if (rc)
        return cli_fail("record", "%s", err.msg);
    printf("%s: %" PRIu64 " step%s (%.0f steps/s), %d snapshot%s, %s: %s\n", ra.o.out,
           res.steps, hvt_s(res.steps), res.step_seconds > 0 ? res.steps / res.step_seconds : 0.0,
           res.snapshots, hvt_s((uint64_t)res.snapshots), res.complete ? "complete" : "incomplete", res.reason);
    return CLI_OK;
}
