/*
 * diff_bench: time and peak memory of align_diff on two synthetic ~6M-step
 * token traces shaped like the boots hvtrace records: a long common prefix
 * with a memset-style loop of 4.47M vs 4.4M steps (SeaBIOS's, FACTS.md), then
 * code with scattered insertions in B, one 300k-step block only in B, a loop
 * that runs 1000 vs 1200 times, and timer interrupts at different places.
 * Then the chain of causes behind the first meaningful divergence
 * (diffing/chain.c) over steps generated from the tokens: the last common
 * step compares EAX with a dword nobody stored, so each side's walk scans
 * every step back to the start (the walk's worst case, measured here
 * without the block index, diffing/chain_idx.h, that `hvtrace diff` builds
 * while it reads the runs and that turns this scan into a skip of every
 * block: `diff_bench runs` measures that).
 * `diff_bench big` adds 29M common steps and, in B, 32M excluded hypervisor
 * steps in 10,000 stretches: a 34.9M against a 67.1M-step pair (issue 10's
 * goal: <= 60 s and <= 1 GiB peak).  Tokens are 4 bytes a step, naming
 * instructions in a table both traces share (diffing/align_itab.c), as
 * compare.c builds them; the pair has 1.4M distinct instructions (a SeaBIOS
 * boot ~11.8k).
 * `diff_bench runs [big]` writes the pair as two run files (in /tmp, by a
 * child process) and times report_diff_compute on them: all of `hvtrace
 * diff` but the rendering (reading the steps back, tokens, alignment, BIOS
 * calls, registers at every aligned pair, four chains of causes read from
 * the files), with its peak RSS.  Figures are in the README's Benchmarks.  The digest line
 * hashes the hunks, to check that a change keeps the diff's output (6M pair
 * 300066d6893a1247, big pair 093412c9f2b92228 since 2026-11-30).
 * Not a test: prints figures.
 *
 *   cc -O2 -I. -o build/diff_bench bench/diff_bench.c build/libhvtrace.a \
 *      -lsqlite3 -lexpat -lcapstone -lz -lm && build/diff_bench [big]
 */
#include "compare/compare.h"
#include "diffing/align.h"
#include "diffing/chain.h"
#include "diffing/hunkclass.h"
#include "diffing/insnclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
#include <inttypes.h>

/* The instructions of both traces, as compare.c shares one table between its runs. */
static struct align_itab itab;

struct trace {
    struct align_token *t;
    size_t n, cap;
};

/* The id of the 3-byte instruction at pc, through a direct-mapped cache as
 * align_builder_add keeps one (a hit costs no table lookup). */
static uint32_t insn_id(uint64_t pc)
{
    static uint64_t cpc[1u << 18];
    static uint32_t cid[1u << 18];
    size_t k = (size_t)(pc * 0x9e3779b97f4a7c15ull >> 46);
    if (cpc[k] == pc + 1)
        return cid[k];
    struct align_insn in = { .pc = pc, .bytes = { 0x89, 0xd8, 0x90 }, .nbytes = 3, .len = 3,
                             .mode = HVT_MODE_16, .cf = INSN_CF_NONE };
    hvt_error err = { "" };
    if (align_itab_intern(&itab, &in, &cid[k], &err) < 0)
        exit(2);
    cpc[k] = pc + 1;
    return cid[k];
}

static void put(struct trace *tr, uint64_t pc, uint8_t flags)
{
    if (tr->n == tr->cap) {
        tr->cap = tr->cap ? tr->cap * 2 : 1u << 20;
        tr->t = realloc(tr->t, tr->cap * sizeof *tr->t);
        if (!tr->t)
            exit(2);
    }
    tr->t[tr->n++] = (struct align_token){ .insn = insn_id(pc), .flags = flags };
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

/* `big`: 29M more common steps in both, and in B 32M steps of a hypervisor
 * excluded in 10,000 stretches (--exclude drops them), as a 35M-step boot
 * against a 67M-step one under hv. */
static void big_part(struct trace *tr, int hv)
{
    size_t n0 = tr->n;
    for (int blk = 0; blk < 10000; blk++) {
        straight(tr, 0x400000 + (uint64_t)(blk % 64) * 0x4000, 2900);
        if (hv)
            loop(tr, 0x7000000 + (uint64_t)(blk % 16) * 0x100, 32, 100);
    }
    if (hv)
        for (size_t k = n0; k < tr->n; k++)
            if (align_tok_pc(&itab, &tr->t[k]) >= 0x7000000)
                tr->t[k].flags |= ALIGN_TF_EXCLUDED;
}

/* One boot; `hv` selects B's differences. */
static void boot(struct trace *tr, int hv, int big)
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
        if (big && blk == 80)
            big_part(tr, hv);
    }
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

struct hunks {
    struct align_hunk *h;
    size_t n, cap;
};

