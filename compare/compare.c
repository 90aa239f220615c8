/*
 * compare: everything a diff report shows, computed once from two runs.
 *
 * Passes: (1) each run's steps become alignment tokens, and each `int N` (or far
 * call / far jump through the IVT, diffing/bioscall.h) is named as a BIOS call
 * once execution is back where it returns;
 * (2) align_diff; (3) the states of every aligned pair feed regdiff, read
 * forward by one cursor per run (db/rundb.h: each chunk inflated once);
 * (4) the steps around the first divergence and around the point where the
 * runs part for good (no later match), with the
 * last SMI (`out` to port 0xb2) each side raised before it;
 * (5) snapshots with the same label on both sides go through memdiff.
 * Steps inside hv's own range are excluded by default when a run names its
 * image (meta hv_image) or range (meta hv_range "LO-HI", hex).
 * Does not print.  Memory for BIOS call buffers (int 13h packets, E820
 * entries) comes from the recorder's "bios-mem" events (record/recorder_bios.c);
 * a call without them is named from its registers alone.
 */
#include "compare/compare.h"
#include "diffing/align_map.h"
#include "diffing/bioscall.h"
#include "diffing/insnclass.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_CALLS  20000     /* BIOS calls kept per run */
#define REPORT_MAX_MEM    4096      /* memory differences kept per snapshot pair */
#define REPORT_NEST       8         /* nested `int`s awaiting their return */
#define REPORT_ANCHOR_PC  0x7c00    /* where boot sectors start (FACTS.md) */

static uint64_t le_read(const unsigned char *p, int n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*p, ncap * size);
    if (!n)
        return -1;
    *p = n;
    *cap = ncap;
    return 0;
}

/* ---- pass 1: tokens and BIOS calls ---- */

struct pending {
    uint64_t step, ret_pc;      /* ret_pc UINT64_MAX: back when SP is ret_sp after an iret */
    uint16_t ret_sp;
    uint8_t vector, depth;
    struct hvt_state before;
};

/* A BIOS call's buffer as the recorder read it (event "bios-mem"). */
struct bios_mem {
    uint64_t step, addr;
    int after;
    size_t len;
    uint8_t bytes[32];
};

struct reader {
    rundb *db;
    align_builder *b;
    const struct align_itab *itab;
    struct report_side *s;
    size_t capcalls, capsmi;
    struct bios_mem *mem;       /* sorted by step */
    size_t nmem, capmem;
    uint64_t *irq;              /* steps that are a hardware interrupt handler's first */
    size_t nirq, capirq, nextirq;
    uint64_t mem_from, mem_to;  /* the call being named: its steps */
    struct pending pend[REPORT_NEST];
    int npend;
    int after_iret;             /* the previous step was an iret */
    int failed;                 /* on_step stopped the read: err says why */
    hvt_error *err;
};

/* bioscall_read_fn over the recorded buffers of the call in [mem_from, mem_to]. */
static int read_call_mem(void *priv, enum bioscall_when when, uint64_t addr, void *buf,
                         size_t len)
{
    const struct reader *r = priv;
    for (size_t i = 0; i < r->nmem; i++) {
        const struct bios_mem *m = &r->mem[i];
        if (m->step < r->mem_from || m->step > r->mem_to ||
            m->after != (when == BIOSCALL_AFTER) || addr < m->addr ||
            addr + len > m->addr + m->len)
            continue;
        memcpy(buf, m->bytes + (addr - m->addr), len);
        return 0;
    }
    return -1;
}

/* The call made at p->step returned at step `ret` (UINT64_MAX: never). */
static void call_done(struct reader *r, const struct pending *p, uint64_t ret,
                      const struct hvt_state *after)
{
    struct report_side *s = r->s;
    if (s->ncalls >= REPORT_MAX_CALLS ||
        grow((void **)&s->calls, &r->capcalls, s->ncalls + 1, sizeof *s->calls) < 0)
        return;
    struct report_call *c = &s->calls[s->ncalls++];
    c->step = p->step;
    c->ret = ret;
    c->vector = p->vector;
    c->ah = (uint8_t)(p->before.f[HVT_RAX] >> 8);
    c->depth = p->depth;
    r->mem_from = p->step;
    r->mem_to = ret;
    bioscall_describe(p->vector, &p->before, after, read_call_mem, r, c->text, sizeof c->text);
}

