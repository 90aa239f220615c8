/*
 * test_bochslog: the Bochs debugger parser against text captured from Bochs 2.7
 * (tests/unit/data/bochslog/, re-recorded by capture.sh there): the hello guest
 * from 0000:7c00 in real mode, the pmode guest's rep movsb in real mode and its
 * switch to 32-bit protected mode, both stepped with `s 1` + sreg + creg through
 * stdin (prompts echoed), and the same switch traced in one `s 30` chunk.
 *
 * Truth is the text itself: hand-picked values are asserted exactly, every
 * display line and register line is re-read with a naive sscanf of the file,
 * the two captures of one stretch (stepped and chunked) must agree, and the
 * stores of `rep movsb` must be the guest's text ("HVT-PMODE-COPY!!",
 * tests/guests/pmode.S).  Each fixture is fed whole, byte by byte and in random
 * chunks: the results must not differ.
 */
#include "bochs/bochslog.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

#define MAXREC 128
#define MAXMEM 64

static char *load(const char *name, size_t *len)
{
    return unit_read_fixture("bochslog", name, len);
}

struct rec {
    struct bochslog_step steps[MAXREC];
    struct bochslog_mem mem[MAXREC][MAXMEM];
    int nsteps;
    int stop_after;
    struct bochslog_stats stats;
    struct bochslog_step cur;
    int have_cur;
    char first_error[160];
};

static int rec_step(void *priv, const struct bochslog_step *s)
{
    struct rec *r = priv;
    if (r->nsteps < MAXREC) {
        r->steps[r->nsteps] = *s;
        memcpy(r->mem[r->nsteps], s->mem, (s->nmem < MAXMEM ? s->nmem : MAXMEM) * sizeof *s->mem);
        r->steps[r->nsteps].mem = r->mem[r->nsteps];
    }
    r->nsteps++;
    return r->stop_after && r->nsteps >= r->stop_after;
}

static uint64_t rng_state = 88172645463325252u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Parse text in chunks of 1..maxchunk bytes (0: all at once). */
static void parse(const char *text, size_t len, size_t maxchunk, struct rec *r)
{
    int stop_after = r->stop_after;
    memset(r, 0, sizeof *r);
    r->stop_after = stop_after;
    struct bochslog *p = bochslog_new(rec_step, r);
    for (size_t i = 0; i < len;) {
        size_t n = maxchunk ? 1 + rng() % maxchunk : len;
        if (n > len - i)
            n = len - i;
        bochslog_feed(p, text + i, n);
        i += n;
    }
    bochslog_finish(p);
    r->stats = *bochslog_stats(p);
    const struct bochslog_step *c = bochslog_current(p);
    if ((r->have_cur = c != NULL))
        r->cur = *c;
    snprintf(r->first_error, sizeof r->first_error, "%s", bochslog_first_error(p));
    bochslog_free(p);
}

static struct rec *parse_fixture(const char *name, size_t maxchunk)
{
    size_t len;
    char *text = load(name, &len);
    if (!text)
        return NULL;
    struct rec *r = calloc(1, sizeof *r);
    parse(text, len, maxchunk, r);
    free(text);
    return r;
}

static int same_steps(const struct rec *a, const struct rec *b)
{
    if (a->nsteps != b->nsteps || memcmp(&a->stats, &b->stats, sizeof a->stats))
        return 0;
    for (int i = 0; i < a->nsteps && i < MAXREC; i++) {
        const struct bochslog_step *x = &a->steps[i], *y = &b->steps[i];
        if (memcmp(&x->st, &y->st, sizeof x->st) || x->tick != y->tick || x->nmem != y->nmem ||
            x->fresh != y->fresh || strcmp(x->disasm, y->disasm) ||
            memcmp(x->mem, y->mem, x->nmem * sizeof *x->mem))
            return 0;
    }
    return 1;
}

/* ---- a naive second reading of the same text ---- */

struct naive {
    uint64_t linear[MAXREC + 1], rip[MAXREC + 1], rax[MAXREC + 1];
    int n;                      /* "Next at" displays, in order */
    int nmem;
};

