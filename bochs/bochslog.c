/*
 * bochslog: Bochs 2.7 debugger text -> executed instructions with their state
 * and memory accesses.  The formats and the step rule are in bochslog.h.
 *
 * Line-oriented: bytes are gathered into one line buffer (a pipe cuts anywhere);
 * each complete line is classified by its start and parsed with strict helpers.
 * Invariant: `pend` is the latest state (valid when have_pend); accesses go to
 * it; it is delivered, with them, only when a state with another tick arrives.
 * Nothing here allocates after bochslog_new.
 */
#include "bochs/bochslog.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NGPR_LINES 18           /* rax..r15, rip, eflags */

struct bochslog {
    bochslog_step_fn on_step;
    void *priv;
    char line[BOCHSLOG_MAX_LINE + 1];
    size_t len;
    int overlong;               /* the current line passed BOCHSLOG_MAX_LINE */
    int stopped;

    uint64_t regs[HVT_NFIELDS]; /* GPR dump in progress (RAX..R15, RIP, EFLAGS) */
    uint32_t regs_seen;         /* bit per dump line seen since "CPU0:" */
    int in_dump;
    uint64_t next_tick;         /* from "Next at t=" */
    int have_next_tick;

    struct hvt_state sys;       /* selectors, descriptors, CRs, DTs of the last sreg/creg */
    int seg_last;               /* segment of the last sreg line (its text line follows) */

    struct bochslog_step pend;
    struct bochslog_mem mem[BOCHSLOG_MAX_MEM];
    int have_pend;

    uint64_t prompt;            /* a trailing "<bochs:N> " */
    struct bochslog_stats stats;
    char first_error[160];
};

static int bl_error(struct bochslog *p, const char *fmt, ...)
{
    p->stats.errors++;
    if (!p->first_error[0]) {
        int n = snprintf(p->first_error, sizeof p->first_error, "line %llu: ",
                         (unsigned long long)p->stats.lines);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->first_error + n, sizeof p->first_error - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* ---- small strict readers ---- */

/* Hex digits at *s (at most 16, at least 1), '_' allowed between them. */
static int rd_hex(const char **s, uint64_t *v)
{
    const char *q = *s;
    int digits = 0;
    *v = 0;
    for (;; q++) {
        int c = (unsigned char)*q, d;
        if (c == '_' && digits)
            continue;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else break;
        if (++digits > 16)
            return -1;
        *v = *v << 4 | (uint64_t)d;
    }
    if (!digits)
        return -1;
    *s = q;
    return digits;
}

static int rd_lit(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n))
        return -1;
    *s += n;
    return 0;
}

/* "0x" + hex. */
static int rd_0x(const char **s, uint64_t *v)
{
    return rd_lit(s, "0x") || rd_hex(s, v) < 0 ? -1 : 0;
}

static int rd_dec(const char **s, uint64_t *v)
{
    const char *q = *s;
    *v = 0;
    if (!isdigit((unsigned char)*q))
        return -1;
    for (; isdigit((unsigned char)*q); q++) {
        if (*v > UINT64_MAX / 10)
            return -1;
        *v = *v * 10 + (uint64_t)(*q - '0');
    }
    *s = q;
    return 0;
}

/* ---- states ---- */

static int deliver(struct bochslog *p)
{
    if (!p->have_pend)
        return 0;
    p->have_pend = 0;
    p->stats.steps++;
    if (p->on_step(p->priv, &p->pend))
        p->stopped = 1;
    return 0;
}

/* Apply the last sreg/creg values to a state, keeping its own CS. */
static void merge_sys(struct bochslog_step *s, const struct hvt_state *sys)
{
    for (int f = HVT_ES_SEL; f < HVT_NFIELDS; f++) {
        if (f == HVT_CS_SEL || f == HVT_CS_BASE)
            continue;
        int g = hvt_field_group(f);
        if (sys->known & (uint32_t)g)
            s->st.f[f] = sys->f[f];
    }
    s->st.known |= sys->known & (HVT_K_SEGDESC | HVT_K_CR | HVT_K_DT);
    if (!(sys->known & HVT_K_SEGDESC))
        s->st.known &= ~HVT_K_SEL;      /* only CS's selector is known */
}

