/*
 * chain: the chain of causes behind one value in a recorded trace, and behind
 * the first meaningful divergence of two aligned traces (differential
 * slicing: Johnson, Caballero, Song, "Differential Slicing: Identifying Causal
 * Execution Differences for Security Applications", IEEE S&P 2011).
 *
 * A location (a register's bits, EFLAGS bits, or a linear memory range) holds
 * a value before step n.  chain_why walks back: the step that last wrote it
 * (an instruction, decoded by diffing/defuse: its register, flag and memory
 * operands, push/call/int stack stores, rep string iterations one step each;
 * or an event between two steps: SMM entry writing the state-save area, RSM
 * restoring from it, an interrupt frame, the CPU entering or leaving hv's own
 * code), then the input that value came from, until a value from outside the
 * guest (a port, the clock, the CPU, hv's code), a constant in the code, or
 * the start of the trace.  A store that wrote only part of a memory location
 * becomes a link of its own width; chain_why then walks the other bytes too,
 * appending their links.  chain_diff does it in both runs at once from the
 * step where they part, following at each link the input whose value differs
 * between the runs.
 *
 * Pure: steps come through the run's read callback, nothing is printed or
 * stored.  Memory stores are reconstructed from decoded operands and recorded
 * registers, unless the run supplies recorded accesses (last_store), which
 * then win.
 */
#ifndef HVT_CHAIN_H
#define HVT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/hvt_error.h"
#include "diffing/align.h"
#include "diffing/defuse.h"

enum chain_loc_kind { CHAIN_LOC_NONE, CHAIN_LOC_REG, CHAIN_LOC_FLAGS, CHAIN_LOC_MEM };

struct chain_loc {
    uint8_t kind;               /* enum chain_loc_kind */
    struct defuse_reg reg;      /* REG */
    uint32_t flags;             /* FLAGS: EFLAGS bits */
    uint64_t addr;              /* MEM: linear */
    uint32_t len;
};

enum chain_link_kind {
    CHAIN_DECIDES,      /* the step whose outcome differs read loc */
    CHAIN_PRODUCED,     /* the instruction at step wrote loc from its inputs */
    CHAIN_LOADED,       /* it loaded loc from memory (link.from) */
    CHAIN_STORED,       /* it stored into the memory loc */
    CHAIN_EVENT,        /* an event between step and step+1 wrote loc */
    CHAIN_START,        /* nothing in the trace wrote loc: it held this before it began */
    CHAIN_OUTSIDE,      /* the value came from outside the guest (cause says what) */
    CHAIN_CONSTANT,     /* the value is a constant of the guest's code at step */
};

enum chain_cause {
    CHAIN_C_NONE,
    CHAIN_C_SMM_ENTRY,  /* SMI taken: state-save area written, SMM state loaded */
    CHAIN_C_RSM,        /* RSM: registers restored from the state-save area */
    CHAIN_C_INTERRUPT,  /* an interrupt frame pushed without an instruction */
    CHAIN_C_VMEXIT,     /* the CPU left the guest for hv's code */
    CHAIN_C_VMRUN,      /* hv resumed the guest */
    CHAIN_C_HV,         /* written by hv's own code (an excluded range) */
    CHAIN_C_PORT,       /* read from an I/O port: a device */
    CHAIN_C_CLOCK,      /* rdtsc */
    CHAIN_C_CPU,        /* cpuid, rdmsr...: what the (virtual) CPU reports */
    CHAIN_C_SMI_IN_HV,  /* SMM entered from hv's code: the save area holds hv's registers */
    CHAIN_C_IMAGE,      /* the code differs because the runs booted different images */
    CHAIN_C_DMA,        /* memory no instruction wrote changed: a device wrote it (DMA) */
    CHAIN_C_NCAUSES
};

#define CHAIN_NOTE 320     /* a DMA link names the value, the store before it and the request */

struct chain_link {
    uint8_t kind;               /* enum chain_link_kind */
    uint8_t cause;              /* enum chain_cause */
    uint8_t has_value;
    uint64_t step;              /* the step that decided, wrote or (event) preceded */
    uint64_t pc;                /* linear pc of that step */
    uint32_t repeat;            /* the same instruction carried the value round a loop
                                 * this many more times before (step: the last time, whose
                                 * value the reader read; first: the earliest) */
    uint64_t first;
    uint64_t related;           /* VMEXIT: the guest's last step; SMM: the SMI's step */
    uint8_t has_related;
    struct chain_loc loc;       /* the value this link explains */
    uint64_t value;             /* loc's value (registers, flags; memory up to 8 bytes) */
    struct chain_loc from;      /* the input it came from (kind NONE: none followed) */
    char note[CHAIN_NOTE];      /* one line: what happened, in words */
};