static void naive_read(const char *name, struct naive *nv)
{
    size_t len;
    char *text = load(name, &len), *save = NULL;
    uint64_t rip = 0, rax = 0;
    unsigned long long hi, lo;
    memset(nv, 0, sizeof *nv);
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        unsigned long long a, v;
        if (sscanf(l, "rip: %llx_%llx", &hi, &lo) == 2)
            rip = hi << 32 | lo;
        else if (sscanf(l, "rax: %llx_%llx", &hi, &lo) == 2)
            rax = hi << 32 | lo;
        else if (sscanf(l, "(0) [0x%llx]", &a) == 1 && nv->n <= MAXREC) {
            nv->linear[nv->n] = a, nv->rip[nv->n] = rip, nv->rax[nv->n] = rax;
            nv->n++;
        } else if (sscanf(l, "[CPU0 %*[A-Z]]: LIN 0x%llx PHY 0x%llx", &a, &v) == 2)
            nv->nmem++;
    }
    free(text);
}

/* ---- tests ---- */

UNIT_TEST(bochslog_hello_real_mode)
{
    struct rec *r = parse_fixture("hello-7c00.bochslog", 0);
    CHECK(r);
    CHECK_STR(r->first_error, "");
    CHECK_EQ_U64(r->stats.errors, 0);
    CHECK_EQ_U64(r->nsteps, 40);            /* 40 `s 1`: each executed one instruction */
    const struct bochslog_step *s = &r->steps[0];
    CHECK_EQ_U64(s->tick, 16300060);
    CHECK_EQ_U64(s->linear, 0x7c00);
    CHECK_EQ_U64(s->st.f[HVT_RIP], 0x7c00);
    CHECK_EQ_U64(s->st.f[HVT_RAX], 0xaa55);     /* the boot signature rombios checked */
    CHECK_EQ_U64(s->st.f[HVT_RDX], 0x80);       /* boot drive */
    CHECK_EQ_U64(s->st.f[HVT_EFLAGS], 0x82);
    CHECK_STR(s->disasm, "cli");
    CHECK(s->insn_len == 1 && s->insn[0] == 0xfa);
    CHECK_EQ_U64(s->fresh, 3);
    CHECK_EQ_U64(s->st.f[HVT_CR0], 0x60000010);
    CHECK_EQ_U64(s->st.f[HVT_GDTR_BASE], 0xf9ad7);
    CHECK_EQ_U64(s->st.f[HVT_GDTR_LIMIT], 0x30);
    CHECK_EQ_U64(s->st.f[HVT_IDTR_LIMIT], 0x3ff);
    CHECK_EQ_U64(s->st.f[HVT_SS_LIMIT], 0xffff);
    CHECK_EQ_U64(s->st.known, HVT_K_GPR | HVT_K_SEL | HVT_K_SEGDESC | HVT_K_CR | HVT_K_DT |
                              HVT_K_CSBASE);
    CHECK_EQ_U64(hvt_state_mode(&s->st), HVT_MODE_16);
    s = &r->steps[1];
    CHECK_STR(s->disasm, "jmpf 0x0000:7c06");
    CHECK(s->insn_len == 5 && s->insn[0] == 0xea && s->insn[4] == 0x00);
    /* call at 7c12 pushes its return address 7c15 */
    int found = 0;
    for (int i = 0; i < r->nsteps; i++) {
        s = &r->steps[i];
        if (s->linear == 0x7c12) {
            CHECK_EQ_U64(s->nmem, 1);
            CHECK_EQ_U64(s->mem[0].rw, BOCHSLOG_WR);
            CHECK_EQ_U64(s->mem[0].lin, 0x7bfe);
            CHECK_EQ_U64(s->mem[0].phys, 0x7bfe);
            CHECK_EQ_U64(s->mem[0].len, 2);
            CHECK_EQ_U64(s->mem[0].value, 0x7c15);
            found |= 1;
        }
        if (!strcmp(s->disasm, "pusha")) {     /* 8 words, AX first (SDM PUSHA) */
            CHECK_EQ_U64(s->nmem, 8);
            CHECK_EQ_U64(s->mem[0].lin, s->st.f[HVT_RSP] - 2);
            CHECK_EQ_U64(s->mem[0].value, s->st.f[HVT_RAX] & 0xffff);
            CHECK_EQ_U64(s->mem[7].value, s->st.f[HVT_RDI] & 0xffff);
            found |= 2;
        }
    }
    CHECK_EQ_U64(found, 3);
    CHECK(r->have_cur);
    free(r);
}

