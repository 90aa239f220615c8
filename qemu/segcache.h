/*
 * segcache: the descriptor caches (segment bases, limits, attributes), GDTR,
 * IDTR and the SMM flag for an engine whose per-step state (QEMU's `g`) lacks
 * them.  They are read from QEMU's `info registers` (~520 us a read) only
 * where they can change, and carried forward in between.
 *
 * Where they change (Intel SDM vol 3A 3.4.3, 9.9.1; vol 3B 20.1.1; vol 3C 34):
 *   - real mode (CR0.PE=0) or virtual-8086: a segment load sets the selector
 *     and base = selector * 16 and keeps limit and attributes (QEMU 7.2 does
 *     the same: translate.c loads only selector and base outside protected
 *     mode): computed here, no read;
 *   - protected mode: any selector load (mov/pop to a segment register, lds &
 *     co, far jmp/call/ret, iret, int, task switch), and lgdt/lidt/lldt/ltr,
 *     SVM's vmrun/vmload/#VMEXIT: read again;
 *   - a write to CR0 or EFER (mode switch: the caches stay, what they mean
 *     changes), SMM entry and rsm, any event between steps: read again.
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
