/*
 * rep_echo: spots QEMU's extra pass of a rep string instruction (see
 * rep_echo.h for the hardware rule and QEMU's behaviour).  Decodes only the
 * prefixes and the opcode byte (Intel SDM vol 2, 2.1.1 legacy prefixes, 2.2.1
 * REX; opcode map table A-2).  Invariant: a yes needs two steps at the same
 * linear address with identical bytes, so code that merely loops back to a rep
 * through another instruction is never touched.
 */
#include "qemu/rep_echo.h"

#include <string.h>

#define REP_MAX_PREFIXES 14         /* an instruction is at most 15 bytes */

/* String opcodes: ins 6C/6D, outs 6E/6F, movs A4/A5, cmps A6/A7, stos AA/AB,
 * lods AC/AD, scas AE/AF. */
static int is_string_opcode(uint8_t op)
{
    return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) ||
           (op >= 0xaa && op <= 0xaf);
}

static uint64_t addr_mask(int mode, int addr32_prefix)
{
    switch (mode) {
    case HVT_MODE_64: return addr32_prefix ? 0xffffffffu : UINT64_MAX;
    case HVT_MODE_32: return addr32_prefix ? 0xffffu : 0xffffffffu;
    default:          return addr32_prefix ? 0xffffffffu : 0xffffu;
    }
}

int rep_echo_is_rep_string(const struct hvt_step *s, uint64_t *count_mask)
{
    int rep = 0, addr32 = 0;
    for (int i = 0; i < s->insn_len && i <= REP_MAX_PREFIXES; i++) {
        uint8_t b = s->insn[i];
        if (b == 0xf2 || b == 0xf3) {
            rep = 1;
        } else if (b == 0x67) {
            addr32 = 1;
        } else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
                   b == 0x65 || b == 0x66 || b == 0xf0) {
            /* segment override, operand size, lock: no effect on the count */
        } else if (s->mode == HVT_MODE_64 && (b & 0xf0) == 0x40) {
            /* REX: operand size only (REX.W), the count is by address size */
        } else {
            if (!rep || !is_string_opcode(b))
                return 0;
            if (count_mask)
                *count_mask = addr_mask(s->mode, addr32);
            return 1;
        }
    }
    return 0;
}

int rep_echo_is_extra_pass(const struct hvt_step *done, const struct hvt_step *next)
{
    uint64_t mask;
    if (done->insn_len == 0 || done->insn_len != next->insn_len ||
        memcmp(done->insn, next->insn, done->insn_len) != 0 || done->mode != next->mode)
        return 0;
    if (hvt_state_pc(&done->st) != hvt_state_pc(&next->st) ||
        done->st.f[HVT_RIP] != next->st.f[HVT_RIP])
        return 0;
    if (!rep_echo_is_rep_string(done, &mask))
        return 0;
    return (done->st.f[HVT_RCX] & mask) == 1 && (next->st.f[HVT_RCX] & mask) == 0;
}
