/*
 * bioscall: per-vector describers over a small output buffer.
 *
 * Each describer writes the call's name from `before` and, if `after` is
 * known, a result: carry flag (the BIOS error convention), returned registers,
 * or memory the BIOS filled.  Does not decide whether an `int` is a BIOS call
 * (a guest may hook any vector; the name says what was asked, not who answered).
 * Invariant: output is always NUL-terminated and never longer than n-1.
 */
#include "diffing/bioscall.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EFLAGS_CF 0x1u
#define SMAP      0x534d4150u   /* 'SMAP' in EDX/EAX for E820 */
#define TCPA      0x41504354u   /* 'TCPA' in EBX after TCG_StatusCheck */

struct out {
    char *buf;
    size_t n, len;
    const struct hvt_state *b, *a;  /* before, after (may be NULL) */
    bioscall_read_fn rd;
    void *priv;
};

static int put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends to the output; returns 0 so describers can end with `return put(...)`. */
static int put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(o->buf + o->len, o->len < o->n ? o->n - o->len : 0, fmt, ap);
    va_end(ap);
    if (w > 0)
        o->len = o->len + (size_t)w < o->n ? o->len + (size_t)w : (o->n ? o->n - 1 : 0);
    return 0;
}

static uint32_t r32(const struct hvt_state *s, enum hvt_field f)
{
    return (uint32_t)s->f[f];
}

static unsigned ah(const struct hvt_state *s) { return (r32(s, HVT_RAX) >> 8) & 0xff; }
static unsigned al(const struct hvt_state *s) { return r32(s, HVT_RAX) & 0xff; }
static unsigned ax(const struct hvt_state *s) { return r32(s, HVT_RAX) & 0xffff; }

static int cf(const struct hvt_state *s)
{
    return (s->f[HVT_EFLAGS] & EFLAGS_CF) != 0;
}

/* Linear address of seg:off16 (segment base if known, else real-mode seg*16). */
static uint64_t lin(const struct hvt_state *s, enum hvt_field sel, enum hvt_field reg)
{
    uint64_t base = (s->known & HVT_K_SEGDESC) ? s->f[HVT_ES_BASE + (sel - HVT_ES_SEL)]
                                                : s->f[sel] << 4;
    return base + (s->f[reg] & 0xffff);
}

static int rd(const struct out *o, enum bioscall_when w, uint64_t addr, void *buf, size_t n)
{
    return o->rd ? o->rd(o->priv, w, addr, buf, n) : -1;
}

