/*
 * qemu_launch: build QEMU's argument vector, start it stopped, stop it again.
 * See qemu_launch.h.  Invariant: a qemu_proc whose pid is non-zero owns a live
 * or unreaped child and a private directory; qemu_stop releases both.
 */
#include "qemu/qemu_launch.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAUNCH_MAX_ARGS 100
#define PATH_MAX_LAUNCH 4096
/* Fixed virtual clock for --deterministic: instructions, not host time, drive
 * timers (QEMU docs, "-icount"), and the RTC starts at a fixed date. */
/* shift=5 is 32 ns an instruction, ~31 MIPS: TCG's free-running rate here
 * (SeaBIOS, reset to 0x7c00: 5.65M instructions in 0.17-0.18 s on 2 vCPUs), so
 * timer interrupts come as often per instruction as they do without -icount. */
#define LAUNCH_ICOUNT "shift=5,sleep=off"
/* Record/replay: the same shift with sleep=on.  QEMU 7.2 with rr=record and
 * sleep=off never completed SeaBIOS's first disk read (its wait loop at
 * f000:877b spun for 20 s): the record log saves asynchronous events (the
 * blkreplay completion) only at clock checkpoints, and with sleep=off nothing
 * made one.  With sleep=on an idle CPU's clock follows host time; the replay
 * takes every warp from the log, so the recording still equals its free run. */
#define LAUNCH_ICOUNT_RR "shift=5,sleep=on,rr=%s"
#define LAUNCH_RTC    "base=2020-01-01T00:00:00,clock=vm"
#define STR_(x) #x
#define STR(x) STR_(x)

struct argv_builder {
    const char *v[LAUNCH_MAX_ARGS + 1];
    char owned[14][512];
    int n, nowned;
};

static void arg(struct argv_builder *a, const char *s)
{
    if (a->n < LAUNCH_MAX_ARGS)
        a->v[a->n++] = s;
}

static void argf(struct argv_builder *a, const char *fmt, const char *val)
{
    if (a->nowned >= (int)(sizeof a->owned / sizeof a->owned[0]))
        return;
    char *buf = a->owned[a->nowned++];
    snprintf(buf, sizeof a->owned[0], fmt, val);
    arg(a, buf);
}

void qemu_opts_defaults(struct qemu_opts *o)
{
    if (!o->qemu)
        o->qemu = "qemu-system-x86_64";
    if (!o->cpu)
        o->cpu = "qemu64,+svm,+npt";
    if (!o->machine)
        o->machine = "pc";
    if (o->memory_mb <= 0)
        o->memory_mb = 32;
}

/* The guest's RAM in the recorder's memfd (ram_file_open), shared with QEMU
 * (share=on: MAP_SHARED, QEMU's stores land in the memfd's pages), so that
 * the RAM is still readable when QEMU exits inside an instruction (isa-debug-
 * exit) or is killed.  The child opens it as /proc/self/fd/N, the descriptor
 * it inherits (exec_child); the memfd has no name, so it never outlives the
 * last process holding it, even after a kill -9. */
static void ram_args(const struct qemu_opts *o, const struct qemu_proc *p,
                     struct argv_builder *a)
{
    char spec[160];
    snprintf(spec, sizeof spec, "memory-backend-file,id=hvtram,size=%dM,"
             "mem-path=/proc/self/fd/%d,share=on", o->memory_mb, p->ram_fd);
    arg(a, "-object"); argf(a, "%s", spec);
    arg(a, "-machine"); arg(a, "memory-backend=hvtram");
}

/* Under record/replay every block request goes through a blkreplay node, which
 * logs (or replays) when each completes (docs/system/replay.rst); the IDE disk
 * is the same primary master as if=ide,index=0. */
static void disk_through_blkreplay(struct argv_builder *a, const char *disk)
{
    arg(a, "-drive"); argf(a, "file=%s,format=raw,if=none,id=hvtdisk,snapshot=on", disk);
    arg(a, "-drive"); arg(a, "driver=blkreplay,if=none,image=hvtdisk,id=hvtdisk-rr");
    arg(a, "-device"); arg(a, "ide-hd,drive=hvtdisk-rr,bus=ide.0,unit=0");
}

