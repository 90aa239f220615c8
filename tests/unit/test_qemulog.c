/*
 * test_qemulog: the -d cpu log parser against logs captured from QEMU 7.2.22
 * (tests/unit/data/qemulog/, see README there): qemu-system-i386 SeaBIOS from
 * reset (real -> protected mode), its SMM entry and RSM, a real-mode timer
 * interrupt, -d fpu/exec/cpu_reset noise; qemu-system-x86_64 running longmode.S
 * (real -> protected -> compatibility -> 64-bit mode, int3 through a 64-bit IDT).
 *
 * Truth is the text itself: hand-picked values are asserted exactly, and every
 * field of every state is compared with a deliberately naive sscanf reading of
 * the same text.  Each log is fed whole, byte by byte and in random chunk sizes.
 */
#include "qemu/qemulog.h"
#include "tests/unit/unit.h"

#include <inttypes.h>
#include <stdlib.h>

/* ---- fixtures and a recorder ------------------------------------------ */

static char *load(const char *name, size_t *len)
{
    return unit_read_fixture("qemulog", name, len);
}

#define MAXREC 256

struct rec {
    struct qemulog_cpu steps[MAXREC];
    struct qemulog_event events[16];
    struct qemulog_cpu dumps[16];
    int nsteps, nevents;
    int stop_after;             /* > 0: ask the parser to stop after this many */
};

static int rec_step(void *priv, const struct qemulog_cpu *c)
{
    struct rec *r = priv;
    if (r->nsteps < MAXREC)
        r->steps[r->nsteps] = *c;
    r->nsteps++;
    return r->stop_after && r->nsteps >= r->stop_after;
}

static int rec_event(void *priv, const struct qemulog_event *ev)
{
    struct rec *r = priv;
    if (r->nevents < 16) {
        r->events[r->nevents] = *ev;
        if (ev->dump)
            r->dumps[r->nevents] = *ev->dump;
        r->events[r->nevents].dump = ev->dump ? &r->dumps[r->nevents] : NULL;
    }
    r->nevents++;
    return 0;
}

static uint64_t rng_state = 88172645463325252u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Parse text in chunks of 1..maxchunk bytes (maxchunk 0: all at once). */
static struct qemulog_stats parse(const char *text, size_t len, size_t maxchunk,
                                  struct rec *r)
{
    struct qemulog *q = qemulog_new(rec_step, rec_event, r);
    size_t off = 0;
    while (off < len) {
        size_t n = maxchunk ? 1 + rng() % maxchunk : len;
        if (n > len - off)
            n = len - off;
        if (qemulog_feed(q, text + off, n))
            break;
        off += n;
    }
    qemulog_finish(q);
    struct qemulog_stats st = *qemulog_stats(q);
    qemulog_free(q);
    return st;
}

static struct rec *parse_file(const char *name, struct qemulog_stats *st)
{
    size_t len;
    char *text = load(name, &len);
    if (!text)
        return NULL;
    struct rec *r = calloc(1, sizeof *r);
    *st = parse(text, len, 0, r);
    free(text);
    return r;
}

/* ---- the naive oracle: sscanf over the same text ---------------------- */

/* Reads the step blocks of text (blocks after "SMM:", "v=" and "CPU Reset" lines
 * are event dumps) into out[]; returns how many. */
