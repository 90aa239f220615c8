/*
 * test_step_event: the event-vs-step rule (qemu/step_event.c) and the
 * descriptor-cache rule (qemu/segcache.c) on single steps recorded from a real
 * QEMU 7.2 (the .txt files in tests/unit/data/stepev/, made by capture.py there: the states
 * before and after one gdbstub step, the instruction bytes, the 6 bytes at the
 * stopped SS:SP and what QEMU's own -d in_asm,int log printed during the step).
 *
 * The truth each fixture carries is QEMU's log line (or its absence) and the
 * guest's header: an interrupt or SMI delivered by the step, or none.  The rule
 * must reach the same verdict from the log and, for --attach, from the states
 * and the frame alone.
 */
#include "unit.h"

#include <stdlib.h>

#include "qemu/segcache.h"
#include <string.h>
#include "qemu/step_event.h"

struct fixture {
    struct hvt_step before;
    struct hvt_state after;
    uint8_t frame[STEPEV_FRAME_BYTES];
    struct stepev_seen seen;
};

static void parse_state(char *line, struct hvt_state *st)
{
    memset(st, 0, sizeof *st);
    for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        int f = hvt_field_by_name(tok);
        if (f >= 0)
            st->f[f] = strtoull(eq + 1, NULL, 16);
    }
    st->known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR;
}

static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned b;
    while (n < cap && sscanf(s + 2 * n, "%2x", &b) == 1)
        out[n++] = (uint8_t)b;
    return n;
}

