/*
 * rsp: commands on a gdbstub session: encode each request, parse its reply.
 *
 * Not here: sockets and acks (rsp_conn.c), framing (rsp_codec.c), register
 * layout (tdesc.c), and any policy about which command comes next.
 *
 * Session states: CONNECTED -> (rsp_attach handshake) -> STOPPED; STOPPED --
 * rsp_step/rsp_continue--> STOPPED; STOPPED --rsp_resume--> RUNNING --
 * rsp_wait_stop--> STOPPED.  Invariant: in RUNNING nothing is sent but the
 * interrupt byte, because QEMU stops the VM on any input byte.  The fast path
 * (rsp_step + rsp_read_regs) sends exactly `s` and `g` and allocates nothing.
 */
#include "gdbstub/rsp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Request sizes.  GDB's default PacketSize when a stub names none is 400. */
#define RSP_DEFAULT_PACKET_SIZE 400
/* A stop after an interrupt normally comes at once; allow a loaded machine. */
#define RSP_INTERRUPT_WAIT_MS 5000
/* Largest qXfer object accepted: QEMU's whole x86_64 target description is
 * ~10 KB; a stub streaming more is broken or hostile. */
#define RSP_XFER_MAX (1 << 20)
/* Longest request we format ourselves (qXfer/qRcmd/m/Z headers). */
#define RSP_REQ_MAX 1024

int rsp_command(struct rsp_session *s, const char *payload, const char **reply,
                size_t *n, hvt_error *err)
{
    if (rsp_conn_send(s->conn, payload, strlen(payload), err) < 0)
        return -1;
    int rc = rsp_conn_recv(s->conn, reply, n, 0, err);
    if (rc == RSP_TIMEOUT)
        return hvt_error_set(err, "gdbstub: no reply to '%.40s'", payload);
    return rc;
}

/* A command whose only good answer is "OK". */
static int command_ok(struct rsp_session *s, const char *payload, hvt_error *err)
{
    const char *reply;
    size_t n;
    if (rsp_command(s, payload, &reply, &n, err) < 0)
        return -1;
    if (n == 2 && memcmp(reply, "OK", 2) == 0)
        return 0;
    if (n == 0)
        return hvt_error_set(err, "gdbstub: '%.40s' not supported", payload);
    return hvt_error_set(err, "gdbstub: '%.40s' failed: %.40s", payload, reply);
}

/* ---- handshake --------------------------------------------------------- */

/* Find feature `name` in a qSupported reply: returns its text after name (e.g.
 * "=1000" or "+"), or NULL. */
static const char *supported_feature(const char *reply, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = reply; *p;) {
        if (strncmp(p, name, nl) == 0 && (p[nl] == '=' || p[nl] == '+'))
            return p + nl;
        const char *semi = strchr(p, ';');
        if (!semi)
            break;
        p = semi + 1;
    }
    return NULL;
}

static int query_supported(struct rsp_session *s, int *want_noack, hvt_error *err)
{
    const char *reply, *v;
    size_t n;
    if (rsp_command(s, "qSupported:xmlRegisters=i386", &reply, &n, err) < 0)
        return -1;
    s->packet_size = RSP_DEFAULT_PACKET_SIZE;
    if ((v = supported_feature(reply, "PacketSize")) && *v == '=') {
        uint64_t ps;
        const char *end = strchr(v, ';');
        size_t len = end ? (size_t)(end - v - 1) : strlen(v + 1);
        if (rsp_hex_u64(v + 1, len, &ps) == 0 && ps >= 64 && ps <= RSP_PAYLOAD_MAX)
            s->packet_size = (size_t)ps;
    }
    s->mem_chunk = s->packet_size / 2;
    if (!(v = supported_feature(reply, "qXfer:features:read")) || *v != '+')
        return hvt_error_set(err, "gdbstub offers no target description "
                             "(qXfer:features:read)");
    v = supported_feature(reply, "QStartNoAckMode");
    *want_noack = v && *v == '+';
    return 0;
}