static int oracle(const char *text, struct hvt_state *out, int max)
{
    static const char *segn[6] = {"ES =", "CS =", "SS =", "DS =", "FS =", "GS ="};
    int n = -1, dump = 0;
    struct hvt_state *s = NULL;
    unsigned long long a, b, c, d;
    char l[1024];
    for (const char *t = text; *t; t = strchr(t, '\n') + 1) {
        snprintf(l, sizeof l, "%.*s", (int)(strchr(t, '\n') - t), t);
        if (!strncmp(l, "SMM:", 4) || strstr(l, ": v=") == l + 6 || !strncmp(l, "CPU Reset", 9))
            dump = 1;
        if (!strncmp(l, "EAX=", 4) || !strncmp(l, "RAX=", 4)) {
            if (dump) { dump = 0; s = NULL; continue; }
            if (++n >= max) return n;
            s = &out[n];
            memset(s, 0, sizeof *s);
            sscanf(l + 4, "%llx %*3c=%llx %*3c=%llx %*3c=%llx", &a, &b, &c, &d);
            s->f[HVT_RAX] = a; s->f[HVT_RBX] = b; s->f[HVT_RCX] = c; s->f[HVT_RDX] = d;
        } else if (!s) {
            continue;
        } else if (!strncmp(l, "ESI=", 4) || !strncmp(l, "RSI=", 4)) {
            sscanf(l + 4, "%llx %*3c=%llx %*3c=%llx %*3c=%llx", &a, &b, &c, &d);
            s->f[HVT_RSI] = a; s->f[HVT_RDI] = b; s->f[HVT_RBP] = c; s->f[HVT_RSP] = d;
        } else if (!strncmp(l, "R8 =", 4) || !strncmp(l, "R12=", 4)) {
            int base = l[1] == '8' ? HVT_R8 : HVT_R12;
            sscanf(l + 4, "%llx %*3c=%llx %*3c=%llx %*3c=%llx", &a, &b, &c, &d);
            s->f[base] = a; s->f[base + 1] = b; s->f[base + 2] = c; s->f[base + 3] = d;
        } else if (!strncmp(l, "EIP=", 4) || !strncmp(l, "RIP=", 4)) {
            sscanf(l + 4, "%llx %*3c=%llx", &a, &b);
            s->f[HVT_RIP] = a; s->f[HVT_EFLAGS] = b;
            s->f[HVT_SMM] = strstr(l, "SMM=1") != NULL;
        } else if (!strncmp(l, "GDT=", 4) || !strncmp(l, "IDT=", 4)) {
            sscanf(l + 4, "%llx %llx", &a, &b);
            int f = l[0] == 'G' ? HVT_GDTR_BASE : HVT_IDTR_BASE;
            s->f[f] = a; s->f[f + 1] = b;
        } else if (!strncmp(l, "CR0=", 4)) {
            sscanf(l + 4, "%llx CR2=%llx CR3=%llx CR4=%llx", &a, &b, &c, &d);
            s->f[HVT_CR0] = a; s->f[HVT_CR2] = b; s->f[HVT_CR3] = c; s->f[HVT_CR4] = d;
        } else if (!strncmp(l, "EFER=", 5)) {
            sscanf(l + 5, "%llx", &a);
            s->f[HVT_EFER] = a;
        } else {
            for (int i = 0; i < 6; i++)
                if (!strncmp(l, segn[i], 4)) {
                    sscanf(l + 4, "%llx %llx %llx %llx", &a, &b, &c, &d);
                    s->f[HVT_ES_SEL + i] = a; s->f[HVT_ES_BASE + i] = b;
                    s->f[HVT_ES_LIMIT + i] = c; s->f[HVT_ES_ATTR + i] = d;
                }
        }
    }
    return n + 1;
}

static const char *const fixtures[] = {
    "i386_reset.qemulog", "i386_smm_enter.qemulog", "i386_smm_rsm.qemulog", "i386_hwint.qemulog",
    "i386_fpu_exec_reset.qemulog", "x86_64_longmode.qemulog",
};

static void check_against_oracle(const char *name, size_t maxchunk)
{
    size_t len;
    char *text = load(name, &len);
    CHECK(text != NULL);
    static struct hvt_state want[MAXREC];
    int nwant = oracle(text, want, MAXREC);
    struct rec *r = calloc(1, sizeof *r);
    struct qemulog_stats st = parse(text, len, maxchunk, r);
    free(text);
    CHECK(nwant > 5);
    CHECK_EQ_U64(st.errors, 0);
    CHECK_EQ_U64(r->nsteps, nwant);
    for (int i = 0; i < nwant; i++) {
        CHECK_EQ_U64(r->steps[i].st.known, HVT_K_GPR | HVT_K_SEL | HVT_K_SEGDESC | HVT_K_CSBASE |
                     HVT_K_CR | HVT_K_DT | HVT_K_SMM);
        for (int f = 0; f < HVT_NFIELDS; f++)
            if (r->steps[i].st.f[f] != want[i].f[f])
                UNIT_FAIL("%s step %d %s: 0x%" PRIx64 " != 0x%" PRIx64, name, i,
                          hvt_field_name(f), r->steps[i].st.f[f], want[i].f[f]);
    }
    free(r);
}

