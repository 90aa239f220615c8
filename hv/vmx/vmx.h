/*
 * vmx: what the VMX backend's files share (vmx_main.c, vmx_run.c, vmx_ept.c,
 * vmx_switch.S).  Nothing here is visible to the core, which sees only
 * hv_vmx_ops (hv.h).
 */
#ifndef HV_VMX_VMX_H
#define HV_VMX_VMX_H

#include "hv/hv.h"
#include "hv/vmx/vmcs.h"

/* Guest registers that VM entry and exit do not switch: VMX keeps only RSP and
 * RIP in the VMCS (SDM vol 3 27.5.3: RAX is not saved either, unlike VMRUN).
 * vmx_switch.S loads them before VMLAUNCH/VMRESUME and stores them after the exit.
 * Field order is fixed by vmx_switch.S's offsets. */
struct vmx_gprs {
    ulong rax, rbx, rcx, rdx, rsi, rdi, rbp;
#ifdef __x86_64__
    ulong r8, r9, r10, r11, r12, r13, r14, r15;
#endif
};

/* The one virtual CPU.  Page-aligned members first: the VMXON region, the VMCS,
 * the I/O bitmaps A and B (ports 0000-7FFF, 8000-FFFF) and the MSR bitmap (24.6.4,
 * 24.6.9).  Bitmaps stay zero except port 0B2h while the SMI intercept is on. */
struct vmx_vcpu {
    struct vmx_region vmxon;
    struct vmx_region vmcs;
    u8 io_a[4096];
    u8 io_b[4096];
    u8 msr_bitmap[4096];
    struct vmx_gprs gprs;
    u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;   /* guest-owned bits allowed */
    u32 proc_ctls;          /* the primary controls as last written */
    int launched;           /* VMLAUNCH done: the next entry is VMRESUME */
    int smi_held;           /* the guest's OUT to 0B2h intercepted and not yet done */
};

extern struct vmx_vcpu vmx_vcpu;

/* VMREAD/VMWRITE of any width; 64-bit fields are split on the i386 host. */
u64  vmx_read(u32 field);
void vmx_write(u32 field, u64 v);

/* vmx_switch.S: loads the guest GPRs from g, VMLAUNCH (launched = 0) or VMRESUME,
 * stores them back after the exit.  Returns 0 after a VM exit, 1 if the
 * instruction itself failed (VMfailValid/VMfailInvalid: no exit happened). */
int vmx_world_switch(struct vmx_gprs *g, int launched);
void vmx_exit_host_rip(void);           /* HOST_RIP: where VM exits land */

/* vmx_ept.c: builds the EPT paging structures; returns the EPT pointer. */
u64 vmx_ept_build(u64 hole_lo, u64 hole_hi);

/* vmx_main.c: register access the exit handlers share with the ops table. */
u64  vmx_get(enum hv_reg r);
void vmx_set(enum hv_reg r, u64 v);

/* vmx_run.c: the run-related members of hv_vmx_ops. */
void vmx_run(struct hv_exit *ex);
void vmx_host_window(void);
void vmx_intercept(enum hv_icpt what, int on);

#endif