static int fetch_annex(void *priv, const char *annex, char **data, size_t *len,
                       hvt_error *err)
{
    return rsp_xfer_read(priv, "features", annex, data, len, err);
}

int rsp_attach(struct rsp_session **out, struct rsp_conn *conn, hvt_error *err)
{
    const char *reply;
    size_t n;
    int want_noack = 0;
    struct rsp_session *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) {
        rsp_conn_close(conn);
        return hvt_error_set(err, "out of memory");
    }
    s->conn = conn;
    if (query_supported(s, &want_noack, err) < 0)
        goto fail;
    if (want_noack) {
        if (command_ok(s, "QStartNoAckMode", err) < 0)
            goto fail;
        s->noack = 1;
        rsp_conn_set_noack(conn, 1);
    }
    if (rsp_command(s, "?", &reply, &n, err) < 0)
        goto fail;
    if (tdesc_parse(&s->td, "target.xml", fetch_annex, s, err) < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    rsp_close(s);
    return -1;
}

int rsp_open(struct rsp_session **out, const char *addr, int retry_ms,
             hvt_error *err)
{
    struct rsp_conn *conn = rsp_conn_connect(addr, retry_ms, err);
    *out = NULL;
    return conn ? rsp_attach(out, conn, err) : -1;
}

const char *rsp_session_arch(const struct rsp_session *s)
{
    return s->td.arch;
}

void rsp_close(struct rsp_session *s)
{
    if (!s)
        return;
    tdesc_free(&s->td);
    rsp_conn_close(s->conn);
    free(s);
}

/* ---- data transfer ------------------------------------------------------- */

/* One qXfer read at offset: the reply is `m` + data (more follows), `l` + data
 * (the end), `E..`, or empty (object not supported).  Returns 1 at the end. */
static int xfer_chunk(struct rsp_session *s, const char *object, const char *annex,
                      char **buf, size_t *len, hvt_error *err)
{
    char req[RSP_REQ_MAX];
    const char *reply;
    size_t n;
    if (snprintf(req, sizeof req, "qXfer:%s:read:%s:%zx,%zx", object, annex, *len,
                 s->packet_size - 5) >= (int)sizeof req)
        return hvt_error_set(err, "qXfer annex name too long: %.40s", annex);
    if (rsp_command(s, req, &reply, &n, err) < 0)
        return -1;
    if (n == 0 || (reply[0] != 'm' && reply[0] != 'l'))
        return hvt_error_set(err, "qXfer:%s:read:%s: %s", object, annex,
                             n ? reply : "not supported");
    if (*len + n > RSP_XFER_MAX)
        return hvt_error_set(err, "qXfer:%s:read:%s: the stub sent more than %d bytes "
                             "(an endless object?)", object, annex, RSP_XFER_MAX);
    char *nb = realloc(*buf, *len + n);     /* n - 1 bytes of data and a NUL */
    if (!nb)
        return hvt_error_set(err, "out of memory");
    memcpy(nb + *len, reply + 1, n - 1);
    *len += n - 1;
    nb[*len] = 0;
    *buf = nb;
    return reply[0] == 'l' || n == 1;       /* an empty `m` would never end */
}

int rsp_xfer_read(struct rsp_session *s, const char *object, const char *annex,
                  char **data, size_t *len, hvt_error *err)
{
    char *buf = NULL;
    size_t blen = 0;
    int rc;
    while ((rc = xfer_chunk(s, object, annex, &buf, &blen, err)) == 0)
        ;
    if (rc < 0) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = blen;
    return 0;
}

int rsp_read_regs(struct rsp_session *s, struct hvt_state *st, hvt_error *err)
{
    const char *reply;
    size_t n;
    if (rsp_command(s, "g", &reply, &n, err) < 0)
        return -1;
    if (n == 3 && reply[0] == 'E')                  /* "Exx"; hex is never 3 long */
        return hvt_error_set(err, "gdbstub: g failed: %s", reply);
    return tdesc_decode_g(&s->td, reply, n, st, err);
}

