/*
 * qemu_fifo_log: QEMU's log through a FIFO, and the instruction bytes it gives
 * (see qemu_fifo_log.h).  Invariant: after qemu_fifo_log_drain with the VM
 * stopped, `code` holds the bytes of every instruction the VM has executed
 * since logging started.
 */
#include "qemu/qemu_fifo_log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIFO_READ_CHUNK  (1u << 20)
#define FIFO_PIPE_BYTES  (1 << 20)  /* QEMU blocks when the FIFO is full */

int qemu_monitor_quiet(struct rsp_session *rsp, const char *cmd, hvt_error *err)
{
    char out[512];
    if (rsp_monitor(rsp, cmd, out, sizeof out, err))
        return -1;
    if (out[0]) {
        out[strcspn(out, "\n")] = 0;
        return hvt_error_set(err, "QEMU monitor '%s': %s", cmd, out);
    }
    return 0;
}

/* States and events go to the caller's callbacks (priv is theirs); in_asm
 * lines fill the code map. */
static int on_log_step(void *priv, const struct qemulog_cpu *cpu)
{
    struct qemu_fifo_log *l = priv;
    return l->on_step ? l->on_step(l->priv, cpu) : 0;
}

static int on_log_event(void *priv, const struct qemulog_event *ev)
{
    struct qemu_fifo_log *l = priv;
    if (ev->kind != QEMULOG_EV_CODE)
        return l->on_event ? l->on_event(l->priv, ev) : 0;
    const struct codemap_entry *last = codemap_get(&l->code, l->last_code_pc);
    if (ev->code_more && last && l->last_code_pc + last->len == ev->eip)
        return codemap_extend(&l->code, l->last_code_pc, ev->code, ev->code_len), 0;
    l->last_code_pc = ev->eip;
    if (codemap_put(&l->code, ev->eip, ev->code, ev->code_len))
        return l->failed = 1, 1;
    return 0;
}

static int open_fifo(struct qemu_fifo_log *l, const char *dir, hvt_error *err)
{
    snprintf(l->path, sizeof l->path, "%s/log.fifo", dir);
    if (mkfifo(l->path, 0600))
        return l->path[0] = 0, hvt_error_errno(err, "mkfifo %s", l->path);
    /* Read end first: QEMU's fopen of a FIFO blocks its main loop until then. */
    l->fifo = open(l->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (l->fifo < 0)
        return hvt_error_errno(err, "open %s", l->path);
    /* 64 KiB holds ~80 states; larger is best effort (pipe-max-size caps it). */
    fcntl(l->fifo, F_SETPIPE_SZ, FIFO_PIPE_BYTES);
    return 0;
}

int qemu_fifo_log_start(struct qemu_fifo_log *l, struct rsp_session *rsp, const char *dir,
                        const char *items, qemulog_step_fn on_step,
                        qemulog_event_fn on_event, void *priv, hvt_error *err)
{
    memset(l, 0, sizeof *l);
    l->fifo = -1;
    l->on_step = on_step;
    l->on_event = on_event;
    l->priv = priv;
    codemap_init(&l->code);
    l->buf = malloc(FIFO_READ_CHUNK);
    l->parser = qemulog_new(on_log_step, on_log_event, l);
    if (!l->buf || !l->parser)
        return hvt_error_set(err, "out of memory for QEMU's log");
    char cmd[300], logcmd[128];
    if (open_fifo(l, dir, err))
        return -1;
    snprintf(cmd, sizeof cmd, "logfile %s", l->path);
    snprintf(logcmd, sizeof logcmd, "log %s", items);
    return qemu_monitor_quiet(rsp, cmd, err) || qemu_monitor_quiet(rsp, logcmd, err) ? -1 : 0;
}

ssize_t qemu_fifo_log_pump(struct qemu_fifo_log *l)
{
    ssize_t n = read(l->fifo, l->buf, FIFO_READ_CHUNK);
    if (n > 0) {
        qemulog_feed(l->parser, l->buf, (size_t)n);
        return l->failed ? -1 : n;
    }
    if (n == 0)
        return -1;              /* QEMU closed the log: it exited */
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

void qemu_fifo_log_drain(struct qemu_fifo_log *l)
{
    while (qemu_fifo_log_pump(l) > 0)
        ;
}

int qemu_fifo_log_wait(struct qemu_fifo_log *l, int ms)
{
    struct pollfd p = { .fd = l->fifo, .events = POLLIN };
    return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

void qemu_fifo_log_stop(struct qemu_fifo_log *l, struct rsp_session *rsp)
{
    hvt_error ignored = { "" };
    if (rsp)
        qemu_monitor_quiet(rsp, "log none", &ignored);
    qemulog_free(l->parser);
    codemap_free(&l->code);
    free(l->buf);
    if (l->fifo >= 0)
        close(l->fifo);
    if (l->path[0])
        unlink(l->path);
    memset(l, 0, sizeof *l);
    l->fifo = -1;
}
