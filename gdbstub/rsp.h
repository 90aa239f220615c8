/*
 * rsp: the GDB remote protocol commands hvtrace needs, on one session with a
 * QEMU gdbstub (connection + target description).  Each call is one request and
 * its reply (or, for memory and qXfer, a loop of them); the caller (a recording
 * engine) decides their order.  No call leaves a request outstanding, except
 * rsp_resume, whose stop reply rsp_wait_stop collects.
 *
 * QEMU facts this relies on (QEMU 7.2, gdbstub/gdbstub.c): PacketSize=1000, so
 * `m` returns at most 2048 bytes; `m` addresses are linear in the CPU's current
 * mode; hardware breakpoints (Z1) match the linear PC; `g` has no segment bases,
 * descriptor tables or SMM flag; Qqemu.sstep takes hex flags (ENABLE=1, NOIRQ=2,
 * NOTIMER=4); `?` also removes every breakpoint, so the handshake starts clean.
 */
#ifndef HVT_RSP_H
#define HVT_RSP_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"
#include "gdbstub/rsp_codec.h"
#include "gdbstub/rsp_conn.h"
#include "gdbstub/tdesc.h"

/* Qqemu.sstep flags (QEMU gdbstub: SSTEP_ENABLE, SSTEP_NOIRQ, SSTEP_NOTIMER). */
#define RSP_SSTEP_ENABLE  0x1u
#define RSP_SSTEP_NOIRQ   0x2u
#define RSP_SSTEP_NOTIMER 0x4u

/* GDB's signal numbers in stop replies (include/gdb/signals.def). */
#define RSP_SIGINT  2           /* stopped by an interrupt (0x03) */
#define RSP_SIGTRAP 5           /* single step or breakpoint */

struct rsp_session {
    struct rsp_conn *conn;
    struct tdesc td;            /* registers as the stub describes them */
    size_t packet_size;         /* stub's PacketSize (bytes of payload it accepts) */
    size_t mem_chunk;           /* bytes per `m` request */
    int noack;                  /* stub agreed to QStartNoAckMode */
};

/* Connect to addr (see rsp_conn_connect) and handshake: qSupported, optional
 * QStartNoAckMode, `?`, target description.  *out is NULL on failure. */
int rsp_open(struct rsp_session **out, const char *addr, int retry_ms,
             hvt_error *err);
/* Same handshake over a given connection; the session owns conn afterwards, and
 * closes it on failure too. */
int rsp_attach(struct rsp_session **out, struct rsp_conn *conn, hvt_error *err);
void rsp_close(struct rsp_session *s);
/* The target description's <architecture>: "i386" or "i386:x86-64" on QEMU. */
const char *rsp_session_arch(const struct rsp_session *s);

/* One request, one reply (for commands without a helper: "Hg0", "vCont?"...).
 * *reply is valid until the next call on the session. */
int rsp_command(struct rsp_session *s, const char *payload, const char **reply,
                size_t *n, hvt_error *err);

/* `g`, decoded through the target description (HVT_K_GPR|SEL|CR as available). */
int rsp_read_regs(struct rsp_session *s, struct hvt_state *st, hvt_error *err);
/* `m` in mem_chunk pieces; all len bytes or -1 (an error reply such as E14 for
 * unmapped memory fills err: pass a scratch hvt_error when that is expected). */
int rsp_read_mem(struct rsp_session *s, uint64_t addr, void *buf, size_t len,
                 hvt_error *err);

/* `g` plus `m addr,len` in one round trip; 0, 1 (memory unreadable) or -1. */
int rsp_read_regs_mem(struct rsp_session *s, struct hvt_state *st, uint64_t addr,
                      void *buf, size_t len, hvt_error *err);

/* `s`: execute one instruction and wait for the stop reply. */
int rsp_step(struct rsp_session *s, struct rsp_stop *stop, hvt_error *err);
/* `c`, then wait up to timeout_ms (< 0: forever; 0: the connection's default,
 * 10 s) for a stop.  If none came, stop the VM with an interrupt and return
 * RSP_TIMEOUT with that stop (RSP_SIGINT) in *stop; 0 if the VM stopped by
 * itself (breakpoint, exit), even when that raced the interrupt. */
int rsp_continue(struct rsp_session *s, int timeout_ms, struct rsp_stop *stop,
                 hvt_error *err);
/* The two halves of rsp_continue, for engines that watch other things (serial
 * output, QEMU's exit) while the VM runs.  Between them send nothing but
 * rsp_interrupt: any byte stops the VM. */
int rsp_resume(struct rsp_session *s, hvt_error *err);
int rsp_wait_stop(struct rsp_session *s, int timeout_ms, struct rsp_stop *stop,
                  hvt_error *err);        /* 0, RSP_TIMEOUT or -1 */
int rsp_interrupt(struct rsp_session *s, hvt_error *err);

/* Insert (insert=1) or remove a hardware breakpoint at a linear address. */
int rsp_hwbreak(struct rsp_session *s, uint64_t addr, int insert, hvt_error *err);

/* QEMU's single-step flags (RSP_SSTEP_*). */
int rsp_set_sstep(struct rsp_session *s, unsigned flags, hvt_error *err);
int rsp_get_sstep(struct rsp_session *s, unsigned *flags, hvt_error *err);

/* Run a monitor command (qRcmd) and collect its console output into out
 * (NUL-terminated, truncated to cap-1 bytes). */
int rsp_monitor(struct rsp_session *s, const char *cmd, char *out, size_t cap,
                hvt_error *err);

/* qXfer:OBJECT:read:ANNEX, whole: *data is malloc'd and NUL-terminated. */
int rsp_xfer_read(struct rsp_session *s, const char *object, const char *annex,
                  char **data, size_t *len, hvt_error *err);

#endif
