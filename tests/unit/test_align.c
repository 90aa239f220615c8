/*
 * test_align: the aligner on synthetic real-mode traces whose differences are
 * known by construction (an inserted block behind a branch taken one way, a
 * loop run 10 vs 25 times, a timer interrupt taken at different places, a
 * replaced block, hypervisor steps in an excluded range).  Each case asserts
 * the exact hunk list.  The traces are built as a CPU would execute them:
 * consecutive pcs, real branch displacements, handlers ending in iret.
 */
#include "diffing/align.h"
#include "diffing/myers.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

#define MAXSTEPS 4096

/* A program being "executed": steps appended in order. */
struct prog {
    struct hvt_step st[MAXSTEPS];
    uint8_t interrupt_at[MAXSTEPS];     /* the run file's "interrupt" event there */
    size_t n;
    uint64_t pc, sp;
};

static void emit(struct prog *p, const uint8_t *bytes, uint8_t len)
{
    struct hvt_step *s = &p->st[p->n];
    memset(s, 0, sizeof *s);
    s->n = p->n++;
    s->st.known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR;
    s->st.f[HVT_CR0] = 0x10;                    /* real mode: linear = cs*16 + ip */
    s->st.f[HVT_CS_SEL] = (p->pc >> 4) & 0xf000;
    s->st.f[HVT_RIP] = p->pc & 0xffff;
    s->st.f[HVT_RSP] = p->sp;
    p->interrupt_at[s->n] = 0;
    s->mode = HVT_MODE_16;
    memcpy(s->insn, bytes, len);
    memset(s->insn + len, 0x90, 16 - len);      /* whatever follows: nops */
    s->insn_len = 16;
}

static void movs(struct prog *p, int count)     /* mov ax, 0x1234 */
{
    static const uint8_t mov[3] = { 0xb8, 0x34, 0x12 };
    for (int i = 0; i < count; i++) {
        emit(p, mov, 3);
        p->pc += 3;
    }
}

static void jmp(struct prog *p, uint64_t to)    /* jmp rel16 */
{
    uint16_t rel = (uint16_t)(to - (p->pc + 3));
    uint8_t b[3] = { 0xe9, (uint8_t)rel, (uint8_t)(rel >> 8) };
    emit(p, b, 3);
    p->pc = to;
}

static void jz(struct prog *p, uint64_t to, int taken)  /* jz rel16 */
{
    uint16_t rel = (uint16_t)(to - (p->pc + 4));
    uint8_t b[4] = { 0x0f, 0x84, (uint8_t)rel, (uint8_t)(rel >> 8) };
    emit(p, b, 4);
    p->pc = taken ? to : p->pc + 4;
}

/* A loop whose body is `body` movs and a jnz rel8 back, run `times` times. */
static void loop(struct prog *p, int body, int times)
{
    uint64_t head = p->pc;
    for (int t = 0; t < times; t++) {
        movs(p, body);
        uint8_t b[2] = { 0x75, (uint8_t)(head - (p->pc + 2)) };
        emit(p, b, 2);
        p->pc = t + 1 < times ? head : p->pc + 2;
    }
}

/* An external interrupt taken now: handler at 0xfe00, then iret back. */
static void irq(struct prog *p)
{
    static const uint8_t iret = 0xcf;
    uint64_t back = p->pc;
    p->pc = 0xfe00;
    movs(p, 6);
    emit(p, &iret, 1);
    p->pc = back;
}

/* The instructions of every trace built here: both sides of a diff share it. */
static struct align_itab itab;

static struct align_token *tokens(const struct prog *p, const struct align_range *ex,
                                  size_t nex)
{
    struct align_token *t = calloc(p->n, sizeof *t);
    align_builder *b;
    hvt_error err = { "" };
    if (!t || align_builder_new(&b, &itab, t, p->n, ex, nex, &err) < 0)
        return NULL;
    for (size_t i = 0; i < p->n; i++) {
        if (p->interrupt_at[i])
            align_builder_interrupt(b);
        align_builder_add(b, &p->st[i], &err);
    }
    align_builder_free(b);
    return t;
}