/* " ; fa" / " ; ea067c0000": the instruction bytes at the end of a display. */
static int parse_bytes(const char *s, struct bochslog_step *st)
{
    st->insn_len = 0;
    while (*s && st->insn_len < sizeof st->insn) {
        uint64_t v;
        const char *q = s;
        if (!isxdigit((unsigned char)q[0]) || !isxdigit((unsigned char)q[1]))
            break;
        char two[3] = { q[0], q[1], 0 };
        const char *t = two;
        rd_hex(&t, &v);
        st->insn[st->insn_len++] = (uint8_t)v;
        s += 2;
    }
    while (*s == ' ')
        s++;
    return *s ? -1 : 0;
}

/* The part after "(0)" / "(0).[T]": " [0xLIN] SEL:OFF (ctx): disasm ; bytes". */
static int parse_display(struct bochslog *p, const char *s, struct bochslog_step *st)
{
    uint64_t sel, off;
    const char *q = s;
    if (rd_lit(&q, " [") || rd_0x(&q, &st->linear) || rd_lit(&q, "] ") ||
        rd_hex(&q, &sel) != 4 || rd_lit(&q, ":"))
        return -1;
    int d = rd_hex(&q, &off);
    if ((d != 4 && d != 16) || rd_lit(&q, " ("))
        return -1;
    const char *close = strstr(q, "): ");
    const char *semi = close ? strstr(close, " ; ") : NULL;
    for (const char *t = semi; t; t = strstr(t + 1, " ; "))
        semi = t;               /* the last " ; ": disassembly may hold one */
    if (!close || !semi)
        return -1;
    if (parse_bytes(semi + 3, st))
        return -1;
    const char *dis = close + 3;
    size_t n = (size_t)(semi - dis);
    while (n && dis[n - 1] == ' ')
        n--;
    if (n >= sizeof st->disasm)
        n = sizeof st->disasm - 1;
    memcpy(st->disasm, dis, n);
    st->disasm[n] = 0;
    st->pmode_form = d == 16;
    st->st.f[HVT_CS_SEL] = sel;
    return off == st->st.f[HVT_RIP] || (d == 4 && off == (st->st.f[HVT_RIP] & 0xffff)) ? 0 : -1;
}

/* "(0) [..." or "(0).[T] [...": a state, if a full register dump preceded it. */
static int on_display(struct bochslog *p, const char *s)
{
    uint64_t tick;
    const char *q = s + 3;
    if (*q == '.') {
        q++;
        if (rd_lit(&q, "[") || rd_dec(&q, &tick) || rd_lit(&q, "]"))
            return bl_error(p, "bad trace display");
    } else if (p->have_next_tick) {
        tick = p->next_tick;
    } else {
        return bl_error(p, "display without a tick");
    }
    p->have_next_tick = 0;
    if (p->regs_seen != (1u << NGPR_LINES) - 1) {
        p->in_dump = 0;
        p->regs_seen = 0;
        return bl_error(p, "display without registers (is trace-reg on?)");
    }
    struct bochslog_step st = { .tick = tick };
    memcpy(st.st.f, p->regs, sizeof st.st.f);
    st.st.known = HVT_K_GPR;
    p->regs_seen = 0;
    if (parse_display(p, q, &st))
        return bl_error(p, "bad instruction display");
    st.st.f[HVT_CS_BASE] = st.linear - st.st.f[HVT_RIP];
    st.st.known |= HVT_K_SEL | HVT_K_CSBASE;
    if (p->have_pend && p->pend.tick == tick) {
        st.fresh = p->pend.fresh;   /* the same state, displayed again */
        st.nmem = p->pend.nmem;
        st.mem_dropped = p->pend.mem_dropped;
    } else {
        deliver(p);
    }
    merge_sys(&st, &p->sys);
    st.mem = p->mem;
    p->pend = st;
    p->have_pend = 1;
    return 0;
}

/* ---- register dump ---- */

