/*
 * disasm: one x86 instruction to text, in the mode it actually executes in.
 *
 * The seed's own GDB log shows 16-bit boot code decoded as 32-bit; every trace
 * line hvtrace prints goes through here with the mode derived from the recorded
 * state (hvt_state_mode), so that cannot happen.  Capstone does the decoding.
 */
#ifndef HVT_DISASM_H
#define HVT_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

/* Writes "mnemonic operands" (AT&T syntax, as GDB and objdump print) to out and
 * returns the instruction's length, or returns 0 and writes "(bad)" when the
 * bytes do not decode.  ip is the instruction's offset in its code segment
 * (IP/EIP/RIP, not the linear address): near branch targets are printed as
 * offsets in that segment, wrapped to the operand size, as `objdump -m i8086`
 * does for real-mode code (Intel SDM vol 2A, CALL/JMP: the target is
 * EIP + rel, masked to the operand size; CS.base is added only when fetching). */
size_t hvt_disasm(const uint8_t *bytes, size_t len, uint64_t ip, enum hvt_mode mode,
                  char *out, size_t cap);

/* A recorded step's instruction, in the step's mode, at its IP (see above);
 * "(unreadable)" and 0 if the step has no bytes. */
size_t hvt_disasm_step(const struct hvt_step *s, char *out, size_t cap);

/* A Capstone handle (csh) for `mode` with operand details on, in Intel syntax
 * (Capstone 4's AT&T mode drops the implicit operands of string instructions
 * and marks their access wrongly), opened on first use and kept; 0 if Capstone
 * cannot open one.  For diffing/defuse.c. */
size_t hvt_disasm_detail_handle(enum hvt_mode mode);

#endif