static int read_mem_chunk(struct rsp_session *s, uint64_t addr, uint8_t *buf,
                          size_t len, hvt_error *err)
{
    char req[64];
    const char *reply;
    size_t n;
    snprintf(req, sizeof req, "m%" PRIx64 ",%zx", addr, len);
    if (rsp_command(s, req, &reply, &n, err) < 0)
        return -1;
    if (n != 2 * len || rsp_hex_decode(reply, n, buf) < 0)
        return hvt_error_set(err, "gdbstub: m 0x%" PRIx64 ",%zu: %.20s", addr, len,
                             n ? reply : "empty reply");
    return 0;
}

int rsp_read_mem(struct rsp_session *s, uint64_t addr, void *buf, size_t len,
                 hvt_error *err)
{
    for (size_t done = 0; done < len;) {
        size_t chunk = len - done < s->mem_chunk ? len - done : s->mem_chunk;
        if (read_mem_chunk(s, addr + done, (uint8_t *)buf + done, chunk, err) < 0)
            return -1;
        done += chunk;
    }
    return 0;
}

/* `g` and one `m` in a single write (see rsp_conn_send_batch): the engine's
 * per-step read of registers plus code bytes in one round trip.  Returns 0, 1
 * when the registers were read but the memory was not (an error reply), or -1. */
int rsp_read_regs_mem(struct rsp_session *s, struct hvt_state *st, uint64_t addr,
                      void *buf, size_t len, hvt_error *err)
{
    char mreq[64];
    const char *reply;
    size_t n;
    if (len > s->mem_chunk)
        return hvt_error_set(err, "gdbstub: batched read of %zu bytes too long", len);
    snprintf(mreq, sizeof mreq, "m%" PRIx64 ",%zx", addr, len);
    const char *const reqs[2] = { "g", mreq };
    if (rsp_conn_send_batch(s->conn, reqs, 2, err) || rsp_conn_expect_ack(s->conn, err) ||
        rsp_conn_recv(s->conn, &reply, &n, 0, err))
        return -1;
    if (n == 3 && reply[0] == 'E')
        return hvt_error_set(err, "gdbstub: g failed: %s", reply);
    if (tdesc_decode_g(&s->td, reply, n, st, err) ||
        rsp_conn_expect_ack(s->conn, err) || rsp_conn_recv(s->conn, &reply, &n, 0, err))
        return -1;
    return n == 2 * len && rsp_hex_decode(reply, n, buf) == 0 ? 0 : 1;
}

/* ---- execution ------------------------------------------------------------ */

int rsp_wait_stop(struct rsp_session *s, int timeout_ms, struct rsp_stop *stop,
                  hvt_error *err)
{
    for (;;) {
        const char *reply;
        size_t n;
        int rc = rsp_conn_recv(s->conn, &reply, &n, timeout_ms, err);
        if (rc != 0)
            return rc;
        /* `O` console output may precede a stop reply (GDB manual, "Stop Reply
         * Packets"); it carries nothing the tracer needs. */
        if (n > 1 && reply[0] == 'O' && strcmp(reply, "OK") != 0)
            continue;
        if (rsp_parse_stop(reply, n, stop) < 0)
            return hvt_error_set(err, "gdbstub: expected a stop reply, got '%.40s'",
                                 reply);
        return 0;
    }
}

int rsp_step(struct rsp_session *s, struct rsp_stop *stop, hvt_error *err)
{
    if (rsp_conn_send(s->conn, "s", 1, err) < 0)
        return -1;
    int rc = rsp_wait_stop(s, 0, stop, err);
    if (rc == RSP_TIMEOUT)
        return hvt_error_set(err, "gdbstub: no stop reply to a single step");
    return rc;
}

int rsp_resume(struct rsp_session *s, hvt_error *err)
{
    return rsp_conn_send(s->conn, "c", 1, err);
}

int rsp_interrupt(struct rsp_session *s, hvt_error *err)
{
    return rsp_conn_interrupt(s->conn, err);
}