/* ---- exact values ----------------------------------------------------- */

UNIT_TEST(reset_vector_state_is_exact)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("i386_reset.qemulog", &st);
    CHECK(r != NULL);
    CHECK_EQ_U64(st.steps, 40);
    CHECK_EQ_U64(st.errors, 0);
    const struct qemulog_cpu *c = &r->steps[0];
    CHECK_EQ_U64(c->st.f[HVT_RIP], 0xfff0);
    CHECK_EQ_U64(c->st.f[HVT_RDX], 0x663);
    CHECK_EQ_U64(c->st.f[HVT_EFLAGS], 0x2);
    CHECK_EQ_U64(c->st.f[HVT_CS_SEL], 0xf000);
    CHECK_EQ_U64(c->st.f[HVT_CS_BASE], 0xffff0000);
    CHECK_EQ_U64(c->st.f[HVT_CS_LIMIT], 0xffff);
    CHECK_EQ_U64(c->st.f[HVT_CS_ATTR], 0x9b00);
    CHECK_EQ_U64(c->st.f[HVT_SS_ATTR], 0x9300);
    CHECK_EQ_U64(c->st.f[HVT_GDTR_LIMIT], 0xffff);
    CHECK_EQ_U64(c->st.f[HVT_CR0], 0x60000010);
    CHECK_EQ_U64(c->a20, 1);
    CHECK_EQ_U64(c->wide, 0);
    CHECK_EQ_U64(hvt_state_pc(&c->st), 0xfffffff0);   /* Intel SDM vol 3, 9.1.4 */
    CHECK_EQ_U64(hvt_state_mode(&c->st), HVT_MODE_16);
    /* the far jump to f000:e05b reloads CS.base the real-mode way */
    CHECK_EQ_U64(r->steps[1].st.f[HVT_CS_BASE], 0xf0000);
    CHECK_EQ_U64(hvt_state_pc(&r->steps[1].st), 0xfe05b);
    free(r);
}

UNIT_TEST(protected_mode_switch_is_exact)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("i386_reset.qemulog", &st);
    CHECK(r != NULL);
    const struct qemulog_cpu *pe = &r->steps[24], *far = &r->steps[25];
    CHECK_EQ_U64(pe->st.f[HVT_RIP], 0xec40);            /* after mov %eax,%cr0 */
    CHECK_EQ_U64(pe->st.f[HVT_CR0], 0x11);
    CHECK_EQ_U64(pe->st.f[HVT_GDTR_BASE], 0xf6180);
    CHECK_EQ_U64(pe->st.f[HVT_GDTR_LIMIT], 0x37);
    CHECK_EQ_U64(pe->st.f[HVT_IDTR_BASE], 0xf61be);
    CHECK_EQ_U64(pe->st.f[HVT_IDTR_LIMIT], 0);
    CHECK_EQ_U64(far->st.f[HVT_RIP], 0xfec48);           /* after ljmp $0x8 */
    CHECK_EQ_U64(far->st.f[HVT_CS_SEL], 0x8);
    CHECK_EQ_U64(far->st.f[HVT_CS_LIMIT], 0xffffffff);
    CHECK_EQ_U64(far->st.f[HVT_CS_ATTR], 0xcf9b00);
    CHECK_EQ_U64(far->st.f[HVT_DS_ATTR], 0x9300);        /* " DPL=0 DS16 [-WA]" ignored */
    CHECK_EQ_U64(far->st.f[HVT_RSP], 0x7000);
    CHECK_EQ_U64(far->cc_dst, 0x11);
    CHECK_EQ_U64(hvt_state_mode(&far->st), HVT_MODE_32);
    free(r);
}

