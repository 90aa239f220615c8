/*
 * bochs_launch: write the bochsrc, copy the disk, start Bochs with its debugger
 * on two pipes, stop it again.  See bochs_launch.h.  Invariant: a bochs_proc
 * whose pid is non-zero owns a live or unreaped child, its two pipe ends and a
 * private directory; bochs_stop releases all of them.
 */
#include "bochs/bochs_launch.h"
#include "bochs/bochs_iso.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CYLINDER_BYTES (16 * 63 * 512)     /* heads x sectors x 512 */
#define MAX_CYLINDERS  16383               /* ATA CHS limit Bochs accepts */
/* Emulated instructions per emulated second.  Bochs times its devices in
 * emulated time: at its default (4,000,000) the UART needs ~350 instructions a
 * character at 115200 baud, which a tracer spends in THRE polling loops; at its
 * minimum, 1,000,000 (it panics below: "out of range 1000000 to ..."), ~90
 * (the PIT then interrupts every ~55,000 instructions instead of ~220,000).
 * Both runs of a diff use the same value. */
#define BOCHS_IPS      1000000

void bochs_opts_defaults(struct bochs_opts *o)
{
    if (!o->bochs)
        o->bochs = "bochs";
    if (!o->cpu)
        o->cpu = "corei7_haswell_4770";
    if (!o->bios)
        o->bios = "/usr/share/bochs/BIOS-bochs-latest";
    if (o->memory_mb <= 0)
        o->memory_mb = 32;
}

/* Copy src to dst padded to whole cylinders; returns the cylinder count or -1. */
static long copy_disk(const char *src, const char *dst, hvt_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
    char buf[65536];
    long long total = 0;
    ssize_t n;
    if (in < 0)
        return hvt_error_errno(err, "cannot open disk image %s", src);
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return hvt_error_errno(err, "cannot create %s", dst);
    }
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n)
            break;
        total += n;
    }
    long cyl = (long)((total + CYLINDER_BYTES - 1) / CYLINDER_BYTES);
    if (cyl == 0)
        cyl = 1;
    int bad = n != 0 || ftruncate(out, (off_t)cyl * CYLINDER_BYTES) != 0;
    close(in);
    close(out);
    if (bad)
        return hvt_error_errno(err, "cannot copy %s", src);
    if (cyl > MAX_CYLINDERS)
        return hvt_error_set(err, "%s: larger than Bochs' CHS disk limit (%d cylinders)",
                             src, MAX_CYLINDERS);
    return cyl;
}

static int write_rc(const struct bochs_opts *o, struct bochs_proc *p, long cyl, hvt_error *err)
{
    char cdrom[400] = "";
    if (o->hv)
        snprintf(cdrom, sizeof cdrom, "ata1-master: type=cdrom, path=%s, status=inserted\n",
                 p->iso_path);
    int n = snprintf(p->rc_text, sizeof p->rc_text,
        "megs: %d\n"
        "cpu: model=%s, ips=%d, reset_on_triple_fault=0\n"
        "romimage: file=%s\n"
        "vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest\n"
        "display_library: rfb, options=\"timeout=0\"\n"
        "speaker: enabled=0\n"
        "sound: driver=dummy\n"
        "ata0-master: type=disk, path=%s, mode=flat, cylinders=%ld, heads=16, spt=63\n"
        "%s"
        "boot: %s\n"
        "com1: enabled=1, mode=file, dev=%s\n"
        "log: %s\n"
        "panic: action=fatal\nerror: action=report\ninfo: action=ignore\ndebug: action=ignore\n",
        o->memory_mb, o->cpu, BOCHS_IPS, o->bios, p->disk_path, cyl, cdrom, o->hv ? "cdrom" : "disk",
        p->serial_path, p->log_path);
    if (n >= (int)sizeof p->rc_text)
        return hvt_error_set(err, "bochsrc too long (paths too long?)");
    FILE *f = fopen(p->rc_path, "w");
    if (!f || fputs(p->rc_text, f) < 0) {
        if (f)
            fclose(f);
        return hvt_error_errno(err, "cannot write %s", p->rc_path);
    }
    return fclose(f) ? hvt_error_errno(err, "cannot write %s", p->rc_path) : 0;
}