UNIT_TEST(bochslog_matches_naive_reading)
{
    const char *names[] = { "hello-7c00.bochslog", "pmode-movsb.bochslog", "pmode-switch.bochslog" };
    for (size_t k = 0; k < 3; k++) {
        struct rec *r = parse_fixture(names[k], 0);
        struct naive nv;
        naive_read(names[k], &nv);
        CHECK(r && nv.n == r->nsteps + 1);      /* + the pending state */
        uint64_t nmem = 0;
        for (int i = 0; i < r->nsteps; i++) {
            CHECK_EQ_U64(r->steps[i].linear, nv.linear[i]);
            CHECK_EQ_U64(r->steps[i].st.f[HVT_RIP], nv.rip[i]);
            CHECK_EQ_U64(r->steps[i].st.f[HVT_RAX], nv.rax[i]);
            CHECK_EQ_U64(r->steps[i].fresh, 3);
            nmem += r->steps[i].nmem;
        }
        CHECK_EQ_U64(r->cur.linear, nv.linear[nv.n - 1]);
        CHECK_EQ_U64(nmem, nv.nmem);
        CHECK_EQ_U64(r->stats.mem, nv.nmem);
        free(r);
    }
}

/* rep movsb, real mode: one step an iteration, a byte read then written. */
UNIT_TEST(bochslog_rep_movsb_stores)
{
    struct rec *r = parse_fixture("pmode-movsb.bochslog", 0);
    const char *text = "HVT-PMODE-COPY!!";
    int iter = 0;
    CHECK(r);
    for (int i = 0; i < r->nsteps; i++) {
        const struct bochslog_step *s = &r->steps[i];
        if (s->linear != 0x7c33)
            continue;
        CHECK_EQ_U64(s->nmem, 2);
        CHECK_EQ_U64(s->mem[0].rw, BOCHSLOG_RD);
        CHECK_EQ_U64(s->mem[1].rw, BOCHSLOG_WR);
        CHECK_EQ_U64(s->mem[1].lin, 0x600 + iter);
        CHECK_EQ_U64(s->mem[1].len, 1);
        CHECK_EQ_U64(s->mem[1].value, (unsigned char)text[iter]);
        CHECK_EQ_U64(s->st.f[HVT_RCX] & 0xffff, 16 - iter);
        iter++;
    }
    CHECK_EQ_U64(iter, 16);
    free(r);
}

UNIT_TEST(bochslog_protected_mode_switch)
{
    struct rec *r = parse_fixture("pmode-switch.bochslog", 0);
    CHECK(r);
    CHECK_EQ_U64(r->stats.errors, 0);
    const struct bochslog_step *s = &r->steps[0];
    CHECK_STR(s->disasm, "lgdt ds:0x7d53");
    CHECK(s->nmem == 2 && s->mem[0].len == 2 && s->mem[0].value == 0x27 &&
          s->mem[1].len == 4 && s->mem[1].value == 0x7d53);
    s = &r->steps[1];                      /* after lgdt */
    CHECK_EQ_U64(s->st.f[HVT_GDTR_BASE], 0x7d53);
    CHECK_EQ_U64(s->st.f[HVT_GDTR_LIMIT], 0x27);
    s = &r->steps[4];                      /* the far jump, CR0.PE already set */
    CHECK_STR(s->disasm, "jmpf 0x0008:7c5e");
    CHECK(s->pmode_form && (s->st.f[HVT_CR0] & 1));
    CHECK_EQ_U64(hvt_state_mode(&s->st), HVT_MODE_16);  /* CS still the real-mode one */
    CHECK(s->nmem == 2 && s->mem[0].len == 8 && s->mem[0].value == 0x00cf9a000000ffffull);
    CHECK(s->mem[1].rw == BOCHSLOG_WR && s->mem[1].value == 0x9b);   /* accessed bit */
    s = &r->steps[5];
    CHECK_EQ_U64(s->st.f[HVT_CS_SEL], 8);
    CHECK_EQ_U64(s->st.f[HVT_CS_BASE], 0);
    CHECK_EQ_U64(s->st.f[HVT_CS_LIMIT], 0xffffffff);
    CHECK_EQ_U64(s->st.f[HVT_CS_ATTR], 0x00cf9b00);
    CHECK_EQ_U64(hvt_state_mode(&s->st), HVT_MODE_32);
    int iter = 0;
    const char *text = "HVT-PMODE-COPY!!";
    for (int i = 0; i < r->nsteps; i++) {
        s = &r->steps[i];
        if (s->linear != 0x7c77)
            continue;
        CHECK_EQ_U64(s->st.f[HVT_DS_SEL], 0x10);
        CHECK_EQ_U64(s->mem[1].phys, 0x100000 + iter);     /* above 1 MiB: A20 on */
        CHECK_EQ_U64(s->mem[1].value, (unsigned char)text[iter]);
        iter++;
    }
    CHECK_EQ_U64(iter, 16);
    free(r);
}