UNIT_TEST(smm_entry_is_an_event_with_the_interrupted_state)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("i386_smm_enter.qemulog", &st);
    CHECK(r != NULL);
    CHECK_EQ_U64(st.steps, 10);
    CHECK_EQ_U64(r->nevents, 1);
    const struct qemulog_event *ev = &r->events[0];
    CHECK_EQ_U64(ev->kind, QEMULOG_EV_SMM_ENTER);
    CHECK_EQ_U64(ev->nsteps, 5);
    CHECK(ev->dump != NULL);
    CHECK_EQ_U64(ev->dump->st.f[HVT_RIP], 0xeaced);      /* after out %al,$0xb2 */
    CHECK_EQ_U64(ev->dump->st.f[HVT_SMM], 0);
    CHECK_EQ_U64(r->steps[4].st.f[HVT_RIP], 0xeaceb);    /* the out itself */
    const struct qemulog_cpu *smm = &r->steps[5];
    CHECK_EQ_U64(smm->st.f[HVT_SMM], 1);
    CHECK_EQ_U64(smm->st.f[HVT_RIP], 0x8000);            /* SMBASE 0x30000 + 0x8000 */
    CHECK_EQ_U64(smm->st.f[HVT_CS_SEL], 0x3000);
    CHECK_EQ_U64(smm->st.f[HVT_CS_BASE], 0x30000);
    CHECK_EQ_U64(smm->st.f[HVT_CS_LIMIT], 0xffffffff);
    CHECK_EQ_U64(smm->st.f[HVT_CS_ATTR], 0x809300);
    CHECK_EQ_U64(smm->st.f[HVT_CR0], 0x10);
    CHECK_EQ_U64(hvt_state_pc(&smm->st), 0x38000);
    free(r);
}

UNIT_TEST(rsm_is_an_event_and_resumes_where_smm_was_entered)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("i386_smm_rsm.qemulog", &st);
    CHECK(r != NULL);
    CHECK_EQ_U64(r->nevents, 1);
    CHECK_EQ_U64(r->events[0].kind, QEMULOG_EV_SMM_RSM);
    CHECK_EQ_U64(r->events[0].dump->st.f[HVT_SMM], 0);
    CHECK_EQ_U64(r->steps[4].st.f[HVT_SMM], 1);          /* the rsm */
    CHECK_EQ_U64(r->steps[4].st.f[HVT_RIP], 0xfe2c1);
    CHECK_EQ_U64(r->steps[5].st.f[HVT_SMM], 0);
    CHECK_EQ_U64(r->steps[5].st.f[HVT_RIP], 0xeaced);
    CHECK_EQ_U64(r->steps[5].st.f[HVT_CS_ATTR], 0xc09b00);
    free(r);
}

UNIT_TEST(hardware_interrupt_is_an_event_between_steps)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("i386_hwint.qemulog", &st);
    CHECK(r != NULL);
    CHECK_EQ_U64(st.steps, 10);
    CHECK_EQ_U64(r->nevents, 1);
    CHECK_EQ_U64(r->events[0].kind, QEMULOG_EV_HWINT);
    CHECK_EQ_U64(r->events[0].vector, 8);
    CHECK_EQ_U64(r->events[0].nsteps, 5);
    CHECK(r->events[0].dump == NULL);
    CHECK_EQ_U64(r->steps[4].st.f[HVT_RIP], 0xd014);     /* iret */
    CHECK_EQ_U64(r->steps[5].st.f[HVT_RIP], 0xfea5);     /* IRQ0 handler, f000:fea5 */
    CHECK_EQ_U64(r->steps[5].st.f[HVT_RSP], 0x6d3e);
    free(r);
}

UNIT_TEST(x86_64_long_mode_states_are_exact)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("x86_64_longmode.qemulog", &st);
    CHECK(r != NULL);
    CHECK_EQ_U64(st.steps, 49);
    CHECK_EQ_U64(st.errors, 0);
    const struct qemulog_cpu *compat = NULL, *lm = NULL;
    for (int i = 0; i < r->nsteps; i++) {
        if (r->steps[i].st.f[HVT_RIP] == 0x7c7e)
            compat = &r->steps[i];
        if (r->steps[i].st.f[HVT_RIP] == 0x7cd8)
            lm = &r->steps[i];
    }
    CHECK(compat && lm);
    /* LMA set, CS still 32-bit: 32-bit rows, but 16-digit GDT/CR2/CR3 */
    CHECK_EQ_U64(compat->wide, 0);
    CHECK_EQ_U64(compat->st.f[HVT_GDTR_BASE], 0x7ce0);
    CHECK_EQ_U64(compat->st.f[HVT_CR3], 0x1000);
    CHECK_EQ_U64(compat->st.f[HVT_CR0], 0x80000011);
    CHECK_EQ_U64(compat->st.f[HVT_EFER], 0x500);
    CHECK_EQ_U64(hvt_state_mode(&compat->st), HVT_MODE_32);
    CHECK_EQ_U64(lm->wide, 1);
    CHECK_EQ_U64(lm->st.f[HVT_RIP], 0x7cd8);
    CHECK_EQ_U64(lm->st.f[HVT_RSP], 0x7bd8);
    CHECK_EQ_U64(lm->st.f[HVT_RAX], 0x1122334455667788u);
    CHECK_EQ_U64(lm->st.f[HVT_R8], 0x8877665544332212u);  /* handler: add $1,%r8 */
    CHECK_EQ_U64(lm->st.f[HVT_R15], 0x0f0e0d0c0b0a0908u);
    CHECK_EQ_U64(lm->st.f[HVT_CS_ATTR], 0xaf9a00);
    CHECK_EQ_U64(lm->st.f[HVT_IDTR_BASE], 0x5000);
    CHECK_EQ_U64(lm->st.f[HVT_IDTR_LIMIT], 0x3f);
    CHECK_EQ_U64(lm->cc_dst, 0x8877665544332212u);
    CHECK_EQ_U64(hvt_state_mode(&lm->st), HVT_MODE_64);
    free(r);
}

