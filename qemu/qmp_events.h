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
 * Not here: sending commands other than the capabilities handshake.
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
};

/* Connect to the QMP unix socket at path (retrying up to wait_ms while QEMU
 * creates it) and leave command mode with qmp_capabilities. */
int qmp_events_open(struct qmp_events *q, const char *path, int wait_ms, hvt_error *err);
/* Read what QEMU sent, up to wait_ms for a SHUTDOWN event; its reason is in
 * q->reason ("" if none came). */
void qmp_events_wait_shutdown(struct qmp_events *q, int wait_ms);
/* Scan one line of QMP JSON for a SHUTDOWN event; fills q->reason. */
void qmp_events_scan_line(struct qmp_events *q, const char *line);
void qmp_events_close(struct qmp_events *q);

#endif
