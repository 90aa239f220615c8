/*
 * recipe_reg: the operand names a recipe may use in conditions and logs, and
 * their values in a recorded state.  Sub-registers are slices of the hvt_state
 * field (al = rax bits 0-7, ah = bits 8-15, di = rdi bits 0-15), flags are
 * single EFLAGS bits (Intel SDM vol 1, 3.4.3), every other hvt_field is
 * available by its cpu_state name (cr0, cs.base, smm).  Pseudo-registers: pc
 * (linear address CS.base+IP), mode (16/32/64), window (1 while a record window
 * is open).  A field the engine did not record (outside `known`) reads as 0
 * and logs as "?".
 */
#include "recipes/recipe_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define EFLAGS_VM   (1u << 17)
#define CR0_PE      1u

struct reg_name { const char *name; uint8_t field, shift, bits; };

static const struct reg_name reg_names[] = {
    { "eax", HVT_RAX, 0, 32 }, { "ebx", HVT_RBX, 0, 32 }, { "ecx", HVT_RCX, 0, 32 },
    { "edx", HVT_RDX, 0, 32 }, { "esi", HVT_RSI, 0, 32 }, { "edi", HVT_RDI, 0, 32 },
    { "ebp", HVT_RBP, 0, 32 }, { "esp", HVT_RSP, 0, 32 }, { "eip", HVT_RIP, 0, 32 },
    { "ax", HVT_RAX, 0, 16 }, { "bx", HVT_RBX, 0, 16 }, { "cx", HVT_RCX, 0, 16 },
    { "dx", HVT_RDX, 0, 16 }, { "si", HVT_RSI, 0, 16 }, { "di", HVT_RDI, 0, 16 },
    { "bp", HVT_RBP, 0, 16 }, { "sp", HVT_RSP, 0, 16 }, { "ip", HVT_RIP, 0, 16 },
    { "flags", HVT_EFLAGS, 0, 16 }, { "eflags", HVT_EFLAGS, 0, 32 },
    { "rflags", HVT_EFLAGS, 0, 64 },
    { "al", HVT_RAX, 0, 8 }, { "bl", HVT_RBX, 0, 8 }, { "cl", HVT_RCX, 0, 8 },
    { "dl", HVT_RDX, 0, 8 }, { "ah", HVT_RAX, 8, 8 }, { "bh", HVT_RBX, 8, 8 },
    { "ch", HVT_RCX, 8, 8 }, { "dh", HVT_RDX, 8, 8 },
    { "cf", HVT_EFLAGS, 0, 1 }, { "pf", HVT_EFLAGS, 2, 1 }, { "af", HVT_EFLAGS, 4, 1 },
    { "zf", HVT_EFLAGS, 6, 1 }, { "sf", HVT_EFLAGS, 7, 1 }, { "tf", HVT_EFLAGS, 8, 1 },
    { "if", HVT_EFLAGS, 9, 1 }, { "df", HVT_EFLAGS, 10, 1 }, { "of", HVT_EFLAGS, 11, 1 },
};

int rcp_operand_lookup(const char *name, struct rcp_operand *out)
{
    static const char *const pseudo[] = { "pc", "mode", "window" };
    static const uint8_t pseudo_kind[] = { RCP_O_PC, RCP_O_MODE, RCP_O_WINDOW };
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof pseudo / sizeof pseudo[0]; i++) {
        if (strcmp(name, pseudo[i]) == 0) {
            out->kind = pseudo_kind[i];
            out->name = pseudo[i];
            out->bits = pseudo_kind[i] == RCP_O_PC ? 64 : 0;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++) {
        if (strcmp(name, reg_names[i].name) == 0) {
            out->kind = RCP_O_FIELD;
            out->field = reg_names[i].field;
            out->shift = reg_names[i].shift;
            out->bits = reg_names[i].bits;
            out->name = reg_names[i].name;
            return 0;
        }
    }
    int f = hvt_field_by_name(name);
    if (f < 0)
        return -1;
    out->kind = RCP_O_FIELD;
    out->field = (uint8_t)f;
    out->bits = f >= HVT_ES_SEL && f <= HVT_GS_SEL ? 16 : 64;
    out->name = hvt_field_name((enum hvt_field)f);
    return 0;
}

static int operand_known(const struct rcp_operand *op, const struct hvt_state *st)
{
    if (op->kind == RCP_O_FIELD && op->field == HVT_CS_BASE && (st->known & HVT_K_CSBASE))
        return 1;               /* the RSP engine tracks CS's base alone */
    if (op->kind == RCP_O_FIELD)
        return (st->known & (uint32_t)hvt_field_group((enum hvt_field)op->field)) != 0;
    return op->kind != RCP_O_PC || (st->known & HVT_K_GPR);
}

uint64_t rcp_operand_value(const struct rcp_operand *op, const struct hvt_state *st,
                           int window)
{
    if (!operand_known(op, st))
        return 0;
    switch (op->kind) {
    case RCP_O_PC:
        return hvt_state_pc(st);
    case RCP_O_MODE:
        return (uint64_t)hvt_state_mode(st);
    case RCP_O_WINDOW:
        return window != 0;
    default: {
        uint64_t v = st->f[op->field] >> op->shift;
        return op->bits >= 64 ? v : v & ((UINT64_C(1) << op->bits) - 1);
    }
    }
}

size_t rcp_operand_format(const struct rcp_operand *op, const struct hvt_state *st,
                          int window, char *buf, size_t cap)
{
    int n;
    uint64_t v = rcp_operand_value(op, st, window);
    if (!operand_known(op, st))
        n = snprintf(buf, cap, "%s=?", op->name);
    else if (op->bits < 8)
        n = snprintf(buf, cap, "%s=%" PRIu64, op->name, v);
    else
        n = snprintf(buf, cap, "%s=0x%0*" PRIx64, op->name, op->bits / 4, v);
    return n < 0 ? 0 : (size_t)n;
}

uint64_t rcp_linear(const struct hvt_state *st, enum hvt_seg seg, uint64_t off)
{
    if ((st->known & HVT_K_SEGDESC) || (seg == HVT_CS && (st->known & HVT_K_CSBASE)))
        return st->f[HVT_ES_BASE + seg] + off;
    int pm = (st->known & HVT_K_CR) && (st->f[HVT_CR0] & CR0_PE) &&
             !(st->f[HVT_EFLAGS] & EFLAGS_VM);
    return pm ? off : (st->f[HVT_ES_SEL + seg] << 4) + off;
}