struct out {
    char text[4096];
    size_t len;
};

static int collect(void *priv, const struct align_hunk *h)
{
    struct out *o = priv;
    int n = snprintf(o->text + o->len, sizeof o->text - o->len,
                     "%s%s a%" PRIu64 "-%" PRIu64 " b%" PRIu64 "-%" PRIu64,
                     o->len ? "; " : "", align_kind_name(h->kind),
                     h->a_begin, h->a_end, h->b_begin, h->b_end);
    o->len += (size_t)n;
    if (h->kind == ALIGN_LOOP)
        o->len += (size_t)snprintf(o->text + o->len, sizeof o->text - o->len,
                                   " body@%" PRIu64 "x%" PRIu64 " %" PRIu64 "vs%" PRIu64,
                                   h->body_begin, h->body_len, h->count_a, h->count_b);
    if (h->flags & ALIGN_HF_PEER)
        o->len += (size_t)snprintf(o->text + o->len, sizeof o->text - o->len,
                                   " peer%" PRIu64 "-%" PRIu64 "%s", h->peer_begin,
                                   h->peer_end,
                                   h->flags & ALIGN_HF_PEER_EQUAL ? "=" : "!=");
    return 0;
}

static struct prog pa, pb;

static void reset(void)
{
    pa.n = pb.n = 0;
    pa.pc = pb.pc = 0x1000;
}

/* Diff pa against pb; B's steps in ex are excluded. */
static const char *diff(const struct align_range *ex, size_t nex, struct align_result *r)
{
    static struct out o;
    o.len = 0;
    o.text[0] = 0;
    struct align_token *a = tokens(&pa, NULL, 0), *b = tokens(&pb, ex, nex);
    static hvt_error err;
    hvt_error_clear(&err);
    struct align_opts opts = { 0, 0 };
    int rc = align_diff(&itab, a, pa.n, b, pb.n, &opts, collect, &o, r, &err);
    free(a);
    free(b);
    return rc == 0 ? o.text : err.msg;
}

UNIT_TEST(identical_traces_diff_empty)
{
    struct align_result r;
    reset();
    movs(&pa, 100); loop(&pa, 3, 7); irq(&pa); movs(&pa, 50);
    pb = pa;
    /* The interrupt taken at the same place in both, running the same
     * steps: no difference, one equal hunk over every step. */
    CHECK_STR(diff(NULL, 0, &r), "equal a0-185 b0-185");
    CHECK(!r.differ && !r.has_first && !r.async_unpaired);
    CHECK_EQ_U64(r.hunks[ALIGN_ASYNC], 0);
    CHECK_EQ_U64(r.steps[ALIGN_EQUAL][0], 185);
    CHECK_EQ_U64(r.steps[ALIGN_EQUAL][1], 185);
}

UNIT_TEST(self_diff_is_one_equal_hunk)
{
    struct align_result r;
    reset();
    movs(&pa, 300);
    pb = pa;
    CHECK_STR(diff(NULL, 0, &r), "equal a0-300 b0-300");
    CHECK(!r.differ);
}

/* jz skips a 500-step block in A; B falls into it: a pure insertion. */
UNIT_TEST(inserted_block)
{
    struct align_result r;
    reset();
    movs(&pa, 100); movs(&pb, 100);
    uint64_t skip = pa.pc + 4 + 3 * 500;
    jz(&pa, skip, 1);
    jz(&pb, skip, 0);
    movs(&pb, 500);
    movs(&pa, 200); movs(&pb, 200);
    CHECK_STR(diff(NULL, 0, &r), "equal a0-101 b0-101; b-only a101-101 b101-601; "
              "equal a101-301 b601-801");
    CHECK(r.differ && r.has_first && r.first.kind == ALIGN_B_ONLY);
    CHECK_EQ_U64(r.first.b_begin, 101);
}

