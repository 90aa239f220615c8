/*
 * qmp_events: the QMP socket, read for one thing: the SHUTDOWN event's reason
 * (see qmp_events.h).  QMP sends one JSON object a line (QEMU's
 * docs/interop/qmp-spec: greeting, then the reply to qmp_capabilities, then
 * asynchronous events).  The lines are scanned for the event name and the
 * "reason" member, not parsed as a whole: nothing else of them is used.
 * Invariant: at most QMP_BUF bytes are held; a longer line is dropped.
 */
#include "qemu/qmp_events.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define QMP_HANDSHAKE_MS 5000

static double qmp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int qmp_connect(const char *path, int wait_ms)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path) >= (int)sizeof sa.sun_path)
        return -1;
    double end = qmp_now_ms() + wait_ms;
    do {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        close(fd);
        usleep(10000);
    } while (qmp_now_ms() < end);
    return -1;
}

/* "reason": "guest-shutdown" -> guest-shutdown, bounded by the output size. */
static void qmp_member(const char *line, const char *key, char *out, size_t cap)
{
    const char *p = strstr(line, key);
    out[0] = 0;
    if (!p || !(p = strchr(p + strlen(key), '"')))
        return;
    size_t n = strcspn(++p, "\"");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = 0;
}

void qmp_events_scan_line(struct qmp_events *q, const char *line)
{
    /* The first SHUTDOWN is the VM's end: a replay replays a power-off and
     * then the quit that ended its free run (a second, host-qmp-quit). */
    if (q->reason[0] || !strstr(line, "\"event\"") || !strstr(line, "\"SHUTDOWN\""))
        return;
    qmp_member(line, "\"reason\":", q->reason, sizeof q->reason);
    if (!q->reason[0])
        snprintf(q->reason, sizeof q->reason, "unknown");
}

/* Split the buffer into lines and scan each; keep the partial tail.  Returns 1
 * if a line containing `want` was seen (the first such line is copied to
 * q->line when q->line_cap is set). */
static int qmp_consume(struct qmp_events *q, const char *want)
{
    int seen = 0;
    char *start = q->buf, *nl;
    while ((nl = memchr(start, '\n', q->len - (size_t)(start - q->buf)))) {
        *nl = 0;
        qmp_events_scan_line(q, start);
        if (want && !seen && strstr(start, want)) {
            seen = 1;
            if (q->line_cap)
                snprintf(q->line, q->line_cap, "%s", start);
        }
        start = nl + 1;
    }
    q->len -= (size_t)(start - q->buf);
    memmove(q->buf, start, q->len);
    if (q->len == sizeof q->buf - 1)
        q->len = 0;             /* an over-long line: drop it */
    return seen;
}

/* Read for up to wait_ms, until a line containing want (or a SHUTDOWN reason
 * when want is NULL) came.  Returns 1 if it came, 0 on timeout, -1 on EOF. */
static int qmp_read_until(struct qmp_events *q, const char *want, int wait_ms)
{
    double end = qmp_now_ms() + wait_ms;
    for (;;) {
        int left = (int)(end - qmp_now_ms());
        struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
        if (left < 0 || poll(&pfd, 1, left) <= 0)
            return 0;
        ssize_t n = read(q->fd, q->buf + q->len, sizeof q->buf - 1 - q->len);
        if (n <= 0)
            return n < 0 && errno == EINTR ? 0 : -1;
        q->len += (size_t)n;
        if (qmp_consume(q, want) || (!want && q->reason[0]))
            return 1;
    }
}

int qmp_events_open(struct qmp_events *q, const char *path, int wait_ms, hvt_error *err)
{
    static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";
    memset(q, 0, sizeof *q);
    q->fd = qmp_connect(path, wait_ms);
    if (q->fd < 0)
        return hvt_error_set(err, "QEMU's QMP socket %s never accepted a connection", path);
    if (qmp_read_until(q, "\"QMP\"", QMP_HANDSHAKE_MS) != 1 ||
        write(q->fd, caps, sizeof caps - 1) != (ssize_t)(sizeof caps - 1) ||
        qmp_read_until(q, "\"return\"", QMP_HANDSHAKE_MS) != 1) {
        qmp_events_close(q);
        return hvt_error_set(err, "QEMU's QMP socket %s: no greeting or handshake", path);
    }
    return 0;
}

void qmp_events_wait_shutdown(struct qmp_events *q, int wait_ms)
{
    if (q->fd >= 0 && !q->reason[0])
        qmp_read_until(q, NULL, wait_ms);
}

static int qmp_send(struct qmp_events *q, const char *json)
{
    size_t n = strlen(json);
    return q->fd >= 0 && write(q->fd, json, n) == (ssize_t)n ? 0 : -1;
}

int qmp_events_hmp(struct qmp_events *q, const char *cmd, char *out, size_t cap, int wait_ms)
{
    char json[512];
    if (snprintf(json, sizeof json, "{\"execute\": \"human-monitor-command\", "
                 "\"arguments\": {\"command-line\": \"%s\"}}\n", cmd) >= (int)sizeof json ||
        qmp_send(q, json))
        return -1;
    q->line = out;
    q->line_cap = cap;
    out[0] = 0;
    int rc = qmp_read_until(q, "\"return\"", wait_ms);
    q->line = NULL;
    q->line_cap = 0;
    return rc == 1 ? 0 : -1;
}

int qmp_events_halted_if_clear(const char *reply)
{
    const char *efl = strstr(reply, "EFL=");
    if (!efl || !strstr(reply, "HLT=1"))
        return 0;
    return !(strtoul(efl + 4, NULL, 16) & (1ul << 9));
}

int qmp_events_quit(struct qmp_events *q)
{
    return qmp_send(q, "{\"execute\": \"quit\"}\n");
}

void qmp_events_close(struct qmp_events *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
}
