/*
 * segcache: the descriptor caches (segment bases, limits, attributes), GDTR,
 * IDTR and the SMM flag for an engine whose per-step state (QEMU's `g`) lacks
 * them.  They are read from QEMU's `info registers` (~520 us a read) only
 * where they can change, and carried forward in between.
 *
 * Where they change, and what makes this rule re-read them (SDM = Intel SDM
 * vol 3A/3B/3C, APM = AMD APM vol 2):
 *   - real mode (CR0.PE=0) or virtual-8086: a segment load sets the selector
 *     and base = selector * 16 and keeps limit and attributes (SDM 20.1.1;
 *     QEMU 7.2 does the same: translate.c loads only selector and base outside
 *     protected mode): computed here, no read;
 *   - in ANY mode, an instruction that loads a system register: LGDT/LIDT
 *     (0F 01 /2, /3 with a memory operand; SDM vol 2A LGDT/LIDT, and 20.1.4:
 *     LIDT in real mode moves the IVT), LLDT/LTR (0F 00 /2, /3; #UD in real
 *     mode, which is an event), RSM (0F AA; SDM 32.5 restores the whole
 *     state, GDTR/IDTR and the caches included, from the state-save area),
 *     SVM's VMRUN and VMLOAD (0F 01 D8, DA; APM 15.5.1 VMRUN loads the guest's
 *     ES/CS/SS/DS, GDTR/IDTR, CR0/3/4 and EFER from the VMCB, 15.5.2 VMLOAD
 *     FS/GS/TR/LDTR): read again;
 *   - a change of CR0, CR3, CR4 or EFER, or of EFLAGS.VM, seen in `g`: a mode
 *     switch (the caches stay, what they mean changes), and the trace of a
 *     world switch no instruction names: a #VMEXIT loads the host's GDTR/IDTR,
 *     segments, CR0/3/4 and EFER from the host save area (APM 15.6), a task
 *     switch CR3 (SDM 7.3); read again;
 *   - protected mode: any selector load (mov/pop to a segment register, lds &
 *     co, far jmp/call/ret, iret, int, a task switch through a TSS or task gate,
 *     SDM 7.3), 0F 00 / 0F 01, syscall/sysret/sysenter/sysexit: read again;
 *   - an event between steps (interrupt, exception, SMM entry: SDM 32.3.1
 *     saves the state and enters a real-mode-like state with its own caches),
 *     and what QEMU's log names without an instruction (#VMEXIT's "vmexit(",
 *     "vmrun!", "SMM: after RSM", a reset or INIT's "CPU Reset": SDM 9.1.1
 *     GDTR/IDTR base 0 limit FFFFh): the engine reads anyway; without a log,
 *     a state at the reset vector f000:fff0 counts as a reset.
 * So the step after `mov %eax,%cr0` still runs with the real-mode CS cache
 * (16-bit, base 7c00 in pmswitch.S) until the far jump reloads CS.
 *
 * Pure apart from the parse (which uses qemulog's parser of the same dump).
 */
#ifndef HVT_SEGCACHE_H
#define HVT_SEGCACHE_H

#include "common/cpu_state.h"

struct segcache {
    int valid;
    struct hvt_state st;        /* state as of the last read (all groups) */
};

/* Parse QEMU's `info registers` text (x86_cpu_dump_state) into *st. */
int segcache_parse(const char *text, struct hvt_state *st);
/* Take a fresh read. */
void segcache_set(struct segcache *c, const struct hvt_state *read);
/* Must the caches be read again before trusting them for `after`, the state
 * after `before`'s instruction ran?  (Events: the caller reads anyway.) */
int segcache_stale(const struct segcache *c, const struct hvt_step *before,
                   const struct hvt_state *after);
/* Copy the caches into st (segment descriptors, GDTR/IDTR, SMM), moving the
 * real-mode bases of segments `ran` (the instruction that led to st, or NULL)
 * loaded, or whose selector changed, since the read. */
void segcache_apply(struct segcache *c, const struct hvt_step *ran, struct hvt_state *st);

#endif