static int collect(void *priv, const struct align_hunk *h)
{
    struct hunks *hs = priv;
    if (hs->n == hs->cap) {
        hs->cap = hs->cap ? hs->cap * 2 : 1024;
        hs->h = realloc(hs->h, hs->cap * sizeof *hs->h);
        if (!hs->h)
            exit(2);
    }
    hs->h[hs->n++] = *h;
    return 0;
}

/* Steps made from a trace's tokens: flat 32-bit code, `mov %ebx,%eax` (then a
 * nop; `mov %bx,%ax`, 66 89 d8, when `wide`, filling the token's 3 bytes)
 * everywhere except the deciding step, `cmp 0x1000,%eax` (3b 05 00 10 00 00). */
struct steps {
    const struct trace *tr;
    uint64_t decider;
    int wide;
};

static int gen(void *priv, uint64_t from, uint64_t count, struct hvt_step *out, size_t *got,
               hvt_error *err)
{
    static const uint8_t mov[16] = { 0x89, 0xd8, 0x90 }, cmp[16] = { 0x3b, 0x05, 0, 0x10 };
    static const uint8_t mov16[16] = { 0x66, 0x89, 0xd8 };
    const struct steps *s = priv;
    (void)err;
    *got = 0;
    for (uint64_t i = from; i < from + count && i < s->tr->n; i++) {
        struct hvt_step *st = &out[(*got)++];
        memset(&st->st, 0, sizeof st->st);
        st->n = i;
        st->st.known = HVT_K_GPR | HVT_K_CR;
        st->st.f[HVT_CR0] = 1;
        st->st.f[HVT_RIP] = align_tok_pc(&itab, &s->tr->t[i]);
        st->st.f[HVT_RAX] = 0x1234;
        st->mode = HVT_MODE_32;
        memcpy(st->insn, i == s->decider ? cmp : s->wide ? mov16 : mov, 16);
        st->insn_len = i == s->decider ? 6 : 3;
    }
    return 0;
}

/* The chain behind the first meaningful hunk; seconds, or -1. */
static double chain_time(const struct trace *a, const struct trace *b, const struct hunks *hs)
{
    struct hunkclass_sides sides = { { a->t, b->t }, { a->n, b->n }, &itab };
    for (size_t i = 0; i < hs->n; i++) {
        struct hunk_verdict v;
        hunkclass_classify(&sides, &hs->h[i], &v);
        if (v.cls != HUNK_MEANINGFUL || !hs->h[i].a_begin || !hs->h[i].b_begin)
            continue;
        struct steps sa = { a, hs->h[i].a_begin - 1, 0 }, sb = { b, hs->h[i].b_begin - 1, 0 };
        struct chain_run r[2] = { { .nsteps = a->n, .read = gen, .priv = &sa },
                                  { .nsteps = b->n, .read = gen, .priv = &sb } };
        uint64_t last[2] = { sa.decider, sb.decider };
        static struct chain c[2];
        struct timespec t0, t1, c0, c1;
        hvt_error err = { "" };
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        if (chain_diff(r, last, c, &err) < 0)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        printf("chain CPU time %.3f s\n", (double)(c1.tv_sec - c0.tv_sec) +
               (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
        printf("chain behind the first meaningful hunk (A #%" PRIu64 " / B #%" PRIu64 "): "
               "%zu links, the last at A #%" PRIu64 " (%s)\n", hs->h[i].a_begin,
               hs->h[i].b_begin, c[0].n, c[0].link[c[0].n - 1].step,
               chain_kind_name((enum chain_link_kind)c[0].link[c[0].n - 1].kind));
        return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    }
    return -1;
}

/* ---- `diff_bench runs [big]`: the whole of `hvtrace diff`, on run files ---- */

#define RUNS_CHUNK 256      /* steps generated per rundb_append_step batch */

/* A trace as a run file (db/rundb.h); B names the hypervisor range its
 * excluded steps run in, as the recorder does (meta hv_range). */
static int write_run(const struct trace *tr, const char *path, int hv, hvt_error *err)
{
    static struct hvt_step buf[RUNS_CHUNK];
    struct steps s = { tr, UINT64_MAX, 1 };
    rundb *db;
    if (rundb_create(&db, path, 1, err) < 0)
        return -1;
    int rc = hv ? rundb_set_meta(db, "hv_range", "7000000-70fffff", err) : 0;
    for (uint64_t i = 0; rc == 0 && i < tr->n; i += RUNS_CHUNK) {
        size_t got;
        gen(&s, i, RUNS_CHUNK, buf, &got, err);
        for (size_t k = 0; rc == 0 && k < got; k++)
            rc = rundb_append_step(db, &buf[k], err);
    }
    if (rc == 0)
        rc = rundb_finish(db, RUNDB_COMPLETE, "synthetic (diff_bench)", err);
    rundb_close(db);
    return rc;
}

/* In a child process, so that the traces held to write the files do not count
 * in the parent's peak RSS. */
static int write_runs(const char *pa, const char *pb, int big)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct trace a = { 0 }, b = { 0 };
        hvt_error err = { "" };
        boot(&a, 0, big);
        boot(&b, 1, big);
        if (write_run(&a, pa, 0, &err) < 0 || write_run(&b, pb, 1, &err) < 0) {
            fprintf(stderr, "diff_bench: %s\n", err.msg);
            _exit(2);
        }
        _exit(0);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st)
           ? 0 : -1;
}

