/*
 * vmcs: Intel VMX field encodings, exit reasons, control bits and capability MSRs,
 * declared once.
 *
 * Unlike the VMCB, the VMCS layout in memory is the CPU's secret (SDM vol 3 24.2):
 * software reaches fields only through VMREAD/VMWRITE with a 32-bit encoding.
 * Encodings are from Intel SDM vol 3 (Dec 2022) appendix B, tables B-1 to B-14;
 * the encoding itself says how wide a field is (24.11.2): bit 0 access type (1 =
 * high half of a 64-bit field), bits 9:1 index, bits 11:10 type (0 control,
 * 1 exit information, 2 guest state, 3 host state), bits 14:13 width (0 16-bit,
 * 1 64-bit, 2 32-bit, 3 natural).  vmx_main.c relies on the width to split 64-bit
 * fields on the i386 host, so the asserts at the end check the widths and the
 * regular spacing of the per-segment fields that vmx_main.c indexes.
 * Exit reasons: appendix C.  Control bits: 24.6-24.8.  MSRs: appendix A.
 */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H

#include "hv/types.h"

/* The 4 KiB VMXON region and VMCS region (24.2, 25.11.5): only the first dword,
 * the revision identifier from IA32_VMX_BASIC[30:0], is software's business. */
struct vmx_region {
    u32 revision;
    u32 abort;
    u8  data[4096 - 8];
};
_Static_assert(sizeof(struct vmx_region) == 4096, "VMXON/VMCS region is 4 KiB (A.1)");

#define VMCS_WIDTH(enc)   (((enc) >> 13) & 3)
#define VMCS_W16          0
#define VMCS_W64          1
#define VMCS_W32          2
#define VMCS_WNAT         3

/* B.1: 16-bit fields.  Guest selectors ES..TR at 0800h + 2i, host at 0C00h + 2i. */
#define VMCS_GUEST_ES_SEL        0x0800
#define VMCS_GUEST_CS_SEL        0x0802
#define VMCS_GUEST_TR_SEL        0x080e
#define VMCS_HOST_ES_SEL         0x0c00
#define VMCS_HOST_CS_SEL         0x0c02
#define VMCS_HOST_SS_SEL         0x0c04
#define VMCS_HOST_DS_SEL         0x0c06
#define VMCS_HOST_FS_SEL         0x0c08
#define VMCS_HOST_GS_SEL         0x0c0a
#define VMCS_HOST_TR_SEL         0x0c0c

/* B.2: 64-bit fields. */
#define VMCS_IO_BITMAP_A         0x2000
#define VMCS_IO_BITMAP_B         0x2002
#define VMCS_MSR_BITMAP          0x2004
#define VMCS_EPT_POINTER         0x201a
#define VMCS_GUEST_PHYS_ADDR     0x2400     /* exit information */
#define VMCS_LINK_POINTER        0x2800
#define VMCS_GUEST_DEBUGCTL      0x2802
#define VMCS_GUEST_EFER          0x2806
#define VMCS_HOST_EFER           0x2c02

/* B.3: 32-bit fields.  Guest limits ES..TR at 4800h + 2i, access rights at 4814h + 2i. */
#define VMCS_PIN_CTLS            0x4000
#define VMCS_PROC_CTLS           0x4002
#define VMCS_EXCEPTION_BITMAP    0x4004
#define VMCS_CR3_TARGET_COUNT    0x400a
#define VMCS_EXIT_CTLS           0x400c
#define VMCS_EXIT_MSR_STORE_CNT  0x400e
#define VMCS_EXIT_MSR_LOAD_CNT   0x4010
#define VMCS_ENTRY_CTLS          0x4012
#define VMCS_ENTRY_MSR_LOAD_CNT  0x4014
#define VMCS_ENTRY_INTR_INFO     0x4016
#define VMCS_ENTRY_EXC_ERROR     0x4018
#define VMCS_ENTRY_INSN_LEN      0x401a
#define VMCS_PROC_CTLS2          0x401e
#define VMCS_INSN_ERROR          0x4400     /* exit information from here to 440Eh */
#define VMCS_EXIT_REASON         0x4402
#define VMCS_IDT_VECT_INFO       0x4408
#define VMCS_IDT_VECT_ERROR      0x440a
#define VMCS_EXIT_INSN_LEN       0x440c
#define VMCS_GUEST_ES_LIMIT      0x4800
#define VMCS_GUEST_GDTR_LIMIT    0x4810
#define VMCS_GUEST_IDTR_LIMIT    0x4812
#define VMCS_GUEST_ES_AR         0x4814
#define VMCS_GUEST_TR_AR         0x4822
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY      0x4826
#define VMCS_GUEST_SYSENTER_CS   0x482a
#define VMCS_HOST_SYSENTER_CS    0x4c00