static void build_argv(const struct qemu_opts *o, const struct qemu_proc *p,
                       struct argv_builder *a, int with_ram)
{
    char mem[16];
    snprintf(mem, sizeof mem, "%d", o->memory_mb);
    arg(a, o->qemu);
    if (o->rr != QEMU_RR_RECORD)    /* the free run never stops: no -S, no gdbstub */
        arg(a, "-S");
    arg(a, "-display"); arg(a, "none");
    arg(a, "-no-reboot");
    arg(a, "-no-shutdown");
    arg(a, "-machine"); arg(a, o->machine);
    arg(a, "-cpu"); arg(a, o->cpu);
    arg(a, "-m"); argf(a, "%s", mem);
    /* COM1 into a file, not a socket: QEMU's 16550 (hw/char/serial.c,
     * serial_xmit) drops a byte when the chardev refuses it a few times, and a
     * unix socket refuses once a few hundred unread 1-byte writes fill its send
     * buffer.  A file never refuses, so no byte depends on how fast the
     * recorder reads (serflood: 109-112 of 201 lines survived a free run into
     * the socket).  QEMU writes each byte at once (no stdio buffering).
     * wait=on: QEMU blocks at the gdbstub socket until the recorder connected.
     * A client that connects to a wait=off socket before QEMU has attached the
     * front end can be dropped (seen as a reset). */
    arg(a, "-chardev"); argf(a, "file,id=hvtser,path=%s", p->serial_path);
    arg(a, "-serial"); arg(a, "chardev:hvtser");
    if (o->rr != QEMU_RR_RECORD) {
        arg(a, "-chardev"); argf(a, "socket,id=hvtgdb,path=%s,server=on,wait=on", p->gdb_path);
        arg(a, "-gdb"); arg(a, "chardev:hvtgdb");
    }
    arg(a, "-monitor"); arg(a, "none");
    arg(a, "-qmp"); argf(a, "unix:%s,server=on,wait=off", p->qmp_path);
    arg(a, "-device"); arg(a, "isa-debug-exit,iobase=" STR(QEMU_DEBUG_EXIT_PORT) ",iosize="
                              STR(QEMU_DEBUG_EXIT_SIZE));
    if (p->has_ram && with_ram)
        ram_args(o, p, a);
    /* snapshot=on: guest writes go to a temporary overlay, so recording never
     * changes the image and two recordings boot the same bytes. */
    if (o->disk && o->rr)
        disk_through_blkreplay(a, o->disk);
    else if (o->disk) { arg(a, "-drive"); argf(a, "file=%s,format=raw,if=ide,index=0,snapshot=on", o->disk); }
    if (o->kernel) { arg(a, "-kernel"); arg(a, o->kernel); }
    if (o->initrd) { arg(a, "-initrd"); arg(a, o->initrd); }
    if (o->append) { arg(a, "-append"); arg(a, o->append); }
    if (o->rr) {
        char icount[400];           /* rr_path is under 160 bytes */
        snprintf(icount, sizeof icount, LAUNCH_ICOUNT_RR ",rrfile=%s",
                 o->rr == QEMU_RR_RECORD ? "record" : "replay",
                 o->rr_file ? o->rr_file : p->rr_path);
        arg(a, "-icount"); argf(a, "%s", icount);
    } else if (o->deterministic || o->count_insns) {
        arg(a, "-icount"); arg(a, LAUNCH_ICOUNT);
    }
    if (o->deterministic) {
        arg(a, "-rtc"); arg(a, LAUNCH_RTC);
    }
    if (o->singlestep) arg(a, "-singlestep");
    if (o->log_items) { arg(a, "-d"); arg(a, o->log_items); }
    if (o->log_file) { arg(a, "-D"); arg(a, o->log_file); }
    for (int i = 0; o->extra && o->extra[i]; i++)
        arg(a, o->extra[i]);
    a->v[a->n] = NULL;
}

