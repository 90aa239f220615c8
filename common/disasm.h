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
 * bytes do not decode.  pc is the linear address, used for branch targets. */
size_t hvt_disasm(const uint8_t *bytes, size_t len, uint64_t pc, enum hvt_mode mode,
                  char *out, size_t cap);

#endif
