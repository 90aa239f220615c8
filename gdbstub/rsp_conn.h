/*
 * rsp_conn: one RSP connection: a byte transport plus the ack discipline.
 *
 * Sending a packet waits for the peer's `+` and resends on `-`; every packet
 * received is acknowledged with `+`, sent in front of our next packet or before
 * we next wait for a packet, whichever comes first (QEMU 7.2 refuses
 * QStartNoAckMode, so acks stay on unless rsp_conn_set_noack is called after the
 * stub agreed).  Requests
 * are strictly one at a time: any byte sent while QEMU's VM runs stops it, so a
 * caller never writes behind an `s` or `c` before the stop reply arrived.
 *
 * The transport is a small table of operations so that unit tests can plug in a
 * fake that replays a recorded QEMU transcript; rsp_conn_connect fills it with a
 * socket (TCP with TCP_NODELAY: without it every step costs ~44 ms of delayed-ack
 * wait; or a unix socket).
 */
#ifndef HVT_RSP_CONN_H
#define HVT_RSP_CONN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/hvt_error.h"

/* Returned by rsp_conn_recv when no packet arrived in time (err is not filled:
 * a timeout is an answer the caller acts on, e.g. by interrupting the VM). */
#define RSP_TIMEOUT 1

struct rsp_transport {
    /* Write all n bytes; 0, or -1 with errno set. */
    int (*write_all)(void *ctx, const void *buf, size_t n);
    /* Wait up to timeout_ms (< 0: forever) for input.  Returns bytes read (> 0),
     * 0 at end of stream, -1 with errno set, or -2 on timeout. */
    ssize_t (*read)(void *ctx, void *buf, size_t cap, int timeout_ms);
    void (*close)(void *ctx);
};

struct rsp_conn;

/* Connect to a gdbstub at addr: "HOST:PORT" or ":PORT" with HOST a numeric IPv4
 * address or "localhost", or a unix socket path ("unix:PATH" or a path holding a
 * '/').  Retries for up to retry_ms while nobody listens yet (QEMU just started). */
struct rsp_conn *rsp_conn_connect(const char *addr, int retry_ms, hvt_error *err);
/* A connection over any transport; ctx is passed to the ops and closed with it. */
/* While *flag is non-zero (a signal handler sets it), socket reads fail at
 * once with EINTR instead of waiting for a stub that floods or stalls: used
 * while connecting, before a recording exists.  NULL turns it off. */
void rsp_conn_abort_on(volatile sig_atomic_t *flag);

struct rsp_conn *rsp_conn_new(const struct rsp_transport *ops, void *ctx,
                              hvt_error *err);
void rsp_conn_close(struct rsp_conn *c);

/* After the stub answered QStartNoAckMode with OK: no more acks either way. */
void rsp_conn_set_noack(struct rsp_conn *c, int noack);

/* For stubs that never wait for our acks (QEMU's system-mode gdbstub sends
 * a reply and goes on): an owed ack travels only in front of our next packet,
 * never alone, saving a write and a wake-up of the stub per reply. */
void rsp_conn_set_lazy_acks(struct rsp_conn *c, int lazy);

/* Send one packet and wait for its ack (resending on nak, up to 3 times). */
int rsp_conn_send(struct rsp_conn *c, const void *payload, size_t n, hvt_error *err);
/* Wait up to timeout_ms (0: the default, < 0: forever) for one packet (its ack
 * goes out with the next write, see above).
 * On 0 *payload points into the connection (NUL-terminated) until the next call.
 * Returns 0, RSP_TIMEOUT, or -1 with err filled. */
int rsp_conn_recv(struct rsp_conn *c, const char **payload, size_t *n,
                  int timeout_ms, hvt_error *err);
/* Pipelining for requests answered while the VM is stopped: one write of
 * several packets, then per packet rsp_conn_expect_ack + rsp_conn_recv. */
int rsp_conn_send_batch(struct rsp_conn *c, const char *const *payloads, int n,
                        hvt_error *err);
int rsp_conn_expect_ack(struct rsp_conn *c, hvt_error *err);
/* Send the interrupt byte 0x03 (the only way to stop a running VM). */
int rsp_conn_interrupt(struct rsp_conn *c, hvt_error *err);

/* Counters for reports and benchmarks. */
struct rsp_conn_stats {
    unsigned long packets_sent, packets_received, resends, bad_received;
};
void rsp_conn_stats(const struct rsp_conn *c, struct rsp_conn_stats *out);

#endif