/* 5-step loop body run 10 times in A and 25 in B. */
UNIT_TEST(loop_count_change)
{
    struct align_result r;
    reset();
    movs(&pa, 50); loop(&pa, 4, 10); movs(&pa, 200);
    movs(&pb, 50); loop(&pb, 4, 25); movs(&pb, 200);
    CHECK_STR(diff(NULL, 0, &r), "equal a0-50 b0-50; loop a50-100 b50-175 body@50x5 10vs25; "
              "equal a100-300 b175-375");
    CHECK(r.differ && !r.has_first && r.has_first_loop);
}

/* The same timer interrupt taken after step 100 in A and after 150 in B. */
UNIT_TEST(interrupt_at_different_places)
{
    struct align_result r;
    reset();
    movs(&pa, 100); irq(&pa); movs(&pa, 200);
    movs(&pb, 150); irq(&pb); movs(&pb, 150);
    CHECK_STR(diff(NULL, 0, &r),
              "equal a0-100 b0-100; async a100-107 b100-100 peer150-157=; "
              "equal a107-157 b100-150; async a157-157 b150-157 peer100-107=; "
              "equal a157-307 b157-307");
    CHECK(!r.differ && !r.async_unpaired);
}

/* jz taken in A into a 30-step block, not taken in B into a 20-step one; both
 * blocks jump to the same continuation. */
UNIT_TEST(replaced_block)
{
    struct align_result r;
    reset();
    movs(&pa, 100); movs(&pb, 100);
    uint64_t other = 0x4000, cont = 0x6000;
    jz(&pa, other, 1); jz(&pb, other, 0);
    movs(&pa, 30); jmp(&pa, cont);
    movs(&pb, 20); jmp(&pb, cont);
    movs(&pa, 200); movs(&pb, 200);
    CHECK_STR(diff(NULL, 0, &r), "equal a0-101 b0-101; replace a101-132 b101-122; "
              "equal a132-332 b122-322");
    CHECK(r.has_first && r.first.kind == ALIGN_REPLACE);
}

/* B runs 1000 hypervisor steps at 0x20000 after an intercepted cpuid. */
static void hv_pair(void)
{
    static const uint8_t cpuid[2] = { 0x0f, 0xa2 }, vmrun[3] = { 0x0f, 0x01, 0xd8 };
    reset();
    movs(&pa, 100); emit(&pa, cpuid, 2); pa.pc += 2; movs(&pa, 200);
    movs(&pb, 100); emit(&pb, cpuid, 2);
    uint64_t back = pb.pc + 2;
    pb.pc = 0x20000;
    movs(&pb, 1000); emit(&pb, vmrun, 3);
    pb.pc = back;
    movs(&pb, 200);
}

UNIT_TEST(hv_range_filtered)
{
    struct align_result r;
    struct align_range hv = { 0x20000, 0x2ffff };
    hv_pair();
    CHECK_STR(diff(&hv, 1, &r), "equal a0-101 b0-101; excluded a101-101 b101-1102; "
              "equal a101-301 b1102-1302");
    CHECK(!r.differ);
    hv_pair();
    CHECK_STR(diff(NULL, 0, &r), "equal a0-101 b0-101; b-only a101-101 b101-1102; "
              "equal a101-301 b1102-1302");
}

/* 30 hypervisor excursions of different lengths in B (30 skipped stretches,
 * so compared steps map to recorded ones through 30 offsets), and after the
 * 15th excursion 42 steps only B runs (jmp out, 40 movs, jmp back).  The
 * expected hunks are written down while the traces are built. */
