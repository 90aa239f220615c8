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

#define FUZZ_MAX_INPUT (32u << 10)

struct digest { uint64_t h; };

static void mix(struct digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 1099511628211u;
}

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
    for (size_t i = 0; i < size; i += piece)
        bochslog_feed(p, data + i, size - i < piece ? size - i : piece);
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
    struct digest a = { 14695981039346656037u }, b = a;
    size_t piece = size ? (size_t)data[0] % 61 + 1 : 1;
    if (size > FUZZ_MAX_INPUT)
        size = FUZZ_MAX_INPUT;  /* the seeds' first ~12 steps; keeps runs fast */
    struct bochslog_stats whole = run(data, size, size ? size : 1, &a);
    struct bochslog_stats cut = run(data, size, piece, &b);
    if (memcmp(&whole, &cut, sizeof whole) != 0 || a.h != b.h)
        abort();
    return 0;
}
