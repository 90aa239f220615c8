/*
 * defuse: what one x86 instruction reads and writes, for walking a value back
 * through a trace: registers (as a field of struct hvt_state and the bits of
 * it the operand covers), EFLAGS bits, memory operands (segment, base, index,
 * scale, displacement, size; string instructions' implicit ES:DI / DS:SI
 * included) and implicit stack traffic.  Capstone's operand details decide
 * (the same library common/disasm prints with).  Pure: bytes in, sets out; the
 * addresses are computed from a recorded state by defuse_mem_addr.
 */
#ifndef HVT_DEFUSE_H
#define HVT_DEFUSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

struct defuse_reg {
    uint8_t field;          /* enum hvt_field */
    uint8_t shift, bits;    /* the operand is bits [shift, shift+bits) of the field;
                             * bits 0: no register */
};

struct defuse_mem {
    struct defuse_reg base, index;
    uint8_t seg;            /* enum hvt_seg */
    uint8_t scale, size;    /* size in bytes (0: unknown, e.g. fxsave) */
    uint8_t asize;          /* address size in bytes: 2, 4 or 8 */
    uint8_t read, write;
    int64_t disp;
};

#define DEFUSE_MAXREG 12
#define DEFUSE_MAXMEM 2

enum defuse_stack { DEFUSE_STACK_NONE, DEFUSE_STACK_PUSH, DEFUSE_STACK_POP };

enum defuse_origin {        /* where a written value comes from, when not from operands */
    DEFUSE_FROM_OPERANDS,
    DEFUSE_FROM_PORT,       /* in, ins: a device */
    DEFUSE_FROM_CLOCK,      /* rdtsc, rdtscp */
    DEFUSE_FROM_CPU,        /* cpuid, rdmsr, smsw...: the (virtual) CPU */
};

struct defuse {
    uint8_t ok, len;
    uint8_t nrr, nrw, nmem;
    uint8_t stack;          /* enum defuse_stack: implicit push (call, int...) or pop */
    uint8_t origin;         /* enum defuse_origin */
    uint8_t imm;            /* has an immediate operand */
    uint8_t is_int;         /* int n / int3 / into: reads the IVT (real mode) */
    uint8_t vector;
    uint8_t branch;         /* a control transfer (jmp, jcc, loop, call, ret, int, iret):
                             * it may set RIP elsewhere than the next instruction */
    uint8_t opsize;         /* operand size in bytes (2, 4, 8) of implicit stack traffic */
    int8_t cc;              /* CMOVcc: its condition (SDM vol 1, B.1, table B-1), else -1 */
    uint8_t flags_load;     /* popf, iret: EFLAGS loaded from [SS:SP + flags_off] */
    uint8_t flags_off;
    uint8_t flags_store;    /* pushf: the value pushed is EFLAGS */
    struct defuse_reg rr[DEFUSE_MAXREG], rw[DEFUSE_MAXREG];  /* value sources, results */
    uint32_t fr, fw;        /* EFLAGS bits tested, EFLAGS bits written */
    struct defuse_mem mem[DEFUSE_MAXMEM];
    char mnemonic[32];
};

/* Decode b[0..len) executing in `mode`.  Returns 0, or -1 when Capstone cannot
 * decode it (out->ok 0). */
int defuse_decode(const uint8_t *b, size_t len, enum hvt_mode mode, struct defuse *out);

/* Whether condition cc (0-15, SDM vol 1, B.1, table B-1) holds for eflags. */
int defuse_cond_holds(int cc, uint64_t eflags);

/* The linear address of memory operand m in state s: segment base (the
 * recorded one, else real-mode selector*16, else 0) plus the offset wrapped at
 * the address size (Intel SDM vol 1, 3.7.5 "Specifying an Offset"). */
uint64_t defuse_mem_addr(const struct defuse_mem *m, const struct hvt_state *s);

/* Segment base of seg in s, as defuse_mem_addr takes it. */
uint64_t defuse_seg_base(const struct hvt_state *s, enum hvt_seg seg);

/* Value of register operand r in s (the covered bits, shifted down). */
uint64_t defuse_reg_value(const struct defuse_reg *r, const struct hvt_state *s);

/* "eax", "al", "ah", "si", "zf|cf"... */
const char *defuse_reg_name(const struct defuse_reg *r);
void defuse_flags_name(uint32_t flags, char *buf, size_t n);

#endif
