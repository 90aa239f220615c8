/*
 * fuzz_qemulog: arbitrary bytes through the -d cpu log parser, once whole and
 * once in pieces whose sizes come from the input (a pipe cuts anywhere).  Both
 * runs must agree on every count and on every state delivered, and every state
 * delivered must be complete (known = every group).  Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemulog.h"
#include "tests/fuzz/fuzz_stream.h"

#define K_ALL (HVT_K_GPR | HVT_K_SEL | HVT_K_SEGDESC | HVT_K_CR | HVT_K_DT | HVT_K_SMM)

static int on_step(void *priv, const struct qemulog_cpu *c)
{
    if (c->st.known != K_ALL)
        abort();
    mix(priv, c->st.f, sizeof c->st.f);
    return 0;
}

static int on_event(void *priv, const struct qemulog_event *ev)
{
    if (ev->dump && ev->dump->st.known != K_ALL)
        abort();
    mix(priv, &ev->kind, sizeof ev->kind);
    mix(priv, &ev->nsteps, sizeof ev->nsteps);
    return 0;
}

static struct qemulog_stats run(const uint8_t *data, size_t size, size_t piece,
                                struct digest *d)
{
    struct qemulog *q = qemulog_new(on_step, on_event, d);
    if (!q)
        abort();
    FUZZ_FEED(qemulog_feed, q, data, size, piece);
    qemulog_finish(q);
    struct qemulog_stats st = *qemulog_stats(q);
    if (st.errors && !qemulog_first_error(q)[0])
        abort();                /* an error must always say what */
    qemulog_free(q);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FUZZ_WHOLE_AND_CUT(struct qemulog_stats, run, data, size, size);
    return 0;
}
