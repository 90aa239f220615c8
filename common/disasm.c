/*
 * disasm: Capstone wrapper (see disasm.h).  One Capstone handle per mode,
 * opened on first use and kept for the process: opening costs far more than
 * decoding one instruction, and the recorder disassembles each distinct
 * instruction once.  Not thread-safe (hvtrace is single-threaded).
 */
#include "common/disasm.h"

#include <capstone/capstone.h>
#include <stdio.h>

static csh disasm_handle(enum hvt_mode mode)
{
    static csh handles[3];
    static int opened[3];
    int i = mode == HVT_MODE_64 ? 2 : mode == HVT_MODE_32 ? 1 : 0;
    if (!opened[i]) {
        cs_mode m = i == 2 ? CS_MODE_64 : i == 1 ? CS_MODE_32 : CS_MODE_16;
        if (cs_open(CS_ARCH_X86, m, &handles[i]) != CS_ERR_OK)
            return 0;
        cs_option(handles[i], CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
        opened[i] = 1;
    }
    return handles[i];
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
        snprintf(out, cap, "%s %s", insn[0].mnemonic, insn[0].op_str);
    else
        snprintf(out, cap, "%s", insn[0].mnemonic);
    cs_free(insn, n);
    return ilen;
}