/* `trace on` + `s 30` prints the same instructions as 30 `s 1`: same states,
 * same accesses; only the first step has its own sreg/creg. */
UNIT_TEST(bochslog_chunk_equals_steps)
{
    struct rec *c = parse_fixture("chunk.bochslog", 0);
    struct rec *s = parse_fixture("pmode-switch.bochslog", 0);
    CHECK(c && s);
    CHECK_EQ_U64(c->stats.errors, 0);
    CHECK_EQ_U64(c->nsteps, 30);
    for (int i = 0; i < 30; i++) {
        const struct bochslog_step *a = &c->steps[i], *b = &s->steps[i];
        CHECK_EQ_U64(a->tick, b->tick);
        CHECK(!memcmp(a->st.f, b->st.f, sizeof a->st.f[0] * (HVT_EFLAGS + 1)));
        CHECK_EQ_U64(a->st.f[HVT_CS_SEL], b->st.f[HVT_CS_SEL]);
        CHECK_EQ_U64(a->nmem, b->nmem);
        CHECK(!memcmp(a->mem, b->mem, a->nmem * sizeof *a->mem));
        CHECK_EQ_U64(a->fresh, i == 0 ? 3 : 0);
    }
    CHECK(c->have_cur && c->cur.fresh == 3 && c->cur.tick == s->steps[30].tick);
    free(c);
    free(s);
}

UNIT_TEST(bochslog_chunking_does_not_matter)
{
    const char *names[] = { "hello-7c00.bochslog", "pmode-switch.bochslog", "chunk.bochslog" };
    for (size_t k = 0; k < 3; k++) {
        struct rec *whole = parse_fixture(names[k], 0);
        struct rec *bytes = parse_fixture(names[k], 1);
        struct rec *rnd = parse_fixture(names[k], 700);
        CHECK(whole && bytes && rnd);
        CHECK(same_steps(whole, bytes));
        CHECK(same_steps(whole, rnd));
        free(whole), free(bytes), free(rnd);
    }
}

UNIT_TEST(bochslog_stop_and_prompt)
{
    size_t len;
    char *text = load("hello-7c00.bochslog", &len);
    struct rec *r = calloc(1, sizeof *r);
    r->stop_after = 5;
    parse(text, len, 0, r);
    CHECK_EQ_U64(r->nsteps, 5);
    free(text);

    struct bochslog *p = bochslog_new(rec_step, r);
    bochslog_feed(p, "<bochs:1", 8);
    CHECK_EQ_U64(bochslog_prompt(p), 0);
    bochslog_feed(p, "2> ", 3);
    CHECK_EQ_U64(bochslog_prompt(p), 12);
    bochslog_feed(p, "s 1\n", 4);
    CHECK_EQ_U64(bochslog_prompt(p), 0);
    CHECK_EQ_U64(bochslog_stats(p)->errors, 0);
    bochslog_free(p);
    free(r);
}

/* Bochs 2.7 delivering IRQ0 inside `s 1` at a `jmp 0x8d65` (f000:89f4), as
 * recorded from the tpm guest: FLAGS, CS, IP pushed at SS:SP-2..-6 (SDM vol
 * 3, 20.1.4) with the jmp's own CS:IP, IVT entry 08h read.  An `int 15h`
 * pushes the next IP; a #UD (vector 6) is a fault: both stay steps. */
/* s: a step at CS:IP = cs_ip (high word CS) with SP sp and n accesses at
 * lin[] with val[] and len[], the first three stores (the frame) and the rest
 * reads, or in the order rw[] says when rw is not NULL. */