static int load(const char *name, struct fixture *fx)
{
    char path[512], line[2048];
    const char *root = getenv("HVT_ROOT");
    snprintf(path, sizeof path, "%s/tests/unit/data/stepev/%s", root ? root : ".", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    memset(fx, 0, sizeof *fx);
    fx->seen = (struct stepev_seen){ .have_log = 1, .hwint_vector = -1 };
    while (fgets(line, sizeof line, f)) {
        unsigned v;
        if (!strncmp(line, "before ", 7))
            parse_state(line + 7, &fx->before.st);
        else if (!strncmp(line, "after ", 6))
            parse_state(line + 6, &fx->after);
        else if (!strncmp(line, "bytes ", 6))
            fx->before.insn_len = (uint8_t)parse_hex(line + 6, fx->before.insn, 16);
        else if (!strncmp(line, "frame ", 6))
            parse_hex(line + 6, fx->frame, sizeof fx->frame);
        else if (sscanf(line, "log Servicing hardware INT=%x", &v) == 1)
            fx->seen.hwint_vector = (int)v;
        else if (!strncmp(line, "log SMM: enter", 14))
            fx->seen.smm_enter = 1;
    }
    fclose(f);
    fx->before.mode = HVT_MODE_16;
    return 0;
}

/* The verdict from the log, and from the states (asking for the frame). */
static void both(const struct fixture *fx, struct stepev_verdict *from_log,
                 struct stepev_verdict *from_states)
{
    struct stepev_seen none = { .have_log = 0, .hwint_vector = -1 };
    stepev_classify(&fx->before, &fx->after, &fx->seen, NULL, from_log);
    stepev_classify(&fx->before, &fx->after, &none, NULL, from_states);
    if (from_states->need_frame)
        stepev_classify(&fx->before, &fx->after, &none, fx->frame, from_states);
}

#define LOAD(name, fx) CHECK(load(name, &fx) == 0)

UNIT_TEST(interrupt_before_an_instruction_is_an_event_not_a_step)
{
    struct fixture fx;
    struct stepev_verdict a, b;
    LOAD("irq_before_ret.txt", fx);
    CHECK_EQ_U64(fx.seen.hwint_vector, 8);      /* QEMU's log: IRQ0 */
    both(&fx, &a, &b);
    CHECK(!a.executed && a.event == STEPEV_INTERRUPT && a.vector == 8);
    CHECK(!b.executed && b.event == STEPEV_INTERRUPT);
}

UNIT_TEST(smi_after_out_is_an_event_not_the_next_instruction)
{
    struct fixture fx;
    struct stepev_verdict a, b;
    LOAD("smi_after_out.txt", fx);
    CHECK(fx.seen.smm_enter);
    both(&fx, &a, &b);
    CHECK(!a.executed && a.event == STEPEV_SMI);
    CHECK(!b.executed && b.event == STEPEV_SMI);
    CHECK_EQ_U64(fx.after.f[HVT_CS_SEL], 0xa000);
    CHECK_EQ_U64(fx.after.f[HVT_RIP], 0x8000);
}

UNIT_TEST(int_n_is_a_step_whose_frame_returns_past_it)
{
    struct fixture fx;
    struct stepev_verdict a, b;
    LOAD("int15_executed.txt", fx);
    CHECK(fx.seen.hwint_vector < 0 && !fx.seen.smm_enter);
    both(&fx, &a, &b);
    CHECK(a.executed && a.event == STEPEV_NONE);
    CHECK(b.executed && b.event == STEPEV_NONE);
}

UNIT_TEST(hlt_woken_by_an_interrupt_is_a_step_then_an_event)
{
    struct fixture fx;
    struct stepev_verdict a, b;
    LOAD("hlt_woken.txt", fx);
    CHECK(stepev_is_hlt(&fx.before));
    both(&fx, &a, &b);
    CHECK(a.executed && a.event == STEPEV_INTERRUPT && a.vector == 8);
    CHECK(b.executed && b.event == STEPEV_INTERRUPT);
}

UNIT_TEST(plain_steps_are_steps)
{
    static const char *const names[] = { "call_executed.txt", "cli_executed.txt" };
    for (size_t i = 0; i < 2; i++) {
        struct fixture fx;
        struct stepev_verdict a, b;
        LOAD(names[i], fx);
        both(&fx, &a, &b);
        CHECK(a.executed && a.event == STEPEV_NONE);
        CHECK(b.executed && b.event == STEPEV_NONE);
    }
}

UNIT_TEST(frame_only_read_when_the_stack_moved_like_an_interrupt)
{
    struct fixture fx;
    struct stepev_verdict v;
    struct stepev_seen none = { .have_log = 0, .hwint_vector = -1 };
    LOAD("call_executed.txt", fx);          /* SP 2 lower: no frame needed */
    stepev_classify(&fx.before, &fx.after, &none, NULL, &v);
    CHECK(!v.need_frame && v.executed);
    LOAD("irq_before_ret.txt", fx);         /* SP 6 lower, IF cleared */
    stepev_classify(&fx.before, &fx.after, &none, NULL, &v);
    CHECK(v.need_frame);
}

UNIT_TEST(a_fault_with_interrupts_off_is_a_step)
{
    /* The IRQ fixture with IF=0 before: nothing external can have been
     * taken, so a frame returning to the instruction is its own fault. */
    struct fixture fx;
    struct stepev_verdict v;
    struct stepev_seen none = { .have_log = 0, .hwint_vector = -1 };
    LOAD("irq_before_ret.txt", fx);
    fx.before.st.f[HVT_EFLAGS] &= ~0x200ull;
    fx.frame[4] = 0x02;                    /* the pushed FLAGS: 0002h */
    fx.frame[5] = 0x00;
    stepev_classify(&fx.before, &fx.after, &none, fx.frame, &v);
    CHECK(v.executed && v.event == STEPEV_NONE);
}

UNIT_TEST(vector_from_ivt_prefers_the_pic)
{
    uint8_t ivt[1024] = { 0 };
    for (int v = 0; v < 256; v++) {        /* SeaBIOS: most vectors at f000:ff53 */
        ivt[4 * v] = 0x53, ivt[4 * v + 1] = 0xff, ivt[4 * v + 3] = 0xf0;
    }
    ivt[4 * 8] = 0xa5, ivt[4 * 8 + 1] = 0xfe;          /* IRQ0 at f000:fea5 */
    CHECK_EQ_U64(stepev_vector_from_ivt(ivt, 0xf000, 0xfea5), 8);
    CHECK_EQ_U64(stepev_vector_from_ivt(ivt, 0xf000, 0xff53), 9);
    CHECK(stepev_vector_from_ivt(ivt, 0x1234, 0) < 0);
}

/* ---- segcache: pmswitch.S's mode switch (SDM vol 3A 9.9.1) ---- */

static const char dump_rm[] =
    "EAX=00000011 EBX=00000000 ECX=00000000 EDX=00000080\n"
    "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00007c00\n"
    "EIP=00000024 EFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
    "ES =0000 00000000 0000ffff 00009300\n"
    "CS =07c0 00007c00 0000ffff 00009b00\n"
    "SS =0000 00000000 0000ffff 00009300\n"
    "DS =0000 00000000 0000ffff 00009300\n"
    "FS =0000 00000000 0000ffff 00009300\n"
    "GS =0000 00000000 0000ffff 00009300\n"
    "LDT=0000 00000000 0000ffff 00008200\n"
    "TR =0000 00000000 0000ffff 00008b00\n"
    "GDT=     00007c78 00000017\n"
    "IDT=     00000000 000003ff\n"
    "CR0=00000010 CR2=00000000 CR3=00000000 CR4=00000000\n"
    "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \n"
    "DR6=00000000ffff0ff0 DR7=0000000000000400\n"
    "EFER=0000000000000000\n"
    "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\n";

UNIT_TEST(segcache_keeps_the_real_mode_cs_until_the_far_jump)
{
    struct hvt_state read, st;
    struct segcache c = { 0 };
    CHECK(segcache_parse(dump_rm, &read) == 0);
    CHECK_EQ_U64(read.f[HVT_CS_BASE], 0x7c00);
    segcache_set(&c, &read);
    /* mov %eax,%cr0 (0f 22 c0) sets PE: CR0 changed, so read again; QEMU's
     * answer still holds CS base 7c00, 16-bit. */
    struct hvt_step mov_cr0 = { .st = read, .insn = { 0x0f, 0x22, 0xc0 }, .insn_len = 3,
                                .mode = HVT_MODE_16 };
    st = read;
    st.f[HVT_CR0] = 0x11;
    st.f[HVT_RIP] = 0x27;
    CHECK(segcache_stale(&c, &mov_cr0, &st));
    read.f[HVT_CR0] = 0x11;
    segcache_set(&c, &read);
    segcache_apply(&c, &mov_cr0, &st);
    CHECK_EQ_U64(hvt_state_mode(&st), HVT_MODE_16);
    CHECK_EQ_U64(st.f[HVT_CS_BASE], 0x7c00);
    /* mov $0x1234,%ax in that window: nothing to read. */
    struct hvt_step mov_ax = { .st = st, .insn = { 0xb8, 0x34, 0x12 }, .insn_len = 3,
                               .mode = HVT_MODE_16 };
    struct hvt_state next = st;
    next.f[HVT_RIP] = 0x2a;
    CHECK(!segcache_stale(&c, &mov_ax, &next));
    /* ljmpl $0x08,$pm32: a far transfer in protected mode: read again. */
    struct hvt_step ljmp = { .st = st, .insn = { 0x66, 0xea, 0x3a, 0x7c, 0, 0, 8, 0 },
                             .insn_len = 8, .mode = HVT_MODE_16 };
    next.f[HVT_CS_SEL] = 8;
    CHECK(segcache_stale(&c, &ljmp, &next));
}

/* The instructions and state changes that load GDTR/IDTR (or everything) in
 * any mode, real mode included (segcache.h): pmswitch.S's real-mode
 * `lgdtw` at step 27 was carried stale until the CR0 write at step 31. */
static int stale_after(const struct segcache *c, const struct hvt_state *before,
                       const uint8_t *insn, uint8_t len, const struct hvt_state *after)
{
    struct hvt_step s = { .st = *before, .insn_len = len, .mode = HVT_MODE_16 };
    memcpy(s.insn, insn, len);
    return segcache_stale(c, &s, after);
}

UNIT_TEST(segcache_reads_again_after_system_register_loads_in_real_mode)
{
    struct hvt_state read, next;
    struct segcache c = { 0 };
    CHECK(segcache_parse(dump_rm, &read) == 0);
    segcache_set(&c, &read);
    next = read;
    next.f[HVT_RIP] += 5;
    static const uint8_t lgdt[] = { 0x2e, 0x0f, 0x01, 0x16, 0x78, 0x7c };  /* lgdtw %cs:0x7c78 */
    static const uint8_t lidt[] = { 0x0f, 0x01, 0x1e, 0x00, 0x06 };        /* lidtw 0x600 */
    static const uint8_t lidt32[] = { 0x66, 0x0f, 0x01, 0x5e, 0x04 };      /* lidtl 4(%bp) */
    static const uint8_t rsm[] = { 0x0f, 0xaa };
    static const uint8_t vmrun[] = { 0x0f, 0x01, 0xd8 };
    static const uint8_t vmload[] = { 0x0f, 0x01, 0xda };
    static const uint8_t lldt[] = { 0x0f, 0x00, 0xd0 };                    /* lldt %ax */
    static const uint8_t ltr[] = { 0x0f, 0x00, 0xd8 };                     /* ltr %ax */
    static const uint8_t sgdt[] = { 0x0f, 0x01, 0x06, 0x00, 0x06 };        /* sgdtw 0x600 */
    static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9 };
    static const uint8_t mov_ax[] = { 0xb8, 0x34, 0x12 };
    CHECK(stale_after(&c, &read, lgdt, sizeof lgdt, &next));
    CHECK(stale_after(&c, &read, lidt, sizeof lidt, &next));
    CHECK(stale_after(&c, &read, lidt32, sizeof lidt32, &next));
    CHECK(stale_after(&c, &read, rsm, sizeof rsm, &next));
    CHECK(stale_after(&c, &read, vmrun, sizeof vmrun, &next));
    CHECK(stale_after(&c, &read, vmload, sizeof vmload, &next));
    CHECK(stale_after(&c, &read, lldt, sizeof lldt, &next));
    CHECK(stale_after(&c, &read, ltr, sizeof ltr, &next));
    CHECK(!stale_after(&c, &read, sgdt, sizeof sgdt, &next));     /* stores, loads nothing */
    CHECK(!stale_after(&c, &read, vmmcall, sizeof vmmcall, &next));
    CHECK(!stale_after(&c, &read, mov_ax, sizeof mov_ax, &next));
    /* A #VMEXIT is no instruction of the guest's: the host's CR3/CR4 in `g`
     * say it happened (AMD APM vol 2 15.6), as does a reset (SDM vol 3A 9.1.4). */
    struct hvt_state host = next;
    host.f[HVT_CR3] = 0x1824000;
    CHECK(stale_after(&c, &read, mov_ax, sizeof mov_ax, &host));
    host = next;
    host.f[HVT_CR4] = 0x20;
    CHECK(stale_after(&c, &read, mov_ax, sizeof mov_ax, &host));
    struct hvt_state reset = next;
    reset.f[HVT_CS_SEL] = 0xf000;
    reset.f[HVT_RIP] = 0xfff0;
    CHECK(stale_after(&c, &read, mov_ax, sizeof mov_ax, &reset));
}

