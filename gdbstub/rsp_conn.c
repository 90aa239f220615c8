/*
 * rsp_conn: buffered reads, the ack/resend discipline, and the socket transport.
 *
 * Not here: what packets mean (rsp.c), how bytes are framed (rsp_codec.c).
 *
 * Invariants: bytes read from the transport but not yet decoded stay in rbuf
 * (rpos..rlen) and are decoded before the next read, so a `+` and the reply that
 * follows it in one TCP segment are both seen; one packet is in flight at a time
 * (send waits for its ack before returning).  The ack of a received packet is
 * owed (ack_owed) until the next write, which carries it in front ("+$g#67"),
 * or until the next rsp_conn_recv, which sends it alone first: the stub always
 * has its ack before we wait for more, and a step costs two writes, not four.
 * Deadlines use CLOCK_MONOTONIC so a timeout covers the whole call.
 * A stop reply or exit packet (S, T, W, X) that comes where our ack was
 * expected means the stub took our packet and answered it, its `+` lost or
 * never sent (QEMU's gdbstub sends W at exit, maybe before the ack of a
 * packet it read: GDB manual, "Packet Acknowledgment", acks are only for the
 * transport): it counts as the ack and is held (held_reply) for the next
 * rsp_conn_recv, so a QEMU killed mid-step ends the run, not the session.
 */
#include "gdbstub/rsp_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gdbstub/rsp_codec.h"

#define CONN_DEFAULT_TIMEOUT_MS 10000
#define CONN_MAX_RESENDS 3          /* naks tolerated for one packet, either way */
#define CONN_RETRY_INTERVAL_MS 20   /* between connect attempts while QEMU starts */