int rsp_continue(struct rsp_session *s, int timeout_ms, struct rsp_stop *stop,
                 hvt_error *err)
{
    if (rsp_resume(s, err) < 0)
        return -1;
    int rc = rsp_wait_stop(s, timeout_ms, stop, err);
    if (rc != RSP_TIMEOUT)
        return rc;
    if (rsp_interrupt(s, err) < 0)
        return -1;
    rc = rsp_wait_stop(s, RSP_INTERRUPT_WAIT_MS, stop, err);
    if (rc == RSP_TIMEOUT)
        return hvt_error_set(err, "gdbstub: VM did not stop on interrupt");
    if (rc < 0)
        return -1;
    /* A breakpoint may have won the race with the interrupt byte: QEMU then
     * reports SIGTRAP and ignores the 0x03 of a stopped VM. */
    return stop->kind == RSP_STOP_SIGNAL && stop->code == RSP_SIGINT ? RSP_TIMEOUT : 0;
}

/* ---- breakpoints, QEMU extensions, monitor -------------------------------- */

int rsp_hwbreak(struct rsp_session *s, uint64_t addr, int insert, hvt_error *err)
{
    char req[64];
    /* kind 1: the length field; x86 hardware execution breakpoints are 1 byte. */
    snprintf(req, sizeof req, "%c1,%" PRIx64 ",1", insert ? 'Z' : 'z', addr);
    return command_ok(s, req, err);
}

int rsp_set_sstep(struct rsp_session *s, unsigned flags, hvt_error *err)
{
    char req[32];
    snprintf(req, sizeof req, "Qqemu.sstep=%x", flags);
    return command_ok(s, req, err);
}

int rsp_get_sstep(struct rsp_session *s, unsigned *flags, hvt_error *err)
{
    const char *reply;
    size_t n;
    uint64_t v;
    if (rsp_command(s, "qqemu.sstep", &reply, &n, err) < 0)
        return -1;
    /* QEMU answers "0x%x". */
    if (n < 3 || memcmp(reply, "0x", 2) != 0 || rsp_hex_u64(reply + 2, n - 2, &v) < 0)
        return hvt_error_set(err, "gdbstub: qqemu.sstep: '%.20s'", reply);
    *flags = (unsigned)v;
    return 0;
}

/* Append an `O` packet's hex text to out, counting everything in *total. */
static void monitor_output(const char *hex, size_t nhex, char *out, size_t cap,
                           size_t *total)
{
    for (size_t i = 0; i + 1 < nhex; i += 2) {
        uint8_t c;
        if (rsp_hex_decode(hex + i, 2, &c) < 0)
            return;
        if (*total + 1 < cap)
            out[*total] = (char)c;
        (*total)++;
    }
}

int rsp_monitor(struct rsp_session *s, const char *cmd, char *out, size_t cap,
                hvt_error *err)
{
    size_t clen = strlen(cmd), total = 0;
    char req[RSP_REQ_MAX];
    if (6 + 2 * clen + 1 > sizeof req)
        return hvt_error_set(err, "monitor command too long");
    memcpy(req, "qRcmd,", 6);
    rsp_hex_encode(cmd, clen, req + 6);
    if (rsp_conn_send(s->conn, req, strlen(req), err) < 0)
        return -1;
    for (;;) {
        const char *reply;
        size_t n;
        int rc = rsp_conn_recv(s->conn, &reply, &n, 0, err);
        if (rc == RSP_TIMEOUT)
            return hvt_error_set(err, "gdbstub: monitor '%.40s' did not finish", cmd);
        if (rc < 0)
            return -1;
        if (n == 2 && memcmp(reply, "OK", 2) == 0)
            break;
        if (n == 0 || reply[0] != 'O')
            return hvt_error_set(err, "gdbstub: monitor '%.40s': %s", cmd,
                                 n ? reply : "not supported");
        monitor_output(reply + 1, n - 1, out, cap, &total);
    }
    if (cap)
        out[total < cap ? total : cap - 1] = 0;
    return 0;
}