UNIT_TEST(segcache_moves_real_mode_bases_without_a_read)
{
    struct hvt_state read, st;
    struct segcache c = { 0 };
    CHECK(segcache_parse(dump_rm, &read) == 0);
    segcache_set(&c, &read);
    struct hvt_step mov_es = { .st = read, .insn = { 0x8e, 0xc0 }, .insn_len = 2,
                               .mode = HVT_MODE_16 };
    st = read;
    st.f[HVT_ES_SEL] = 0x1000;
    CHECK(!segcache_stale(&c, &mov_es, &st));
    segcache_apply(&c, &mov_es, &st);
    CHECK_EQ_U64(st.f[HVT_ES_BASE], 0x10000);
    CHECK_EQ_U64(st.f[HVT_ES_LIMIT], 0xffff);
    CHECK(st.known & HVT_K_SEGDESC);
}

UNIT_TEST(segcache_far_jump_in_real_mode_reloads_cs_with_the_same_selector)
{
    /* Reset: CS f000 with base ffff0000 (SDM vol 3A 9.1.4) until the first far
     * jump, SeaBIOS's `ljmp $0xf000,$0xe05b`, which loads base f0000. */
    struct hvt_state read, st;
    struct segcache c = { 0 };
    CHECK(segcache_parse(dump_rm, &read) == 0);
    read.f[HVT_CS_SEL] = 0xf000;
    read.f[HVT_CS_BASE] = 0xffff0000;
    segcache_set(&c, &read);
    struct hvt_step ljmp = { .st = read, .insn = { 0xea, 0x5b, 0xe0, 0x00, 0xf0 },
                             .insn_len = 5, .mode = HVT_MODE_16 };
    st = read;
    st.f[HVT_RIP] = 0xe05b;
    CHECK(!segcache_stale(&c, &ljmp, &st));
    segcache_apply(&c, &ljmp, &st);
    CHECK_EQ_U64(st.f[HVT_CS_BASE], 0xf0000);
    CHECK_EQ_U64(hvt_state_pc(&st), 0xfe05b);
}

UNIT_MAIN()