UNIT_TEST(x86_64_int3_is_an_interrupt_event_with_dump)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("x86_64_longmode.qemulog", &st);
    CHECK(r != NULL);
    CHECK_EQ_U64(r->nevents, 1);
    const struct qemulog_event *ev = &r->events[0];
    CHECK_EQ_U64(ev->kind, QEMULOG_EV_INTERRUPT);
    CHECK_EQ_U64(ev->vector, 3);
    CHECK_EQ_U64(ev->is_int, 1);
    CHECK_EQ_U64(ev->error_code, 0);
    CHECK_EQ_U64(ev->cs, 0x18);
    CHECK_EQ_U64(ev->eip, 0x7cce);
    CHECK(ev->dump != NULL);
    CHECK_EQ_U64(ev->dump->wide, 1);
    CHECK_EQ_U64(ev->dump->st.f[HVT_RIP], 0x7cce);
    /* the int3 was the step just before the event; the handler comes next */
    CHECK_EQ_U64(r->steps[ev->nsteps - 1].st.f[HVT_RIP], 0x7cce);
    CHECK_EQ_U64(r->steps[ev->nsteps].st.f[HVT_RIP], 0x7cd4);
    free(r);
}

UNIT_TEST(rep_stos_is_logged_once_per_iteration)
{
    struct qemulog_stats st;
    struct rec *r = parse_file("x86_64_longmode.qemulog", &st);
    CHECK(r != NULL);
    uint64_t ecx[3];
    int n = 0;
    for (int i = 0; i < r->nsteps; i++)
        if (r->steps[i].st.f[HVT_RIP] == 0x7c34 && n < 3)   /* rep stos with ECX=3 */
            ecx[n++] = r->steps[i].st.f[HVT_RCX];
    CHECK_EQ_U64(n, 3);
    CHECK_EQ_U64(ecx[0], 3);
    CHECK_EQ_U64(ecx[1], 2);
    CHECK_EQ_U64(ecx[2], 1);
    free(r);
}

UNIT_TEST(fpu_rows_trace_lines_and_reset_dumps_are_not_steps)
{
    size_t len;
    char *text = load("i386_fpu_exec_reset.qemulog", &len);
    CHECK(text != NULL);
    int traces = 0;                 /* -d exec prints one Trace line per TB run */
    for (const char *p = text; (p = strstr(p, "\nTrace ")); p++)
        traces++;
    struct rec *r = calloc(1, sizeof *r);
    struct qemulog_stats st = parse(text, len, 0, r);
    free(text);
    CHECK_EQ_U64(st.errors, 0);
    CHECK_EQ_U64(st.steps, traces);
    CHECK_EQ_U64(r->nevents, 2);
    CHECK_EQ_U64(r->events[1].kind, QEMULOG_EV_RESET);
    CHECK(r->events[1].dump != NULL);
    CHECK_EQ_U64(r->steps[0].st.f[HVT_RIP], 0xfff0);
    free(r);
}

/* ---- streaming and robustness ----------------------------------------- */