struct rsp_conn {
    const struct rsp_transport *ops;
    void *ctx;
    int timeout_ms;
    int noack;
    int lazy_acks;                      /* acks ride on our next packet only */
    int ack_owed;                       /* a received packet is not acked yet */
    int held_reply;                     /* dec.payload: a stop reply that came
                                         * instead of an ack, not yet received */
    struct rsp_conn_stats stats;
    size_t rpos, rlen;
    uint8_t rbuf[16384];
    char tx[1 + 2 * RSP_PAYLOAD_MAX + 8];   /* owed ack + fully escaped frame */
    struct rsp_decoder dec;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t deadline_after(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* ---- socket transport ---------------------------------------------------- */

struct sock_ctx { int fd; };

static int sock_write_all(void *ctx, const void *buf, size_t n)
{
    int fd = ((struct sock_ctx *)ctx)->fd;
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* See rsp_conn_abort_on. */
static volatile sig_atomic_t *conn_abort_flag;

void rsp_conn_abort_on(volatile sig_atomic_t *flag)
{
    conn_abort_flag = flag;
}

static ssize_t sock_read(void *ctx, void *buf, size_t cap, int timeout_ms)
{
    int fd = ((struct sock_ctx *)ctx)->fd;
    for (;;) {
        if (conn_abort_flag && *conn_abort_flag) {
            errno = EINTR;      /* a signal while a stub floods or stalls us */
            return -1;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, timeout_ms);
        if (r == 0)
            return -2;
        if (r < 0 && errno == EINTR)
            continue;           /* the flag, if set, is seen at the top */
        if (r < 0)
            return -1;
        ssize_t got = read(fd, buf, cap);
        if (got < 0 && errno == EINTR)
            continue;
        return got;
    }
}

static void sock_close(void *ctx)
{
    close(((struct sock_ctx *)ctx)->fd);
    free(ctx);
}

static const struct rsp_transport sock_ops = {
    .write_all = sock_write_all, .read = sock_read, .close = sock_close,
};

/* Fill a sockaddr for addr; returns its length, or 0 if addr is not understood. */
static socklen_t parse_addr(const char *addr, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    const char *path = strncmp(addr, "unix:", 5) == 0 ? addr + 5
                     : strchr(addr, '/') ? addr : NULL;
    if (path) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;
        if (!*path || strlen(path) >= sizeof un->sun_path)
            return 0;
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, path);
        return sizeof *un;
    }
    const char *colon = strrchr(addr, ':');
    char host[64] = "127.0.0.1", *end;
    if (colon && colon != addr) {
        size_t hl = (size_t)(colon - addr);
        if (hl >= sizeof host)
            return 0;
        memcpy(host, addr, hl);
        host[hl] = 0;
    }
    long port = strtol(colon ? colon + 1 : addr, &end, 10);
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    if (*end || port <= 0 || port > 65535)
        return 0;
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
        return 0;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    return sizeof *in;
}

/* Connect, retrying while the listener is not there yet (ECONNREFUSED on TCP,
 * ENOENT or ECONNREFUSED on a unix socket QEMU has not created yet). */
static int connect_retry(const struct sockaddr_storage *ss, socklen_t len,
                         int retry_ms, const char *addr, hvt_error *err)
{
    int64_t deadline = now_ms() + (retry_ms > 0 ? retry_ms : 0);
    for (;;) {
        int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return hvt_error_errno(err, "gdbstub %s: socket", addr);
        if (connect(fd, (const struct sockaddr *)ss, len) == 0)
            return fd;
        int e = errno;
        close(fd);
        errno = e;
        if ((e != ECONNREFUSED && e != ENOENT) || now_ms() >= deadline)
            return hvt_error_errno(err, "gdbstub %s: connect", addr);
        struct timespec ts = { 0, CONN_RETRY_INTERVAL_MS * 1000000L };
        nanosleep(&ts, NULL);
    }
}

struct rsp_conn *rsp_conn_connect(const char *addr, int retry_ms, hvt_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len = parse_addr(addr, &ss);
    if (!len) {
        hvt_error_set(err, "gdbstub address '%s': want HOST:PORT or a unix socket "
                      "path", addr);
        return NULL;
    }
    int fd = connect_retry(&ss, len, retry_ms, addr, err);
    if (fd < 0)
        return NULL;
    int one = 1;
    if (ss.ss_family == AF_INET &&
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
        hvt_error_errno(err, "gdbstub %s: TCP_NODELAY", addr);
        close(fd);
        return NULL;
    }
    struct sock_ctx *sc = malloc(sizeof *sc);
    if (!sc) {
        close(fd);
        hvt_error_set(err, "out of memory");
        return NULL;
    }
    sc->fd = fd;
    struct rsp_conn *c = rsp_conn_new(&sock_ops, sc, err);
    if (!c)
        sock_close(sc);
    return c;
}

/* ---- connection ------------------------------------------------------------ */

struct rsp_conn *rsp_conn_new(const struct rsp_transport *ops, void *ctx,
                              hvt_error *err)
{
    struct rsp_conn *c = malloc(sizeof *c);
    if (!c) {
        hvt_error_set(err, "out of memory");
        return NULL;
    }
    c->ops = ops;
    c->ctx = ctx;
    c->timeout_ms = CONN_DEFAULT_TIMEOUT_MS;
    c->noack = 0;
    c->lazy_acks = 0;
    c->ack_owed = c->held_reply = 0;
    memset(&c->stats, 0, sizeof c->stats);
    c->rpos = c->rlen = 0;
    rsp_decoder_init(&c->dec);
    return c;
}

void rsp_conn_close(struct rsp_conn *c)
{
    if (!c)
        return;
    if (c->ack_owed)
        c->ops->write_all(c->ctx, "+", 1);
    c->ops->close(c->ctx);
    free(c);
}

void rsp_conn_set_noack(struct rsp_conn *c, int noack)
{
    c->noack = noack;
}

void rsp_conn_set_lazy_acks(struct rsp_conn *c, int lazy)
{
    c->lazy_acks = lazy;
}

void rsp_conn_stats(const struct rsp_conn *c, struct rsp_conn_stats *out)
{
    *out = c->stats;
}

static int write_bytes(struct rsp_conn *c, const void *buf, size_t n, hvt_error *err)
{
    if (c->ops->write_all(c->ctx, buf, n) < 0)
        return hvt_error_errno(err, "gdbstub: write");
    return 0;
}

static int pay_ack(struct rsp_conn *c, hvt_error *err)
{
    if (!c->ack_owed)
        return 0;
    c->ack_owed = 0;
    return write_bytes(c, "+", 1, err);
}

/* Decode buffered bytes, reading more when they run out, until one event.
 * Returns 0 (event in *ev), RSP_TIMEOUT, or -1. */
static int next_event(struct rsp_conn *c, int64_t deadline, enum rsp_event *ev,
                      hvt_error *err)
{
    for (;;) {
        if (c->rpos < c->rlen) {
            c->rpos += rsp_decoder_feed(&c->dec, c->rbuf + c->rpos,
                                        c->rlen - c->rpos, ev);
            if (*ev != RSP_EV_NONE)
                return 0;
            continue;
        }
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            wait = left > 0 ? (int)left : 0;
        }
        ssize_t got = c->ops->read(c->ctx, c->rbuf, sizeof c->rbuf, wait);
        if (got == -2)
            return RSP_TIMEOUT;
        if (got == 0)
            return hvt_error_set(err, "gdbstub closed the connection");
        if (got < 0)
            return hvt_error_errno(err, "gdbstub: read");
        c->rpos = 0;
        c->rlen = (size_t)got;
    }
}

