/*
 * qmp_events: listen to the QEMU Machine Protocol socket of a QEMU hvtrace
 * launched, only to learn why its VM stopped for good.
 *
 * QEMU runs with -no-shutdown, so a guest power-off, a triple fault (with
 * -no-reboot) or a SIGTERM to QEMU pauses the VM instead of ending the process:
 * the recorder can still take its end snapshot.  The gdbstub then reports a
 * stop with signal QUIT, which says nothing about the cause; QMP's SHUTDOWN
 * event does ("reason": guest-shutdown, guest-reset, host-signal, ...; QEMU's
 * qapi/run-state.json, ShutdownCause).
 *
 * For a record/replay free run (recorder_rr.c) it also sends two commands: a
 * human-monitor-command (`info registers`: is the CPU halted?) and `quit`.
 * Not here: any other command.
 * Invariant: fd < 0 means no QMP (attach mode, or the handshake failed); every
 * call is then a harmless no-op.  Input is bounded (QMP_BUF bytes kept).
 */
#ifndef HVT_QMP_EVENTS_H
#define HVT_QMP_EVENTS_H

#include <stddef.h>

#include "common/hvt_error.h"

#define QMP_BUF 8192

struct qmp_events {
    int fd;
    char buf[QMP_BUF];          /* unread tail of the stream (one partial line) */
    size_t len;
    char reason[48];            /* ShutdownCause of the SHUTDOWN event, or "" */
    char *line;                 /* qmp_events_hmp: where its reply line goes */
    size_t line_cap;
};

/* Connect to the QMP unix socket at path (retrying up to wait_ms while QEMU
 * creates it) and leave command mode with qmp_capabilities. */
int qmp_events_open(struct qmp_events *q, const char *path, int wait_ms, hvt_error *err);
/* Read what QEMU sent, up to wait_ms for a SHUTDOWN event; its reason is in
 * q->reason ("" if none came). */
void qmp_events_wait_shutdown(struct qmp_events *q, int wait_ms);
/* Scan one line of QMP JSON for a SHUTDOWN event; fills q->reason (the
 * first one's). */
void qmp_events_scan_line(struct qmp_events *q, const char *line);
/* Run a monitor command through QMP's human-monitor-command and copy the raw
 * JSON reply line (the text JSON-escaped) into out; events read meanwhile are
 * scanned as usual.  cmd must need no JSON escaping.  0, or -1 (no reply in
 * wait_ms, or no QMP). */
int qmp_events_hmp(struct qmp_events *q, const char *cmd, char *out, size_t cap, int wait_ms);
/* Does a reply of qmp_events_hmp to `info registers` show the CPU halted
 * (HLT=1) with EFLAGS.IF (bit 9) clear: nothing but an NMI or SMI wakes it
 * (Intel SDM vol 2, HLT)?  1 or 0. */
int qmp_events_halted_if_clear(const char *reply);
/* Ask QEMU to exit (QMP quit): it ends as after a normal shutdown, so its
 * exit handlers run (a record/replay log gets its header).  0 or -1. */
int qmp_events_quit(struct qmp_events *q);
void qmp_events_close(struct qmp_events *q);

#endif