/* Shell-quote argv into out so a person can paste it to reproduce the run. */
static void quote_cmdline(const char *const *v, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; v[i] && n + 4 < cap; i++) {
        int plain = strspn(v[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789-_=,.:/+@%") == strlen(v[i]);
        n += snprintf(out + n, cap - n, plain ? "%s%s" : "%s'%s'", i ? " " : "", v[i]);
    }
}

const char *qemu_tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

/* hvtrace-PID-XXXXXX: the PID lets a later recorder see that its owner died. */
static int make_private_dir(struct qemu_proc *p, hvt_error *err)
{
    snprintf(p->dir, sizeof p->dir, "%s/hvtrace-%ld-XXXXXX", qemu_tmpdir(), (long)getpid());
    if (!mkdtemp(p->dir))
        return hvt_error_errno(err, "cannot create a private directory in %s", qemu_tmpdir());
    snprintf(p->gdb_path, sizeof p->gdb_path, "%s/gdb.sock", p->dir);
    snprintf(p->serial_path, sizeof p->serial_path, "%s/com1.out", p->dir);
    snprintf(p->stderr_path, sizeof p->stderr_path, "%s/qemu.out", p->dir);
    snprintf(p->qmp_path, sizeof p->qmp_path, "%s/qmp.sock", p->dir);
    snprintf(p->rr_path, sizeof p->rr_path, "%s/replay.log", p->dir);
    return 0;
}

/* dir/name holds run_path (NULL: dir/name removed). */
static void note_in(const char *dir, const char *name, const char *run_path)
{
    char path[200];
    if (!dir[0] || snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return;
    if (!run_path) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(run_path, f);
        fclose(f);
    }
}

void qemu_set_pending_in(const char *dir, const char *run_path)
{
    note_in(dir, "pending", run_path);
}

void qemu_set_run_in(const char *dir, const char *run_path)
{
    note_in(dir, "run", run_path);
}

/* QEMU's environment: ours with TMPDIR set to the private directory.  QEMU
 * puts a snapshot=on disk's temporary overlay there (block.c,
 * get_tmp_filename: $TMPDIR/vl.XXXXXX); a recording leaves none, but a QEMU
 * killed during its start-up left one in the user's $TMPDIR (kill.sh: vl.*
 * after a kill -9 of QEMU 104 ms in); in the private directory it goes with
 * the directory (qemu_stop, qemu_clean_stale).  Built before the fork, so the
 * child only execs. */
static char **child_env(const struct qemu_proc *p, char *var, size_t cap)
{
    extern char **environ;
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    char **env = malloc((n + 2) * sizeof *env);
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TMPDIR=", 7))
            env[k++] = environ[i];
    snprintf(var, cap, "TMPDIR=%s", p->dir);
    env[k++] = var;
    env[k] = NULL;
    return env;
}

static void exec_child(const struct qemu_proc *p, const char *const *v, char **env)
{
    /* QEMU must not outlive a recorder killed with -9: nobody would stop it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* Its own process group: Ctrl-C or a SIGTERM to the terminal's group is
     * the recorder's to handle (it ends the run and stops QEMU), not QEMU's. */
    setpgid(0, 0);
    int fd = open(p->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = open("/dev/null", O_RDONLY);
    if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
    if (null >= 0) dup2(null, 0);
    if (p->has_ram)
        fcntl(p->ram_fd, F_SETFD, 0);   /* QEMU opens it as /proc/self/fd/N */
    if (env)
        execvpe(v[0], (char *const *)v, env);
    else
        execvp(v[0], (char *const *)v);
    dprintf(2, "cannot run %s: %s\n", v[0], strerror(errno));
    _exit(127);
}

/* Can bin be executed (a path, or a name found in $PATH)?  Checked before the
 * fork so that a missing binary is named as such, not as a strange exit. */
static int executable(const char *bin)
{
    if (strchr(bin, '/'))
        return access(bin, X_OK) == 0;
    const char *path = getenv("PATH");
    char dir[PATH_MAX_LAUNCH];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        if (snprintf(dir, sizeof dir, "%.*s/%s", (int)n, path, bin) < (int)sizeof dir &&
            access(dir, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

/* An anonymous memfd the size of the guest's RAM (ram_args). */
static int ram_file_open(const struct qemu_opts *o, struct qemu_proc *p, hvt_error *err)
{
    p->ram_fd = memfd_create("hvtrace-guest-ram", MFD_CLOEXEC);
    if (p->ram_fd < 0)
        return hvt_error_errno(err, "cannot create a memfd for the guest's RAM");
    p->has_ram = 1;
    if (ftruncate(p->ram_fd, (off_t)o->memory_mb << 20))
        return hvt_error_errno(err, "cannot size the guest's RAM file to %d MiB", o->memory_mb);
    return 0;
}

int qemu_read_ram(const struct qemu_proc *p, uint8_t *mem, size_t len, hvt_error *err)
{
    size_t got = 0;
    if (!p->has_ram)
        return hvt_error_set(err, "QEMU was started without a RAM file");
    while (got < len) {
        ssize_t n = pread(p->ram_fd, mem + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? hvt_error_errno(err, "reading the guest's RAM file")
                         : hvt_error_set(err, "the guest's RAM file ends at %zu bytes", got);
        got += (size_t)n;
    }
    return 0;
}

int qemu_launch(const struct qemu_opts *opts, struct qemu_proc *p, hvt_error *err)
{
    memset(p, 0, sizeof *p);
    if (!executable(opts->qemu))
        return hvt_error_set(err, "cannot run QEMU '%s': %s", opts->qemu,
                             strchr(opts->qemu, '/') ? strerror(errno) : "not found in PATH");
    if (make_private_dir(p, err) || (opts->ram_file && ram_file_open(opts, p, err)))
        return -1;
    /* The stored command line leaves the RAM file out: it changes nothing the
     * guest sees, and a person pasting the line has no such descriptor. */
    struct argv_builder a = { .n = 0 };
    build_argv(opts, p, &a, 0);
    quote_cmdline(a.v, p->cmdline, sizeof p->cmdline);
    a = (struct argv_builder){ .n = 0 };
    build_argv(opts, p, &a, 1);
    char tmpdir[sizeof p->dir + 8];
    char **env = child_env(p, tmpdir, sizeof tmpdir);
    pid_t pid = fork();
    if (pid == 0)
        exec_child(p, a.v, env);
    free(env);
    if (pid < 0)
        return hvt_error_errno(err, "fork");
    p->pid = pid;
    return 0;
}

int qemu_exited(struct qemu_proc *p, int *status)
{
    if (!p->exited && p->pid > 0 && waitpid(p->pid, &p->status, WNOHANG) == p->pid)
        p->exited = 1;
    if (p->exited && status)
        *status = p->status;
    return p->exited || p->pid <= 0;
}

/* The last line QEMU wrote to its stdout/stderr that says something about its
 * end: its start-up chatter ("info: QEMU waiting for connection", "warning: TCG
 * doesn't support requested feature") does not. */
static void last_output_line(const char *path, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] && !strstr(line, ": info: ") && !strstr(line, ": warning: "))
            snprintf(out, cap, "%.380s", line);
    }
    fclose(f);
}

int qemu_exit_was_guest_poweroff(int status)
{
    /* isa-debug-exit makes QEMU exit with (value << 1) | 1. */
    return WIFEXITED(status) && (WEXITSTATUS(status) & 1) && WEXITSTATUS(status) > 1;
}

void qemu_exit_reason(struct qemu_proc *p, int status, char *out, size_t cap)
{
    char last[400];
    last_output_line(p->stderr_path, last, sizeof last);
    const char *sep = last[0] ? ": " : "";
    int sig = 0;
    const char *term = strstr(last, "terminating on signal ");
    if (term)
        sig = atoi(term + strlen("terminating on signal "));
    if (WIFSIGNALED(status))
        snprintf(out, cap, "QEMU killed by signal %d%s%s", WTERMSIG(status), sep, last);
    else if (sig > 0)           /* QEMU caught it and shut down cleanly (exit 0) */
        snprintf(out, cap, "QEMU killed by signal %d", sig);
    else if (qemu_exit_was_guest_poweroff(status))
        snprintf(out, cap, "guest wrote %d to isa-debug-exit", WEXITSTATUS(status) >> 1);
    else if (WEXITSTATUS(status) == 0)
        snprintf(out, cap, "guest reset or shut down (QEMU -no-reboot exit: "
                           "a triple fault, or a reset request)%s%s", sep, last);
    else
        snprintf(out, cap, "QEMU exited with status %d%s%s", WEXITSTATUS(status), sep, last);
}

/* Remove every entry of a private directory (sockets, FIFO, logs), then it. */
static void remove_private_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX_LAUNCH];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
            unlink(path);
    if (d)
        closedir(d);
    rmdir(dir);
}

void qemu_stop(struct qemu_proc *p)
{
    if (p->pid > 0 && !p->exited) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    p->pid = 0;
    if (p->has_ram)
        close(p->ram_fd);
    p->has_ram = 0;
    if (p->dir[0]) {
        remove_private_dir(p->dir);
        p->dir[0] = 0;
    }
}

/* Does the process that made an entry named PREFIX-PID-... still exist? */
static int owner_alive(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    char *end;
    if (strncmp(name, prefix, n))
        return -1;                          /* not ours */
    long pid = strtol(name + n, &end, 10);
    if (end == name + n || *end != '-' || pid <= 0)
        return -1;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The path a private directory's note (`run`, `pending`) holds, or -1. */
static int read_note(const char *dir, const char *name, char *out, size_t cap)
{
    char path[PATH_MAX_LAUNCH];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int named = fgets(out, (int)cap, f) && out[0];
    fclose(f);
    out[strcspn(out, "\n")] = 0;
    return named && out[0] ? 0 : -1;
}

/* A run file and what SQLite keeps beside it. */
static void unlink_run(const char *run)
{
    static const char *const side[] = { "", "-journal", "-wal", "-shm" };
    char path[PATH_MAX_LAUNCH];
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++)
        if (snprintf(path, sizeof path, "%s%s", run, side[i]) < (int)sizeof path)
            unlink(path);
}

/* A rollback journal SQLite would not call hot is deleted.  SQLite creates
 * the journal, then writes its header; a recorder killed in between leaves a
 * journal whose first byte is 0 (or that is empty), which SQLite ignores
 * (pager.c, hasHotJournal: hot only if the first byte is not 0) and never
 * deletes, so it stayed next to the run for good.  A hot one (a transaction
 * cut by the kill) is SQLite's to roll back when the run is next opened for
 * writing; it stays. */
static void remove_cold_journal(const char *run)
{
    char path[PATH_MAX_LAUNCH];
    unsigned char first = 0;
    if (snprintf(path, sizeof path, "%s-journal", run) >= (int)sizeof path)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, &first, 1);
    close(fd);
    if (n == 0 || (n == 1 && first == 0))
        unlink(path);
}