/* "vector=15 when=after addr=0x600 bytes=0011..." from recorder_bios.c. */
static int on_bios_mem(struct reader *r, uint64_t step, const char *text)
{
    char when[8], hex[80];
    unsigned vector;
    unsigned long long addr;
    if (sscanf(text, "vector=%x when=%7s addr=%llx bytes=%79s",
                                           &vector, when, &addr, hex) != 4 ||
        grow((void **)&r->mem, &r->capmem, r->nmem + 1, sizeof *r->mem) < 0)
        return 0;
    struct bios_mem *m = &r->mem[r->nmem];
    m->len = strlen(hex) / 2 > sizeof m->bytes ? sizeof m->bytes : strlen(hex) / 2;
    for (size_t i = 0; i < m->len; i++)
        if (sscanf(hex + 2 * i, "%2hhx", &m->bytes[i]) != 1)
            return 0;
    m->step = step;
    m->addr = addr;
    m->after = !strcmp(when, "after");
    r->nmem++;
    return 0;
}

/* "vector 0x08 after f000:0000d400 (hardware)" (engine_log.c, engine_rsp.c): the
 * step is the handler's first, an excursion the aligner must see. */
static int on_hw_interrupt(struct reader *r, uint64_t step, const char *text)
{
    if (strstr(text, "(hardware)") &&
        grow((void **)&r->irq, &r->capirq, r->nirq + 1, sizeof *r->irq) == 0)
        r->irq[r->nirq++] = step;
    return 0;
}

static int on_event(void *ctx, uint64_t step, const char *kind, const char *text, size_t len)
{
    (void)len;
    if (!strcmp(kind, "bios-mem"))
        return on_bios_mem(ctx, step, text);
    if (!strcmp(kind, "interrupt"))
        return on_hw_interrupt(ctx, step, text);
    return 0;
}

static int call_returns(const struct pending *p, const struct align_insn *t,
                        const struct hvt_step *s, int after_iret)
{
    if (p->ret_pc != UINT64_MAX)
        return p->ret_pc == t->pc;
    return after_iret && (s->st.f[HVT_RSP] & 0xffff) == p->ret_sp;
}

/* A call of a vector starts at `int N`, or at a far call / far jump through the
 * IVT entry (diffing/bioscall.h: `pushf; call far [4n]` as syslinux does). */
static int call_starts(const struct hvt_step *s, const struct align_insn *t,
                       struct pending *p)
{
    struct insn_class c;
    struct bioscall_entry e;
    if (t->cf == INSN_CF_INT && insnclass_decode(s->insn, t->len, t->mode, &c) == 0) {
        *p = (struct pending){ s->n, t->pc + t->len, 0, c.vector, 0, s->st };
        return 1;
    }
    if (!bioscall_entry_decode(s->insn, t->len ? t->len : s->insn_len, &s->st, &e))
        return 0;
    *p = (struct pending){ s->n, e.ret_known ? bioscall_linear(e.ret_cs, e.ret_ip) : UINT64_MAX,
                           e.ret_sp, e.vector, 0, s->st };
    return 1;
}

static void track_calls(struct reader *r, const struct hvt_step *s, const struct align_insn *t)
{
    for (int k = r->npend - 1; k >= 0; k--)
        if (call_returns(&r->pend[k], t, s, r->after_iret)) {
            call_done(r, &r->pend[k], s->n, &s->st);
            r->npend = k;
            break;
        }
    r->after_iret = t->cf == INSN_CF_IRET;
    struct pending p;
    if (!call_starts(s, t, &p))
        return;
    if (r->npend == REPORT_NEST) {          /* never returned: name it without */
        call_done(r, &r->pend[0], UINT64_MAX, NULL);
        memmove(r->pend, r->pend + 1, (REPORT_NEST - 1) * sizeof r->pend[0]);
        r->npend--;
    }
    p.depth = (uint8_t)r->npend;
    r->pend[r->npend++] = p;
}

/* `out %al,$0xb2` or `out %al,%dx` with DX=0xb2: the chipset's SMI command
 * port (Intel ICH APM_CNT; SeaBIOS's call32_smm), where an SMI is raised. */
static int raises_smi(const struct hvt_step *s)
{
    if (s->insn_len >= 2 && s->insn[0] == 0xe6 && s->insn[1] == 0xb2)
        return 1;
    return s->insn_len >= 1 && s->insn[0] == 0xee && (s->st.f[HVT_RDX] & 0xffff) == 0xb2;
}