static int status(struct out *o)
{
    if (o->a)
        cf(o->a) ? put(o, ": error AH=%02xh", ah(o->a)) : put(o, ": ok");
    return 0;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

static int int13_read(struct out *o)
{
    uint8_t pk[16];
    put(o, "extended read drive %02xh", r32(o->b, HVT_RDX) & 0xff);
    if (rd(o, BIOSCALL_BEFORE, lin(o->b, HVT_DS_SEL, HVT_RSI), pk, sizeof pk) == 0)
        put(o, " LBA %llu x%u -> %04x:%04x", (unsigned long long)le(pk + 8, 8),
            (unsigned)le(pk + 2, 2), (unsigned)le(pk + 6, 2), (unsigned)le(pk + 4, 2));
    status(o);
    return 0;
}

static int int13(struct out *o)
{
    unsigned fn = ah(o->b), drive = r32(o->b, HVT_RDX) & 0xff;
    uint32_t cx = r32(o->b, HVT_RCX);
    put(o, "AH=%02xh ", fn);
    if (fn == 0x42)
        return int13_read(o);
    if (fn == 0x41) {
        put(o, "extensions check drive %02xh", drive);
        if (o->a)
            !cf(o->a) && (r32(o->a, HVT_RBX) & 0xffff) == 0xaa55
                ? put(o, ": supported, version %02xh", ah(o->a))
                : put(o, ": not supported");
        return 0;
    }
    if (fn == 0x02)
        put(o, "read drive %02xh C/H/S %u/%u/%u x%u", drive,
            ((cx >> 8) & 0xff) | ((cx & 0xc0) << 2), (r32(o->b, HVT_RDX) >> 8) & 0xff,
            cx & 0x3f, al(o->b));
    else if (fn == 0x48)
        put(o, "drive parameters drive %02xh", drive);
    else if (fn == 0x08)
        put(o, "legacy drive parameters drive %02xh", drive);
    else if (fn == 0x00)
        put(o, "reset drive %02xh", drive);
    else
        put(o, "disk drive %02xh", drive);
    status(o);
    return 0;
}

static const char *const e820_types[] = {
    "?", "RAM", "reserved", "ACPI", "NVS", "bad",
};

static int e820(struct out *o)
{
    put(o, "E820 entry %u", r32(o->b, HVT_RBX));
    if (!o->a)
        return 0;
    if (cf(o->a) || r32(o->a, HVT_RAX) != SMAP)
        return put(o, ": error (CF=%d, EAX=%08xh)", cf(o->a), r32(o->a, HVT_RAX));
    uint8_t e[20];
    if (rd(o, BIOSCALL_AFTER, lin(o->b, HVT_ES_SEL, HVT_RDI), e, sizeof e) == 0) {
        uint64_t base = le(e, 8), size = le(e + 8, 8);
        uint32_t type = (uint32_t)le(e + 16, 4);
        put(o, ": %016llx-%016llx type %u (%s)", (unsigned long long)base,
            (unsigned long long)(base + size - 1), type, type < 6 ? e820_types[type] : "?");
    }
    put(o, ", next %u", r32(o->a, HVT_RBX));
    return 0;
}

static int int15(struct out *o)
{
    static const char *const a20[4] = { "disable", "enable", "status", "support" };
    unsigned x = ax(o->b);
    if (r32(o->b, HVT_RAX) == 0xe820 && r32(o->b, HVT_RDX) == SMAP)
        return e820(o);
    put(o, "AX=%04xh ", x);
    if (x >= 0x2400 && x <= 0x2403) {
        put(o, "A20 %s", a20[x - 0x2400]);
        if (x == 0x2402 && o->a && !cf(o->a))
            return put(o, ": %s", al(o->a) ? "enabled" : "disabled");
    } else if (x == 0xe801) {
        put(o, "extended memory size");
        if (o->a && !cf(o->a))
            return put(o, ": %u KB 1M-16M, %u x 64 KB above 16M",
                       ax(o->a), r32(o->a, HVT_RBX) & 0xffff);
    } else if (ah(o->b) == 0x88) {
        put(o, "extended memory size");
        if (o->a && !cf(o->a))
            return put(o, ": %u KB above 1M", ax(o->a));
    } else if (ah(o->b) == 0x87) {
        put(o, "block move %u words", r32(o->b, HVT_RCX) & 0xffff);
    } else {
        put(o, "system services");
    }
    status(o);
    return 0;
}

/* TCG PC Client Implementation Specification for Conventional BIOS, 13.x. */
static int int1a_tcg(struct out *o)
{
    static const char *const fns[8] = {
        "TCG_StatusCheck", "TCG_HashLogExtendEvent", "TCG_PassThroughToTPM",
        "TCG_ShutdownPreBootInterface", "TCG_HashLogEvent", "TCG_HashAll", "TCG_TSS",
        "TCG_CompactHashLogExtendEvent",
    };
    unsigned f = al(o->b);
    put(o, "%s", f < 8 ? fns[f] : "TCG (unknown function)");
    if (!o->a)
        return 0;
    uint32_t eax = r32(o->a, HVT_RAX);
    if (f == 0 && eax == 0 && r32(o->a, HVT_RBX) == TCPA)
        put(o, ": TPM present, version %u.%u", (r32(o->a, HVT_RCX) >> 8) & 0xff,
            r32(o->a, HVT_RCX) & 0xff);
    else if (eax == 0x23)
        put(o, ": TPM not present (0x23)");
    else
        put(o, ": EAX=%08xh%s", eax, cf(o->a) ? " CF" : "");
    return 0;
}

static int int1a(struct out *o)
{
    put(o, "AX=%04xh ", ax(o->b));
    if (ah(o->b) == 0xbb)
        return int1a_tcg(o);
    if (ah(o->b) == 0x00)
        return put(o, "read tick count");
    if (ah(o->b) == 0xb1)
        return put(o, "PCI BIOS");
    put(o, "time services");
    return 0;
}

static int int10(struct out *o)
{
    unsigned c = al(o->b);
    put(o, "AH=%02xh ", ah(o->b));
    if (ah(o->b) == 0x0e)
        c >= 0x20 && c < 0x7f ? put(o, "teletype '%c'", c) : put(o, "teletype %02xh", c);
    else if (ah(o->b) == 0x00)
        put(o, "set video mode %02xh", c);
    else
        put(o, "video");
    return 0;
}

int bioscall_is_answer(uint8_t vector, uint8_t ah)
{
    if ((vector >= 0x08 && vector <= 0x0f) || (vector >= 0x70 && vector <= 0x77) ||
        vector == 0x1c)                         /* IRQs, the user timer tick */
        return 0;
    switch (vector) {
    case 0x10: case 0x14: case 0x16: case 0x17:
        return 0;
    case 0x1a:
        return ah > 0x07;                       /* 00h-07h: ticks, RTC time/date/alarm */
    case 0x15:
        return ah != 0x83 && ah != 0x86 && ah != 0x90 && ah != 0x91;
    }
    return 1;
}

int bioscall_returns(uint8_t vector)
{
    return vector != 0x18 && vector != 0x19;
}

size_t bioscall_describe(uint8_t vector, const struct hvt_state *before,
                         const struct hvt_state *after, bioscall_read_fn rdfn, void *priv,
                         char *buf, size_t n)
{
    struct out o = { buf, n, 0, before, after, rdfn, priv };
    if (n)
        buf[0] = 0;
    put(&o, "int %02xh ", vector);
    switch (vector) {
    case 0x10: int10(&o); break;
    case 0x13: int13(&o); break;
    case 0x15: int15(&o); break;
    case 0x1a: int1a(&o); break;
    case 0x12:
        put(&o, "base memory size");
        if (after)
            put(&o, ": %u KB", ax(after));
        break;
    case 0x16: put(&o, "AH=%02xh keyboard", ah(before)); break;
    case 0x19: put(&o, "bootstrap loader"); break;
    default: put(&o, "AX=%04xh", ax(before)); break;
    }
    return o.len;
}