/* B.4: natural-width fields.  Guest bases ES..TR at 6806h + 2i. */
#define VMCS_CR0_MASK            0x6000
#define VMCS_CR4_MASK            0x6002
#define VMCS_CR0_SHADOW          0x6004
#define VMCS_CR4_SHADOW          0x6006
#define VMCS_EXIT_QUAL           0x6400
#define VMCS_GUEST_CR0           0x6800
#define VMCS_GUEST_CR3           0x6802
#define VMCS_GUEST_CR4           0x6804
#define VMCS_GUEST_ES_BASE       0x6806
#define VMCS_GUEST_TR_BASE       0x6814
#define VMCS_GUEST_GDTR_BASE     0x6816
#define VMCS_GUEST_IDTR_BASE     0x6818
#define VMCS_GUEST_DR7           0x681a
#define VMCS_GUEST_RSP           0x681c
#define VMCS_GUEST_RIP           0x681e
#define VMCS_GUEST_RFLAGS        0x6820
#define VMCS_GUEST_PENDING_DBG   0x6822
#define VMCS_GUEST_SYSENTER_ESP  0x6824
#define VMCS_GUEST_SYSENTER_EIP  0x6826
#define VMCS_HOST_CR0            0x6c00
#define VMCS_HOST_CR3            0x6c02
#define VMCS_HOST_CR4            0x6c04
#define VMCS_HOST_FS_BASE        0x6c06
#define VMCS_HOST_GS_BASE        0x6c08
#define VMCS_HOST_TR_BASE        0x6c0a
#define VMCS_HOST_GDTR_BASE      0x6c0c
#define VMCS_HOST_IDTR_BASE      0x6c0e
#define VMCS_HOST_SYSENTER_ESP   0x6c10
#define VMCS_HOST_SYSENTER_EIP   0x6c12
#define VMCS_HOST_RSP            0x6c14     /* written by vmx_switch.S before each entry */
#define VMCS_HOST_RIP            0x6c16

/* Index of a guest segment in the ES..TR field groups (B.1, B.3, B.4). */
enum vmx_seg_index { VMX_SEG_ES, VMX_SEG_CS, VMX_SEG_SS, VMX_SEG_DS, VMX_SEG_FS,
                     VMX_SEG_GS, VMX_SEG_LDTR, VMX_SEG_TR };

/* Appendix C: basic exit reasons (bits 15:0 of VMCS_EXIT_REASON; bit 31 = VM-entry
 * failure, with the guest-state, MSR-loading or machine-check reason below). */
#define VMX_EXIT_TRIPLE_FAULT    2
#define VMX_EXIT_CPUID           10
#define VMX_EXIT_HLT             12
#define VMX_EXIT_INVD            13
#define VMX_EXIT_VMCALL          18
#define VMX_EXIT_CR_ACCESS       28
#define VMX_EXIT_IO              30
#define VMX_EXIT_ENTRY_GUEST     33
#define VMX_EXIT_ENTRY_MSR       34
#define VMX_EXIT_ENTRY_MCE       41
#define VMX_EXIT_EPT_VIOLATION   48
#define VMX_EXIT_EPT_MISCONFIG   49
#define VMX_EXIT_XSETBV          55
#define VMX_EXIT_FAILED_ENTRY    (1u << 31)

/* Table 24-6: primary processor-based controls; 24-7: secondary. */
#define VMX_PROC_HLT             (1u << 7)
#define VMX_PROC_CR3_LOAD        (1u << 15)
#define VMX_PROC_CR3_STORE       (1u << 16)
#define VMX_PROC_IO_BITMAPS      (1u << 25)
#define VMX_PROC_MSR_BITMAPS     (1u << 28)
#define VMX_PROC_SECONDARY       (1u << 31)
#define VMX_PROC2_EPT            (1u << 1)
#define VMX_PROC2_UNRESTRICTED   (1u << 7)
/* Table 24-13: exit controls; 24-15: entry controls. */
#define VMX_EXIT_HOST_64         (1u << 9)
#define VMX_EXIT_SAVE_EFER       (1u << 20)
#define VMX_EXIT_LOAD_EFER       (1u << 21)
#define VMX_ENTRY_IA32E          (1u << 9)
#define VMX_ENTRY_LOAD_EFER      (1u << 15)