static int on_step(void *ctx, const struct hvt_step *s)
{
    struct reader *r = ctx;
    struct report_side *side = r->s;
    while (r->nextirq < r->nirq && r->irq[r->nextirq] < s->n)
        r->nextirq++;
    if (r->nextirq < r->nirq && r->irq[r->nextirq] == s->n)
        align_builder_interrupt(r->b);
    if (align_builder_add(r->b, s, r->err) < 0)
        return r->failed = 1;
    struct align_token *t = &side->tok[align_builder_count(r->b) - 1];
    if (chain_idx_add(&side->idx, s, t->insn, rundb_step_unchanged(r->db), r->err) < 0)
        return r->failed = 1;
    const struct align_insn *in = align_insn_of(r->itab, t);
    if (hunkclass_is_poll(s->insn, in->len ? in->len : s->insn_len))
        t->flags |= HUNKCLASS_TF_POLL;
    track_calls(r, s, in);
    if (raises_smi(s) && side->nsmi < REPORT_MAX_CALLS &&
        grow((void **)&side->smi, &r->capsmi, side->nsmi + 1, sizeof *side->smi) == 0)
        side->smi[side->nsmi++] = s->n;
    return 0;
}

static int call_cmp(const void *x, const void *y)
{
    const struct report_call *a = x, *b = y;
    return a->step < b->step ? -1 : a->step > b->step;
}

static int read_side(struct report_diff *d, int i, rundb *db, hvt_error *err)
{
    struct report_side *s = &d->side[i];
    if (rundb_info(db, &s->info, err) < 0)
        return -1;
    s->ntok = rundb_step_count(db);
    s->tok = calloc(s->ntok ? s->ntok : 1, sizeof *s->tok);
    if (!s->tok)
        return hvt_error_set(err, "%s: out of memory for %zu steps", s->name, s->ntok);
    struct reader r = { .db = db, .itab = &d->itab, .s = s, .err = err };
    chain_idx_init(&s->idx, &d->idx_insns, CHAIN_IDX_SHIFT);
    if (align_builder_new(&r.b, &d->itab, s->tok, s->ntok, d->exclude, d->nexclude, err) < 0)
        return -1;
    int rc = rundb_read_events(db, on_event, &r, err);
    if (rc == 0)
        rc = rundb_read_steps(db, 0, 0, on_step, &r, err) || r.failed ? -1 : 0;
    s->ntok = align_builder_count(r.b);
    align_builder_free(r.b);
    while (r.npend > 0)
        call_done(&r, &r.pend[--r.npend], UINT64_MAX, NULL);
    if (s->ncalls > 1)          /* qsort(NULL, 0, ...) is undefined (C11 7.22.5p1) */
        qsort(s->calls, s->ncalls, sizeof *s->calls, call_cmp);
    free(r.mem);
    free(r.irq);
    return rc;
}

/* ---- pass 2: alignment ---- */

struct hunks {
    struct report_diff *d;
    size_t cap;
};

static int on_hunk(void *priv, const struct align_hunk *h)
{
    struct hunks *hs = priv;
    struct report_diff *d = hs->d;
    if (grow((void **)&d->hunks, &hs->cap, d->nhunks + 1, sizeof *d->hunks) < 0)
        return 1;
    d->hunks[d->nhunks++] = *h;
    return 0;
}

/* Add [lo, hi] unless it is there already (hv's banner and its ELF image
 * usually name the same range). */
static void add_range(struct align_range *r, size_t *n, size_t cap, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < *n; i++)
        if (r[i].lo == lo && r[i].hi == hi)
            return;
    if (lo <= hi && *n < cap)
        r[(*n)++] = (struct align_range){ lo, hi };
}

/* A hypervisor range stored by the recorder as meta hv_range "LO-HI" (hv's
 * banner on COM1: also when the guest's boot loader loaded hv). */
static void meta_exclude(struct align_range *r, size_t *n, size_t cap, rundb *db)
{
    char *v = rundb_get_meta(db, "hv_range");
    unsigned long long lo, hi;
    if (v && sscanf(v, "%llx-%llx", &lo, &hi) == 2)
        add_range(r, n, cap, lo, hi);
    free(v);
}

/* hv's own linear range from its ELF image (meta hv_image): the span of its
 * PT_LOAD segments' virtual addresses (System V gABI, "Program Header"). */
