/*
 * insnclass: what an x86 instruction does to the flow of control, decided from its
 * bytes alone.  The aligner uses it to tell an asynchronous interrupt (a break in
 * the instruction stream the previous instruction did not cause) from a jump, and
 * the reports use it to find `int N` instructions.
 *
 * Covers 16/32/64-bit x86 opcodes that transfer control; everything else is
 * INSN_CF_NONE.  The instruction length comes from the caller (Capstone in the
 * token builder): this table decodes prefixes and opcodes, not operands.
 */
#ifndef HVT_INSNCLASS_H
#define HVT_INSNCLASS_H

#include <stddef.h>
#include <stdint.h>

enum insn_cf {
    INSN_CF_NONE,       /* falls through to pc+len (or faults) */
    INSN_CF_REP,        /* rep string op: pc again or pc+len */
    INSN_CF_BRANCH,     /* jcc/loop/jcxz rel: pc+len or the target */
    INSN_CF_JUMP,       /* jmp/call rel: the target */
    INSN_CF_HLT,        /* waits for an interrupt, then pc+len */
    INSN_CF_INT,        /* int n, int3, into, int1: enters a handler */
    INSN_CF_IRET,       /* iret: returns from a handler */
    INSN_CF_ANY,        /* ret, far/indirect, I/O (SMI), vmmcall, ...: anywhere */
};

struct insn_class {
    uint8_t cf;         /* enum insn_cf */
    uint8_t vector;     /* INSN_CF_INT: the vector (int3 = 3, into = 4, int1 = 1) */
    uint8_t opsize;     /* effective operand size in bits: 16, 32 or 64 */
    int64_t rel;        /* INSN_CF_BRANCH/JUMP: signed displacement from pc+len */
};

/* Classify the instruction in b[0..len) executing in `mode` (16, 32, 64).
 * Returns 0, or -1 when the bytes hold no complete opcode (cf is then ANY). */
int insnclass_decode(const uint8_t *b, size_t len, int mode, struct insn_class *out);

/* Linear address of a relative branch's target.  pc is linear, ip the
 * instruction pointer (pc - CS.base); the new IP wraps at the operand size
 * (Intel SDM vol 2, JMP: "the instruction pointer is truncated to 16 bits"). */
uint64_t insnclass_target(const struct insn_class *c, uint64_t pc, uint64_t ip,
                          unsigned insn_len);

#endif