UNIT_TEST(many_excluded_stretches)
{
    static const uint8_t cpuid[2] = { 0x0f, 0xa2 }, vmrun[3] = { 0x0f, 0x01, 0xd8 };
    static char want[4096];
    size_t len = 0, a0 = 0, b0 = 0;
    struct align_result r;
    struct align_range hv = { 0x20000, 0x2ffff };
    reset();
    for (int k = 0; k < 30; k++) {
        if (k == 15) {
            uint64_t back = pb.pc;
            len += (size_t)snprintf(want + len, sizeof want - len,
                                    "b-only a%zu-%zu b%zu-%zu; ", pa.n, pa.n, pb.n, pb.n + 42);
            jmp(&pb, 0x30000); movs(&pb, 40); jmp(&pb, back);
            b0 = pb.n;
        }
        movs(&pa, 10 + k); emit(&pa, cpuid, 2); pa.pc += 2;
        movs(&pb, 10 + k); emit(&pb, cpuid, 2);
        uint64_t back = pb.pc + 2;
        len += (size_t)snprintf(want + len, sizeof want - len,
                                "equal a%zu-%zu b%zu-%zu; excluded a%zu-%zu b%zu-%zu; ",
                                a0, pa.n, b0, pb.n, pa.n, pa.n, pb.n, pb.n + 6 + (size_t)k);
        pb.pc = 0x20000;
        movs(&pb, 5 + k); emit(&pb, vmrun, 3);
        pb.pc = back;
        a0 = pa.n;
        b0 = pb.n;
    }
    movs(&pa, 200); movs(&pb, 200);
    snprintf(want + len, sizeof want - len, "equal a%zu-%zu b%zu-%zu", a0, pa.n, b0, pb.n);
    CHECK_STR(diff(&hv, 1, &r), want);
    CHECK_EQ_U64(r.hunks[ALIGN_EXCLUDED], 30);
    CHECK_EQ_U64(r.steps[ALIGN_B_ONLY][1], 42);
}

/* The statistics add up: every recorded step is in exactly one kind's total,
 * also when hv's excluded steps sit inside a changed hunk (B's replaced block
 * makes a cpuid hv intercepts half-way).  The truth is the number of steps
 * each trace was built with. */
UNIT_TEST(kind_totals_add_up_to_the_steps)
{
    static const uint8_t cpuid[2] = { 0x0f, 0xa2 }, vmrun[3] = { 0x0f, 0x01, 0xd8 };
    struct align_result r;
    struct align_range hv = { 0x20000, 0x2ffff };
    reset();
    movs(&pa, 100); movs(&pb, 100);
    uint64_t other = 0x4000, cont = 0x6000;
    jz(&pa, other, 1); jz(&pb, other, 0);
    movs(&pa, 30); jmp(&pa, cont);
    movs(&pb, 10); emit(&pb, cpuid, 2);
    uint64_t back = pb.pc + 2;
    pb.pc = 0x20000;
    movs(&pb, 50); emit(&pb, vmrun, 3);
    pb.pc = back;
    movs(&pb, 10); jmp(&pb, cont);
    movs(&pa, 200); movs(&pb, 200);
    diff(&hv, 1, &r);
    uint64_t sum[2] = { 0, 0 };
    for (int k = 0; k < ALIGN_NKINDS; k++)
        sum[0] += r.steps[k][0], sum[1] += r.steps[k][1];
    CHECK_EQ_U64(r.steps[ALIGN_EXCLUDED][1], 51);
    CHECK_EQ_U64(sum[0], pa.n);
    CHECK_EQ_U64(sum[1], pb.n);
}

UNIT_TEST(anchor_skips_prefix)
{
    struct align_result r;
    reset();
    movs(&pa, 20); movs(&pb, 35);
    pa.pc = pb.pc = 0x7c00;
    movs(&pa, 200); movs(&pb, 200);
    struct align_token *a = tokens(&pa, NULL, 0), *b = tokens(&pb, NULL, 0);
    struct align_opts o = { align_find_pc(&itab, a, pa.n, 0x7c00),
                            align_find_pc(&itab, b, pb.n, 0x7c00) };
    struct out out = { "", 0 };
    hvt_error err = { "" };
    CHECK(align_diff(&itab, a, pa.n, b, pb.n, &o, collect, &out, &r, &err) == 0);
    free(a);
    free(b);
    CHECK_STR(out.text, "unanchored a0-20 b0-35; equal a20-220 b35-235");
}