static double secs(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

static int runs_main(int big)
{
    char dir[] = "/tmp/hvt-diff-bench.XXXXXX", pa[64], pb[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(pa, sizeof pa, "%s/a.db", dir);
    snprintf(pb, sizeof pb, "%s/b.db", dir);
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = write_runs(pa, pb, big);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rundb *a = NULL, *b = NULL;
    struct report_diff d;
    hvt_error err = { "" };
    if (rc == 0) {
        printf("run files written in %.1f s\n", secs(&t0, &t1));
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        rc = rundb_open(&a, pa, &err) || rundb_open(&b, pb, &err) ||
             report_diff_compute(&d, a, pa, b, pb, NULL, &err) ? -1 : 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    }
    if (rc == 0) {
        printf("hvtrace diff's computation (report_diff_compute): A %zu steps, B %zu steps, "
               "%zu hunks, %llu meaningful, %zu chains of causes\n", d.side[0].ntok,
               d.side[1].ntok, d.nhunks, (unsigned long long)d.classes[HUNK_MEANINGFUL],
               d.nwhy);
        printf("%.3f s (CPU %.3f s; goal %s); peak RSS %ld MiB%s\n", secs(&t0, &t1),
               secs(&c0, &c1), big ? "<= 60 s" : "<= 5 s", peak_rss_kb() / 1024,
               big ? " (goal <= 1024 MiB)" : "");
        report_diff_free(&d);
    } else {
        fprintf(stderr, "diff_bench: %s\n", err.msg[0] ? err.msg : "writing the run files failed");
    }
    if (a)
        rundb_close(a);
    if (b)
        rundb_close(b);
    rundb_remove(pa);
    rundb_remove(pb);
    rmdir(dir);
    return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
    struct trace a = { 0 }, b = { 0 };
    int runs = argc > 1 && strcmp(argv[1], "runs") == 0;
    int big = argc > 1 + runs && strcmp(argv[1 + runs], "big") == 0;
    if (argc > 1 + runs + big) {
        fprintf(stderr, "usage: diff_bench [runs] [big]\n");
        return 2;
    }
    if (runs)
        return runs_main(big);
    boot(&a, 0, big);
    boot(&b, 1, big);
    long rss_in = peak_rss_kb();
    struct timespec t0, t1, c0, c1;
    struct align_result r;
    struct align_opts o = { 0, 0 };
    hvt_error err = { "" };
    struct hunks hunks = { 0 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    int rc = align_diff(&itab, a.t, a.n, b.t, b.n, &o, collect, &hunks, &r, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (rc < 0) {
        fprintf(stderr, "diff_bench: %s\n", err.msg);
        return 2;
    }
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    uint64_t digest = 14695981039346656037ull;  /* FNV-1a of the hunks: same output? */
    for (size_t i = 0; i < hunks.n; i++)
        for (size_t k = 0; k < sizeof hunks.h[i]; k++)
            digest = (digest ^ ((const uint8_t *)&hunks.h[i])[k]) * 1099511628211ull;
    printf("A %zu steps, B %zu steps, %zu hunks (%llu b-only, %llu loop, %llu async), "
           "%llu resyncs, digest %016" PRIx64 "\n", a.n, b.n, hunks.n, (unsigned long long)r.hunks[ALIGN_B_ONLY],
           (unsigned long long)r.hunks[ALIGN_LOOP], (unsigned long long)r.hunks[ALIGN_ASYNC],
           (unsigned long long)r.resyncs, digest);
    printf("tokens %zu bytes a step; %zu distinct instructions (table %zu MiB)\n",
           sizeof(struct align_token), itab.n,
           (itab.cap * sizeof *itab.v + itab.nslots * sizeof *itab.slots) >> 20);
    printf("align_diff %.3f s (CPU %.3f s); peak RSS %ld MiB (inputs alone %ld MiB)\n", s,
           (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9,
           peak_rss_kb() / 1024, rss_in / 1024);
    double cs = chain_time(&a, &b, &hunks);
    printf("chain of causes %.3f s (goal: diff with the chain <= %s: %.3f s); "
           "peak RSS %ld MiB%s\n", cs, big ? "60 s" : "5 s", s + cs, peak_rss_kb() / 1024,
           big ? " (goal <= 1024 MiB)" : "");
    free(hunks.h);
    free(a.t);
    free(b.t);
    align_itab_free(&itab);
    return cs < 0 ? 2 : 0;
}