UNIT_TEST(every_field_matches_a_naive_reading_in_any_chunking)
{
    static const size_t chunks[] = {0, 1, 7, 64, 1000, 70000};
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++)
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
            check_against_oracle(fixtures[f], chunks[c]);
}

UNIT_TEST(events_do_not_depend_on_chunking)
{
    size_t len;
    char *text = load("i386_smm_enter.qemulog", &len);
    CHECK(text != NULL);
    struct rec *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    parse(text, len, 0, a);
    parse(text, len, 3, b);
    free(text);
    CHECK_EQ_U64(a->nevents, b->nevents);
    CHECK_EQ_U64(a->events[0].nsteps, b->events[0].nsteps);
    CHECK(memcmp(&a->dumps[0], &b->dumps[0], sizeof a->dumps[0]) == 0);
    free(a);
    free(b);
}

/* The first block of the reset log, as text. */
static size_t first_block(const char *text)
{
    const char *end = strstr(text, "EFER=");
    return (size_t)(strchr(end, '\n') + 1 - text);
}

/* -d exec: a TB logged and then abandoned before it ran ("Stopped execution
 * of TB chain", QEMU 7.2 cpu_tb_exec) or undone by an I/O access under -icount
 * ("cpu_io_recompile: rewound") is named by the line that follows its state
 * (captured, both PC widths): an event with its linear PC, between the
 * abandoned state and the state of the same TB when it does run. */
UNIT_TEST(abandoned_tb_is_named_by_an_event)
{
    static const char *const tb_logs[] = { "x86_64_tb_stopped.qemulog",
                                           "i386_tb_stopped.qemulog",
                                           "x86_64_tb_rewound.qemulog",
                                           "i386_tb_rewound.qemulog" };
    static const uint64_t pcs[] = { 0xf7aef, 0xea594, 0xee295, 0xee295 };
    for (int f = 0; f < 4; f++) {
        size_t len;
        char *text = load(tb_logs[f], &len);
        CHECK(text != NULL);
        struct rec *r = calloc(1, sizeof *r);
        struct qemulog_stats st = parse(text, len, 7, r);
        CHECK_EQ_U64(st.errors, 0);
        CHECK_EQ_U64(r->nsteps, 2);
        CHECK_EQ_U64(r->nevents, 1);
        CHECK_EQ_U64(r->events[0].kind, QEMULOG_EV_TB_ABANDONED);
        CHECK_EQ_U64(r->events[0].eip, pcs[f]);
        CHECK_EQ_U64(r->events[0].nsteps, 1);
        CHECK_EQ_U64(hvt_state_pc(&r->steps[0].st), pcs[f]);
        CHECK_EQ_U64(hvt_state_pc(&r->steps[1].st), pcs[f]);
        free(text);
        free(r);
    }
}

/* Parse text built from pieces; returns stats, steps in r. */
static struct qemulog_stats parse_str(const char *s, struct rec *r)
{
    memset(r, 0, sizeof *r);
    return parse(s, strlen(s), 5, r);
}

UNIT_TEST(malformed_blocks_are_counted_and_skipped)
{
    size_t len;
    char *text = load("i386_reset.qemulog", &len);
    CHECK(text != NULL);
    size_t n = first_block(text);
    size_t cap = 8 * n + 4096;
    char *buf = malloc(cap), *good = strndup(text, n);
    struct rec *r = calloc(1, sizeof *r);
    /* a block cut after 5 lines, then a good one */
    const char *cut = text;
    for (int i = 0; i < 5; i++)
        cut = strchr(cut, '\n') + 1;
    snprintf(buf, cap, "%.*s%s", (int)(cut - text), text, good);
    struct qemulog_stats st = parse_str(buf, r);
    CHECK_EQ_U64(st.errors, 1);
    CHECK_EQ_U64(st.steps, 1);
    /* a bad hex digit, an unknown line inside a block, a repeated line */
    char *bad = strdup(good);
    bad[strstr(bad, "EIP=") - bad + 6] = 'g';
    snprintf(buf, cap, "%s%s%s", bad, "garbage outside blocks\n", good);
    st = parse_str(buf, r);
    CHECK_EQ_U64(st.errors, 1);
    CHECK_EQ_U64(st.skipped, 1);
    CHECK_EQ_U64(st.steps, 1);
    CHECK_EQ_U64(r->steps[0].st.f[HVT_RIP], 0xfff0);
    char *gdt = strstr(good, "GDT=");
    snprintf(buf, cap, "%.*sjunk\n%s%s", (int)(gdt - good), good, gdt, good);
    st = parse_str(buf, r);
    CHECK_EQ_U64(st.errors, 1);
    CHECK_EQ_U64(st.steps, 1);
    int gdt_len = (int)(strchr(gdt, '\n') + 1 - gdt);
    snprintf(buf, cap, "%.*s%.*s%s%s", (int)(gdt - good), good, gdt_len, gdt, gdt, good);
    st = parse_str(buf, r);
    CHECK_EQ_U64(st.errors, 1);
    CHECK_EQ_U64(st.steps, 1);
    free(bad);
    free(good);
    free(buf);
    free(text);
    free(r);
}