/* A timer interrupt inside a `rep movsb` returns to the rep itself; a fault
 * (return to the faulting pc of a plain instruction) is not asynchronous. */
UNIT_TEST(excursion_marking)
{
    static const uint8_t rep[2] = { 0xf3, 0xa4 }, iret = 0xcf;
    reset();
    movs(&pa, 3);
    emit(&pa, rep, 2); emit(&pa, rep, 2);
    irq(&pa);                                   /* back to the rep */
    emit(&pa, rep, 2); pa.pc += 2;
    movs(&pa, 2);
    uint64_t fault_pc = pa.pc - 3;              /* the last mov "faulted" */
    pa.pc = 0xfd00; movs(&pa, 2); emit(&pa, &iret, 1);
    pa.pc = fault_pc; movs(&pa, 2);
    struct align_token *t = tokens(&pa, NULL, 0);
    CHECK(t != NULL);
    CHECK_EQ_U64(t[5].flags, ALIGN_TF_BREAK | ALIGN_TF_ASYNC | ALIGN_TF_ASYNC_START);
    CHECK_EQ_U64(t[11].flags, ALIGN_TF_ASYNC);  /* the iret */
    CHECK_EQ_U64(t[12].flags, 0);
    CHECK_EQ_U64(t[15].flags, ALIGN_TF_BREAK);  /* fault handler: stays in stream */
    CHECK_EQ_U64(t[17].flags, 0);
    free(t);
}

/* A software interrupt's handler returns by iret (successors unknown from the
 * bytes) and, in A only, a timer interrupt is taken right there: the run file's
 * "interrupt" event at the handler's first step says so.  An iret inside the
 * timer handler at another stack depth (SeaBIOS's trampolines) does not end
 * it; the iret at the depth the handler started with does (diskif.S's case). */
UNIT_TEST(interrupt_after_iret)
{
    static const uint8_t int13[2] = { 0xcd, 0x13 }, iret = 0xcf;
    struct align_result r;
    reset();
    for (int side = 0; side < 2; side++) {
        struct prog *p = side ? &pb : &pa;
        p->sp = 0x7c00;
        movs(p, 10);
        uint64_t back = p->pc + 2;
        emit(p, int13, 2); p->pc = 0xe000; p->sp -= 6;
        movs(p, 5); emit(p, &iret, 1); p->pc = back; p->sp += 6;
        if (side == 0) {
            p->pc = 0xfe00; p->sp -= 6;
            movs(p, 3);
            p->interrupt_at[p->n - 3] = 1;
            p->sp -= 6; emit(p, &iret, 1); p->sp += 6; p->pc = 0xfe40;
            movs(p, 3); emit(p, &iret, 1); p->pc = back; p->sp += 6;
        }
        movs(p, 20);
    }
    CHECK_STR(diff(NULL, 0, &r), "equal a0-17 b0-17; async a17-25 b17-17; equal a25-45 b17-37");
    CHECK(!r.differ);
    CHECK_EQ_U64(r.async_unpaired, 1);
}

/* FNV-1a, 32 bits (Fowler, Noll, Vo; draft-eastlake-fnv), over (pc as 8
 * little-endian bytes, mode, instruction bytes): the hash a token carried
 * before tokens named instructions by id.  With the pc it was the whole
 * equality test, so a collision made two different instructions equal. */
static uint32_t former_token_hash(uint64_t pc, uint8_t mode, const uint8_t *b, size_t n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint8_t)(pc >> (8 * i))) * 16777619u;
    h = (h ^ mode) * 16777619u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* Two different instructions at one pc whose former hashes are equal:
 * `mov dword [0x949], 0x7afde9dc` in A and `mov dword [0x2447], 0xfe44f6a5` in
 * B (66 C7 /0 with a 16-bit displacement, Intel SDM vol 2B, MOV), found by a
 * birthday search over displacement and immediate.  Aligned by id they
 * differ; bytes recorded past an instruction's end do not count. */
