/*
 * recipe_insn: the few facts about one x86 instruction that recipes need,
 * decoded from its bytes: is it `int N`, `out`/`in` (and to which port), `rsm`,
 * `hlt`, how long is it (its fall-through address is where a call returns),
 * and may it change memory.  The last answer decides when a watch re-reads its
 * range, so it errs on "yes": a wrong "no" hides a change until the next
 * writing instruction and blames that one.
 *
 * "May write" (Intel SDM vol 2, appendix A opcode maps): any instruction whose
 * ModRM names memory and whose destination is that operand; every push, call,
 * int, enter, stos, movs, ins, mov moffs,acc; every `out`/`outs` (a port write
 * can start DMA, e.g. QEMU's fw_cfg DMA, or an SMI whose handler saves state);
 * every 0F opcode except a short list of register-only or read-only ones;
 * anything undecodable.  Not covered: memory written by a device on its own,
 * or the frame an asynchronous interrupt pushes — the watch then sees the
 * change at the next instruction that may write.
 */
#include "recipes/recipe.h"

#include <string.h>

#define MAX_PREFIXES 14         /* an instruction is at most 15 bytes */

static int is_prefix(uint8_t b, int mode)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return 1;
    default:
        return mode == HVT_MODE_64 && (b & 0xf0) == 0x40;   /* REX */
    }
}

/* One-byte opcodes followed by a ModRM byte (SDM vol 2 table A-2). */
static int has_modrm(uint8_t op)
{
    if (op < 0x40)
        return (op & 7) < 4;
    if (op >= 0x80 && op <= 0x8f)
        return 1;
    if (op >= 0xd0 && op <= 0xd3)
        return 1;
    if (op >= 0xd8 && op <= 0xdf)
        return 1;
    switch (op) {
    case 0x62: case 0x63: case 0x69: case 0x6b: case 0xc0: case 0xc1:
    case 0xc4: case 0xc5: case 0xc6: case 0xc7: case 0xf6: case 0xf7:
    case 0xfe: case 0xff:
        return 1;
    default:
        return 0;
    }
}

/* With a ModRM byte: does the instruction write memory (the r/m operand, or
 * the stack for call/push through FF)? */
static int modrm_writes(uint8_t op, uint8_t modrm)
{
    int mem = (modrm >> 6) != 3, reg = (modrm >> 3) & 7;
    if (op == 0xff)                 /* inc, dec: r/m; call, callf, push: stack */
        return reg == 2 || reg == 3 || reg == 6 || (mem && reg != 4 && reg != 5);
    if (!mem)
        return 0;
    if (op < 0x40)                  /* ALU op r/m,r writes; op r,r/m and cmp do not */
        return (op & 7) < 2 && (op & 0xf8) != 0x38;
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return reg != 7;            /* group 1: /7 is cmp */
    case 0xf6: case 0xf7:
        return reg == 2 || reg == 3;    /* group 3: not, neg */
    case 0x62: case 0x69: case 0x6b: case 0x84: case 0x85: case 0x8a: case 0x8b:
    case 0x8d: case 0x8e: case 0xc4: case 0xc5:
        return 0;                   /* bound, imul, test, mov r, lea, mov sreg, les, lds */
    default:
        return 1;                   /* arpl, xchg, mov r/m, pop r/m, shifts, x87, fe */
    }
}

/* One-byte opcodes without ModRM that write memory. */
static int plain_writes(uint8_t op)
{
    if (op >= 0x50 && op <= 0x57)
        return 1;                   /* push reg */
    switch (op) {
    case 0x06: case 0x0e: case 0x16: case 0x1e: case 0x60: case 0x68: case 0x6a:
    case 0x6c: case 0x6d: case 0x6e: case 0x6f: case 0x9a: case 0x9c: case 0xa2:
    case 0xa3: case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xc8: case 0xcc:
    case 0xcd: case 0xce: case 0xe6: case 0xe7: case 0xe8: case 0xee: case 0xef:
    case 0xf1:
        return 1;
    default:
        return 0;
    }
}