static int make_dir(struct bochs_proc *p, hvt_error *err)
{
    const char *tmp = getenv("TMPDIR");
    /* hvtrace-PID-...: what a recorder killed with -9 leaves, the next hvtrace
     * removes (qemu_clean_stale, by the PID in the name). */
    snprintf(p->dir, sizeof p->dir, "%s/hvtrace-%ld-bochs-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    if (!mkdtemp(p->dir)) {
        p->dir[0] = 0;
        return hvt_error_errno(err, "cannot create a private directory");
    }
    snprintf(p->rc_path, sizeof p->rc_path, "%s/bochsrc", p->dir);
    snprintf(p->disk_path, sizeof p->disk_path, "%s/disk.img", p->dir);
    snprintf(p->serial_path, sizeof p->serial_path, "%s/com1.out", p->dir);
    snprintf(p->log_path, sizeof p->log_path, "%s/bochs.log", p->dir);
    snprintf(p->mem_path, sizeof p->mem_path, "%s/mem.bin", p->dir);
    snprintf(p->iso_path, sizeof p->iso_path, "%s/hv.iso", p->dir);
    snprintf(p->err_path, sizeof p->err_path, "%s/stderr.txt", p->dir);
    int fd = open(p->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return hvt_error_errno(err, "cannot create %s", p->serial_path);
    close(fd);
    return 0;
}

/* write_id_map: "ID ID 1" into /proc/self/FILE (user_namespaces(7)). */
static int write_id_map(const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/%s", file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* isolate_network: give the child a network namespace of its own.  Debian's
 * Bochs has no headless display; its rfb display listens on TCP port 5900 on
 * every interface while it runs.  In a fresh namespace that port is reachable
 * from nowhere and two Bochs runs no longer compete for it.  Root unshares the
 * network directly; another user first enters a user namespace that maps only
 * its own uid and gid (network_namespaces(7), user_namespaces(7)).  If neither
 * works (user namespaces disabled), Bochs runs as before: README says so. */
static void isolate_network(void)
{
    if (unshare(CLONE_NEWNET) == 0)
        return;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    char map[64];
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    write_id_map("uid_map", map);
    write_id_map("setgroups", "deny");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    write_id_map("gid_map", map);
}

static void exec_child(const struct bochs_opts *o, const struct bochs_proc *p,
                       int in_fd, int out_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);       /* never outlive a killed recorder */
    isolate_network();
    int null = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    if (null >= 0)
        dup2(null, 2);                      /* start-up chatter and early panics */
    if (chdir(p->dir) != 0)
        _exit(127);
    execlp(o->bochs, o->bochs, "-q", "-f", p->rc_path, "-unlock", (char *)NULL);
    _exit(127);
}

int bochs_launch(const struct bochs_opts *o, struct bochs_proc *p, hvt_error *err)
{
    int to[2], from[2];
    memset(p, 0, sizeof *p);
    p->to_fd = p->from_fd = -1;
    if (make_dir(p, err))
        return -1;
    long cyl = copy_disk(o->disk, p->disk_path, err);
    if (cyl < 0 || (o->hv && bochs_make_hv_iso(o->hv, o->hv_opts, p->iso_path, err)) ||
        write_rc(o, p, cyl, err))
        return -1;
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
        return hvt_error_errno(err, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return hvt_error_errno(err, "fork");
    if (pid == 0)
        exec_child(o, p, to[0], from[1]);
    close(to[0]);
    close(from[1]);
    p->pid = pid;
    p->to_fd = to[1];
    p->from_fd = from[0];
    return 0;
}

int bochs_exited(struct bochs_proc *p, int *status)
{
    if (p->exited) {
        *status = p->status;
        return 1;
    }
    if (p->pid <= 0 || waitpid(p->pid, &p->status, WNOHANG) != p->pid)
        return 0;
    p->exited = 1;
    *status = p->status;
    return 1;
}

static void last_panic(const char *path, char *out, size_t cap)
{
    char line[512];
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "p[") || strstr(line, "e[")) {    /* PANIC / ERROR lines */
            line[strcspn(line, "\r\n")] = 0;
            snprintf(out, cap, "%s", line);
        }
    fclose(f);
}

void bochs_last_words(const struct bochs_proc *p, char *out, size_t cap)
{
    out[0] = 0;
    last_panic(p->err_path, out, cap);
    last_panic(p->log_path, out, cap);
}

void bochs_stop(struct bochs_proc *p)
{
    if (p->to_fd >= 0)
        close(p->to_fd);
    if (p->from_fd >= 0)
        close(p->from_fd);
    p->to_fd = p->from_fd = -1;
    if (p->pid > 0 && !p->exited) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    p->pid = 0;
    if (p->dir[0]) {
        const char *files[] = { p->rc_path, p->disk_path, p->serial_path, p->log_path,
                                p->mem_path, p->iso_path, p->err_path };
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
            unlink(files[i]);
        char lock[200];
        snprintf(lock, sizeof lock, "%s.lock", p->disk_path);
        unlink(lock);
        rmdir(p->dir);
        p->dir[0] = 0;
    }
}
