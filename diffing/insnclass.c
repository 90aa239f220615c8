/*
 * insnclass: control-flow class of an x86 instruction from a small opcode table.
 *
 * Does: skip legacy prefixes (and REX in 64-bit mode), then look the opcode up:
 * one-byte opcodes from Intel SDM vol 2 appendix A table A-2, two-byte (0F xx)
 * from table A-3, the FF group from table A-6, and the SVM/VMX instructions from
 * AMD APM vol 3 and SDM vol 3 chapter 31.  Does not decode operands or lengths.
 * Invariant: anything that may leave the straight line without being listed
 * here (port I/O can raise an SMI, as the seed's `out %al,$0xb2` does) is
 * INSN_CF_ANY, so the aligner never mistakes it for an asynchronous interrupt.
 */
#include "diffing/insnclass.h"

#include <string.h>

struct prefixes {
    size_t n;           /* prefix bytes consumed */
    int rep;            /* F2 or F3 seen */
    int opsize;         /* 66 seen */
};

static struct prefixes insnclass_prefixes(const uint8_t *b, size_t len, int mode)
{
    struct prefixes p = { 0, 0, 0 };
    for (; p.n < len; p.n++) {
        uint8_t x = b[p.n];
        if (x == 0xf2 || x == 0xf3)
            p.rep = 1;
        else if (x == 0x66)
            p.opsize = 1;
        else if (x == 0x26 || x == 0x2e || x == 0x36 || x == 0x3e || x == 0x64 ||
                 x == 0x65 || x == 0x67 || x == 0xf0)
            ;
        else if (mode == 64 && (x & 0xf0) == 0x40)
            ;
        else
            break;
    }
    return p;
}

static int opsize_bits(int mode, int has66)
{
    if (mode == 64)
        return 64;
    if (mode == 32)
        return has66 ? 16 : 32;
    return has66 ? 32 : 16;
}

/* Relative displacement of size bytes (1, 2 or 4), little-endian, signed. */
static int64_t read_rel(const uint8_t *b, size_t avail, int size, int *ok)
{
    if ((size_t)size > avail) {
        *ok = 0;
        return 0;
    }
    if (size == 1)
        return (int8_t)b[0];
    if (size == 2)
        return (int16_t)(b[0] | b[1] << 8);
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24);
}

static int is_string_op(uint8_t op)
{
    return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf);
}

static int is_port_io(uint8_t op)
{
    return (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) ||
           (op >= 0x6c && op <= 0x6f);
}

/* Two-byte opcodes 0F xx: jcc rel16/32 and the system instructions that leave
 * the straight line (syscall/sysret/sysenter/sysexit, ud2, rsm, and 0F 01 C1-C3
 * VMCALL/VMLAUNCH/VMRESUME, D8-DF VMRUN..INVLPGA). */
static int class_0f(const uint8_t *b, size_t avail, int relsize, struct insn_class *c)
{
    int ok = 1;
    if (avail < 1)
        return -1;
    uint8_t op = b[0];
    if (op >= 0x80 && op <= 0x8f) {
        c->cf = INSN_CF_BRANCH;
        c->rel = read_rel(b + 1, avail - 1, relsize, &ok);
        return ok ? 0 : -1;
    }
    if (op == 0x05 || op == 0x07 || op == 0x34 || op == 0x35 || op == 0x0b ||
        op == 0xaa)
        c->cf = INSN_CF_ANY;
    else if (op == 0x01 && avail >= 2 &&
             ((b[1] >= 0xc1 && b[1] <= 0xc3) || (b[1] >= 0xd8 && b[1] <= 0xdf)))
        c->cf = INSN_CF_ANY;
    return 0;
}

static void class_int(struct insn_class *c, uint8_t vector)
{
    c->cf = INSN_CF_INT;
    c->vector = vector;
}

/* One-byte opcodes that take a relative displacement. */
static int class_rel(uint8_t op, const uint8_t *b, size_t avail, int relsize,
                     struct insn_class *c)
{
    int ok = 1;
    if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3)) {
        c->cf = INSN_CF_BRANCH;
        c->rel = read_rel(b, avail, 1, &ok);
    } else if (op == 0xeb) {
        c->cf = INSN_CF_JUMP;
        c->rel = read_rel(b, avail, 1, &ok);
    } else {        /* e8 call, e9 jmp */
        c->cf = INSN_CF_JUMP;
        c->rel = read_rel(b, avail, relsize, &ok);
    }
    return ok ? 0 : -1;
}

static int class_one(uint8_t op, const uint8_t *b, size_t avail, int rep, int relsize,
                     struct insn_class *c)
{
    if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3) ||
        op == 0xe8 || op == 0xe9 || op == 0xeb)
        return class_rel(op, b, avail, relsize, c);
    if (op == 0xcd)
        return avail >= 1 ? (class_int(c, b[0]), 0) : -1;
    if (op == 0xcc || op == 0xce || op == 0xf1)
        class_int(c, op == 0xcc ? 3 : op == 0xce ? 4 : 1);
    else if (op == 0xcf)
        c->cf = INSN_CF_IRET;
    else if (op == 0xf4)
        c->cf = INSN_CF_HLT;
    else if (op == 0xc2 || op == 0xc3 || op == 0xca || op == 0xcb ||
             op == 0x9a || op == 0xea || is_port_io(op))
        c->cf = INSN_CF_ANY;
    else if (op == 0xff) {      /* group 5: /2 /3 call, /4 /5 jmp */
        if (avail < 1)
            return -1;
        unsigned reg = (b[0] >> 3) & 7;
        if (reg >= 2 && reg <= 5)
            c->cf = INSN_CF_ANY;
    } else if (rep && is_string_op(op))
        c->cf = INSN_CF_REP;
    return 0;
}

int insnclass_decode(const uint8_t *b, size_t len, int mode, struct insn_class *out)
{
    memset(out, 0, sizeof *out);
    struct prefixes p = insnclass_prefixes(b, len, mode);
    out->opsize = (uint8_t)opsize_bits(mode, p.opsize);
    int relsize = out->opsize == 16 ? 2 : 4;
    int rc = -1;
    if (p.n < len) {
        const uint8_t *op = b + p.n;
        size_t avail = len - p.n - 1;
        rc = op[0] == 0x0f ? class_0f(op + 1, avail, relsize, out)
                           : class_one(op[0], op + 1, avail, p.rep, relsize, out);
    }
    if (rc < 0)
        out->cf = INSN_CF_ANY;
    return rc;
}

uint64_t insnclass_target(const struct insn_class *c, uint64_t pc, uint64_t ip,
                          unsigned insn_len)
{
    uint64_t base = pc - ip;
    uint64_t nip = ip + insn_len + (uint64_t)c->rel;
    if (c->opsize == 16)
        nip &= 0xffff;
    else if (c->opsize == 32)
        nip &= 0xffffffffu;
    return base + nip;
}
