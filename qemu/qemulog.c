/*
 * qemulog: incremental parser of QEMU 7.2's x86 `-d cpu` text (see qemulog.h).
 *
 * The text is what target/i386/cpu-dump.c x86_cpu_dump_state prints: a block of
 * fixed lines that opens with EAX= (or RAX= when CS is 64-bit) and whose last
 * mandatory line is EFER=; FPU/SSE lines may follow with -d fpu.  QEMU writes a
 * block under its log lock and flushes it whole, so other categories (-d int,
 * exec, cpu_reset) only ever appear between blocks.
 *
 * Invariants: lines are handled only when complete (the unfinished tail of a
 * chunk waits in `carry`, at most QEMULOG_MAX_LINE bytes; a longer line is
 * dropped); a block reaches a callback only when every mandatory line was seen
 * exactly once, so a callback never sees a half-filled state; anything else is
 * counted, the first problem is kept as a message, and parsing goes on with the
 * next block.  No value is parsed with more than 16 hex digits.
 *
 * Not here: reading the pipe, deciding which states are steps of the recording
 * (phantom entries, --steps trimming): that is the engine's job.
 */
#include "qemu/qemulog.h"

#include <stdlib.h>
#include <string.h>

#include "common/hvt_error.h"

/* QEMU's longest x86 log lines (ZMM rows, Trace lines with a symbol) are well
 * under this; a longer line cannot be one we parse. */
#define QEMULOG_MAX_LINE 1024

/* The lines of a block, as bits of qemulog.seen. */
enum {
    L_GPR1 = 1u << 0, L_GPR2 = 1u << 1, L_R8 = 1u << 2, L_R12 = 1u << 3,
    L_IP = 1u << 4, L_SEG0 = 1u << 5, /* ES..GS: bits 5..10 */
    L_LDT = 1u << 11, L_TR = 1u << 12, L_GDT = 1u << 13, L_IDT = 1u << 14,
    L_CR = 1u << 15, L_DR0 = 1u << 16, L_DR6 = 1u << 17, L_CCS = 1u << 18,
};
#define L_SEGS   (0x3fu << 5)
#define L_NEEDED (L_GPR1 | L_GPR2 | L_IP | L_SEGS | L_GDT | L_IDT | L_CR)
#define L_WIDE   (L_R8 | L_R12)

/* HVT_K_CSBASE is implied by the descriptors and set too, so that a state from
 * the log says what the RSP engine's says of the same CPU (`known` equal). */
#define K_ALL (HVT_K_GPR | HVT_K_SEL | HVT_K_SEGDESC | HVT_K_CSBASE | HVT_K_CR | HVT_K_DT | HVT_K_SMM)

struct qemulog {
    qemulog_step_fn on_step;
    qemulog_event_fn on_event;
    void *priv;
    struct qemulog_cpu cpu[2];  /* cpu[cur] is being filled, cpu[!cur] = last step */
    int cur;
    int in_block;               /* an EAX=/RAX= line opened a block not yet closed */
    int discarding;             /* the rest of a bad block: dropped without counting */
    uint32_t seen;              /* L_* lines of the open block */
    struct qemulog_event pending;  /* event whose dump is the next block */
    int have_pending;
    int stopped;
    struct qemulog_stats stats;
    hvt_error err;
    size_t carry_len;
    int overlong;               /* dropping the rest of a too-long line */
    char carry[QEMULOG_MAX_LINE];
};

/* A line being consumed left to right. */
struct cursor { const char *p, *end; };

/* hex digit value + 1; 0 for every other byte */
static const uint8_t hexv[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13,
    ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13,
    ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Eight lowercase hex digits at p (QEMU prints %08x / %016" PRIx64), decoded
 * eight at a time: each byte is checked to be '0'-'9' or 'a'-'f' with
 * carry-free byte-wise additions (every byte is < 0x80 first), then the nibbles
 * are merged pairwise.  -1 if any byte is not such a digit. */
static int hex8(const char *p, uint64_t *out)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, 8);
    if (x & high)
        return -1;
    uint64_t digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x80 - '9' - 1));
    uint64_t lower = (x + ones * (0x80 - 'a')) & ~(x + ones * (0x80 - 'f' - 1));
    if (((digit | lower) & high) != high)
        return -1;
    x = (x & 0x0f0f0f0f0f0f0f0fu) + 9 * ((x >> 6) & ones);  /* byte i = digit i */
    x = ((x & 0x000f000f000f000fu) << 4) | ((x >> 8) & 0x000f000f000f000fu);
    x = ((x & 0x000000ff000000ffu) << 8) | ((x >> 16) & 0x000000ff000000ffu);
    *out = ((x & 0xffff) << 16) | ((x >> 32) & 0xffff);
    return 0;
}

