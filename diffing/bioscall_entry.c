/*
 * bioscall_entry: recognises the instruction that enters a real-mode interrupt
 * handler, whichever way the guest chose (bioscall.h): `int n` / `int3`, or a far
 * call / far jump whose memory operand is the vector's IVT entry (at IDTR.base,
 * 0 unless a real-mode lidt moved it).  Pure: it reads
 * the instruction bytes and the registers of the step, never memory.
 *
 * Not recognised: a far call through a copy of a vector kept elsewhere (a hook
 * chaining to the old handler is part of the call that reached the hook), and
 * protected-mode gates (IDT), which are not BIOS calls.
 * The operand address follows the 16-bit ModRM forms of Intel SDM vol 2A,
 * table 2-1 (and [disp32] with an address-size prefix); DS is the default segment,
 * SS for BP-based forms, a segment prefix overrides it.
 */
#include "diffing/bioscall.h"

#define IVT_BYTES 0x400u        /* 256 vectors x {offset, segment} */
#define CR0_PE    0x1u

uint64_t bioscall_linear(uint16_t seg, uint16_t off)
{
    return ((uint64_t)seg << 4) + off;
}

struct prefixes {
    int seg;                    /* enum hvt_seg, or -1 */
    int opsize, addrsize;       /* 0x66 / 0x67 seen */
    size_t n;                   /* bytes of prefixes */
};

static void read_prefixes(const uint8_t *b, size_t len, struct prefixes *p)
{
    static const struct { uint8_t byte; int seg; } segs[] = {
        { 0x26, HVT_ES }, { 0x2e, HVT_CS }, { 0x36, HVT_SS },
        { 0x3e, HVT_DS }, { 0x64, HVT_FS }, { 0x65, HVT_GS },
    };
    *p = (struct prefixes){ .seg = -1 };
    for (; p->n < len; p->n++) {
        uint8_t c = b[p->n];
        int known = 1;
        if (c == 0x66)
            p->opsize = 1;
        else if (c == 0x67)
            p->addrsize = 1;
        else if (c != 0xf0 && c != 0xf2 && c != 0xf3) {
            known = 0;
            for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++)
                if (c == segs[i].byte) {
                    p->seg = segs[i].seg;
                    known = 1;
                }
        }
        if (!known)
            return;
    }
}

static uint64_t reg16(const struct hvt_state *st, enum hvt_field f)
{
    return st->f[f] & 0xffff;
}

static uint64_t seg_base(const struct hvt_state *st, int seg)
{
    if (st->known & HVT_K_SEGDESC)
        return st->f[HVT_ES_BASE + seg];
    return reg16(st, (enum hvt_field)(HVT_ES_SEL + seg)) << 4;
}

/* Linear address of the ModRM memory operand at m[0..n); -1 if not decodable. */
static int64_t operand_linear(const uint8_t *m, size_t n, const struct prefixes *p,
                              const struct hvt_state *st)
{
    if (n < 1)
        return -1;
    unsigned mod = m[0] >> 6, rm = m[0] & 7;
    int seg = HVT_DS;
    uint64_t ea = 0;
    size_t need;
    if (p->addrsize) {                      /* only [disp32] */
        if (mod != 0 || rm != 5 || n < 5)
            return -1;
        ea = (uint32_t)(m[1] | m[2] << 8 | m[3] << 16 | (uint32_t)m[4] << 24);
    } else {
        static const enum hvt_field base[8] = { HVT_RBX, HVT_RBX, HVT_RBP, HVT_RBP,
                                                HVT_RSI, HVT_RDI, HVT_RBP, HVT_RBX };
        static const int index[8] = { HVT_RSI, HVT_RDI, HVT_RSI, HVT_RDI, -1, -1, -1, -1 };
        need = 1 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0);
        if (mod == 3 || n < need)
            return -1;
        if (!(mod == 0 && rm == 6)) {
            ea = reg16(st, base[rm]) + (index[rm] >= 0 ? reg16(st, (enum hvt_field)index[rm]) : 0);
            if (rm == 2 || rm == 3 || rm == 6)
                seg = HVT_SS;
        }
        if (mod == 1)
            ea += (uint64_t)(int64_t)(int8_t)m[1];
        else if (need == 3)
            ea += (uint64_t)(m[1] | m[2] << 8);
        ea &= 0xffff;
    }
    if (p->seg >= 0)
        seg = p->seg;
    return (int64_t)(seg_base(st, seg) + ea);
}

static int real_mode(const struct hvt_state *st)
{
    if ((st->known & HVT_K_CR) && (st->f[HVT_CR0] & CR0_PE))
        return 0;
    return hvt_state_mode(st) == HVT_MODE_16;
}

int bioscall_entry_decode(const uint8_t *b, size_t len, const struct hvt_state *st,
                          struct bioscall_entry *e)
{
    struct prefixes p;
    if (!real_mode(st))
        return 0;
    read_prefixes(b, len, &p);
    if (p.n >= len)
        return 0;
    const uint8_t *op = b + p.n;
    size_t rest = len - p.n;
    uint16_t cs = (uint16_t)reg16(st, HVT_CS_SEL), sp = (uint16_t)reg16(st, HVT_RSP);
    uint16_t next_ip = (uint16_t)(reg16(st, HVT_RIP) + len);
    *e = (struct bioscall_entry){ .how = BIOSCALL_INT, .ret_known = 1, .ret_cs = cs,
                                  .ret_ip = next_ip, .ret_sp = sp };
    if (op[0] == 0xcc || (op[0] == 0xcd && rest >= 2)) {
        e->vector = op[0] == 0xcc ? 3 : op[1];
        return 1;
    }
    /* ff /3 call far m16:16, ff /5 jmp far m16:16 (m16:32 with 66h: not an IVT entry) */
    if (op[0] != 0xff || rest < 2 || p.opsize)
        return 0;
    unsigned reg = (op[1] >> 3) & 7;
    if (reg != 3 && reg != 5)
        return 0;
    /* The table `int n` itself would read: IDTR.base where the run recorded
     * it (Intel SDM vol 3A 20.1.4: a real-mode lidt moves it), else 0. */
    uint64_t ivt = (st->known & HVT_K_DT) ? st->f[HVT_IDTR_BASE] : 0;
    int64_t at = operand_linear(op + 1, rest - 1, &p, st);
    if (at < 0 || (uint64_t)at < ivt || (uint64_t)at - ivt >= IVT_BYTES || (at - ivt) % 4)
        return 0;
    e->vector = (uint8_t)((uint64_t)(at - ivt) / 4);
    if (reg == 3) {                 /* the call pushes CS, IP; IRET pops those and FLAGS */
        e->how = BIOSCALL_CALLF;
        e->ret_sp = (uint16_t)(sp + 2);
    } else {                        /* the caller pushed FLAGS, CS, IP itself */
        e->how = BIOSCALL_JMPF;
        e->ret_known = 0;
        e->ret_sp = (uint16_t)(sp + 6);
    }
    return 1;
}
