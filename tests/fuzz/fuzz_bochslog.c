/*
 * fuzz_bochslog: arbitrary bytes through the Bochs debugger parser, once whole
 * and once in pieces whose sizes come from the input (a pipe cuts anywhere).
 * Both runs must agree on every count and on every step delivered; every step
 * must carry its registers and CS, at most BOCHSLOG_MAX_MEM accesses with
 * lengths Bochs can print, and an error must always say what.  Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bochs/bochslog.h"
#include "tests/fuzz/fuzz_stream.h"

#define FUZZ_MAX_INPUT (32u << 10)

static int on_step(void *priv, const struct bochslog_step *s)
{
    if (!(s->st.known & HVT_K_GPR) || !(s->st.known & HVT_K_CSBASE) ||
        s->nmem > BOCHSLOG_MAX_MEM || s->insn_len > sizeof s->insn ||
        memchr(s->disasm, 0, sizeof s->disasm) == NULL)
        abort();
    for (size_t i = 0; i < s->nmem; i++)
        if (s->mem[i].len == 0 || s->mem[i].len > 64 || s->mem[i].rw > BOCHSLOG_SRW)
            abort();
    mix(priv, s->st.f, sizeof s->st.f);
    mix(priv, &s->tick, sizeof s->tick);
    mix(priv, s->mem, s->nmem * sizeof *s->mem);
    mix(priv, s->disasm, strlen(s->disasm));
    return 0;
}

static struct bochslog_stats run(const uint8_t *data, size_t size, size_t piece,
                                 struct digest *d)
{
    struct bochslog *p = bochslog_new(on_step, d);
    if (!p)
        abort();
    FUZZ_FEED(bochslog_feed, p, data, size, piece);
    bochslog_finish(p);
    struct bochslog_stats st = *bochslog_stats(p);
    if (st.errors && !bochslog_first_error(p)[0])
        abort();
    bochslog_prompt(p);
    bochslog_free(p);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the seeds' first ~12 steps; keeps runs fast */
    size_t n = size > FUZZ_MAX_INPUT ? FUZZ_MAX_INPUT : size;
    FUZZ_WHOLE_AND_CUT(struct bochslog_stats, run, data, size, n);
    return 0;
}
