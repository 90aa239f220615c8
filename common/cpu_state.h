/*
 * cpu_state: the architectural state of one x86 CPU at one step, as hvtrace
 * records it.  Both recording engines (RSP: `g` packet; log: QEMU's -d cpu text)
 * fill this one struct, db/ stores it, reports/ prints it.
 *
 * Not every engine knows every field: QEMU's `g` packet has no segment bases,
 * GDTR/IDTR or SMM flag.  `known` says which field groups are valid (HVT_K_*);
 * a field outside `known` is zero and must not be compared or shown.
 *
 * Fields are indexed by enum hvt_field so the storage codec and the diff walk them
 * as an array (hvt_state_get/hvt_state_set) instead of naming each one.
 */
#ifndef HVT_CPU_STATE_H
#define HVT_CPU_STATE_H

#include <stdint.h>
#include <stddef.h>

enum hvt_seg { HVT_ES, HVT_CS, HVT_SS, HVT_DS, HVT_FS, HVT_GS, HVT_NSEG };

/* Every scalar of struct hvt_state, in storage order.  Never reorder: the on-disk
 * step codec numbers fields by this enum (db/schema.sql's user_version guards it). */
enum hvt_field {
    HVT_RAX, HVT_RBX, HVT_RCX, HVT_RDX, HVT_RSI, HVT_RDI, HVT_RBP, HVT_RSP,
    HVT_R8, HVT_R9, HVT_R10, HVT_R11, HVT_R12, HVT_R13, HVT_R14, HVT_R15,
    HVT_RIP, HVT_EFLAGS,
    HVT_ES_SEL, HVT_CS_SEL, HVT_SS_SEL, HVT_DS_SEL, HVT_FS_SEL, HVT_GS_SEL,
    HVT_ES_BASE, HVT_CS_BASE, HVT_SS_BASE, HVT_DS_BASE, HVT_FS_BASE, HVT_GS_BASE,
    HVT_ES_LIMIT, HVT_CS_LIMIT, HVT_SS_LIMIT, HVT_DS_LIMIT, HVT_FS_LIMIT, HVT_GS_LIMIT,
    HVT_ES_ATTR, HVT_CS_ATTR, HVT_SS_ATTR, HVT_DS_ATTR, HVT_FS_ATTR, HVT_GS_ATTR,
    HVT_CR0, HVT_CR2, HVT_CR3, HVT_CR4, HVT_EFER,
    HVT_GDTR_BASE, HVT_GDTR_LIMIT, HVT_IDTR_BASE, HVT_IDTR_LIMIT,
    HVT_SMM,
    HVT_NFIELDS
};

/* Groups of fields an engine may or may not know. */
#define HVT_K_GPR    0x01u  /* RAX..R15 (R8..R15 only in 64-bit targets), RIP, EFLAGS */
#define HVT_K_SEL    0x02u  /* segment selectors */
#define HVT_K_SEGDESC 0x04u /* segment bases, limits, attributes (attr = the descriptor
                               * high dword flags as QEMU prints them: type 8-11, S 12,
                               * DPL 13-14, P 15, L 21, D/B 22, G 23) */
#define HVT_K_CR     0x08u  /* CR0, CR2, CR3, CR4, EFER */
#define HVT_K_DT     0x10u  /* GDTR, IDTR */
#define HVT_K_SMM    0x20u  /* SMM flag */
#define HVT_K_CSBASE 0x40u  /* CS base alone (tracked by the RSP engine, whose `g`
                             * has no descriptors); implied by HVT_K_SEGDESC */

struct hvt_state {
    uint64_t f[HVT_NFIELDS];    /* indexed by enum hvt_field */
    uint32_t known;             /* HVT_K_* */
};

/* The x86 mode an instruction executes in, for disassembly and diff tokens. */
enum hvt_mode { HVT_MODE_16 = 16, HVT_MODE_32 = 32, HVT_MODE_64 = 64 };

/* One recorded instruction. */
struct hvt_step {
    uint64_t n;                 /* step number, 0-based, dense */
    struct hvt_state st;        /* state *before* the instruction executes */
    uint8_t insn[16];           /* instruction bytes at the linear PC */
    uint8_t insn_len;           /* bytes valid in insn (0: unreadable) */
    uint8_t mode;               /* enum hvt_mode */
};

const char *hvt_field_name(enum hvt_field f);      /* "rax", "cs.base", "cr0" ... */
int hvt_field_group(enum hvt_field f);              /* the HVT_K_* bit it belongs to */
int hvt_field_by_name(const char *name);            /* -1 if unknown */

/* Linear address of the next instruction: CS.base + RIP.  Without known bases,
 * real mode is assumed when CR0.PE is clear or unknown (CS*16), and a flat base
 * of 0 in protected mode. */
uint64_t hvt_state_pc(const struct hvt_state *s);

/* Execution mode from CR0.PE, EFLAGS.VM, EFER.LMA + CS.L, CS.D (AMD APM vol 2,
 * 4.8 "Long-Mode Segment Descriptors"; Intel SDM vol 3 3.4.5).  Without segment
 * attributes, a protected-mode CS is taken as 32-bit. */
enum hvt_mode hvt_state_mode(const struct hvt_state *s);

#endif