UNIT_TEST(first_error_names_the_line)
{
    const char *s = "EAX=00000000 EBX=0\nEFER=0000000000000000\n";
    struct rec r;
    memset(&r, 0, sizeof r);
    struct qemulog *q = qemulog_new(rec_step, rec_event, &r);
    qemulog_feed(q, s, strlen(s));
    qemulog_finish(q);
    CHECK_EQ_U64(qemulog_stats(q)->errors, 1);   /* one bad block, one error */
    CHECK_STR(qemulog_first_error(q), "line 1: malformed EAX/RAX line");
    qemulog_free(q);
}

UNIT_TEST(overlong_lines_and_a_missing_final_newline)
{
    size_t len;
    char *text = load("i386_hwint.qemulog", &len);
    CHECK(text != NULL);
    size_t big = 5000;
    char *buf = malloc(len + big + 2);
    memset(buf, 'x', big);
    buf[big] = '\n';
    memcpy(buf + big + 1, text, len - 1);        /* drop the final '\n' */
    struct rec *r = calloc(1, sizeof *r);
    struct qemulog_stats st = parse(buf, big + len, 100, r);
    CHECK_EQ_U64(st.errors, 0);
    CHECK_EQ_U64(st.skipped, 1);
    CHECK_EQ_U64(st.steps, 10);
    free(buf);
    free(text);
    free(r);
}

UNIT_TEST(a_callback_can_stop_the_parser)
{
    size_t len;
    char *text = load("i386_reset.qemulog", &len);
    CHECK(text != NULL);
    struct rec *r = calloc(1, sizeof *r);
    r->stop_after = 3;
    struct qemulog *q = qemulog_new(rec_step, rec_event, r);
    CHECK_EQ_U64(qemulog_feed(q, text, len), 1);
    CHECK_EQ_U64(qemulog_feed(q, text, len), 1);
    CHECK_EQ_U64(qemulog_finish(q), 1);
    CHECK_EQ_U64(qemulog_stats(q)->steps, 3);
    CHECK_EQ_U64(r->nsteps, 3);
    CHECK_EQ_U64(r->steps[2].st.f[HVT_RIP], 0xe062);     /* third EIP= of the log */
    qemulog_free(q);
    free(text);
    free(r);
}

UNIT_TEST(random_corruption_never_yields_a_partial_state)
{
    size_t len;
    char *text = load("x86_64_longmode.qemulog", &len);
    CHECK(text != NULL);
    char *buf = malloc(len);
    struct rec *r = calloc(1, sizeof *r);
    for (int round = 0; round < 300; round++) {
        memcpy(buf, text, len);
        for (int k = 0; k < 1 + round % 20; k++)
            buf[rng() % len] = (char)rng();
        memset(r, 0, sizeof *r);
        struct qemulog_stats st = parse(buf, len, 1 + round % 97, r);
        CHECK(st.steps <= 49);
        for (int i = 0; i < r->nsteps && i < MAXREC; i++)
            CHECK_EQ_U64(r->steps[i].st.known, HVT_K_GPR | HVT_K_SEL | HVT_K_SEGDESC | HVT_K_CSBASE |
                         HVT_K_CR | HVT_K_DT | HVT_K_SMM);
    }
    free(buf);
    free(text);
    free(r);
}