static int hex_end(const struct cursor *c, const char *p)
{
    return p == c->end || !hexv[(unsigned char)*p];
}

/* 1..16 hex digits; the common 8 and 16 digit fields take the fast path. */
static int take_hex(struct cursor *c, uint64_t *out)
{
    uint64_t hi, lo;
    if (c->end - c->p >= 8 && hex8(c->p, &hi) == 0) {
        if (hex_end(c, c->p + 8)) {
            c->p += 8;
            *out = hi;
            return 0;
        }
        if (c->end - c->p >= 16 && hex8(c->p + 8, &lo) == 0 && hex_end(c, c->p + 16)) {
            c->p += 16;
            *out = hi << 32 | lo;
            return 0;
        }
    }
    const char *p = c->p;
    const char *lim = c->end - p > 17 ? p + 17 : c->end;
    uint64_t v = 0;
    while (p < lim && hexv[(unsigned char)*p]) {
        v = v << 4 | (uint64_t)(hexv[(unsigned char)*p] - 1);
        p++;
    }
    if (p == c->p || p - c->p > 16)
        return -1;
    c->p = p;
    *out = v;
    return 0;
}

static int take_lit(struct cursor *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return -1;
    c->p += n;
    return 0;
}
#define TAKE(c, s) take_lit((c), (s), sizeof(s) - 1)