static int on_reg_line(struct bochslog *p, const char *s)
{
    static const char names[16][4] = { "rax", "rbx", "rcx", "rdx", "rsp", "rbp", "rsi",
                                       "rdi", "r8 ", "r9 ", "r10", "r11", "r12", "r13",
                                       "r14", "r15" };
    static const int fields[16] = { HVT_RAX, HVT_RBX, HVT_RCX, HVT_RDX, HVT_RSP, HVT_RBP,
                                    HVT_RSI, HVT_RDI, HVT_R8, HVT_R9, HVT_R10, HVT_R11,
                                    HVT_R12, HVT_R13, HVT_R14, HVT_R15 };
    uint64_t v;
    const char *q = s + 5;
    int idx = -1, field = -1;
    if (!strncmp(s, "rip: ", 5)) {
        idx = 16, field = HVT_RIP;
    } else if (!strncmp(s, "eflags 0x", 9)) {
        idx = 17, field = HVT_EFLAGS, q = s + 7;
    } else {
        for (int i = 0; i < 16; i++)
            if (!strncmp(s, names[i], 3) && s[3] == ':')
                idx = i, field = fields[i];
    }
    if (idx < 0)
        return 1;               /* not a register line */
    if (field == HVT_EFLAGS ? rd_0x(&q, &v) : rd_hex(&q, &v) != 16)
        return bl_error(p, "bad register line"), 0;
    p->regs[field] = v;
    p->regs_seen |= 1u << idx;
    if (idx == 17)
        p->in_dump = 0;
    return 0;
}

/* ---- memory accesses ---- */

/* After "): ": the value as Bochs printed it, into a little-endian number. */
static int parse_value(const char *s, uint32_t len, struct bochslog_mem *m)
{
    uint64_t hi, lo;
    if (len == 1 || len == 2 || len == 4)
        return rd_lit(&s, ": ") || rd_0x(&s, &m->value) ? -1 : (m->has_value = 1, 0);
    if (len == 8) {
        if (rd_lit(&s, ": ") || rd_0x(&s, &hi) || rd_lit(&s, " ") || rd_0x(&s, &lo))
            return -1;
        m->value = hi << 32 | (lo & 0xffffffffu);
        m->has_value = 1;
        return 0;
    }
    if (len > 8)
        return 0;               /* SSE/AVX data: length and addresses only */
    m->value = 0;               /* other lengths: " %02x" bytes, high first */
    for (uint32_t i = 0; i < len; i++) {
        uint64_t b;
        if (rd_lit(&s, " ") || rd_hex(&s, &b) != 2)
            return -1;
        m->value = m->value << 8 | b;
    }
    m->has_value = 1;
    return 0;
}

static int on_mem(struct bochslog *p, const char *s)
{
    static const char *const rws[] = { "RD]", "WR]", "EX]", "RW]", "SR]", "SW]", "--]", "SRW]" };
    struct bochslog_mem m = { 0 };
    uint64_t len;
    const char *q = s + 6;      /* after "[CPU0 " */
    int rw = -1;
    for (int i = 0; i < 8 && rw < 0; i++)
        if (!rd_lit(&q, rws[i]))
            rw = i;
    if (rw < 0 || rd_lit(&q, ": "))
        return bl_error(p, "bad memory access line");
    if (!rd_lit(&q, "LIN ")) {
        if (rd_0x(&q, &m.lin) || rd_lit(&q, " "))
            return bl_error(p, "bad memory access line");
        m.has_lin = 1;
    }
    if (rd_lit(&q, "PHY ") || rd_0x(&q, &m.phys) || rd_lit(&q, " (len=") ||
        rd_dec(&q, &len) || len == 0 || len > 64 || !(q = strchr(q, ')')))
        return bl_error(p, "bad memory access line");
    m.len = (uint32_t)len;
    m.rw = (uint8_t)rw;
    if (parse_value(q + 1, m.len, &m))
        return bl_error(p, "bad memory access value");
    p->stats.mem++;
    if (!p->have_pend)
        return p->stats.skipped++, 0;   /* before any state: not attributable */
    if (p->pend.nmem == BOCHSLOG_MAX_MEM)
        return p->pend.mem_dropped++, 0;
    p->mem[p->pend.nmem++] = m;
    return 0;
}

/* ---- sreg / creg ---- */

static void set_sys(struct bochslog *p, int field, uint64_t v, uint32_t group)
{
    p->sys.f[field] = v;
    p->sys.known |= group;
    if (p->have_pend) {
        p->pend.st.f[field] = v;
        p->pend.st.known |= group;
    }
}