UNIT_TEST(same_former_hash_is_not_equal)
{
    static const uint8_t x[9] = { 0x66, 0xc7, 0x06, 0x49, 0x09, 0xdc, 0xe9, 0xfd, 0x7a };
    static const uint8_t y[9] = { 0x66, 0xc7, 0x06, 0x47, 0x24, 0xa5, 0xf6, 0x44, 0xfe };
    struct align_result r;
    reset();
    movs(&pa, 100); movs(&pb, 100);
    CHECK_EQ_U64(pa.pc, 0x112c);
    CHECK(memcmp(x, y, sizeof x) != 0);
    CHECK_EQ_U64(former_token_hash(pa.pc, HVT_MODE_16, x, 9),
                 former_token_hash(pb.pc, HVT_MODE_16, y, 9));
    emit(&pa, x, 9); pa.pc += 9;
    emit(&pb, y, 9); pb.pc += 9;
    movs(&pa, 200); movs(&pb, 200);
    pb.st[150].insn[15] = 0xcc;             /* after the 3-byte mov: not its bytes */
    CHECK_STR(diff(NULL, 0, &r), "equal a0-100 b0-100; replace a100-101 b100-101; "
              "equal a101-301 b101-301");
    CHECK(r.differ && r.has_first && r.first.kind == ALIGN_REPLACE);
    struct align_token *a = tokens(&pa, NULL, 0), *b = tokens(&pb, NULL, 0);
    CHECK(a && b);
    CHECK_EQ_U64(align_insn_of(&itab, &a[100])->len, 9);    /* decoded whole */
    CHECK(a[100].insn != b[100].insn);
    CHECK(a[150].insn == b[150].insn);
    free(a);
    free(b);
}

/* The table gives one id per (pc, mode, bytes): the same bytes at another pc
 * or in another mode are another instruction; ids stop at ALIGN_INSN_MAX. */
UNIT_TEST(itab_one_id_per_key)
{
    struct align_itab t;
    hvt_error err = { "" };
    uint32_t id[5];
    struct align_insn in = { .pc = 0x7c00, .bytes = { 0xb8, 0x34, 0x12 }, .nbytes = 3,
                             .len = 3, .mode = HVT_MODE_16 };
    align_itab_init(&t);
    CHECK(align_itab_intern(&t, &in, &id[0], &err) == 0);
    in.bytes[5] = 0xcc;                     /* past nbytes: not part of the key */
    CHECK(align_itab_intern(&t, &in, &id[1], &err) == 0);
    in.pc = 0x7c03;
    CHECK(align_itab_intern(&t, &in, &id[2], &err) == 0);
    in.pc = 0x7c00;
    in.mode = HVT_MODE_32;
    CHECK(align_itab_intern(&t, &in, &id[3], &err) == 0);
    for (uint64_t pc = 0; pc < 100000; pc++) {  /* grow through several rehashes */
        struct align_insn k = { .pc = 0x100000 + pc, .nbytes = 1, .len = 1, .mode = 16 };
        uint32_t got;
        CHECK(align_itab_intern(&t, &k, &got, &err) == 0 && got == 3 + pc);
    }
    in.mode = HVT_MODE_16;
    CHECK(align_itab_intern(&t, &in, &id[4], &err) == 0);
    CHECK(id[0] == id[1] && id[0] == id[4]);
    CHECK(id[2] != id[0] && id[3] != id[0] && id[2] != id[3]);
    CHECK_EQ_U64(t.n, 100003);
    CHECK_EQ_U64(t.v[id[2]].pc, 0x7c03);
    /* A full table (ids fill a token's 24 bits) refuses a new instruction,
     * still answers for a known one. */
    size_t n = t.n;
    t.n = (size_t)ALIGN_INSN_MAX + 1;
    in.pc = 0x9000;
    CHECK(align_itab_intern(&t, &in, &id[0], &err) < 0);
    CHECK(strstr(err.msg, "more than 16777216 distinct instructions"));
    in.pc = 0x7c00;
    CHECK(align_itab_intern(&t, &in, &id[0], &err) == 0 && id[0] == id[4]);
    t.n = n;
    align_itab_free(&t);
}