static void hv_image_exclude(struct align_range *r, size_t *n, size_t cap, rundb *db)
{
    char *path = rundb_get_meta(db, "hv_image");
    FILE *f = path ? fopen(path, "rb") : NULL;
    unsigned char eh[64], ph[56];
    uint64_t lo = UINT64_MAX, hi = 0;
    if (f && fread(eh, 1, sizeof eh, f) == sizeof eh && !memcmp(eh, "\177ELF", 4)) {
        int is64 = eh[4] == 2;
        uint64_t phoff = is64 ? le_read(eh + 32, 8) : le_read(eh + 28, 4);
        unsigned phsz = (unsigned)le_read(eh + (is64 ? 54 : 42), 2);
        unsigned phn = (unsigned)le_read(eh + (is64 ? 56 : 44), 2);
        for (unsigned i = 0; i < phn && phsz <= sizeof ph; i++) {
            if (fseek(f, (long)(phoff + (uint64_t)i * phsz), SEEK_SET) ||
                fread(ph, 1, phsz, f) != phsz || le_read(ph, 4) != 1)   /* PT_LOAD */
                continue;
            uint64_t va = is64 ? le_read(ph + 16, 8) : le_read(ph + 8, 4);
            uint64_t msz = is64 ? le_read(ph + 40, 8) : le_read(ph + 20, 4);
            if (msz && va < lo)
                lo = va;
            if (msz && va + msz - 1 > hi)
                hi = va + msz - 1;
        }
    }
    if (lo <= hi)
        add_range(r, n, cap, lo, hi);
    if (f)
        fclose(f);
    free(path);
}

static int align_sides(struct report_diff *d, hvt_error *err)
{
    struct report_side *a = &d->side[0], *b = &d->side[1];
    size_t ia = align_find_pc(&d->itab, a->tok, a->ntok, d->anchor_pc);
    size_t ib = align_find_pc(&d->itab, b->tok, b->ntok, d->anchor_pc);
    d->anchored = ia < a->ntok && ib < b->ntok;
    a->anchor = d->anchored ? ia : 0;
    b->anchor = d->anchored ? ib : 0;
    struct align_opts o = { a->anchor, b->anchor };
    struct hunks hs = { d, 0 };
    return align_diff(&d->itab, a->tok, a->ntok, b->tok, b->ntok, &o, on_hunk, &hs, &d->res,
                      err);
}

/* Each hunk's class; the headline is the first meaningful top-level hunk, the
 * final point the meaningful one reaching the ends. */
static int classify(struct report_diff *d, hvt_error *err)
{
    struct hunkclass_sides hs = { { d->side[0].tok, d->side[1].tok },
                                  { d->side[0].ntok, d->side[1].ntok }, &d->itab };
    d->verdicts = calloc(d->nhunks ? d->nhunks : 1, sizeof *d->verdicts);
    if (!d->verdicts)
        return hvt_error_set(err, "out of memory classifying %zu hunks", d->nhunks);
    struct report_slip *slip = report_slip_new(d);
    for (size_t i = 0; i < d->nhunks; i++) {
        const struct align_hunk *h = &d->hunks[i];
        struct hunk_verdict *v = &d->verdicts[i];
        hunkclass_classify(&hs, h, v);
        if (v->cls == HUNK_MEANINGFUL && report_slipped(slip, h, v->reason, sizeof v->reason))
            v->cls = HUNK_TIMING;
        if (h->flags & ALIGN_HF_NESTED)
            continue;
        d->classes[v->cls]++;
        if (v->cls == HUNK_ENDS) {
            report_ends_reason(d, h, v);
            d->has_ends = 1;
            d->ends = *v;
        }
        if (v->cls != HUNK_MEANINGFUL)
            continue;
        if (!d->has_div) {
            d->has_div = 1;
            d->div.hunk = *h;
        }
        if ((h->flags & ALIGN_HF_TAIL) && h->kind != ALIGN_LOOP) {
            d->has_final = 1;
            d->final.hunk = *h;
        }
    }
    report_slip_free(slip);
    return 0;
}

/* The call at step `step` of side s, by binary search (calls are sorted). */
static int64_t call_at(const struct report_side *s, uint64_t step)
{
    size_t lo = 0, hi = s->ncalls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->calls[mid].step < step)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->ncalls && s->calls[lo].step == step ? (int64_t)lo : -1;
}

/* An E820 answer ("int 15h E820 entry N: BASE-END type T") that covers or
 * borders hv's own range (rounded up to the 2 MiB hv reserves): hv's map
 * differs from the firmware's there on purpose. */
