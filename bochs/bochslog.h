/*
 * bochslog: a streaming parser of the text Bochs 2.7's internal debugger prints
 * (Debian's bochs, --enable-debugger), the state source of the Bochs engine.
 *
 * Feed it byte chunks of any size; it calls on_step once per executed
 * instruction, with the state before it and the memory accesses it made.  It
 * does no I/O and never prints.
 *
 * What Bochs prints (read in bx_debug/dbg_main.cc, seen in the fixtures of
 * tests/unit/data/bochslog/, recorded by its capture.sh):
 *
 * 1. `trace-reg on` makes every instruction display start with the general
 *    registers: "CPU0:", then "rax: 00000000_0000aa55" ... "r15: ...", "rip: ...",
 *    "eflags 0x00000082: id vip ..." (18 lines).  Nothing else: no selectors,
 *    control or descriptor-table registers.
 * 2. An instruction display is "(0) [0xLINEAR] SEL:OFF (ctx): disasm ; bytes"
 *    after "Next at t=TICK" (where a `s`/`c` stopped: the next instruction, not
 *    yet executed), or "(0).[TICK] [0xLINEAR] ..." with `trace on` (each
 *    instruction as it is about to execute).  OFF has 4 digits in real mode and
 *    16 once CR0.PE is set.  LINEAR - RIP is CS's base, exactly.
 * 3. `trace-mem on` prints each access an instruction makes *after* that
 *    instruction's display: "[CPU0 WR]: LIN 0x.. PHY 0x.. (len=2, UC): 0x7C15"
 *    (RD WR EX RW SR SW -- SRW), and physical-only accesses (page walks, VMCS)
 *    "[CPU0 RD]: PHY 0x.. (len=8, WB): 0xHI 0xLO\t; PDE".  Values: len 1/2/4 one
 *    hex number, 8 two dwords high first, 16+ dwords high first, other lengths
 *    bytes high first without a colon.  Instruction fetches are not printed.
 * 4. `sreg`: "es:0x0000, dh=0x00009300, dl=0x0000ffff, valid=1" (descriptor
 *    high and low dwords) and, when valid, a text line with "base=0x.., limit=0x..";
 *    then ldtr, tr, "gdtr:base=0x.., limit=0x..", "idtr:...".  `creg`:
 *    "CR0=0x..:", "CR2=page fault laddr=0x..", "CR3=0x..", "CR4=0x..:", "EFER=0x..:".
 * 5. Commands read from a pipe are echoed after a "<bochs:N> " prompt; commands
 *    from an -rc file are not.  The prompt of the command Bochs waits for has no
 *    newline yet: bochslog_prompt() reports it (the engine's flow control).
 *
 * Step rule: a state is pending until a state with another tick follows it; the
 * accesses printed in between are its instruction's.  A state with the pending
 * one's tick (the "Next at" display, then the same instruction traced by the
 * next `s N`) is the same state.  sreg/creg output applies to the pending state
 * and to every later one until the next sreg/creg: `fresh` says whether a step
 * had its own (the engine asks for them after every step; with `s N` chunks only
 * the last step of a chunk gets them).  The pending state is never delivered
 * (its instruction has not run): bochslog_current shows it.
 *
 * Limits: lines longer than BOCHSLOG_MAX_LINE are errors (dropped); at most
 * BOCHSLOG_MAX_MEM accesses are kept per step, the rest counted in mem_dropped.
 */
#ifndef HVT_BOCHSLOG_H
#define HVT_BOCHSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

#define BOCHSLOG_MAX_LINE 4096
#define BOCHSLOG_MAX_MEM  256

/* Access types in Bochs' order (access_type[] in dbg_main.cc). */
enum bochslog_rw {
    BOCHSLOG_RD, BOCHSLOG_WR, BOCHSLOG_EX, BOCHSLOG_RW,
    BOCHSLOG_SR, BOCHSLOG_SW, BOCHSLOG_NONE, BOCHSLOG_SRW,
};

struct bochslog_mem {
    uint64_t lin;               /* linear address (0 when !has_lin) */
    uint64_t phys;
    uint64_t value;             /* the bytes as a little-endian number, when has_value */
    uint32_t len;
    uint8_t rw;                 /* enum bochslog_rw */
    uint8_t has_lin;            /* 0: a physical access (page walk, VMCS ...) */
    uint8_t has_value;          /* 1 for len <= 8 */
};