#define CHAIN_MAX 24

struct chain {
    struct chain_link link[CHAIN_MAX];
    size_t n;
};

struct chain_idx;

/* One run as the walker reads it. */
struct chain_run {
    uint64_t nsteps;
    /* Steps [from, from+count) into out (count <= CHAIN_BLOCK); *got how many. */
    int (*read)(void *priv, uint64_t from, uint64_t count, struct hvt_step *out,
                size_t *got, hvt_error *err);
    /* Optional: recorded memory accesses.  The last step < before that stored
     * into [addr, addr+len): 1 found (*step), 0 none in the trace, -1 not
     * recorded there (reconstruct from operands). */
    int (*last_store)(void *priv, uint64_t before, uint64_t addr, uint32_t len,
                      uint64_t *step);
    /* Optional: recorded memory accesses.  The len (<= 8) bytes at addr that
     * step read (a recorded read covering them): 0 and *value, -1 if none. */
    int (*read_value)(void *priv, uint64_t step, uint64_t addr, uint32_t len,
                      uint64_t *value);
    /* Optional: len (<= 8) bytes at addr when the trace began (a snapshot). */
    int (*start_mem)(void *priv, uint64_t addr, uint32_t len, uint64_t *value);
    void *priv;
    const char *before;         /* optional: who ran before the trace began, e.g. "hv" */
    const char *image;          /* optional: the guest image's identity (its sha256) */
    const struct align_range *excl;     /* hv's own code */
    size_t nexcl;
    /* Optional: what each block of the run's steps may write (chain_idx.h),
     * so that a scan back skips the blocks that cannot hold the writer. */
    const struct chain_idx *idx;
};

#define CHAIN_BLOCK 4096

/* Parse "eax", "zf", "cs" ... into a location; -1 if not a register or flag. */
int chain_loc_parse_reg(const char *name, struct chain_loc *out);

/* The chain of the value loc holds before `step` in run r. */
int chain_why(const struct chain_run *r, uint64_t step, const struct chain_loc *loc,
              struct chain *out, hvt_error *err);

/* The flags the walk models: CF PF AF ZF SF TF IF DF OF (Intel SDM vol 1,
 * 3.4.3; EFLAGS bits 0, 2, 4, 6-11). */
#define CHAIN_EFLAGS_ALL 0xfd5u

/* One group of flags with the same last writer, and its chain. */
struct chain_flag_group {
    uint32_t flags;
    struct chain chain;
};

/* EFLAGS before `step`, flag by flag (diffing/chain_flags.c): the flags of
 * `flags` grouped by the instruction or event that last wrote them, latest
 * writer first, each group with the chain of exactly its flags.  At most cap
 * groups; *n how many. */
int chain_why_flags(const struct chain_run *r, uint64_t step, uint32_t flags,
                    struct chain_flag_group *out, size_t cap, size_t *n, hvt_error *err);

/* The runs part after last[0] in A and last[1] in B (the last common step,
 * the same instruction on both sides): what that step decided from, and the
 * chains behind it in both runs, following the differing inputs.  When the
 * next instructions sit at the same pc with different bytes, the code itself
 * differs: the chain ends there if the runs' images differ, else it walks
 * back who wrote the code bytes. */
int chain_diff(const struct chain_run r[2], const uint64_t last[2], struct chain out[2],
               hvt_error *err);

/* What sits behind I/O port `port` (diffing/ports.c): "the clock (the ACPI
 * PM timer)", "a device (the IDE disk: ...)", "QEMU's fw_cfg: ..."; *clock 1
 * for a clock.  NULL for a port not known. */
const char *chain_port_name(unsigned port, int *clock);

/* "eax", "zf|cf", "[0x54, 4 bytes]" */
void chain_loc_format(const struct chain_loc *l, char *buf, size_t n);
const char *chain_kind_name(enum chain_link_kind k);    /* "decides", "produced", ... */
const char *chain_cause_name(enum chain_cause c);       /* "smm-entry", "hv", ... */

#endif