static const char *e820_by_design(const struct report_diff *d, const char *text)
{
    unsigned long long base, end;
    const char *p = strstr(text, "E820 entry ");
    p = p ? strchr(p, ':') : NULL;
    if (!p || sscanf(p + 1, " %llx-%llx", &base, &end) != 2)
        return NULL;
    for (size_t i = d->opts.nexclude; i < d->nexclude; i++) {
        uint64_t lo = d->exclude[i].lo, hi = (d->exclude[i].hi | 0x1fffff);
        if (base <= hi + 1 && end + 1 >= lo)
            return "by design: hv's reserved E820 range";
    }
    return NULL;
}

/* Why a call that differs is noise: an E820 answer by design, or a call made
 * inside an interrupt excursion the other run took elsewhere (the timer's
 * int 1Ch from IRQ0's handler) or not at all: timing, as its hunk is. */
static const char *call_noise(const struct report_diff *d, int k, const struct report_call *c)
{
    const char *why = e820_by_design(d, c->text);
    if (why)
        return why;
    const struct report_side *s = &d->side[k];
    if (c->step < s->ntok && (s->tok[c->step].flags & ALIGN_TF_ASYNC))
        return "timing: made inside an interrupt taken at a different place";
    return NULL;
}

/* BIOS calls paired by alignment: A's call at step n with B's call at the
 * step aligned with n, whatever their positions in each list; before the
 * anchor, where nothing is aligned, in order (calls_unanchored.c). */
static int pair_calls(struct report_diff *d, hvt_error *err)
{
    struct align_map m;
    if (align_map_build(&m, d->hunks, d->nhunks) < 0)
        return hvt_error_set(err, "out of memory pairing BIOS calls");
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < d->side[k].ncalls; i++) {
            struct report_call *c = &d->side[k].calls[i];
            uint64_t peer;
            c->peer = align_map_peer(&m, k, c->step, &peer) ? call_at(&d->side[!k], peer) : -1;
        }
    report_pair_unanchored(d);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < d->side[k].ncalls; i++) {
            struct report_call *c = &d->side[k].calls[i];
            c->same = c->peer >= 0 && !strcmp(c->text, d->side[!k].calls[c->peer].text);
            c->noise = c->same ? NULL : call_noise(d, k, c);
        }
    for (int k = 0; k < 2; k++)             /* a pair is noise if either side is */
        for (size_t i = 0; i < d->side[k].ncalls; i++) {
            struct report_call *c = &d->side[k].calls[i];
            if (c->peer >= 0 && !c->noise)
                c->noise = d->side[!k].calls[c->peer].noise;
        }
    align_map_free(&m);
    return 0;
}

/* ---- pass 3: registers at aligned steps ---- */

/* Pairs counted but not yet given to regdiff_count: runs of one `known`. */
struct pairs_run {
    uint32_t known;
    uint64_t n;
};

static void run_count(struct report_diff *d, struct pairs_run *run, uint32_t known)
{
    if (run->n && run->known != known) {
        regdiff_count(&d->regs, run->known, run->n);
        run->n = 0;
    }
    run->known = known;
    run->n++;
}

/* Every aligned pair of an equal hunk, read forward by one cursor per run. */
static int regs_hunk(struct report_diff *d, rundb_cursor *ca, rundb_cursor *cb,
                     const struct align_hunk *h, struct pairs_run *run, hvt_error *err)
{
    for (uint64_t k = 0; k < h->a_end - h->a_begin; k++) {
        const struct hvt_state *sa = rundb_cursor_state(ca, h->a_begin + k, err);
        const struct hvt_state *sb = sa ? rundb_cursor_state(cb, h->b_begin + k, err) : NULL;
        if (!sb)
            return -1;
        regdiff_differs(&d->regs, h->a_begin + k, sa, h->b_begin + k, sb);
        run_count(d, run, sa->known & sb->known);
    }
    return 0;
}

static int regs_all(struct report_diff *d, rundb *da, rundb *db, hvt_error *err)
{
    rundb_cursor *ca = NULL, *cb = NULL;
    struct pairs_run run = { 0, 0 };
    int rc = rundb_cursor_open(da, &ca, err) || rundb_cursor_open(db, &cb, err) ? -1 : 0;
    regdiff_init(&d->regs);
    for (size_t i = 0; !rc && i < d->nhunks; i++)
        if (d->hunks[i].kind == ALIGN_EQUAL)
            rc = regs_hunk(d, ca, cb, &d->hunks[i], &run, err);
    if (run.n)
        regdiff_count(&d->regs, run.known, run.n);
    rundb_cursor_close(ca);
    rundb_cursor_close(cb);
    return rc;
}