struct bochslog_step {
    struct hvt_state st;        /* GPRs, RIP, EFLAGS, CS sel+base from the display;
                                 * the rest from the last sreg/creg (see fresh) */
    uint64_t tick;              /* Bochs' t= */
    uint64_t linear;            /* the display's [0x..]: CS.base + RIP */
    uint8_t insn[16];
    uint8_t insn_len;
    uint8_t pmode_form;         /* OFF printed with 16 digits (CR0.PE set) */
    uint8_t fresh;              /* sreg and creg were printed for this very state */
    char disasm[96];
    const struct bochslog_mem *mem;
    size_t nmem;
    size_t mem_dropped;         /* accesses beyond BOCHSLOG_MAX_MEM */
};

/* Return 0 to go on, non-zero to stop: the parser then ignores all later input
 * (bochslog_feed returns 1).  The pointer is valid only during the call. */
typedef int (*bochslog_step_fn)(void *priv, const struct bochslog_step *s);

struct bochslog_stats {
    uint64_t steps;             /* on_step calls */
    uint64_t mem;               /* accesses parsed */
    uint64_t errors;            /* malformed lines, dropped */
    uint64_t skipped;           /* other lines (banners, other commands' output) */
    uint64_t lines;
};

struct bochslog;

/* Returns NULL only if out of memory. */
struct bochslog *bochslog_new(bochslog_step_fn on_step, void *priv);
void bochslog_free(struct bochslog *p);
int bochslog_feed(struct bochslog *p, const void *buf, size_t len);
/* End of stream: a last line without '\n' is parsed.  The pending state stays
 * pending.  Returns as bochslog_feed. */
int bochslog_finish(struct bochslog *p);
/* Drop the pending state undelivered: the CPU is resumed with `c`, so the next
 * display is not the state after its instruction. */
void bochslog_forget(struct bochslog *p);
/* The state Bochs stopped at (its instruction not executed), or NULL. */
const struct bochslog_step *bochslog_current(const struct bochslog *p);
/* N of a "<bochs:N> " prompt ending the input so far (Bochs waits for command
 * N), else 0. */
uint64_t bochslog_prompt(const struct bochslog *p);
const struct bochslog_stats *bochslog_stats(const struct bochslog *p);
/* The first error, "line N: what" (empty if none). */
const char *bochslog_first_error(const struct bochslog *p);

/* Bochs 2.7 delivers a pending hardware interrupt inside `s 1`, before the
 * instruction it was about to run, which then does not run (the handler
 * returns to it), and runs the handler's first instruction: the step it
 * prints is that instruction's, with the interrupt's accesses.  1 and the
 * vector when step s is that:
 * - real mode (SDM vol 3 20.1.4): FLAGS, CS, IP written at SS:SP-2..-6 with
 *   s's own CS and IP, and the IVT entry of a PIC vector, 08h-0Fh or 70h-77h,
 *   read; faults (vectors 0-7) are left as steps;
 * - protected mode, 32-bit gate, no privilege change (SDM vol 3 6.12.1):
 *   the IDT gate of a vector 20h-FFh read, EFLAGS, CS, EIP written as dwords
 *   at SS:ESP-4..-12 with s's own CS and EIP (exceptions, 0-1Fh, stay steps).
 * Not recognised: virtual-8086 mode, long mode, 16-bit gates, a stack switch. */
int bochslog_irq_delivered(const struct bochslog_step *s, int *vector);

/* The state the delivery in s (bochslog_irq_delivered: vector) produced,
 * before the handler's first instruction: s's state so changed, into out.
 * Real mode (SDM vol 3 20.1.4): SP - 6; IF, TF and AC cleared; CS:IP from the
 * IVT entry s read, CS.base = CS * 16.  Protected mode (6.12.1): ESP - 12; TF,
 * VM, RF, NT cleared, IF too through an interrupt gate; CS:EIP from the IDT
 * gate s read, CS's base, limit and attributes from the GDT descriptor s read.
 * 0, or -1 when s does not hold those reads. */
int bochslog_irq_entry_state(const struct bochslog_step *s, int vector, struct hvt_state *out);

#endif
