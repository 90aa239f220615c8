/*
 * cpu_state: field names, groups, and the two derived facts every consumer needs
 * (linear PC and execution mode).  See cpu_state.h.
 */
#include "common/cpu_state.h"

#include <string.h>

static const char *const field_names[HVT_NFIELDS] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    "rip", "eflags",
    "es", "cs", "ss", "ds", "fs", "gs",
    "es.base", "cs.base", "ss.base", "ds.base", "fs.base", "gs.base",
    "es.limit", "cs.limit", "ss.limit", "ds.limit", "fs.limit", "gs.limit",
    "es.attr", "cs.attr", "ss.attr", "ds.attr", "fs.attr", "gs.attr",
    "cr0", "cr2", "cr3", "cr4", "efer",
    "gdtr.base", "gdtr.limit", "idtr.base", "idtr.limit",
    "smm",
};

#define CR0_PE      0x1u
#define EFLAGS_VM   (1u << 17)
#define EFER_LMA    (1u << 10)
#define ATTR_L      (1u << 21)
#define ATTR_DB     (1u << 22)

const char *hvt_field_name(enum hvt_field f)
{
    return (unsigned)f < HVT_NFIELDS ? field_names[f] : "?";
}

int hvt_field_by_name(const char *name)
{
    for (int i = 0; i < HVT_NFIELDS; i++)
        if (strcmp(field_names[i], name) == 0)
            return i;
    return -1;
}

int hvt_field_group(enum hvt_field f)
{
    if (f <= HVT_EFLAGS)
        return HVT_K_GPR;
    if (f <= HVT_GS_SEL)
        return HVT_K_SEL;
    if (f <= HVT_GS_ATTR)
        return HVT_K_SEGDESC;
    if (f <= HVT_EFER)
        return HVT_K_CR;
    if (f <= HVT_IDTR_LIMIT)
        return HVT_K_DT;
    return HVT_K_SMM;
}

static int protected_mode(const struct hvt_state *s)
{
    return (s->known & HVT_K_CR) && (s->f[HVT_CR0] & CR0_PE);
}

uint64_t hvt_state_pc(const struct hvt_state *s)
{
    uint64_t rip = s->f[HVT_RIP];
    if (s->known & (HVT_K_SEGDESC | HVT_K_CSBASE))
        return s->f[HVT_CS_BASE] + rip;
    if (!protected_mode(s) || (s->f[HVT_EFLAGS] & EFLAGS_VM))
        return (s->f[HVT_CS_SEL] << 4) + (rip & 0xffff);
    return rip;
}

enum hvt_mode hvt_state_mode(const struct hvt_state *s)
{
    if (!protected_mode(s) || (s->f[HVT_EFLAGS] & EFLAGS_VM))
        return HVT_MODE_16;
    if (!(s->known & HVT_K_SEGDESC))
        return HVT_MODE_32;
    uint64_t attr = s->f[HVT_CS_ATTR];
    if ((s->f[HVT_EFER] & EFER_LMA) && (attr & ATTR_L))
        return HVT_MODE_64;
    return (attr & ATTR_DB) ? HVT_MODE_32 : HVT_MODE_16;
}