/* ---- pass 4: the steps around the divergence ---- */

static int on_one(void *ctx, const struct hvt_step *s)
{
    *(struct hvt_step *)ctx = *s;
    return 1;
}

/* The last SMI a side raised before step `before`, if any. */
static int last_smi(const struct report_side *s, uint64_t before, uint64_t *step)
{
    size_t k = s->nsmi;
    while (k > 0 && s->smi[k - 1] >= before)
        k--;
    if (k)
        *step = s->smi[k - 1];
    return k > 0;
}

static int read_point(struct report_diff *d, struct report_point *pt, int i, rundb *db,
                      hvt_error *err)
{
    const struct report_side *s = &d->side[i];
    uint64_t begin = i ? pt->hunk.b_begin : pt->hunk.a_begin, smi = 0;
    pt->has_last[i] = begin > s->anchor;
    pt->has_next[i] = begin < s->ntok;
    pt->has_smi[i] = last_smi(s, begin, &smi);
    if (pt->has_last[i] && rundb_read_steps(db, begin - 1, 1, on_one, &pt->last[i], err) < 0)
        return -1;
    if (pt->has_next[i] && rundb_read_steps(db, begin, 1, on_one, &pt->next[i], err) < 0)
        return -1;
    if (pt->has_smi[i] && rundb_read_steps(db, smi, 1, on_one, &pt->smi[i], err) < 0)
        return -1;
    return 0;
}

static int read_points(struct report_diff *d, rundb *da, rundb *db, hvt_error *err)
{
    if (d->has_div && (read_point(d, &d->div, 0, da, err) < 0 ||
                       read_point(d, &d->div, 1, db, err) < 0))
        return -1;
    if (d->has_final && (read_point(d, &d->final, 0, da, err) < 0 ||
                         read_point(d, &d->final, 1, db, err) < 0))
        return -1;
    return 0;
}

/* ---- pass 5: the chain of causes behind the headline ---- */

size_t report_hv_ranges(rundb *db, struct align_range *r, size_t cap)
{
    size_t n = 0;
    meta_exclude(r, &n, cap, db);
    hv_image_exclude(r, &n, cap, db);
    return n;
}

/* The recorder notes hv's image or range in the run's meta when hv was loaded. */
int report_runs_under_hv(rundb *db)
{
    char *img = rundb_get_meta(db, "hv_image"), *range = rundb_get_meta(db, "hv_range");
    int hv = (img && *img) || (range && *range);
    free(img);
    free(range);
    return hv;
}

/* The innermost BIOS call whose execution step lies in (call, return]; not
 * int 19h, which hands the machine to the boot sector for good. */
static int64_t call_around(const struct report_side *s, uint64_t step)
{
    int64_t best = -1;
    for (size_t i = 0; i < s->ncalls && s->calls[i].step < step; i++)
        if (step <= s->calls[i].ret && bioscall_returns(s->calls[i].vector))
            best = (int64_t)i;
    return best;
}

/* A meaningful top-level hunk with a last common step on both sides. */
static int chain_worthy(const struct report_diff *d, size_t i)
{
    const struct align_hunk *h = &d->hunks[i];
    return d->verdicts[i].cls == HUNK_MEANINGFUL && !(h->flags & ALIGN_HF_NESTED) &&
           h->kind != ALIGN_UNANCHORED && h->a_begin > d->side[0].anchor &&
           h->b_begin > d->side[1].anchor;
}

/* The last step both runs execute alike before hunk h: the step before it,
 * or for a loop that ran min(count_a, count_b) times alike, the last step of
 * its last common round, where one run leaves and the other goes round again
 * (a rep movsw of 0x4f00 against 0x7f00 words parts at its 0x4f00th
 * iteration, on CX, not at the cld before it). */
static void parting(const struct align_hunk *h, uint64_t last[2])
{
    uint64_t alike = h->kind == ALIGN_LOOP ?
                     (h->count_a < h->count_b ? h->count_a : h->count_b) * h->body_len : 0;
    last[0] = h->a_begin + alike - 1;
    last[1] = h->b_begin + alike - 1;
}

/* The chains behind the first REPORT_MAX_WHY meaningful divergences (the
 * first is the headline's). */
