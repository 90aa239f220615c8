/*
 * vmcb: the AMD SVM Virtual Machine Control Block, declared once.
 *
 * Layout from AMD64 Architecture Programmer's Manual vol 2 (rev 3.40), appendix B:
 * table B-1 (control area, offsets 000h-3FFh) and table B-2 (state save area,
 * offsets 400h-FFFh, given here from the start of the VMCB).  Only fields hv uses
 * are named; the rest is reserved padding, so every named field sits at the offset
 * in its comment in both the i386 and the x86_64 build (the asserts at the end
 * check that, since i386 aligns u64 struct members to 4 bytes only).
 */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include "hv/types.h"

/* Table B-1, offset 00Ch (vector 3) and 010h (vector 4): intercept bits. */
#define VMCB_I3_SMI        (1u << 2)
#define VMCB_I3_HLT        (1u << 24)
#define VMCB_I3_MSR_PROT   (1u << 28)
#define VMCB_I3_SHUTDOWN   (1u << 31)
#define VMCB_I4_VMRUN      (1u << 0)
#define VMCB_I4_VMMCALL    (1u << 1)
#define VMCB_I4_VMLOAD     (1u << 2)
#define VMCB_I4_VMSAVE     (1u << 3)
#define VMCB_I4_STGI       (1u << 4)
#define VMCB_I4_CLGI       (1u << 5)
#define VMCB_I4_SKINIT     (1u << 6)

/* Appendix C: exit codes hv decodes. */
#define VMEXIT_SMI         0x062
#define VMEXIT_HLT         0x078
#define VMEXIT_SHUTDOWN    0x07f
#define VMEXIT_VMMCALL     0x081
#define VMEXIT_NPF         0x400
#define VMEXIT_INVALID     0xffffffffu   /* -1; QEMU 7 stores only the low 32 bits */

#define VMCB_TLB_FLUSH_ALL 1             /* offset 05Ch */
#define VMCB_NP_ENABLE     1ull          /* offset 090h bit 0 */
#define VMCB_EVENT_VALID   (1ull << 31)  /* EXITINTINFO / EVENTINJ bit 31 (15.20) */
#define VMCB_NPF_WRITE     (1ull << 1)   /* EXITINFO1 of #NPF: page-fault error code */

/* Table B-2: a segment register in the save area, 16 bytes. */
struct vmcb_seg {
    u16 sel;
    u16 attr;                 /* packed: descriptor bits 40-47 and 52-55 */
    u32 limit;
    u64 base;
};

struct vmcb_control {
    u32 icpt_cr;              /* 000h: CR0-15 reads (0-15), writes (16-31) */
    u32 icpt_dr;              /* 004h */
    u32 icpt_exc;             /* 008h: exception vectors */
    u32 icpt3;                /* 00Ch: INTR ... SHUTDOWN */
    u32 icpt4;                /* 010h: VMRUN ... */
    u32 icpt5;                /* 014h */
    u8  rsvd_018[0x03c - 0x018];
    u16 pause_threshold;      /* 03Ch */
    u16 pause_count;          /* 03Eh */
    u64 iopm_pa;              /* 040h */
    u64 msrpm_pa;             /* 048h */
    u64 tsc_offset;           /* 050h */
    u32 asid;                 /* 058h */
    u8  tlb_control;          /* 05Ch */
    u8  rsvd_05d[3];
    u64 int_ctl;              /* 060h: V_TPR, V_IRQ, V_INTR_MASKING ... */
    u64 int_state;            /* 068h: interrupt shadow */
    u64 exitcode;             /* 070h */
    u64 exitinfo1;            /* 078h */
    u64 exitinfo2;            /* 080h */
    u64 exitintinfo;          /* 088h */
    u64 np_enable;            /* 090h */
    u64 avic_apic_bar;        /* 098h */
    u64 ghcb_pa;              /* 0A0h */
    u64 eventinj;             /* 0A8h */
    u64 n_cr3;                /* 0B0h */
    u64 lbr_virt;             /* 0B8h */
    u32 clean;                /* 0C0h */
    u32 rsvd_0c4;
    u64 nrip;                 /* 0C8h: only with the nRIP-save feature (not in TCG) */
    u8  insn_len;             /* 0D0h */
    u8  insn_bytes[15];       /* 0D1h */
    u8  rsvd_0e0[0x400 - 0x0e0];
};

struct vmcb_save {
    struct vmcb_seg es;       /* 400h */
    struct vmcb_seg cs;       /* 410h */
    struct vmcb_seg ss;       /* 420h */
    struct vmcb_seg ds;       /* 430h */
    struct vmcb_seg fs;       /* 440h */
    struct vmcb_seg gs;       /* 450h */
    struct vmcb_seg gdtr;     /* 460h */
    struct vmcb_seg ldtr;     /* 470h */
    struct vmcb_seg idtr;     /* 480h */
    struct vmcb_seg tr;       /* 490h */
    u8  rsvd_4a0[0x4cb - 0x4a0];
    u8  cpl;                  /* 4CBh */
    u32 rsvd_4cc;
    u64 efer;                 /* 4D0h */
    u8  rsvd_4d8[0x548 - 0x4d8];
    u64 cr4;                  /* 548h */
    u64 cr3;                  /* 550h */
    u64 cr0;                  /* 558h */
    u64 dr7;                  /* 560h */
    u64 dr6;                  /* 568h */
    u64 rflags;               /* 570h */
    u64 rip;                  /* 578h */
    u8  rsvd_580[0x5d8 - 0x580];
    u64 rsp;                  /* 5D8h */
    u8  rsvd_5e0[0x5f8 - 0x5e0];
    u64 rax;                  /* 5F8h */
    u64 star;                 /* 600h */
    u64 lstar;                /* 608h */
    u64 cstar;                /* 610h */
    u64 sfmask;               /* 618h */
    u64 kernel_gs_base;       /* 620h */
    u64 sysenter_cs;          /* 628h */
    u64 sysenter_esp;         /* 630h */
    u64 sysenter_eip;         /* 638h */
    u64 cr2;                  /* 640h */
    u8  rsvd_648[0x668 - 0x648];
    u64 g_pat;                /* 668h */
    u64 dbgctl;               /* 670h */
    u8  rsvd_678[0x1000 - 0x678];
};

struct vmcb {
    struct vmcb_control ctl;
    struct vmcb_save save;
};

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one 4 KiB page (APM vol 2 15.5)");
_Static_assert(offsetof(struct vmcb, ctl.asid) == 0x058, "VMCB ASID at 058h");
_Static_assert(offsetof(struct vmcb, ctl.exitcode) == 0x070, "VMCB EXITCODE at 070h");
_Static_assert(offsetof(struct vmcb, ctl.n_cr3) == 0x0b0, "VMCB N_CR3 at 0B0h");
_Static_assert(offsetof(struct vmcb, ctl.insn_bytes) == 0x0d1, "VMCB guest bytes at 0D1h");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb, "VMCB CPL at 4CBh");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "VMCB EFER at 4D0h");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB RIP at 578h");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8, "VMCB RSP at 5D8h");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "VMCB RAX at 5F8h");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB G_PAT at 668h");

#endif