/* What dead recorder pid left of its run (named in its `run`, noted before
 * the file is made): rundb_create's temporary RUN.tmpPID (db/rundb.c; a kill
 * while the run is created), a journal SQLite would leave; and an unfinished
 * run (named in its `pending`), deleted whole. */
static void remove_run_leftovers(const char *dir, long pid)
{
    char run[PATH_MAX_LAUNCH], tmp[PATH_MAX_LAUNCH + 32];
    if (read_note(dir, "run", run, sizeof run) == 0) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", run, pid) < (int)sizeof tmp)
            unlink_run(tmp);
        remove_cold_journal(run);
    }
    if (read_note(dir, "pending", run, sizeof run) == 0)
        unlink_run(run);
}

int qemu_clean_stale(void)
{
    const char *tmp = qemu_tmpdir();
    DIR *d = opendir(tmp);
    struct dirent *e;
    char path[PATH_MAX_LAUNCH];
    int removed = 0;
    while (d && (e = readdir(d))) {
        int dir = owner_alive(e->d_name, "hvtrace-") == 0;
        int sect = owner_alive(e->d_name, "hvtrace-bootsect-") == 0;
        if ((!dir && !sect) ||
            snprintf(path, sizeof path, "%s/%s", tmp, e->d_name) >= (int)sizeof path)
            continue;
        if (dir) {
            remove_run_leftovers(path, strtol(e->d_name + strlen("hvtrace-"), NULL, 10));
            remove_private_dir(path);
        } else {
            unlink(path);
        }
        removed++;
    }
    if (d)
        closedir(d);
    return removed;
}

char *qemu_version(const char *qemu)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' --version 2>/dev/null", qemu);
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    char line[256] = "";
    char *ok = fgets(line, sizeof line, f);
    pclose(f);
    if (!ok)
        return NULL;
    line[strcspn(line, "\n")] = 0;
    return strdup(line);
}

const char *qemu_default_bios(void)
{
    static const char *const candidates[] = {
        "/usr/share/seabios/bios-256k.bin", "/usr/share/qemu/bios-256k.bin", NULL };
    for (int i = 0; candidates[i]; i++)
        if (access(candidates[i], R_OK) == 0)
            return candidates[i];
    return NULL;
}
