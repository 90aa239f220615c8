/*
 * bochs_dbg: commands in, parsed output out, the prompt as flow control.  See
 * bochs_dbg.h.  Invariant: d->sent counts every '\n' written to Bochs, so the
 * prompt Bochs prints next is number sent + 1.
 */
#include "bochs/bochs_dbg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define BANNER "Bochs x86 Emulator "

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The version from the banner ("Bochs x86 Emulator 2.7"), once. */
static void note_version(struct bochs_dbg *d, const char *buf, size_t n)
{
    char tmp[256];
    if (d->version[0] || n < sizeof BANNER)
        return;
    size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
    memcpy(tmp, buf, k);
    tmp[k] = 0;
    const char *v = strstr(tmp, BANNER);
    if (v && sscanf(v + strlen(BANNER), "%63s", d->version) != 1)
        d->version[0] = 0;
}

int bochs_dbg_wait(struct bochs_dbg *d, int timeout_ms, hvt_error *err)
{
    static char buf[READ_CHUNK];
    double end = now_ms() + timeout_ms;
    while (bochslog_prompt(d->log) != d->sent + 1) {
        int left = (int)(end - now_ms());
        if (left <= 0)
            return BOCHS_DBG_TIMEOUT;
        struct pollfd pfd = { .fd = d->proc->from_fd, .events = POLLIN };
        int rc = poll(&pfd, 1, left);
        if (rc < 0 && errno != EINTR)
            return hvt_error_errno(err, "poll");
        if (rc <= 0)
            continue;
        ssize_t n = read(d->proc->from_fd, buf, sizeof buf);
        if (n == 0)
            return BOCHS_DBG_EOF;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return hvt_error_errno(err, "reading Bochs' output");
        }
        note_version(d, buf, (size_t)n);
        bochslog_feed(d->log, buf, (size_t)n);
    }
    return 0;
}

int bochs_dbg_send(struct bochs_dbg *d, const char *cmds, hvt_error *err)
{
    size_t len = strlen(cmds), off = 0;
    while (off < len) {
        ssize_t n = write(d->proc->to_fd, cmds + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return hvt_error_errno(err, "writing to Bochs' debugger");
        off += (size_t)n;
    }
    for (const char *c = cmds; *c; c++)
        d->sent += *c == '\n';
    return 0;
}

int bochs_dbg_cmd(struct bochs_dbg *d, const char *cmds, int timeout_ms, hvt_error *err)
{
    if (bochs_dbg_send(d, cmds, err))
        return -1;
    return bochs_dbg_wait(d, timeout_ms, err);
}

int bochs_dbg_open(struct bochs_dbg *d, struct bochs_proc *p, bochslog_step_fn on_step,
                   void *priv, int timeout_ms, hvt_error *err)
{
    memset(d, 0, sizeof *d);
    d->proc = p;
    d->log = bochslog_new(on_step, priv);
    if (!d->log)
        return hvt_error_set(err, "out of memory");
    int rc = bochs_dbg_wait(d, timeout_ms, err);
    if (rc == BOCHS_DBG_TIMEOUT)
        return hvt_error_set(err, "Bochs' debugger did not prompt within %d ms", timeout_ms);
    if (rc == BOCHS_DBG_EOF) {
        char why[300];
        bochs_last_words(p, why, sizeof why);
        return hvt_error_set(err, "Bochs exited at start: %s", why[0] ? why : "(no message)");
    }
    return rc;
}

void bochs_dbg_close(struct bochs_dbg *d)
{
    bochslog_free(d->log);
    d->log = NULL;
}