/* A segment descriptor's base and limit from its high and low dwords (Intel
 * SDM vol 3, 3.4.5; G set: the limit counts 4 KiB units). */
static void desc_decode(uint64_t dh, uint64_t dl, uint64_t *base, uint64_t *limit)
{
    *base = (dl >> 16) | (dh & 0xff) << 16 | (dh & 0xff000000u);
    *limit = (dl & 0xffff) | (dh & 0xf0000);
    if (dh & (1u << 23))
        *limit = *limit << 12 | 0xfff;
}

/* "es:0x0000, dh=0x00009300, dl=0x0000ffff, valid=1": base and limit from the
 * descriptor dwords (Intel SDM vol 3, 3.4.5), refined by the text line after. */
static int on_sreg(struct bochslog *p, const char *s, int seg)
{
    uint64_t sel, dh, dl, valid;
    const char *q = s + 3;
    if (rd_0x(&q, &sel) || rd_lit(&q, ", dh=") || rd_0x(&q, &dh) || rd_lit(&q, ", dl=") ||
        rd_0x(&q, &dl) || rd_lit(&q, ", valid=") || rd_dec(&q, &valid) || sel > 0xffff)
        return bl_error(p, "bad segment line");
    uint64_t base, limit;
    desc_decode(dh, dl, &base, &limit);
    if (seg != HVT_CS)          /* CS comes from each display */
        set_sys(p, HVT_ES_SEL + seg, sel, HVT_K_SEL);
    set_sys(p, HVT_ES_BASE + seg, base, HVT_K_SEGDESC);
    set_sys(p, HVT_ES_LIMIT + seg, limit, HVT_K_SEGDESC);
    set_sys(p, HVT_ES_ATTR + seg, dh & 0x00ffff00u, HVT_K_SEGDESC);
    p->seg_last = seg;
    if (seg == HVT_GS && p->have_pend)
        p->pend.fresh |= 1;     /* half of fresh: sreg seen (creg sets 2) */
    return 0;
}

/* "\tData segment, base=0x00000000, limit=0x0000ffff, ...": Bochs' own reading
 * (the 64-bit FS/GS bases do not fit the descriptor). */
static int on_desc_text(struct bochslog *p, const char *s, int seg)
{
    uint64_t base, limit;
    const char *b = strstr(s, "base=0x"), *l = strstr(s, "limit=0x");
    if (seg < 0 || !b || !l)
        return p->stats.skipped++, 0;
    b += 5, l += 6;
    if (rd_0x(&b, &base) || rd_0x(&l, &limit))
        return bl_error(p, "bad descriptor text");
    if (seg != HVT_CS) {
        set_sys(p, HVT_ES_BASE + seg, base, HVT_K_SEGDESC);
        set_sys(p, HVT_ES_LIMIT + seg, limit, HVT_K_SEGDESC);
    }
    return 0;
}

static int on_dtr(struct bochslog *p, const char *s, int base_field)
{
    uint64_t base, limit;
    const char *q = s + 5;
    if (rd_lit(&q, "base=") || rd_0x(&q, &base) || rd_lit(&q, ", limit=") || rd_0x(&q, &limit))
        return bl_error(p, "bad descriptor-table line");
    set_sys(p, base_field, base, HVT_K_DT);
    set_sys(p, base_field + 1, limit, HVT_K_DT);
    return 0;
}

static int on_creg(struct bochslog *p, const char *s)
{
    static const struct { const char *pre; int field; } cr[] = {
        { "CR0=", HVT_CR0 }, { "CR2=page fault laddr=", HVT_CR2 }, { "CR3=", HVT_CR3 },
        { "CR4=", HVT_CR4 }, { "EFER=", HVT_EFER },
    };
    for (size_t i = 0; i < sizeof cr / sizeof cr[0]; i++) {
        const char *q = s;
        uint64_t v;
        if (rd_lit(&q, cr[i].pre))
            continue;
        if (rd_0x(&q, &v))
            return bl_error(p, "bad control register line");
        set_sys(p, cr[i].field, v, HVT_K_CR);
        if (cr[i].field == HVT_EFER && p->have_pend && (p->pend.fresh & 1))
            p->pend.fresh = 3;
        return 0;
    }
    return p->stats.skipped++, 0;
}

