/*
 * hv: the arch-neutral core of the hypervisor and the one table through which it
 * drives the CPU.
 *
 * The core (this directory) owns everything that does not depend on the
 * virtualization extension: multiboot entry glue, console, logging, boot options,
 * the E820 map and its int 15h emulation, the guest's initial real-mode state and
 * the run loop.  A backend (svm/ for AMD, vmx/ for Intel) fills one `struct hv_ops`
 * with designated initializers and decodes its own exits into `struct hv_exit`; the
 * core never touches a VMCB or VMCS.  Both backends are in every image; main.c
 * picks one by CPUID at boot.
 *
 * The two backends mirror each other file for file (vmx_main.c ↔ svm_main.c,
 * vmx_ept.c ↔ svm_npt.c, vmx_run.c ↔ svm_run.c, vmcs.h ↔ vmcb.h, vmx_switch.S ↔
 * svm_switch.S).  Exits the core need not see (VMX: CPUID, CR0/CR4 writes to
 * host-owned bits) are handled inside the backend.  An "SMI intercept" is what the
 * extension allows: SVM intercepts the SMI itself and holds it until host_window;
 * VMX cannot (no SMM monitor), so it intercepts the guest's OUT to the APM port
 * 0B2h that raises it and holds that OUT until host_window (vmx/vmx_run.c).
 */
#ifndef HV_HV_H
#define HV_HV_H

#include "hv/types.h"

/* Guest registers the core reads or writes.  Order is the backend's business. */
enum hv_reg {
    HV_RAX, HV_RBX, HV_RCX, HV_RDX, HV_RSI, HV_RDI, HV_RBP, HV_RSP,
    HV_RIP, HV_RFLAGS, HV_CR0, HV_CR3, HV_CR4, HV_EFER, HV_DR6, HV_DR7,
    HV_NREG
};

/* Segments and descriptor-table registers; GDTR/IDTR use only base and limit. */
enum hv_sreg { HV_ES, HV_CS, HV_SS, HV_DS, HV_FS, HV_GS, HV_GDTR, HV_LDTR, HV_IDTR, HV_TR,
               HV_NSREG };

/* attr is the 12-bit packed form used by the VMCB (APM vol 2 15.5.1): descriptor
 * bits 40-47 in attr 0-7, bits 52-55 in attr 8-11.  VMX unpacks it. */
struct hv_segment {
    u16 sel;
    u16 attr;
    u32 limit;
    u64 base;
};

/* What ended a guest run, as the core sees it. */
enum hv_exit_kind {
    HV_EXIT_HYPERCALL,   /* VMMCALL/VMCALL; rip already advanced past it */
    HV_EXIT_SMI,         /* an SMI arrived while the SMI intercept was on */
    HV_EXIT_HLT,         /* HLT while the HLT intercept was on; rip at the hlt */
    HV_EXIT_NPF,         /* nested/extended page fault: gpa = guest-physical address */
    HV_EXIT_SHUTDOWN,    /* triple fault */
    HV_EXIT_VMFAIL,      /* the world switch itself failed (invalid guest state) */
    HV_EXIT_OTHER        /* anything else: the core stops the guest */
};

struct hv_exit {
    enum hv_exit_kind kind;
    u32 code;            /* the backend's raw exit code, for the log */
    u64 info1, info2;    /* the backend's raw exit qualifications, for the dump */
    u64 gpa;             /* HV_EXIT_NPF only */
    int write;           /* HV_EXIT_NPF only: the access was a write */
    u16 cs;              /* CS selector and RIP of the instruction that exited */
    u64 rip;
};

enum hv_icpt { HV_ICPT_SMI, HV_ICPT_HLT };

struct hv_ops {
    const char *name;
    u8 hypercall[3];     /* the hypercall instruction's bytes, for the BIOS stubs */
    const char *npf_name;   /* what the log calls a nested page fault */
    /* 0 if this CPU can run the backend; else -1 with one line in why[0..n). */
    int  (*probe)(char *why, size_t n);
    /* Turns the extension on and builds the control structures.  The guest may
     * touch all of the first 4 GiB except [hole_lo, hole_hi) (2 MiB aligned). */
    int  (*init)(u64 hole_lo, u64 hole_hi, char *why, size_t n);
    u64  (*get)(enum hv_reg r);
    void (*set)(enum hv_reg r, u64 v);
    void (*get_seg)(enum hv_sreg s, struct hv_segment *out);
    void (*set_seg)(enum hv_sreg s, const struct hv_segment *in);
    void (*intercept)(enum hv_icpt what, int on);
    /* Runs the guest until an exit the core must see.  Host events (SMI, NMI) stay
     * held when it returns; host_window lets pending ones in, then holds again. */
    void (*run)(struct hv_exit *ex);
    void (*host_window)(void);
};

/* The backends that exist; main.c picks one. */
extern const struct hv_ops hv_svm_ops;
extern const struct hv_ops hv_vmx_ops;

#endif