/* 0F opcodes known not to write memory: jcc, movzx/movsx, imul, cmov, mov
 * to/from CRn/DRn, cpuid, rdtsc, rdmsr, clts, pop fs/gs, nop r/m. */
static int twobyte_writes(uint8_t op)
{
    if ((op >= 0x80 && op <= 0x8f) || (op >= 0x40 && op <= 0x4f) ||
        (op >= 0x20 && op <= 0x23))
        return 0;
    switch (op) {
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: case 0xaf: case 0xa2: case 0x31:
    case 0x32: case 0x06: case 0xa1: case 0xa9: case 0x1f:
        return 0;
    default:
        return 1;
    }
}

/* Ports and lengths of the instructions triggers name; o16: the operand size
 * is 16 bits (the mode's default, or the 0x66 prefix flipped it). */
static void classify(const uint8_t *b, size_t n, size_t p, int o16, struct recipe_insn *o)
{
    uint8_t op = b[p];
    size_t imm = p + 1 < n;         /* an imm8 byte is present */
    if ((op == 0xcd && imm) || op == 0xcc) {
        o->kind = RECIPE_INSN_INT;
        o->vector = op == 0xcc ? 3 : b[p + 1];
        o->len = (uint8_t)(p + (op == 0xcc ? 1 : 2));
    } else if (((op == 0xe6 || op == 0xe7) && imm) || op == 0xee || op == 0xef ||
               op == 0x6e || op == 0x6f) {
        o->kind = RECIPE_INSN_OUT;
    } else if (((op == 0xe4 || op == 0xe5) && imm) || op == 0xec || op == 0xed ||
               op == 0x6c || op == 0x6d) {
        o->kind = RECIPE_INSN_IN;
    } else if (op == 0xf4) {
        o->kind = RECIPE_INSN_HLT;
        o->len = (uint8_t)(p + 1);
    }
    if (o->kind == RECIPE_INSN_OUT || o->kind == RECIPE_INSN_IN) {
        int has_imm = (op & 0xfe) == 0xe6 || (op & 0xfe) == 0xe4;
        o->port_in_dx = !has_imm;
        o->port = has_imm ? b[p + 1] : 0;
        o->len = (uint8_t)(p + 1 + has_imm);
        o->width = (uint8_t)(op & 1 ? (o16 ? 2 : 4) : 1);
        o->string = (op & 0xfc) == 0x6c;
    }
}

void recipe_insn_decode(const uint8_t *b, size_t n, int mode, struct recipe_insn *out)
{
    size_t p = 0;
    int o16 = mode == HVT_MODE_16;
    memset(out, 0, sizeof *out);
    out->may_write = 1;
    while (p < n && p < MAX_PREFIXES && is_prefix(b[p], mode))
        o16 ^= b[p++] == 0x66;      /* operand-size override (SDM vol 1, 3.6) */
    if (p >= n)
        return;
    uint8_t op = b[p];
    if (op == 0x0f) {
        if (p + 1 >= n)
            return;
        if (b[p + 1] == 0xaa) {
            out->kind = RECIPE_INSN_RSM;
            out->len = (uint8_t)(p + 2);
        }
        out->may_write = (uint8_t)twobyte_writes(b[p + 1]);
        return;
    }
    classify(b, n, p, o16, out);
    if ((op == 0xc4 || op == 0xc5) && (mode == HVT_MODE_64 || (p + 1 < n && b[p + 1] >= 0xc0)))
        return;                     /* VEX prefix, not les/lds: keep "may write" */
    if (has_modrm(op))
        out->may_write = p + 1 < n ? (uint8_t)modrm_writes(op, b[p + 1]) : 1;
    else
        out->may_write = (uint8_t)plain_writes(op);
}
