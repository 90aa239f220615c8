/*
 * bochs_dbg: one conversation with a launched Bochs' debugger.  Commands go to
 * its stdin; everything it prints is fed to a bochslog parser (whose on_step
 * the caller chose).  Flow control is the prompt: after n commands Bochs prints
 * "<bochs:n+1> " and waits, so bochs_dbg_wait returns once that prompt ends the
 * output.  Stateful: CLOSED -> bochs_dbg_open (waits for the first prompt) ->
 * send/wait ... -> bochs_dbg_close.  Never prints.
 */
#ifndef HVT_BOCHS_DBG_H
#define HVT_BOCHS_DBG_H

#include <stdint.h>

#include "bochs/bochs_launch.h"
#include "bochs/bochslog.h"

#define BOCHS_DBG_TIMEOUT 1     /* bochs_dbg_wait: no prompt yet */
#define BOCHS_DBG_EOF     2     /* Bochs closed its output (it exited) */

struct bochs_dbg {
    struct bochs_proc *proc;
    struct bochslog *log;
    uint64_t sent;              /* commands sent */
    char version[64];           /* "2.7", from the banner */
};

int bochs_dbg_open(struct bochs_dbg *d, struct bochs_proc *p, bochslog_step_fn on_step,
                   void *priv, int timeout_ms, hvt_error *err);
void bochs_dbg_close(struct bochs_dbg *d);
/* Send one or more '\n'-terminated commands. */
int bochs_dbg_send(struct bochs_dbg *d, const char *cmds, hvt_error *err);
/* Read until Bochs waits for the next command: 0, BOCHS_DBG_TIMEOUT, BOCHS_DBG_EOF,
 * or -1 (error). */
int bochs_dbg_wait(struct bochs_dbg *d, int timeout_ms, hvt_error *err);
/* send + wait. */
int bochs_dbg_cmd(struct bochs_dbg *d, const char *cmds, int timeout_ms, hvt_error *err);

#endif
