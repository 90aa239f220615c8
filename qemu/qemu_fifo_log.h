/*
 * qemu_fifo_log: QEMU's own log (-d items), switched on at run time through the
 * gdbstub's monitor and streamed through a FIFO into qemu/qemulog.c's parser.
 * Both engines use it: the log engine for every state, the RSP engine only for
 * `in_asm`, which gives each instruction's bytes as QEMU translates it (first
 * execution, and again after a write invalidated it), so stepping needs no
 * memory read for code.  Translated bytes are kept here (codemap.h).
 *
 * Facts (QEMU 7.2, see qemulog.h's notes): `logfile PATH` opens the file at once
 * and a FIFO without a reader blocks QEMU's main loop, so the read end is opened
 * first; QEMU flushes after every block and blocks while the FIFO is full, so
 * the reader must keep draining while the VM runs; everything a stopped VM
 * executed is in the FIFO when its stop reply arrives.
 */
#ifndef HVT_QEMU_FIFO_LOG_H
#define HVT_QEMU_FIFO_LOG_H

#include <sys/types.h>

#include "qemu/codemap.h"
#include "qemu/qemulog.h"
#include "gdbstub/rsp.h"

struct qemu_fifo_log {
    int fifo;
    char path[200];
    struct qemulog *parser;
    struct codemap code;        /* linear PC -> bytes, from in_asm lines */
    uint64_t last_code_pc;      /* continuation lines extend this entry */
    qemulog_step_fn on_step;    /* states, or NULL (code only) */
    qemulog_event_fn on_event;  /* events other than code, or NULL */
    void *priv;
    char *buf;
    int failed;
};

/* Open the FIFO in dir, point QEMU's log at it and enable `items` (e.g.
 * "in_asm" or "in_asm,cpu,int,nochain").  on_step may be NULL (code only). */
int qemu_fifo_log_start(struct qemu_fifo_log *l, struct rsp_session *rsp, const char *dir,
                        const char *items, qemulog_step_fn on_step,
                        qemulog_event_fn on_event, void *priv, hvt_error *err);
/* Parse what the FIFO holds now: bytes read, 0 if empty, -1 at end or error. */
ssize_t qemu_fifo_log_pump(struct qemu_fifo_log *l);
/* Read until the FIFO is empty (the VM is stopped). */
void qemu_fifo_log_drain(struct qemu_fifo_log *l);
/* Wait up to ms for data; 1 if there is some. */
int qemu_fifo_log_wait(struct qemu_fifo_log *l, int ms);
/* `log none` (if the VM still lives) and release everything. */
void qemu_fifo_log_stop(struct qemu_fifo_log *l, struct rsp_session *rsp_or_null);
/* Run a monitor command that prints nothing when it works. */
int qemu_monitor_quiet(struct rsp_session *rsp, const char *cmd, hvt_error *err);

#endif