static int take_dec(struct cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = c->p;
    while (p < c->end && p - c->p < 19 && *p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    if (p == c->p)
        return -1;
    c->p = p;
    *out = v;
    return 0;
}

/* ---- errors and delivery ---------------------------------------------- */

static void count_error(struct qemulog *q, const char *what)
{
    q->stats.errors++;
    hvt_error_set(&q->err, "line %llu: %s", (unsigned long long)q->stats.lines, what);
}

/* One error per bad block: its remaining lines are dropped silently. */
static void block_error(struct qemulog *q, const char *what)
{
    count_error(q, what);
    q->in_block = 0;
    q->discarding = 1;
}

static void deliver_event(struct qemulog *q, struct qemulog_event *ev)
{
    ev->nsteps = q->stats.steps;
    q->stats.events++;
    if (q->on_event && q->on_event(q->priv, ev))
        q->stopped = 1;
}

static void flush_pending(struct qemulog *q)
{
    if (!q->have_pending)
        return;
    q->have_pending = 0;
    deliver_event(q, &q->pending);
}

/* The EFER line closed a complete block: it is an event's dump or a step. */
static void block_done(struct qemulog *q)
{
    struct qemulog_cpu *c = &q->cpu[q->cur];
    c->st.known = K_ALL;
    if (q->have_pending) {
        q->have_pending = 0;
        q->pending.dump = c;
        deliver_event(q, &q->pending);
        return;
    }
    q->stats.steps++;
    if (q->on_step(q->priv, c))
        q->stopped = 1;
    q->cur = !q->cur;
}

/* ---- the lines of a block --------------------------------------------- */

/* "K0=hex K1=hex K2=hex K3=hex": GPR rows and the CR row. */
struct quad { char key[4][4]; uint8_t field[4]; uint32_t bit; };

static const struct quad quad_eax = {{"EAX", "EBX", "ECX", "EDX"},
    {HVT_RAX, HVT_RBX, HVT_RCX, HVT_RDX}, L_GPR1};
static const struct quad quad_rax = {{"RAX", "RBX", "RCX", "RDX"},
    {HVT_RAX, HVT_RBX, HVT_RCX, HVT_RDX}, L_GPR1};
static const struct quad quad_esi = {{"ESI", "EDI", "EBP", "ESP"},
    {HVT_RSI, HVT_RDI, HVT_RBP, HVT_RSP}, L_GPR2};
static const struct quad quad_rsi = {{"RSI", "RDI", "RBP", "RSP"},
    {HVT_RSI, HVT_RDI, HVT_RBP, HVT_RSP}, L_GPR2};
static const struct quad quad_r8 = {{"R8 ", "R9 ", "R10", "R11"},
    {HVT_R8, HVT_R9, HVT_R10, HVT_R11}, L_R8};
static const struct quad quad_r12 = {{"R12", "R13", "R14", "R15"},
    {HVT_R12, HVT_R13, HVT_R14, HVT_R15}, L_R12};
static const struct quad quad_cr = {{"CR0", "CR2", "CR3", "CR4"},
    {HVT_CR0, HVT_CR2, HVT_CR3, HVT_CR4}, L_CR};

static int parse_quad(struct qemulog_cpu *cpu, struct cursor *c, const struct quad *qd)
{
    for (int i = 0; i < 4; i++) {
        if (i && TAKE(c, " "))
            return -1;
        if (take_lit(c, qd->key[i], 3) || TAKE(c, "=") ||
            take_hex(c, &cpu->st.f[qd->field[i]]))
            return -1;
    }
    return c->p == c->end ? 0 : -1;
}

/* "EIP=hex EFL=hex [ODSZAPC] CPL=d II=d A20=d SMM=d HLT=d" (RIP=/RFL= when wide) */
static int parse_ip(struct qemulog_cpu *cpu, struct cursor *c)
{
    uint64_t cpl, ii, a20, smm, hlt;
    c->p += 4;   /* "EIP=" or "RIP=", checked by the dispatcher */
    if (take_hex(c, &cpu->st.f[HVT_RIP]) ||
        take_lit(c, cpu->wide ? " RFL=" : " EFL=", 5) ||
        take_hex(c, &cpu->st.f[HVT_EFLAGS]) || TAKE(c, " [") ||
        c->end - c->p < 8 || c->p[7] != ']')
        return -1;
    c->p += 8;
    if (TAKE(c, " CPL=") || take_hex(c, &cpl) || TAKE(c, " II=") || take_hex(c, &ii) ||
        TAKE(c, " A20=") || take_hex(c, &a20) || TAKE(c, " SMM=") ||
        take_hex(c, &smm) || TAKE(c, " HLT=") || take_hex(c, &hlt) || c->p != c->end)
        return -1;
    if (cpl > 3 || ii > 1 || a20 > 1 || smm > 1 || hlt > 1)
        return -1;
    cpu->cpl = (uint8_t)cpl;
    cpu->inhibit_irq = (uint8_t)ii;
    cpu->a20 = (uint8_t)a20;
    cpu->halted = (uint8_t)hlt;
    cpu->st.f[HVT_SMM] = smm;
    return 0;
}

/* "ES =sel base limit flags[ DPL=.. description]"; seg < 0 for LDT/TR, which
 * hvt_state does not keep but which must still be well formed. */
static int parse_seg(struct qemulog_cpu *cpu, struct cursor *c, int seg)
{
    uint64_t v[4];
    c->p += 4;
    for (int i = 0; i < 4; i++)
        if ((i && TAKE(c, " ")) || take_hex(c, &v[i]))
            return -1;
    if (c->p != c->end && *c->p != ' ')
        return -1;
    if (v[0] > 0xffff || v[2] > 0xffffffffu || v[3] > 0xffffffffu)
        return -1;
    if (seg >= 0) {
        cpu->st.f[HVT_ES_SEL + seg] = v[0];
        cpu->st.f[HVT_ES_BASE + seg] = v[1];
        cpu->st.f[HVT_ES_LIMIT + seg] = v[2];
        cpu->st.f[HVT_ES_ATTR + seg] = v[3];
    }
    return 0;
}

/* "GDT=     base limit" */
static int parse_dt(struct qemulog_cpu *cpu, struct cursor *c, int base_field)
{
    c->p += 4;
    while (c->p < c->end && *c->p == ' ')
        c->p++;
    if (take_hex(c, &cpu->st.f[base_field]) || TAKE(c, " ") ||
        take_hex(c, &cpu->st.f[base_field + 1]) || c->p != c->end)
        return -1;
    return 0;
}

/* "CCS=hex CCD=hex CCO=NAME" */
static int parse_cc(struct qemulog_cpu *cpu, struct cursor *c)
{
    c->p += 4;
    if (take_hex(c, &cpu->cc_src) || TAKE(c, " CCD=") || take_hex(c, &cpu->cc_dst) ||
        TAKE(c, " CCO=") || c->p == c->end)
        return -1;
    uint32_t h = 2166136261u;           /* FNV-1a: names only need to differ */
    for (; c->p < c->end; c->p++)
        h = (h ^ (uint8_t)*c->p) * 16777619u;
    cpu->cc_op = h;
    return 0;
}

/* ---- dispatch --------------------------------------------------------- */

static void block_open(struct qemulog *q, struct cursor *c, int wide)
{
    if (q->in_block)
        count_error(q, "state block without its EFER line");
    struct qemulog_cpu *cpu = &q->cpu[q->cur];
    memset(cpu, 0, sizeof *cpu);
    cpu->wide = (uint8_t)wide;
    q->in_block = 1;
    q->discarding = 0;
    q->seen = L_GPR1;
    if (parse_quad(cpu, c, wide ? &quad_rax : &quad_eax))
        block_error(q, "malformed EAX/RAX line");
}

static void block_close(struct qemulog *q, struct cursor *c)
{
    struct qemulog_cpu *cpu = &q->cpu[q->cur];
    uint32_t need = L_NEEDED | (cpu->wide ? L_WIDE : 0);
    if (!q->in_block) {
        if (!q->discarding)
            count_error(q, "EFER line outside a state block");
        q->discarding = 0;
        return;
    }
    q->in_block = 0;
    c->p += 5;
    if (take_hex(c, &cpu->st.f[HVT_EFER]) || c->p != c->end)
        count_error(q, "malformed EFER line");
    else if ((q->seen & need) != need)
        count_error(q, "state block lacks mandatory lines");
    else
        block_done(q);
}

/* Which block line this is (its L_* bit), 0 if none; *seg gets the segment. */
static uint32_t block_line_kind(const char *p, size_t n, int *seg)
{
    static const char segs[6][4] = {"ES =", "CS =", "SS =", "DS =", "FS =", "GS ="};
    if (n < 4)
        return 0;
    for (int i = 0; i < 6; i++)
        if (memcmp(p, segs[i], 4) == 0) {
            *seg = i;
            return L_SEG0 << i;
        }
    static const struct { char k[5]; uint32_t bit; } other[] = {
        {"ESI=", L_GPR2}, {"RSI=", L_GPR2}, {"R8 =", L_R8}, {"R12=", L_R12},
        {"EIP=", L_IP}, {"RIP=", L_IP}, {"LDT=", L_LDT}, {"TR =", L_TR},
        {"GDT=", L_GDT}, {"IDT=", L_IDT}, {"CR0=", L_CR}, {"DR0=", L_DR0},
        {"DR6=", L_DR6}, {"CCS=", L_CCS},
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (memcmp(p, other[i].k, 4) == 0)
            return other[i].bit;
    return 0;
}

static int parse_block_line(struct qemulog_cpu *cpu, struct cursor *c, uint32_t kind,
                            int seg)
{
    switch (kind) {
    case L_GPR2: return parse_quad(cpu, c, cpu->wide ? &quad_rsi : &quad_esi);
    case L_R8:   return cpu->wide ? parse_quad(cpu, c, &quad_r8) : -1;
    case L_R12:  return cpu->wide ? parse_quad(cpu, c, &quad_r12) : -1;
    case L_IP:   return (c->p[0] == 'R') == cpu->wide ? parse_ip(cpu, c) : -1;
    case L_LDT:
    case L_TR:   return parse_seg(cpu, c, -1);
    case L_GDT:  return parse_dt(cpu, c, HVT_GDTR_BASE);
    case L_IDT:  return parse_dt(cpu, c, HVT_IDTR_BASE);
    case L_CR:   return parse_quad(cpu, c, &quad_cr);
    case L_CCS:  return parse_cc(cpu, c);
    case L_DR0:
    case L_DR6:  return 0;     /* debug registers: not part of hvt_state */
    default:     return parse_seg(cpu, c, seg);
    }
}

/* A line inside a block (or a stray one); returns 0 if it is not a block line. */
static int block_line(struct qemulog *q, const char *p, size_t n)
{
    int seg = 0;
    uint32_t kind = block_line_kind(p, n, &seg);
    if (!kind)
        return 0;
    if (!q->in_block) {
        if (!q->discarding)
            block_error(q, "state line outside a state block");
        return 1;
    }
    struct cursor c = { p, p + n };
    if (q->seen & kind)
        block_error(q, "state line repeated within one block");
    else if (parse_block_line(&q->cpu[q->cur], &c, kind, seg))
        block_error(q, "malformed state line");
    else
        q->seen |= kind;
    return 1;
}

/* ---- lines of other -d categories -------------------------------------- */

static void event_now(struct qemulog *q, struct qemulog_event *ev)
{
    flush_pending(q);
    if (!q->stopped)
        deliver_event(q, ev);
}

static void event_with_dump(struct qemulog *q, const struct qemulog_event *ev)
{
    flush_pending(q);
    q->pending = *ev;
    q->have_pending = 1;
}

/* "%6d: v=%02x e=%04x i=%d cpl=%d IP=%04x:eip pc=.. SP=.." (seg_helper.c
 * do_interrupt_all, protected mode only; a state dump follows). */
static int parse_interrupt(struct qemulog_event *ev, struct cursor *c)
{
    uint64_t count, v, e, i, cpl, cs;
    while (c->p < c->end && *c->p == ' ')
        c->p++;
    if (take_dec(c, &count) || TAKE(c, ": v=") || take_hex(c, &v) || TAKE(c, " e=") ||
        take_hex(c, &e) || TAKE(c, " i=") || take_hex(c, &i) || TAKE(c, " cpl=") ||
        take_hex(c, &cpl) || TAKE(c, " IP=") || take_hex(c, &cs) || TAKE(c, ":") ||
        take_hex(c, &ev->eip) || v > 0xff || cs > 0xffff || e > 0xffffffffu)
        return -1;
    ev->vector = (int)v;
    ev->error_code = (uint32_t)e;
    ev->is_int = i != 0;
    ev->cs = (uint16_t)cs;
    return 0;
}

static int parse_check_exception(struct qemulog_event *ev, struct cursor *c)
{
    uint64_t o, n;
    if (TAKE(c, "check_exception old: 0x") || take_hex(c, &o) || TAKE(c, " new 0x") ||
        take_hex(c, &n) || (o > 0xffff && o != 0xffffffff) || n > 0xffff)
        return -1;
    ev->old_vector = o == 0xffffffff ? -1 : (int)o;  /* QEMU prints "none" as -1 */
    ev->vector = (int)n;
    return 0;
}

/* -d in_asm with Capstone (QEMU disas/capstone.c): "0x%08x:  " + "%02x " per
 * byte, padding, then the mnemonic.  Bytes end at a double space. */
static int parse_code(struct qemulog_event *ev, struct cursor *c)
{
    if (TAKE(c, "0x") || take_hex(c, &ev->eip) || TAKE(c, ":  "))
        return -1;
    ev->code_len = 0;
    while (c->end - c->p >= 3 && hexv[(uint8_t)c->p[0]] && hexv[(uint8_t)c->p[1]] &&
           c->p[2] == ' ' && ev->code_len < sizeof ev->code) {
        ev->code[ev->code_len++] = (uint8_t)((hexv[(uint8_t)c->p[0]] - 1) << 4 |
                                             (hexv[(uint8_t)c->p[1]] - 1));
        c->p += 3;
        if (c->p < c->end && *c->p == ' ')
            break;
    }
    /* QEMU (disas/capstone.c) prints at most 8 bytes a line; the rest follow on
     * lines of their own, at their address, with no mnemonic. */
    if (c->end - c->p == 2 && hexv[(uint8_t)c->p[0]] && hexv[(uint8_t)c->p[1]] &&
        ev->code_len < sizeof ev->code) {
        ev->code[ev->code_len++] = (uint8_t)((hexv[(uint8_t)c->p[0]] - 1) << 4 |
                                             (hexv[(uint8_t)c->p[1]] - 1));
        c->p += 2;
    }
    while (c->p < c->end && *c->p == ' ')
        c->p++;
    ev->code_more = c->p == c->end;
    return ev->code_len ? 0 : -1;
}

/* "0x7fbda015af80 [00000000000f7aef] sym" (accel/tcg/cpu-exec.c cpu_tb_exec):
 * the host address of the TB, then its linear PC (8 digits on i386). */
static int parse_tb_stopped(struct qemulog_event *ev, struct cursor *c)
{
    while (c->p < c->end && *c->p != '[')
        c->p++;
    if (TAKE(c, "[") || take_hex(c, &ev->eip) || TAKE(c, "]"))
        return -1;
    return 0;
}

/* Returns 1 if the line was an event line (delivered or malformed), else 0. */
static int event_line(struct qemulog *q, const char *p, size_t n)
{
    struct qemulog_event ev = { .vector = -1, .old_vector = -1 };
    struct cursor c = { p, p + n };
    uint64_t v;
    if (TAKE(&c, "Servicing hardware INT=0x") == 0) {
        if (take_hex(&c, &v) || v > 0xff)
            return count_error(q, "malformed hardware interrupt line"), 1;
        ev.kind = QEMULOG_EV_HWINT;
        ev.vector = (int)v;
        event_now(q, &ev);
    } else if (n >= 15 && memcmp(p, "check_exception", 15) == 0) {
        if (parse_check_exception(&ev, &c))
            return count_error(q, "malformed check_exception line"), 1;
        ev.kind = QEMULOG_EV_CHECK_EXCEPTION;
        event_now(q, &ev);
    } else if (TAKE(&c, "Stopped execution of TB chain before ") == 0) {
        if (parse_tb_stopped(&ev, &c))
            return count_error(q, "malformed 'Stopped execution' line"), 1;
        ev.kind = QEMULOG_EV_TB_ABANDONED;
        event_now(q, &ev);
    } else if (TAKE(&c, "cpu_io_recompile: rewound execution of TB to ") == 0) {
        if (take_hex(&c, &ev.eip))
            return count_error(q, "malformed 'cpu_io_recompile' line"), 1;
        ev.kind = QEMULOG_EV_TB_ABANDONED;
        event_now(q, &ev);
    } else if (n == 12 && memcmp(p, "Triple fault", 12) == 0) {
        ev.kind = QEMULOG_EV_TRIPLE_FAULT;
        event_now(q, &ev);
    } else if (n == 10 && memcmp(p, "SMM: enter", 10) == 0) {
        ev.kind = QEMULOG_EV_SMM_ENTER;
        event_with_dump(q, &ev);
    } else if (n == 14 && memcmp(p, "SMM: after RSM", 14) == 0) {
        ev.kind = QEMULOG_EV_SMM_RSM;
        event_with_dump(q, &ev);
    } else if (TAKE(&c, "CPU Reset (CPU ") == 0) {
        ev.kind = QEMULOG_EV_RESET;
        event_with_dump(q, &ev);
    } else if (n > 6 && memcmp(p, "vmrun!", 6) == 0) {
        ev.kind = QEMULOG_EV_WORLD_SWITCH;
        event_now(q, &ev);
    } else if (TAKE(&c, "vmexit(") == 0) {      /* (code, info1, info2, eip)! */
        uint64_t info;
        if (take_hex(&c, &v) || TAKE(&c, ", ") || take_hex(&c, &info) || TAKE(&c, ", ") ||
            take_hex(&c, &info) || TAKE(&c, ", ") || take_hex(&c, &ev.eip))
            return count_error(q, "malformed vmexit line"), 1;
        ev.kind = QEMULOG_EV_WORLD_SWITCH;
        ev.vector = (int)(v & 0xffffffffu);
        event_now(q, &ev);
    } else if (n > 12 && p[0] == '0' && p[1] == 'x' && parse_code(&ev, &c) == 0) {
        ev.kind = QEMULOG_EV_CODE;
        event_now(q, &ev);
    } else if (c.p = p, parse_interrupt(&ev, &c) == 0) {
        ev.kind = QEMULOG_EV_INTERRUPT;
        event_with_dump(q, &ev);
    } else {
        return 0;
    }
    return 1;
}

static void handle_line(struct qemulog *q, const char *p, size_t n)
{
    q->stats.lines++;
    if (n && p[n - 1] == '\r')
        n--;
    if (n >= 4 && (memcmp(p, "EAX=", 4) == 0 || memcmp(p, "RAX=", 4) == 0)) {
        struct cursor c = { p, p + n };
        block_open(q, &c, p[0] == 'R');
    } else if (n >= 5 && memcmp(p, "EFER=", 5) == 0) {
        struct cursor c = { p, p + n };
        block_close(q, &c);
    } else if (block_line(q, p, n)) {
        /* handled */
    } else if (q->in_block) {
        block_error(q, "unexpected line inside a state block");
    } else if (event_line(q, p, n)) {
        q->discarding = 0;
    } else {
        q->stats.skipped++;     /* FPU rows, -d exec "Trace", anything else */
    }
}

/* ---- streaming -------------------------------------------------------- */

/* Append up to the next newline to the carried partial line; returns bytes
 * consumed, and sets *done when the line is complete. */
static size_t carry_more(struct qemulog *q, const char *buf, size_t len, int *done)
{
    const char *nl = memchr(buf, '\n', len);
    size_t take = nl ? (size_t)(nl - buf) : len;
    if (!q->overlong && q->carry_len + take <= sizeof q->carry) {
        memcpy(q->carry + q->carry_len, buf, take);
        q->carry_len += take;
    } else {
        q->overlong = 1;
    }
    *done = nl != NULL;
    return nl ? take + 1 : take;
}

/* A line longer than QEMULOG_MAX_LINE is dropped whether it arrived whole or
 * in pieces, so that the result never depends on how the stream was cut. */
static void overlong_line(struct qemulog *q)
{
    q->stats.lines++;
    if (q->in_block)
        block_error(q, "overlong line inside a state block");
    else
        q->stats.skipped++;
}

static void carry_line_done(struct qemulog *q)
{
    if (q->overlong)
        overlong_line(q);
    else
        handle_line(q, q->carry, q->carry_len);
    q->carry_len = 0;
    q->overlong = 0;
}

int qemulog_feed(struct qemulog *q, const void *data, size_t len)
{
    const char *buf = data;
    while (len && !q->stopped) {
        if (q->carry_len || q->overlong) {
            int done;
            size_t used = carry_more(q, buf, len, &done);
            buf += used;
            len -= used;
            if (done)
                carry_line_done(q);
            continue;
        }
        const char *nl = memchr(buf, '\n', len);
        if (!nl) {
            int done;
            carry_more(q, buf, len, &done);
            break;
        }
        if ((size_t)(nl - buf) > QEMULOG_MAX_LINE)
            overlong_line(q);
        else
            handle_line(q, buf, (size_t)(nl - buf));
        len -= (size_t)(nl - buf) + 1;
        buf = nl + 1;
    }
    return q->stopped;
}

int qemulog_finish(struct qemulog *q)
{
    if (!q->stopped && (q->carry_len || q->overlong))
        carry_line_done(q);
    if (!q->stopped && q->in_block)
        block_error(q, "log ends inside a state block");
    if (!q->stopped)
        flush_pending(q);
    return q->stopped;
}

struct qemulog *qemulog_new(qemulog_step_fn on_step, qemulog_event_fn on_event,
                            void *priv)
{
    struct qemulog *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->on_step = on_step;
    q->on_event = on_event;
    q->priv = priv;
    return q;
}

void qemulog_free(struct qemulog *q)
{
    free(q);
}

const struct qemulog_stats *qemulog_stats(const struct qemulog *q)
{
    return &q->stats;
}

const char *qemulog_first_error(const struct qemulog *q)
{
    return q->err.msg;
}