/* ---- lines ---- */

static int strip_prompt(struct bochslog *p, const char **s)
{
    const char *q = *s;
    uint64_t n;
    if (rd_lit(&q, "<bochs:") || rd_dec(&q, &n) || rd_lit(&q, "> "))
        return 0;
    *s = q;
    return 1;
}

static void parse_line(struct bochslog *p, const char *s)
{
    static const char *const segs[] = { "es:", "cs:", "ss:", "ds:", "fs:", "gs:" };
    int seg_last = p->seg_last;
    p->seg_last = -1;
    p->stats.lines++;
    if (strip_prompt(p, &s))
        return;                 /* an echoed command */
    if (!strcmp(s, "CPU0:")) {
        p->in_dump = 1;
        p->regs_seen = 0;
        return;
    }
    if (p->in_dump && on_reg_line(p, s) == 0)
        return;
    if (!strncmp(s, "Next at t=", 10)) {
        const char *q = s + 10;
        if (rd_dec(&q, &p->next_tick) || *q)
            bl_error(p, "bad Next at line");
        else
            p->have_next_tick = 1;
        return;
    }
    if (!strncmp(s, "(0) [", 5) || !strncmp(s, "(0).[", 5)) {
        on_display(p, s);
        return;
    }
    if (!strncmp(s, "[CPU0 ", 6)) {
        on_mem(p, s);
        return;
    }
    for (int i = 0; i < HVT_NSEG; i++)
        if (!strncmp(s, segs[i], 3) && s[3] == '0') {
            on_sreg(p, s, i);
            return;
        }
    if (s[0] == '\t') {
        on_desc_text(p, s, seg_last);
        return;
    }
    if (!strncmp(s, "gdtr:", 5) || !strncmp(s, "idtr:", 5)) {
        on_dtr(p, s, s[0] == 'g' ? HVT_GDTR_BASE : HVT_IDTR_BASE);
        return;
    }
    on_creg(p, s);
}

/* ---- feeding ---- */

struct bochslog *bochslog_new(bochslog_step_fn on_step, void *priv)
{
    struct bochslog *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->on_step = on_step;
    p->priv = priv;
    p->seg_last = -1;
    return p;
}

void bochslog_free(struct bochslog *p)
{
    free(p);
}

static void end_line(struct bochslog *p)
{
    if (p->overlong) {
        p->stats.lines++;
        bl_error(p, "line longer than %d bytes", BOCHSLOG_MAX_LINE);
    } else {
        p->line[p->len] = 0;
        if (p->len && p->line[p->len - 1] == '\r')
            p->line[p->len - 1] = 0;
        parse_line(p, p->line);
    }
    p->len = 0;
    p->line[0] = 0;
    p->overlong = 0;
}

int bochslog_feed(struct bochslog *p, const void *buf, size_t len)
{
    const char *b = buf;
    for (size_t i = 0; i < len && !p->stopped; i++) {
        if (b[i] == '\n') {
            end_line(p);
            continue;
        }
        if (p->len < BOCHSLOG_MAX_LINE && b[i]) {
            p->line[p->len++] = b[i];
            p->line[p->len] = 0;    /* bochslog_prompt reads the partial line */
        } else
            p->overlong = 1;
    }
    return p->stopped;
}

int bochslog_finish(struct bochslog *p)
{
    if (!p->stopped && (p->len || p->overlong))
        end_line(p);
    return p->stopped;
}

void bochslog_forget(struct bochslog *p)
{
    p->have_pend = 0;
}

const struct bochslog_step *bochslog_current(const struct bochslog *p)
{
    return p->have_pend ? &p->pend : NULL;
}

uint64_t bochslog_prompt(const struct bochslog *p)
{
    const char *q = p->line;
    uint64_t n;
    if (p->overlong || p->len < 10 || p->line[p->len - 1] != ' ')
        return 0;
    if (rd_lit(&q, "<bochs:") || rd_dec(&q, &n) || rd_lit(&q, "> ") ||
        q != p->line + p->len)
        return 0;
    return n;
}

