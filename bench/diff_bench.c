/*
 * diff_bench: time and peak memory of align_diff on two synthetic ~6M-step
 * token traces shaped like the boots hvtrace records: a long common prefix
 * with a memset-style loop of 4.47M vs 4.4M steps (SeaBIOS's, FACTS.md), then
 * code with scattered insertions in B, one 300k-step block only in B, a loop
 * that runs 1000 vs 1200 times, and timer interrupts at different places.
 * Not a test: prints figures.
 *
 *   cc -O2 -I. -o build/diff_bench bench/diff_bench.c build/libhvtrace.a \
 *      -lsqlite3 -lexpat -lcapstone -lz -lm && build/diff_bench
 */
#include "diffing/align.h"
#include "diffing/insnclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

struct trace {
    struct align_token *t;
    size_t n, cap;
};

static void put(struct trace *tr, uint64_t pc, uint8_t flags)
{
    if (tr->n == tr->cap) {
        tr->cap = tr->cap ? tr->cap * 2 : 1u << 20;
        tr->t = realloc(tr->t, tr->cap * sizeof *tr->t);
        if (!tr->t)
            exit(2);
    }
    struct align_token *t = &tr->t[tr->n++];
    t->pc = pc;
    t->hash = (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> 32);
    t->len = 3;
    t->mode = HVT_MODE_16;
    t->cf = INSN_CF_NONE;
    t->flags = flags;
}

static void straight(struct trace *tr, uint64_t pc, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(tr, pc + 3 * i, 0);
}

static void loop(struct trace *tr, uint64_t pc, size_t body, size_t times)
{
    for (size_t k = 0; k < times; k++)
        straight(tr, pc, body);
}

static void irq(struct trace *tr)
{
    for (size_t i = 0; i < 40; i++)
        put(tr, 0xfe000 + 3 * i, ALIGN_TF_ASYNC | (i ? 0 : ALIGN_TF_ASYNC_START));
}

/* One boot; `hv` selects B's differences. */
static void boot(struct trace *tr, int hv)
{
    straight(tr, 0xf0000, 500000);
    loop(tr, 0xf8000, 1, hv ? 4400000 : 4470000);  /* the memset loop */
    for (int blk = 0; blk < 100; blk++) {
        uint64_t pc = 0x10000 + (uint64_t)blk * 0x1000;
        straight(tr, pc, 9000);
        if (blk % 7 == 3)
            irq(tr);
        if (hv && blk % 10 == 5)
            straight(tr, 0x90000 + (uint64_t)blk * 0x100, 50);     /* inserted */
        if (hv && blk == 50)
            straight(tr, 0x200000, 300000);                         /* hv-only block */
        if (blk == 70)
            loop(tr, 0x8000, 5, hv ? 1200 : 1000);
        if (hv && blk % 7 == 4)
            irq(tr);
    }
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int count(void *priv, const struct align_hunk *h)
{
    (void)h;
    ++*(size_t *)priv;
    return 0;
}

int main(void)
{
    struct trace a = { 0 }, b = { 0 };
    boot(&a, 0);
    boot(&b, 1);
    long rss_in = peak_rss_kb();
    struct timespec t0, t1;
    struct align_result r;
    struct align_opts o = { 0, 0 };
    hvt_error err = { "" };
    size_t hunks = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = align_diff(a.t, a.n, b.t, b.n, &o, count, &hunks, &r, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc < 0) {
        fprintf(stderr, "diff_bench: %s\n", err.msg);
        return 2;
    }
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("A %zu steps, B %zu steps, %zu hunks (%llu b-only, %llu loop, %llu async), "
           "%llu resyncs\n", a.n, b.n, hunks, (unsigned long long)r.hunks[ALIGN_B_ONLY],
           (unsigned long long)r.hunks[ALIGN_LOOP], (unsigned long long)r.hunks[ALIGN_ASYNC],
           (unsigned long long)r.resyncs);
    printf("align_diff %.3f s; peak RSS %ld MiB (inputs alone %ld MiB)\n", s,
           peak_rss_kb() / 1024, rss_in / 1024);
    free(a.t);
    free(b.t);
    return 0;
}
