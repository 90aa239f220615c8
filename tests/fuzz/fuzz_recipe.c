/*
 * fuzz_recipe: arbitrary recipe text, then arbitrary steps through it.  The
 * input is split at its first NUL: before it the recipe, after it 16-byte
 * records, each one step (CS, IP, AX, DX, SP, 6 instruction bytes, mode
 * selector) plus a 2-byte write into the fake guest memory after it.  A parse
 * failure must say "fuzz:LINE: reason" on one line; a recipe that parses must
 * evaluate without crashing, answer 0 or 1 per step, and emit one-line
 * events that start with tag=.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipes/recipe.h"

#define FUZZ_MEM   0x20000      /* guest memory; reads beyond it fail */
#define STEP_BYTES 16

static uint8_t fuzz_mem[FUZZ_MEM];

static int fz_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    if (addr >= FUZZ_MEM || len > FUZZ_MEM - addr)
        return -1;
    memcpy(buf, fuzz_mem + addr, len);
    return 0;
}

static int fz_snapshot(void *ctx, uint64_t step, const char *label, hvt_error *err)
{
    if (!label[0])
        abort();
    return 0;
}

static int fz_event(void *ctx, uint64_t step, const char *kind, const char *text,
                    hvt_error *err)
{
    if (strncmp(text, "tag=", 4) || strchr(text, '\n') || strcmp(kind, RECIPE_EVENT_KIND))
        abort();
    return 0;
}

static void fz_stop(void *ctx, const char *reason)
{
    *(int *)ctx = 1;
}

static void make_step(const uint8_t *b, uint64_t n, struct hvt_step *s)
{
    static const uint8_t modes[] = { HVT_MODE_16, HVT_MODE_32, HVT_MODE_64, HVT_MODE_16 };
    memset(s, 0, sizeof *s);
    s->n = n;
    s->st.known = HVT_K_GPR | HVT_K_SEL;
    s->st.f[HVT_CS_SEL] = (uint64_t)(b[0] | b[1] << 8);
    s->st.f[HVT_RIP] = (uint64_t)(b[2] | b[3] << 8);
    s->st.f[HVT_RAX] = (uint64_t)(b[4] | b[5] << 8);
    s->st.f[HVT_RDX] = (uint64_t)(b[6] | b[7] << 8);
    s->st.f[HVT_RSP] = (uint64_t)(b[8] | 0x7b00);
    memcpy(s->insn, b + 9, 6);
    s->insn_len = 6;
    s->mode = modes[b[15] & 3];
}

static void run(const struct recipe *r, const uint8_t *data, size_t size)
{
    struct recipe_rt *rt;
    int stopped = 0;
    hvt_error err = { "" };
    struct recipe_io io = { &stopped, fz_read, fz_snapshot, fz_event, fz_stop };
    size_t nsteps = size / STEP_BYTES;
    if (nsteps == 0 || recipe_rt_new(r, &rt, &err))
        return;
    memset(fuzz_mem, 0, sizeof fuzz_mem);
    struct hvt_step cur, next;
    make_step(data, 0, &cur);
    if (recipe_begin(rt, &cur, &io, &err))
        abort();
    for (size_t i = 0; i < nsteps && !stopped; i++) {
        const uint8_t *b = data + i * STEP_BYTES;
        fuzz_mem[(b[1] << 8 | b[3]) % FUZZ_MEM] ^= b[5];   /* the step "wrote" memory */
        fuzz_mem[0x54 + (b[7] & 0x3f)] ^= b[4];              /* and the IVT, sometimes */
        int last = i + 1 == nsteps;
        if (!last)
            make_step(b + STEP_BYTES, i + 1, &next);
        int k = recipe_on_step(rt, &cur, last ? NULL : &next, &io, &err);
        if (k != 0 && k != 1)
            abort();
        cur = next;
    }
    if (recipe_end(rt, &io, &err))
        abort();
    recipe_rt_free(rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    struct recipe *r;
    hvt_error err = { "" };
    if (recipe_parse((const char *)data, tlen, "fuzz", &r, &err)) {
        int line;
        char colon;
        if (sscanf(err.msg, "fuzz:%d%c", &line, &colon) != 2 || colon != ':' || line < 1 ||
            strchr(err.msg, '\n'))
            abort();            /* every failure says where and why, on one line */
        return 0;
    }
    if (nul)
        run(r, nul + 1, size - tlen - 1);
    recipe_free(r);
    return 0;
}