const struct bochslog_stats *bochslog_stats(const struct bochslog *p)
{
    return &p->stats;
}

const char *bochslog_first_error(const struct bochslog *p)
{
    return p->first_error;
}

/* ---- an interrupt delivered inside a step ---- */

/* The value s wrote at linear addr with length len, or -1. */
static int64_t written(const struct bochslog_step *s, uint64_t addr, uint32_t len)
{
    for (size_t i = 0; i < s->nmem; i++) {
        const struct bochslog_mem *m = &s->mem[i];
        if (m->rw == BOCHSLOG_WR && m->has_lin && m->has_value && m->lin == addr && m->len == len)
            return (int64_t)m->value;
    }
    return -1;
}

/* The first read of len bytes s made at a linear address in [lo, hi), or NULL. */
static const struct bochslog_mem *read_in(const struct bochslog_step *s, uint64_t lo,
                                          uint64_t hi, uint32_t len)
{
    for (size_t i = 0; i < s->nmem; i++) {
        const struct bochslog_mem *m = &s->mem[i];
        if (m->rw == BOCHSLOG_RD && m->has_lin && m->has_value && m->len == len &&
            m->lin >= lo && m->lin < hi)
            return &s->mem[i];
    }
    return NULL;
}

/* Real mode (SDM vol 3 20.1.4): FLAGS, CS, IP written at SS:SP-2..-6 with s's
 * own CS and IP, and the IVT entry of a PIC vector (08h-0Fh, 70h-77h) read. */
static int irq_real(const struct bochslog_step *s, int *vector)
{
    const struct hvt_state *st = &s->st;
    uint64_t ss = (st->f[HVT_SS_SEL] & 0xffff) << 4, sp = st->f[HVT_RSP] & 0xffff;
    if (written(s, ss + ((sp - 6) & 0xffff), 2) != (int64_t)(st->f[HVT_RIP] & 0xffff) ||
        written(s, ss + ((sp - 4) & 0xffff), 2) != (int64_t)(st->f[HVT_CS_SEL] & 0xffff))
        return 0;
    for (size_t i = 0; i < s->nmem; i++) {
        const struct bochslog_mem *m = &s->mem[i];
        uint64_t v = m->lin / 4;
        if (m->rw == BOCHSLOG_RD && m->has_lin && m->lin < 0x400 && !(m->lin & 3) &&
            ((v >= 0x08 && v <= 0x0f) || (v >= 0x70 && v <= 0x77))) {
            *vector = (int)v;
            return 1;
        }
    }
    return 0;
}

/* The IDT gate s read for a vector 20h-FFh (8 bytes at IDTR.base + 8 * vector),
 * or NULL. */
static const struct bochslog_mem *idt_gate(const struct bochslog_step *s, int *vector)
{
    uint64_t idt = s->st.f[HVT_IDTR_BASE];
    const struct bochslog_mem *g = read_in(s, idt + 0x20 * 8, idt + 0x100 * 8, 8);
    if (!g || (g->lin - idt) % 8)
        return NULL;
    *vector = (int)((g->lin - idt) / 8);
    return g;
}

/* Protected mode, a 32-bit gate at the same privilege level (SDM vol 3
 * 6.12.1: EFLAGS, CS, EIP pushed as dwords on the current stack): the IDT
 * gate of a vector 20h-FFh read (0-1Fh are exceptions: faults stay steps), and
 * EIP at SS:ESP-12 is s's own (an `int n` pushes the next one). */
static int irq_prot(const struct bochslog_step *s, int *vector)
{
    const struct hvt_state *st = &s->st;
    uint64_t sp = st->f[HVT_RSP] & 0xffffffffu;
    if (!(st->f[HVT_SS_ATTR] & (1u << 22)))
        sp &= 0xffff;                       /* a 16-bit stack segment: SP */
    uint64_t top = st->f[HVT_SS_BASE] + sp;
    return idt_gate(s, vector) &&
           written(s, top - 12, 4) == (int64_t)(st->f[HVT_RIP] & 0xffffffffu) &&
           written(s, top - 8, 4) == (int64_t)(st->f[HVT_CS_SEL] & 0xffff);
}