/* align_itab_find: a decoded instruction is found from recorded bytes that
 * begin with its own (mov ax, 0x1234 = b8 34 12, SDM vol 2 MOV, then
 * whatever follows it in memory), in its mode only; an undecodable one only
 * from exactly its bytes. */
UNIT_TEST(itab_find_by_recorded_bytes)
{
    struct align_itab t;
    hvt_error err = { "" };
    uint32_t id, mov, bad;
    static const uint8_t rec[16] = { 0xb8, 0x34, 0x12, 0x90, 0xcc };
    struct align_insn in = { .pc = 0x7c00, .bytes = { 0xb8, 0x34, 0x12 }, .nbytes = 3,
                             .len = 3, .mode = HVT_MODE_16 };
    struct align_insn junk = { .pc = 0x7d00, .bytes = { 0x0f, 0xff }, .nbytes = 2,
                               .len = 0, .mode = HVT_MODE_16 };
    align_itab_init(&t);
    CHECK(!align_itab_find(&t, 0x7c00, HVT_MODE_16, rec, 16, &id));    /* empty table */
    CHECK(align_itab_intern(&t, &in, &mov, &err) == 0);
    CHECK(align_itab_intern(&t, &junk, &bad, &err) == 0);
    CHECK(align_itab_find(&t, 0x7c00, HVT_MODE_16, rec, 16, &id) && id == mov);
    CHECK(align_itab_find(&t, 0x7c00, HVT_MODE_16, rec, 3, &id) && id == mov);
    CHECK(!align_itab_find(&t, 0x7c00, HVT_MODE_16, rec, 2, &id));     /* cut short */
    CHECK(!align_itab_find(&t, 0x7c00, HVT_MODE_32, rec, 16, &id));    /* another mode */
    CHECK(!align_itab_find(&t, 0x7c01, HVT_MODE_16, rec, 16, &id));    /* another pc */
    CHECK(align_itab_find(&t, 0x7d00, HVT_MODE_16, junk.bytes, 2, &id) && id == bad);
    CHECK(!align_itab_find(&t, 0x7d00, HVT_MODE_16, rec, 16, &id));
    uint8_t longer[16] = { 0x0f, 0xff, 0x00 };
    CHECK(!align_itab_find(&t, 0x7d00, HVT_MODE_16, longer, 3, &id));  /* may decode */
    align_itab_free(&t);
}

static const char *mx = "abcabba", *my = "cbabac";
static int eq_chars(void *priv, size_t x, size_t y) { return mx[x] == my[y]; }
static int run_text(void *priv, size_t x, size_t y, size_t len)
{
    struct out *o = priv;
    o->len += (size_t)snprintf(o->text + o->len, sizeof o->text - o->len, "%zu,%zu,%zu ",
                               x, y, len);
    return 0;
}

/* Myers' own example (paper, figure 1): D = 5, LCS length 4. */
UNIT_TEST(myers_paper_example)
{
    struct out o = { "", 0 };
    CHECK(myers_diff(7, 6, eq_chars, run_text, &o) == 0);
    size_t common = 0, x, y, len;
    const char *s = o.text;
    int used;
    while (sscanf(s, "%zu,%zu,%zu %n", &x, &y, &len, &used) == 3) {
        for (size_t k = 0; k < len; k++)
            CHECK(mx[x + k] == my[y + k]);
        common += len;
        s += used;
    }
    CHECK_EQ_U64(common, 4);
}

UNIT_MAIN()