static void irq_accesses(struct bochslog_step *s, uint32_t cs_ip, uint64_t sp,
                         struct bochslog_mem *m, size_t n, const uint64_t *lin,
                         const uint64_t *val, const uint32_t *len, const uint8_t *rw)
{
    memset(s, 0, sizeof *s);
    s->st.f[HVT_CS_SEL] = cs_ip >> 16;
    s->st.f[HVT_RIP] = cs_ip & 0xffff;
    s->st.f[HVT_RSP] = sp;
    for (size_t i = 0; i < n; i++)
        m[i] = (struct bochslog_mem){ .lin = lin[i], .phys = lin[i], .value = val[i],
                                      .len = len[i], .has_lin = 1, .has_value = 1,
                                      .rw = rw ? rw[i] : i < 3 ? BOCHSLOG_WR : BOCHSLOG_RD };
    s->mem = m;
    s->nmem = n;
}

UNIT_TEST(bochslog_irq_delivered_inside_a_step)
{
    static struct bochslog_mem m[5];
    struct bochslog_step s;
    const uint64_t lin[5] = { 0x7bbe, 0x7bbc, 0x7bba, 0x20, 0x22 };
    const uint64_t val[5] = { 0x206, 0xf000, 0x89f4, 0xfea5, 0xf000 };
    const uint32_t len[5] = { 2, 2, 2, 2, 2 };
    irq_accesses(&s, 0xf00089f4, 0x7bc0, m, 5, lin, val, len, NULL);
    s.st.f[HVT_CR0] = 0x10;
    int v = -1;
    CHECK(bochslog_irq_delivered(&s, &v) == 1 && v == 8);
    m[2].value = 0x89f7;                        /* int 15h: the frame holds the next IP */
    CHECK(bochslog_irq_delivered(&s, &v) == 0);
    m[2].value = 0x89f4;
    m[3].lin = m[3].phys = 0x18;                /* IVT entry 06h: #UD, a fault */
    CHECK(bochslog_irq_delivered(&s, &v) == 0);
    m[3].lin = m[3].phys = 0x20;
    s.st.f[HVT_CR0] = 0x11;                     /* protected mode: not this form */
    CHECK(bochslog_irq_delivered(&s, &v) == 0);
}

/* o is a handler's entry state: CS.base, CS:IP (high 16 bits CS), SP, FLAGS. */
static int entry_is(const struct hvt_state *o, uint64_t base, uint64_t cs_ip, uint64_t sp,
                    uint64_t flags)
{
    return o->f[HVT_CS_BASE] == base && o->f[HVT_CS_SEL] == cs_ip >> 16 &&
           o->f[HVT_RIP] == (cs_ip & 0xffff) && o->f[HVT_RSP] == sp && o->f[HVT_EFLAGS] == flags;
}

/* The state the delivery above produced (SDM vol 3 20.1.4): SP - 6, IF/TF/AC
 * clear, CS:IP = the IVT entry's words, CS.base = CS * 16; the GPRs as before.
 * One 4-byte IVT read serves as well as two 2-byte ones; no IVT read: -1. */
UNIT_TEST(bochslog_irq_entry_state_real_mode)
{
    static struct bochslog_mem m[4];
    struct bochslog_step s;
    struct hvt_state out;
    const uint64_t lin[4] = { 0x7bfe, 0x7bfc, 0x7bfa, 0x20 };
    const uint64_t val[4] = { 0x393, 0x0000, 0x7c3e, 0xf0007c7b };
    const uint32_t len[4] = { 2, 2, 2, 4 };
    irq_accesses(&s, 0x00007c3e, 0x12347c00, m, 4, lin, val, len, NULL);
    s.st.f[HVT_RAX] = 0x55;
    s.st.f[HVT_EFLAGS] = 0x40393;               /* AC, IF, TF set */
    CHECK(bochslog_irq_entry_state(&s, 8, &out) == 0);
    CHECK(entry_is(&out, 0xf0000, 0xf0007c7b, 0x12347bfa, 0x93) && out.f[HVT_RAX] == 0x55);
    CHECK(bochslog_irq_entry_state(&s, 9, &out) == -1);   /* IVT entry 09h not read */
}