/* 24.8.3 / 24.9.3: event information (IDT-vectoring info, entry interruption info). */
#define VMX_EVENT_VALID          (1u << 31)
#define VMX_EVENT_HAS_ERROR      (1u << 11)
#define VMX_EVENT_TYPE(info)     (((info) >> 8) & 7)
#define VMX_EVENT_SOFT_INT       4          /* types 4-6 need an instruction length */

/* Exit qualifications: table 28-3 (CR access), 28-5 (I/O), 28-7 (EPT violation). */
#define VMX_QUAL_CR_NUM(q)       ((q) & 0xf)
#define VMX_QUAL_CR_TYPE(q)      (((q) >> 4) & 3)     /* 0 mov to CR, 1 mov from CR */
#define VMX_QUAL_CR_GPR(q)       (((q) >> 8) & 0xf)
#define VMX_QUAL_IO_IN           (1u << 3)
#define VMX_QUAL_IO_PORT(q)      (((q) >> 16) & 0xffff)
#define VMX_QUAL_EPT_WRITE       (1u << 1)

/* Appendix A: capability MSRs, and IA32_FEATURE_CONTROL (vol 4 table 2-2). */
#define MSR_FEATURE_CONTROL      0x03a
#define MSR_VMX_BASIC            0x480
#define MSR_VMX_PROCBASED        0x482
#define MSR_VMX_CR0_FIXED0       0x486
#define MSR_VMX_CR0_FIXED1       0x487
#define MSR_VMX_CR4_FIXED0       0x488
#define MSR_VMX_CR4_FIXED1       0x489
#define MSR_VMX_PROCBASED2       0x48b
#define MSR_VMX_EPT_VPID_CAP     0x48c
#define MSR_VMX_TRUE_PINBASED    0x48d      /* TRUE_* only with VMX_BASIC bit 55 (A.2) */
#define MSR_VMX_PINBASED         0x481
#define MSR_VMX_EXIT             0x483
#define MSR_VMX_ENTRY            0x484
#define MSR_EFER                 0xc0000080
#define FEATURE_CONTROL_LOCK     (1ull << 0)
#define FEATURE_CONTROL_VMXON    (1ull << 2)  /* VMXON outside SMX operation */
#define VMX_BASIC_TRUE_CTLS      (1ull << 55)
#define EPT_CAP_WALK4            (1ull << 6)
#define EPT_CAP_WB               (1ull << 14)
#define EPT_CAP_2M               (1ull << 16)
/* The TRUE_* MSR of a control MSR is 0Ch further (A.3-A.5). */
#define MSR_VMX_TRUE_OF(msr)     ((msr) + 0xc)

_Static_assert(VMCS_WIDTH(VMCS_GUEST_TR_SEL) == VMCS_W16 && VMCS_WIDTH(VMCS_HOST_TR_SEL) == VMCS_W16,
               "selectors are 16-bit fields (B.1)");
_Static_assert(VMCS_WIDTH(VMCS_EPT_POINTER) == VMCS_W64 && VMCS_WIDTH(VMCS_GUEST_EFER) == VMCS_W64 &&
               VMCS_WIDTH(VMCS_LINK_POINTER) == VMCS_W64 && VMCS_WIDTH(VMCS_GUEST_PHYS_ADDR) == VMCS_W64,
               "64-bit fields (B.2): written in two halves on the i386 host");
_Static_assert(VMCS_WIDTH(VMCS_EXIT_REASON) == VMCS_W32 && VMCS_WIDTH(VMCS_GUEST_TR_AR) == VMCS_W32,
               "32-bit fields (B.3)");
_Static_assert(VMCS_WIDTH(VMCS_GUEST_RIP) == VMCS_WNAT && VMCS_WIDTH(VMCS_HOST_RIP) == VMCS_WNAT,
               "natural-width fields (B.4)");
_Static_assert(VMCS_GUEST_ES_SEL + 2 * VMX_SEG_CS == VMCS_GUEST_CS_SEL &&
               VMCS_GUEST_ES_SEL + 2 * VMX_SEG_TR == VMCS_GUEST_TR_SEL &&
               VMCS_GUEST_ES_LIMIT + 2 * VMX_SEG_TR == 0x480e &&
               VMCS_GUEST_ES_AR + 2 * VMX_SEG_TR == VMCS_GUEST_TR_AR &&
               VMCS_GUEST_ES_BASE + 2 * VMX_SEG_TR == VMCS_GUEST_TR_BASE,
               "guest segment fields are ES..TR at a stride of 2 (B.1, B.3, B.4)");

#endif