int bochslog_irq_delivered(const struct bochslog_step *s, int *vector)
{
    const struct hvt_state *st = &s->st;
    if (!(st->f[HVT_CR0] & 1))
        return irq_real(s, vector);
    if ((st->f[HVT_EFLAGS] & (1u << 17)) || (st->f[HVT_EFER] & (1u << 10)))
        return 0;                           /* virtual-8086 and long mode: not known */
    return irq_prot(s, vector);
}

/* The word s read at linear addr (within a read of 2 or 4 bytes), or -1. */
static int64_t word_read(const struct bochslog_step *s, uint64_t addr)
{
    for (size_t i = 0; i < s->nmem; i++) {
        const struct bochslog_mem *m = &s->mem[i];
        if (m->rw == BOCHSLOG_RD && m->has_lin && m->has_value && addr >= m->lin &&
            addr + 2 <= m->lin + m->len && m->len <= 4)
            return (int64_t)(m->value >> (8 * (addr - m->lin)) & 0xffff);
    }
    return -1;
}

#define FLAGS_TF (1u << 8)
#define FLAGS_IF (1u << 9)
#define FLAGS_NT (1u << 14)
#define FLAGS_RF (1u << 16)
#define FLAGS_VM (1u << 17)
#define FLAGS_AC (1u << 18)

static int entry_real(const struct bochslog_step *s, int vector, struct hvt_state *out)
{
    int64_t ip = word_read(s, (uint64_t)vector * 4), cs = word_read(s, (uint64_t)vector * 4 + 2);
    if (ip < 0 || cs < 0)
        return -1;
    uint64_t sp = out->f[HVT_RSP];
    out->f[HVT_RSP] = (sp & ~0xffffull) | ((sp - 6) & 0xffff);
    out->f[HVT_EFLAGS] &= ~(uint64_t)(FLAGS_TF | FLAGS_IF | FLAGS_AC);
    out->f[HVT_CS_SEL] = (uint64_t)cs;
    out->f[HVT_CS_BASE] = (uint64_t)cs << 4;
    out->f[HVT_RIP] = (uint64_t)ip;
    return 0;
}

/* SDM vol 3 6.11 (gate: offset 15:0 and selector in the low dword, offset
 * 31:16 and type in the high one), 6.12.1.2 (TF, VM, RF, NT cleared; IF too
 * through an interrupt gate, type Eh, not a trap gate, Fh); CS's descriptor
 * from the GDT read of the gate's selector. */
static int entry_prot(const struct bochslog_step *s, struct hvt_state *out)
{
    int vector;
    const struct bochslog_mem *g = idt_gate(s, &vector);
    if (!g)
        return -1;
    uint64_t lo = g->value & 0xffffffffu, hi = g->value >> 32, sel = lo >> 16;
    const struct bochslog_mem *d = read_in(s, out->f[HVT_GDTR_BASE] + (sel & ~7ull),
                                           out->f[HVT_GDTR_BASE] + (sel & ~7ull) + 1, 8);
    if (!d || (sel & 4))
        return -1;                          /* an LDT selector: not handled */
    uint64_t sp = out->f[HVT_RSP];
    out->f[HVT_RSP] = out->f[HVT_SS_ATTR] & (1u << 22) ? (sp - 12) & 0xffffffffu
                                                       : (sp & ~0xffffull) | ((sp - 12) & 0xffff);
    out->f[HVT_EFLAGS] &= ~(uint64_t)(FLAGS_TF | FLAGS_VM | FLAGS_RF | FLAGS_NT |
                                      ((hi >> 8 & 0xf) == 0xe ? FLAGS_IF : 0));
    out->f[HVT_CS_SEL] = sel;
    desc_decode(d->value >> 32, d->value & 0xffffffffu, &out->f[HVT_CS_BASE], &out->f[HVT_CS_LIMIT]);
    out->f[HVT_CS_ATTR] = (d->value >> 32) & 0x00ffff00u;
    out->f[HVT_RIP] = (hi & 0xffff0000u) | (lo & 0xffff);
    return 0;
}

int bochslog_irq_entry_state(const struct bochslog_step *s, int vector, struct hvt_state *out)
{
    *out = s->st;
    return s->st.f[HVT_CR0] & 1 ? entry_prot(s, out) : entry_real(s, vector, out);
}