/* Protected mode, as Bochs 2.7 printed it for the bxirqpm guest (IRQ0 at IDT
 * gate 20h, a 32-bit interrupt gate to 0008:7ca1, taken before 0008:7c5c):
 * the gate read, CS's descriptor read from the GDT, EFLAGS, CS, EIP pushed as
 * dwords (SDM vol 3 6.12.1).  The handler's entry state: ESP - 12, IF clear
 * (not through a trap gate), CS:EIP from the gate, CS's base, limit and
 * attributes from the descriptor.  An `int 20h` (next EIP pushed) and an
 * exception vector (0Dh) are not this form. */
UNIT_TEST(bochslog_irq_protected_mode)
{
    static struct bochslog_mem m[5];
    struct bochslog_step s;
    struct hvt_state out;
    const uint64_t lin[5] = { 0x7d00, 0x7cf0, 0x7bfc, 0x7bf8, 0x7bf4 };
    const uint64_t val[5] = { 0x00008e0000087ca1ull, 0x00cf9b000000ffffull, 0x293, 0x8, 0x7c5c };
    const uint32_t len[5] = { 8, 8, 4, 4, 4 };
    const uint8_t rw[5] = { BOCHSLOG_RD, BOCHSLOG_RD, BOCHSLOG_WR, BOCHSLOG_WR, BOCHSLOG_WR };
    irq_accesses(&s, 0x00087c5c, 0x7c00, m, 5, lin, val, len, rw);
    s.st.f[HVT_CR0] = 0x60000011;
    s.st.f[HVT_EFLAGS] = 0x293;
    s.st.f[HVT_SS_ATTR] = 0xcf9300;
    s.st.f[HVT_IDTR_BASE] = 0x7c00;
    s.st.f[HVT_GDTR_BASE] = 0x7ce8;
    int v = -1;
    CHECK(bochslog_irq_delivered(&s, &v) == 1 && v == 0x20);
    CHECK(bochslog_irq_entry_state(&s, v, &out) == 0);
    CHECK(entry_is(&out, 0, 0x00087ca1, 0x7bf4, 0x093));
    CHECK(out.f[HVT_CS_LIMIT] == 0xffffffff && out.f[HVT_CS_ATTR] == 0xcf9b00);
    m[0].value = 0x00008f0000087ca1ull;                     /* a trap gate: IF stays */
    CHECK(bochslog_irq_entry_state(&s, v, &out) == 0 && out.f[HVT_EFLAGS] == 0x293);
    m[4].value = 0x7c62;                                    /* int 20h: the next EIP */
    CHECK(bochslog_irq_delivered(&s, &v) == 0);
    m[4].value = 0x7c5c;
    m[0].lin = m[0].phys = 0x7c00 + 0x0d * 8;               /* #GP: an exception */
    CHECK(bochslog_irq_delivered(&s, &v) == 0);
}

UNIT_TEST(bochslog_bad_input)
{
    struct rec *r = calloc(1, sizeof *r);
    struct bochslog *p = bochslog_new(rec_step, r);
    /* a display with no register dump before it */
    const char *a = "Next at t=5\n(0) [0x000000007c00] 0000:7c00 (unk. ctxt): cli ; fa\n";
    bochslog_feed(p, a, strlen(a));
    CHECK_EQ_U64(bochslog_stats(p)->errors, 1);
    CHECK(strstr(bochslog_first_error(p), "line 2: display without registers"));
    CHECK(!bochslog_current(p));
    /* an over-long line, a broken access line, garbage */
    char *big = malloc(BOCHSLOG_MAX_LINE + 10);
    memset(big, 'x', BOCHSLOG_MAX_LINE + 9);
    big[BOCHSLOG_MAX_LINE + 9] = '\n';
    bochslog_feed(p, big, BOCHSLOG_MAX_LINE + 10);
    free(big);
    const char *b = "[CPU0 WR]: LIN 0xzz PHY\nrandom words\n";
    bochslog_feed(p, b, strlen(b));
    CHECK_EQ_U64(bochslog_stats(p)->errors, 3);
    CHECK_EQ_U64(bochslog_stats(p)->skipped, 1);
    CHECK_EQ_U64(r->nsteps, 0);
    bochslog_free(p);
    free(r);
}

UNIT_MAIN()
