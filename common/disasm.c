/*
 * disasm: Capstone wrapper (see disasm.h).  One Capstone handle per mode,
 * opened on first use and kept for the process: opening costs far more than
 * decoding one instruction, and the recorder disassembles each distinct
 * instruction once.  Not thread-safe (hvtrace is single-threaded).
 */
#include "common/disasm.h"

#include <capstone/capstone.h>
#include <stdint.h>
#include <stdio.h>

/* Handles per flavour (0 AT&T text, 1 Intel syntax with operand details) and mode. */
static csh open_handle(int flavour, enum hvt_mode mode)
{
    static csh handles[2][3];
    static int opened[2][3];
    int i = mode == HVT_MODE_64 ? 2 : mode == HVT_MODE_32 ? 1 : 0;
    if (!opened[flavour][i]) {
        cs_mode m = i == 2 ? CS_MODE_64 : i == 1 ? CS_MODE_32 : CS_MODE_16;
        if (cs_open(CS_ARCH_X86, m, &handles[flavour][i]) != CS_ERR_OK)
            return 0;
        if (flavour)
            cs_option(handles[flavour][i], CS_OPT_DETAIL, CS_OPT_ON);
        else
            cs_option(handles[flavour][i], CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
        opened[flavour][i] = 1;
    }
    return handles[flavour][i];
}

static csh disasm_handle(enum hvt_mode mode)
{
    return open_handle(0, mode);
}

size_t hvt_disasm_detail_handle(enum hvt_mode mode)
{
    return open_handle(1, mode);
}

/* A near direct call (E8) without an operand-size prefix: objdump prints
 * `call`, Capstone `callw`/`calll`/`callq`.  The suffix carries nothing there
 * (the operand size is the mode's), so print it as objdump does. */
static int near_call_default_size(const cs_insn *insn)
{
    for (size_t i = 0; i < insn->size; i++) {
        switch (insn->bytes[i]) {
        case 0xe8:
            return 1;
        case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
        case 0x67: case 0xf2: case 0xf3:
            continue;           /* prefixes that leave the operand size alone */
        default:
            return 0;           /* 0x66, REX, or another opcode */
        }
    }
    return 0;
}

/* F3 90 is PAUSE (Intel SDM vol 2B, PAUSE: "F3 90"), the spin-loop hint
 * SeaBIOS and Linux poll with; Capstone 4 decodes it as a nop with a swallowed
 * rep prefix and prints "nop".  Nonzero when insn is that: a nop ending in 90
 * with an F3 among its prefixes. */
static int is_pause(const cs_insn *insn)
{
    if (insn->id != X86_INS_NOP || insn->size < 2 || insn->bytes[insn->size - 1] != 0x90)
        return 0;
    for (int i = 0; i < insn->size - 1; i++)
        if (insn->bytes[i] == 0xf3)
            return 1;
    return 0;
}

size_t hvt_disasm(const uint8_t *bytes, size_t len, uint64_t pc, enum hvt_mode mode,
                  char *out, size_t cap)
{
    csh h = disasm_handle(mode);
    cs_insn *insn = NULL;
    size_t n = h ? cs_disasm(h, bytes, len, pc, 1, &insn) : 0;
    if (n == 0) {
        snprintf(out, cap, "(bad)");
        return 0;
    }
    size_t ilen = insn[0].size;
    if (insn[0].op_str[0])
        snprintf(out, cap, "%s %s", near_call_default_size(&insn[0]) ? "call" :
                 insn[0].mnemonic, insn[0].op_str);
    else
        snprintf(out, cap, "%s", is_pause(&insn[0]) ? "pause" : insn[0].mnemonic);
    cs_free(insn, n);
    return ilen;
}

size_t hvt_disasm_step(const struct hvt_step *s, char *out, size_t cap)
{
    uint64_t ip = s->st.f[HVT_RIP];
    if (s->mode == HVT_MODE_16)
        ip &= 0xffff;
    else if (s->mode == HVT_MODE_32)
        ip &= 0xffffffffu;
    if (!s->insn_len) {
        snprintf(out, cap, "(unreadable)");
        return 0;
    }
    return hvt_disasm(s->insn, s->insn_len, ip, (enum hvt_mode)s->mode, out, cap);
}