UNIT_TEST(in_asm_lines_are_code_events_before_their_step)
{
    size_t len;
    char *text = load("x86_64_in_asm.qemulog", &len);
    CHECK(text != NULL);
    struct rec *r = calloc(1, sizeof *r);
    struct qemulog_stats st = parse(text, len, 7, r);
    free(text);
    CHECK_EQ_U64(st.errors, 0);
    CHECK_EQ_U64(r->nevents, 3);
    static const uint8_t first[] = { 0xea, 0x5b, 0xe0, 0x00, 0xf0 };
    static const uint8_t second[] = { 0x2e, 0x66, 0x83, 0x3e, 0xc8, 0x61, 0x00 };
    CHECK_EQ_U64(r->events[0].kind, QEMULOG_EV_CODE);
    CHECK_EQ_U64(r->events[0].eip, 0xfffffff0);
    CHECK(r->events[0].code_len == sizeof first && !memcmp(r->events[0].code, first, sizeof first));
    CHECK_EQ_U64(r->events[1].eip, 0xfe05b);
    CHECK(r->events[1].code_len == sizeof second && !memcmp(r->events[1].code, second, sizeof second));
    /* Each translation is logged before the instruction's own state. */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_U64(r->events[i].nsteps, i);
        CHECK_EQ_U64(hvt_state_pc(&r->steps[i].st), r->events[i].eip);
    }
    free(r);
}

UNIT_TEST(in_asm_continuation_lines_carry_the_rest_of_the_bytes)
{
    size_t len;
    char *text = load("x86_64_in_asm_long.qemulog", &len);
    CHECK(text != NULL);
    struct rec *r = calloc(1, sizeof *r);
    parse(text, len, 3, r);
    free(text);
    CHECK_EQ_U64(r->nevents, 2);
    CHECK_EQ_U64(r->events[0].eip, 0x7d51);
    CHECK_EQ_U64(r->events[0].code_len, 8);
    CHECK_EQ_U64(r->events[0].code_more, 0);
    CHECK_EQ_U64(r->events[1].eip, 0x7d59);
    CHECK_EQ_U64(r->events[1].code_len, 1);
    CHECK_EQ_U64(r->events[1].code_more, 1);
    free(r);
}

UNIT_TEST(check_exception_without_a_previous_one)
{
    /* QEMU prints "no exception pending" as old 0xffffffff (-1 as %x). */
    static const char text[] = "check_exception old: 0xffffffff new 0xd\n"
                               "check_exception old: 0xd new 0x8\n";
    struct rec *r = calloc(1, sizeof *r);
    struct qemulog_stats st = parse(text, sizeof text - 1, 5, r);
    CHECK_EQ_U64(st.errors, 0);
    CHECK_EQ_U64(r->nevents, 2);
    CHECK(r->events[0].kind == QEMULOG_EV_CHECK_EXCEPTION && r->events[0].old_vector == -1);
    CHECK_EQ_U64(r->events[0].vector, 0xd);
    CHECK(r->events[1].old_vector == 0xd && r->events[1].vector == 8);
    free(r);
}

UNIT_MAIN()

/* QEMU 7.2's svm_helper.c logs SVM world switches under -d in_asm (the
 * strings are in the binary: "vmrun! %016lx", "vmexit(%08x, %016lx, %016lx,
 * %016lx)!"): the RSP engine reads GDTR/IDTR and the caches again after them
 * (AMD APM vol 2 15.5.1, 15.6). */
UNIT_TEST(svm_world_switch_lines_are_events)
{
    struct rec *r = calloc(1, sizeof *r);
    struct qemulog_stats st = parse_str("vmrun! 000000000010a000\n"
                                        "vmexit(00000062, 0000000000000000, "
                                        "0000000000000000, 0000000000007c1d)!\n"
                                        "vmrunner\n", r);
    CHECK_EQ_U64(st.errors, 0);
    CHECK_EQ_U64(r->nevents, 2);
    CHECK_EQ_U64(r->events[0].kind, QEMULOG_EV_WORLD_SWITCH);
    CHECK(r->events[0].vector == -1);
    CHECK_EQ_U64(r->events[1].kind, QEMULOG_EV_WORLD_SWITCH);
    CHECK_EQ_U64(r->events[1].vector, 0x62);            /* SVM_EXIT_SMI */
    CHECK_EQ_U64(r->events[1].eip, 0x7c1d);             /* the guest's EIP */
    free(r);
}