static int chain_all(struct report_diff *d, rundb *da, rundb *db, hvt_error *err)
{
    struct report_chain_src src[2];
    int rc = 0;
    report_chain_src_open(&src[0], da, d->exclude, d->nexclude, err);
    report_chain_src_open(&src[1], db, d->exclude, d->nexclude, err);
    struct chain_run runs[2] = { src[0].run, src[1].run };
    for (int k = 0; k < 2; k++) {
        runs[k].before = report_runs_under_hv(k ? db : da) ? "hv, which this run boots under"
                                                          : NULL;
        runs[k].idx = &d->side[k].idx;
    }
    for (size_t i = 0; !rc && i < d->nhunks && d->nwhy < REPORT_MAX_WHY; i++) {
        if (!chain_worthy(d, i))
            continue;
        struct report_why *w = &d->why[d->nwhy];
        uint64_t last[2];
        parting(&d->hunks[i], last);
        w->hunk = i;
        rc = chain_diff(runs, last, w->c, err);
        for (int k = 0; !rc && k < 2; k++)
            for (size_t j = 0; j < CHAIN_MAX; j++)
                w->call[k][j] = j < w->c[k].n ? call_around(&d->side[k], w->c[k].link[j].step)
                                              : -1;
        d->nwhy += rc == 0;
    }
    report_chain_src_close(&src[0]);
    report_chain_src_close(&src[1]);
    return rc;
}

/* ---- pass 6: memory ---- */

struct memcol {
    struct report_diff *d;
    size_t cap, count;
    const char *label;
    size_t snap;                /* index in d->snaps */
    const uint8_t *a, *b;
};

static int on_mem(void *priv, const struct memdiff_item *it)
{
    struct memcol *m = priv;
    if (m->count++ >= REPORT_MAX_MEM)
        return 0;
    if (grow((void **)&m->d->mem, &m->cap, m->d->nmem + 1, sizeof *m->d->mem) < 0)
        return 1;
    struct report_mem *r = &m->d->mem[m->d->nmem++];
    memset(r, 0, sizeof *r);
    snprintf(r->snapshot, sizeof r->snapshot, "%s", m->label);
    r->snap = m->snap;
    m->d->snaps[m->snap].ndiff++;
    r->it = *it;
    memcpy(r->a, m->a + it->addr, it->len < 16 ? it->len : 16);
    memcpy(r->b, m->b + it->addr, it->len < 16 ? it->len : 16);
    return 0;
}

static int mem_pair(struct memcol *m, rundb *da, rundb *db, int64_t ia, int64_t ib,
                    hvt_error *err)
{
    uint8_t *a = NULL, *b = NULL;
    size_t la, lb;
    int rc = -1;
    if (rundb_get_snapshot(da, ia, &a, &la, err) == 0 &&
        rundb_get_snapshot(db, ib, &b, &lb, err) == 0) {
        m->a = a;
        m->b = b;
        m->count = 0;
        rc = memdiff_compare(a, b, la < lb ? la : lb, on_mem, m) ? -1 : 0;
        if (rc)
            hvt_error_set(err, "out of memory comparing snapshots");
    }
    free(a);
    free(b);
    return rc;
}

/* The pair of snapshots labelled alike, where each run took it (snapplace.c). */
static int snap_add(struct report_diff *d, const struct align_map *map,
                    const struct rundb_snapshot *a, const struct rundb_snapshot *b,
                    hvt_error *err)
{
    struct report_snap *n = realloc(d->snaps, (d->nsnaps + 1) * sizeof *n);
    if (!n)
        return hvt_error_set(err, "out of memory comparing snapshots");
    d->snaps = n;
    struct report_snap *p = &d->snaps[d->nsnaps++];
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", a->label);
    p->step[0] = a->step;
    p->step[1] = b->step;
    report_snap_place(d, map, p);
    return 0;
}

static int mem_all(struct report_diff *d, rundb *da, rundb *db, hvt_error *err)
{
    struct rundb_snapshot *sa = NULL, *sb = NULL;
    int na = 0, nb = 0, rc = 0;
    struct memcol m = { d, 0, 0, NULL, 0, NULL, NULL };
    struct align_map map;
    if (align_map_build(&map, d->hunks, d->nhunks) < 0)
        return hvt_error_set(err, "out of memory comparing snapshots");
    if (rundb_list_snapshots(da, &sa, &na, err) < 0 ||
        rundb_list_snapshots(db, &sb, &nb, err) < 0)
        rc = -1;
    for (int i = 0; !rc && i < na; i++)
        for (int j = 0; j < nb; j++)
            if (!strcmp(sa[i].label, sb[j].label)) {
                m.label = sa[i].label;
                m.snap = d->nsnaps;
                rc = snap_add(d, &map, &sa[i], &sb[j], err) ||
                     mem_pair(&m, da, db, sa[i].id, sb[j].id, err) ? -1 : 0;
                break;
            }
    align_map_free(&map);
    free(sa);
    free(sb);
    return rc;
}