/* After a packet went out: 0 on `+`, 1 on `-` (send again), -1 on failure. */
static int wait_ack(struct rsp_conn *c, hvt_error *err)
{
    int64_t deadline = deadline_after(c->timeout_ms);
    for (;;) {
        enum rsp_event ev;
        int rc = next_event(c, deadline, &ev, err);
        if (rc == RSP_TIMEOUT)
            return hvt_error_set(err, "gdbstub: no ack within %d ms", c->timeout_ms);
        if (rc < 0)
            return -1;
        if (ev == RSP_EV_ACK)
            return 0;
        if (ev == RSP_EV_NAK)
            return 1;
        if (ev == RSP_EV_PACKET && c->dec.len > 0 && strchr("STWX", c->dec.payload[0]))
            return c->held_reply = 1, 0;
        if (ev == RSP_EV_PACKET)
            return hvt_error_set(err, "gdbstub: packet '%.40s' before the ack",
                                 c->dec.payload);
        /* A corrupted frame or interrupt byte from the stub: not our ack. */
    }
}

int rsp_conn_send(struct rsp_conn *c, const void *payload, size_t n, hvt_error *err)
{
    char *frame = c->tx + 1;
    size_t len = rsp_encode(payload, n, frame, sizeof c->tx - 1);
    if (!len)
        return hvt_error_set(err, "gdbstub: packet of %zu bytes too long", n);
    for (int attempt = 0; attempt <= CONN_MAX_RESENDS; attempt++) {
        size_t owed = attempt == 0 && c->ack_owed;
        c->tx[0] = '+';
        c->ack_owed = 0;
        if (write_bytes(c, frame - owed, len + owed, err) < 0)
            return -1;
        c->stats.packets_sent++;
        if (c->noack)
            return 0;
        int rc = wait_ack(c, err);
        if (rc <= 0)
            return rc;
        c->stats.resends++;
    }
    return hvt_error_set(err, "gdbstub: packet '%.40s' refused %d times",
                         frame, CONN_MAX_RESENDS + 1);
}

/* Several requests in one write, for replies that need no running VM (never
 * behind `s` or `c`): the stub answers them in order.  The caller then takes,
 * for each, rsp_conn_expect_ack and rsp_conn_recv.  Saves one round trip a
 * request; a nak is not resent here (the caller repeats the request alone). */
int rsp_conn_send_batch(struct rsp_conn *c, const char *const *payloads, int n,
                        hvt_error *err)
{
    size_t len = 0, cap = sizeof c->tx - 1;
    char *out = c->tx + 1;
    for (int i = 0; i < n; i++) {
        size_t one = rsp_encode(payloads[i], strlen(payloads[i]), out + len, cap - len);
        if (!one)
            return hvt_error_set(err, "gdbstub: batch of %d packets too long", n);
        len += one;
    }
    size_t owed = c->ack_owed;
    c->tx[0] = '+';
    c->ack_owed = 0;
    c->stats.packets_sent += (unsigned long)n;
    return write_bytes(c, out - owed, len + owed, err);
}

int rsp_conn_expect_ack(struct rsp_conn *c, hvt_error *err)
{
    if (c->noack)
        return 0;
    int rc = wait_ack(c, err);
    return rc > 0 ? hvt_error_set(err, "gdbstub: a batched request was refused") : rc;
}

int rsp_conn_recv(struct rsp_conn *c, const char **payload, size_t *n,
                  int timeout_ms, hvt_error *err)
{
    int64_t deadline = deadline_after(timeout_ms ? timeout_ms : c->timeout_ms);
    int bad = 0;
    if (!c->lazy_acks && !c->held_reply && pay_ack(c, err) < 0)
        return -1;
    for (;;) {
        enum rsp_event ev = RSP_EV_PACKET;
        int rc = c->held_reply ? 0 : next_event(c, deadline, &ev, err);
        c->held_reply = 0;
        if (rc != 0)
            return rc;
        if (ev == RSP_EV_PACKET) {
            c->stats.packets_received++;
            c->ack_owed = !c->noack;
            *payload = c->dec.payload;
            *n = c->dec.len;
            return 0;
        }
        if (ev != RSP_EV_BAD_CHECKSUM && ev != RSP_EV_BAD_PACKET)
            continue;   /* stray ack bytes carry no reply */
        c->stats.bad_received++;
        if (++bad > CONN_MAX_RESENDS || c->noack)
            return hvt_error_set(err, "gdbstub: %d corrupted replies", bad);
        if (write_bytes(c, "-", 1, err) < 0)
            return -1;
    }
}

int rsp_conn_interrupt(struct rsp_conn *c, hvt_error *err)
{
    if (pay_ack(c, err) < 0)
        return -1;
    return write_bytes(c, "\x03", 1, err);
}
