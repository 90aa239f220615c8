/*
 * svm: what the SVM backend's files share (svm_main.c, svm_run.c, svm_npt.c,
 * svm_switch.S).  Nothing here is visible to the core, which sees only
 * hv_svm_ops (hv.h).
 */
#ifndef HV_SVM_SVM_H
#define HV_SVM_SVM_H

#include "hv/hv.h"
#include "hv/svm/vmcb.h"

#define MSR_EFER         0xc0000080
#define MSR_VM_CR        0xc0010114
#define MSR_VM_HSAVE_PA  0xc0010117
#define EFER_SVME        (1ull << 12)

/* Guest registers VMRUN does not switch (APM vol 2 15.5.1: it swaps only RAX, RSP,
 * RIP); svm_switch.S loads them before VMRUN and stores them after #VMEXIT.
 * Field order is fixed by svm_switch.S's offsets. */
struct svm_gprs {
    ulong rbx, rcx, rdx, rsi, rdi, rbp;
#ifdef __x86_64__
    ulong r8, r9, r10, r11, r12, r13, r14, r15;
#endif
};

/* The one virtual CPU.  Page-aligned members first: the VMCB, the host save area,
 * and the I/O and MSR permission maps (APM vol 2 15.10-15.11: 12 KiB and 8 KiB). */
struct svm_vcpu {
    struct vmcb vmcb;
    u8 hsave[4096];
    u8 iopm[3 * 4096];
    u8 msrpm[2 * 4096];
    struct svm_gprs gprs;
    u64 rip_copy;          /* guest RIP before the last VMRUN: QEMU mangles it on a failed one */
    int gif_held;          /* CLGI done, STGI not yet */
};

extern struct svm_vcpu svm_vcpu;

/* svm_switch.S: VMLOAD, VMRUN, VMSAVE with rAX = vmcb_pa, guest GPRs from/to g. */
void svm_world_switch(uintptr_t vmcb_pa, struct svm_gprs *g);

/* svm_npt.c: builds the nested page tables; returns N_CR3. */
u64 svm_npt_build(u64 hole_lo, u64 hole_hi);

/* svm_run.c: the run-related members of hv_svm_ops. */
void svm_run(struct hv_exit *ex);
void svm_host_window(void);
void svm_intercept(enum hv_icpt what, int on);

#endif