/* The gdbstub's architecture name of a run ("i386:x86-64" from QEMU's
 * qemu-system-x86_64, "i386" from qemu-system-i386, "x86_64" from Bochs),
 * folded to the CPU family, or NULL if the run does not say. */
static const char *run_family(rundb *db, char *buf, size_t cap)
{
    char *v = rundb_get_meta(db, "target_arch");
    if (!v)
        return NULL;
    int is64 = !strcmp(v, "i386:x86-64") || !strcmp(v, "x86_64") || !strcmp(v, "x86-64");
    snprintf(buf, cap, "%s", is64 ? "x86_64" : v);
    free(v);
    return buf;
}

/* Steps of a 64-bit and a 32-bit target carry different register sets and
 * widths: such a diff would compare nothing meaningful. */
static int same_family(rundb *a, const char *a_name, rundb *b, const char *b_name,
                       hvt_error *err)
{
    char fa[64], fb[64];
    const char *x = run_family(a, fa, sizeof fa), *y = run_family(b, fb, sizeof fb);
    if (x && y && strcmp(x, y))
        return hvt_error_set(err, "%s was recorded on a %s target, %s on a %s target: "
                             "their steps cannot be compared (record both with the same "
                             "--qemu)", a_name, x, b_name, y);
    return 0;
}

int report_diff_compute(struct report_diff *d, rundb *a, const char *a_name, rundb *b,
                        const char *b_name, const struct report_opts *opts,
                        hvt_error *err)
{
    memset(d, 0, sizeof *d);
    align_itab_init(&d->itab);
    if (same_family(a, a_name, b, b_name, err))
        return -1;
    if (opts)
        d->opts = *opts;
    d->side[0].name = a_name;
    d->side[1].name = b_name;
    d->anchor_pc = d->opts.anchor_set ? d->opts.anchor_pc : REPORT_ANCHOR_PC;
    memcpy(d->exclude, d->opts.exclude, d->opts.nexclude * sizeof d->exclude[0]);
    d->nexclude = d->opts.nexclude;
    size_t cap = REPORT_MAX_EXCLUDE + 2;
    meta_exclude(d->exclude, &d->nexclude, cap, b);
    hv_image_exclude(d->exclude, &d->nexclude, cap, b);
    meta_exclude(d->exclude, &d->nexclude, cap, a);
    hv_image_exclude(d->exclude, &d->nexclude, cap, a);
    d->why = calloc(REPORT_MAX_WHY, sizeof *d->why);
    if (!d->why)
        return hvt_error_set(err, "out of memory");
    if (read_side(d, 0, a, err) < 0 || read_side(d, 1, b, err) < 0 ||
        align_sides(d, err) < 0 || pair_calls(d, err) < 0 ||
        (report_mark_answers(d), classify(d, err)) < 0 || regs_all(d, a, b, err) < 0 ||
        report_data_diff(d, a, b, err) < 0)
        goto fail;
    report_reloc(d, a, b);
    if (read_points(d, a, b, err) < 0 || chain_all(d, a, b, err) < 0 ||
        mem_all(d, a, b, err) < 0)
        goto fail;
    return 0;
fail:
    report_diff_free(d);        /* a damaged run fails half-way: free what was built */
    return -1;
}

void report_diff_free(struct report_diff *d)
{
    for (int i = 0; i < 2; i++) {
        free(d->side[i].tok);
        free(d->side[i].calls);
        free(d->side[i].smi);
        chain_idx_free(&d->side[i].idx);
    }
    chain_idx_insns_free(&d->idx_insns);
    align_itab_free(&d->itab);
    free(d->hunks);
    free(d->verdicts);
    free(d->why);
    free(d->mem);
    free(d->snaps);
    memset(d, 0, sizeof *d);
}

int report_diff_status(const struct report_diff *d)
{
    return d->classes[HUNK_MEANINGFUL] || report_data_differs(d) ? 1 : 0;
}
