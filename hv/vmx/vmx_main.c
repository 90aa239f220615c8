/*
 * vmx_main: the VMX backend's bring-up and register access, and hv_vmx_ops.
 *
 * probe checks, in the order SDM vol 3 23.6-23.7 and appendix A give: CPUID.1:ECX
 * bit 5 (VMX), IA32_FEATURE_CONTROL (locked with VMXON-outside-SMX clear means the
 * firmware disabled VMX), the secondary controls with EPT and unrestricted guest
 * (hv starts its guest in real mode, 26.3.1.1), and EPT with a 4-level walk,
 * write-back paging structures and 2 MiB pages.  Each missing piece gets its own
 * message on COM1.  init does what 23.7 and 24.11.3 require before the first
 * VMLAUNCH: CR0/CR4 fixed bits (the host needs CR0.NE; PG is fixed too, which is
 * why entry_*.S pages), VMXON, VMCLEAR + VMPTRLD, then every control, host-state
 * and non-core guest field.  VM exit loads TR and needs a non-null TR selector
 * (26.2.3), and the entry glue has no TSS, so init copies the host GDT into its own
 * with a TSS added.  Register access maps enum hv_reg/hv_sreg onto VMCS fields;
 * CR0/CR4 go through guest/host masks and read shadows, so the guest sees the
 * values it wrote (CR0 0x10 at start) while the fixed bits stay set underneath.
 * Invariant: the VMCS is current from init on; nothing else executes VMPTRLD.
 */
#include "hv/vmx/vmx.h"
#include "hv/io.h"
#include "hv/printf.h"

#define CPUID_VMX_ECX    (1u << 5)          /* CPUID.1:ECX */
#define CR0_PE           (1ull << 0)
#define CR0_PG           (1ull << 31)
#define CR4_VMXE         (1ull << 13)
#define SEG_AR_UNUSABLE  (1u << 16)         /* 24.4.1 */
#define SEG_P            0x80u
#define TSS_LIMIT        0x67u              /* 104-byte TSS */
#define GDT_MAX_COPY     6                  /* the entry glue's GDT has 3 or 4 entries */

struct vmx_vcpu vmx_vcpu HV_ALIGNED(4096);

static u64 vmx_gdt[GDT_MAX_COPY + 2] HV_ALIGNED(16);
static u8 vmx_tss[TSS_LIMIT + 1] HV_ALIGNED(16);
static u64 vmx_cr0_mask, vmx_cr4_mask;

struct vmx_dtr {
    u16 limit;
    uintptr_t base;
} __attribute__((packed));

static ulong vmx_vmread(ulong f)
{
    ulong v;
    __asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(f) : "cc");
    return v;
}

static void vmx_vmwrite(ulong f, ulong v)
{
    __asm__ volatile("vmwrite %1, %0" :: "r"(f), "r"(v) : "cc");
}

u64 vmx_read(u32 field)
{
#ifndef __x86_64__
    if (VMCS_WIDTH(field) == VMCS_W64)      /* encoding + 1 is the high half (24.11.2) */
        return vmx_vmread(field) | (u64)vmx_vmread(field + 1) << 32;
#endif
    return vmx_vmread(field);
}

/* The full encoding first: outside 64-bit mode it also clears the high half. */
void vmx_write(u32 field, u64 v)
{
    vmx_vmwrite(field, (ulong)v);
#ifndef __x86_64__
    if (VMCS_WIDTH(field) == VMCS_W64)
        vmx_vmwrite(field + 1, (ulong)(v >> 32));
#endif
}

/* IA32_VMX_EPT_VPID_CAP exists only if EPT or VPID can be enabled (A.10): reading
 * it first would #GP on a VMX CPU without EPT (Bochs' core2_penryn_t9600). */
static int vmx_probe_ept(char *why, size_t n)
{
    u64 proc2 = hv_rdmsr(MSR_VMX_PROCBASED2) >> 32;
    if (!(proc2 & VMX_PROC2_EPT)) {
        hv_snprintf(why, n, "no EPT: IA32_VMX_PROCBASED_CTLS2 allows no bit 1");
        return -1;
    }
    if (!(proc2 & VMX_PROC2_UNRESTRICTED)) {
        hv_snprintf(why, n, "no unrestricted guest: IA32_VMX_PROCBASED_CTLS2 allows no bit 7 "
                    "(hv starts its guest in real mode)");
        return -1;
    }
    u64 ept = hv_rdmsr(MSR_VMX_EPT_VPID_CAP);
    if ((ept & (EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M)) != (EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M)) {
        hv_snprintf(why, n, "EPT lacks a 4-level walk, write-back tables or 2 MiB pages "
                    "(IA32_VMX_EPT_VPID_CAP=0x%llx)", (unsigned long long)ept);
        return -1;
    }
    return 0;
}

static int vmx_probe(char *why, size_t n)
{
    u32 a, b, c, d;
    hv_cpuid(1, &a, &b, &c, &d);
    if (!(c & CPUID_VMX_ECX)) {
        hv_snprintf(why, n, "no Intel VMX: CPUID.1:ECX bit 5 is clear "
                    "(QEMU TCG has none: use Bochs, cpu model corei7_haswell_4770)");
        return -1;
    }
    u64 fc = hv_rdmsr(MSR_FEATURE_CONTROL);
    if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMXON)) {
        hv_snprintf(why, n, "VMX disabled by firmware: IA32_FEATURE_CONTROL is locked "
                    "with bit 2 clear");
        return -1;
    }
    if (!((hv_rdmsr(MSR_VMX_PROCBASED) >> 32) & VMX_PROC_SECONDARY)) {
        hv_snprintf(why, n, "no secondary processor-based controls (so no EPT)");
        return -1;
    }
    if (vmx_probe_ept(why, n))
        return -1;
    hv_printf("hv: vmx: VMCS revision 0x%x, EPT (4-level, 2 MiB pages), unrestricted guest\n",
              (u32)hv_rdmsr(MSR_VMX_BASIC) & 0x7fffffff);
    return 0;
}

/* Allowed settings of a control (A.3-A.5): bits clear in the low dword must be 1,
 * bits clear in the high dword must be 0.  The TRUE_* MSRs, when they exist, allow
 * clearing defaults such as CR3-load exiting.  -1 if a wanted bit is not allowed. */
static int vmx_control(u32 msr, int has_true, u32 want, u32 field)
{
    u64 cap = hv_rdmsr(has_true ? MSR_VMX_TRUE_OF(msr) : msr);
    u32 v = (want | (u32)cap) & (u32)(cap >> 32);
    vmx_write(field, v);
    if (field == VMCS_PROC_CTLS)
        vmx_vcpu.proc_ctls = v;
    return (v & want) == want ? 0 : -1;
}

static int vmx_controls(u64 eptp, char *why, size_t n)
{
    int t = (hv_rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS) != 0;
    u32 exit = VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER;
#ifdef __x86_64__
    exit |= VMX_EXIT_HOST_64;
#endif
    if (vmx_control(MSR_VMX_PINBASED, t, 0, VMCS_PIN_CTLS) ||
        vmx_control(MSR_VMX_PROCBASED, t, VMX_PROC_SECONDARY | VMX_PROC_MSR_BITMAPS, VMCS_PROC_CTLS) ||
        vmx_control(MSR_VMX_PROCBASED2, 0, VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED, VMCS_PROC_CTLS2) ||
        vmx_control(MSR_VMX_EXIT, t, exit, VMCS_EXIT_CTLS) ||
        vmx_control(MSR_VMX_ENTRY, t, VMX_ENTRY_LOAD_EFER, VMCS_ENTRY_CTLS)) {
        hv_snprintf(why, n, "a needed VM-execution, exit or entry control is not allowed");
        return -1;
    }
    vmx_write(VMCS_EXCEPTION_BITMAP, 0);
    vmx_write(VMCS_CR3_TARGET_COUNT, 0);
    vmx_write(VMCS_EXIT_MSR_STORE_CNT, 0);
    vmx_write(VMCS_EXIT_MSR_LOAD_CNT, 0);
    vmx_write(VMCS_ENTRY_MSR_LOAD_CNT, 0);
    vmx_write(VMCS_ENTRY_INTR_INFO, 0);
    vmx_write(VMCS_IO_BITMAP_A, (uintptr_t)vmx_vcpu.io_a);
    vmx_write(VMCS_IO_BITMAP_B, (uintptr_t)vmx_vcpu.io_b);
    vmx_write(VMCS_MSR_BITMAP, (uintptr_t)vmx_vcpu.msr_bitmap);
    vmx_write(VMCS_EPT_POINTER, eptp);
    vmx_write(VMCS_CR0_MASK, vmx_cr0_mask);
    vmx_write(VMCS_CR4_MASK, vmx_cr4_mask);
    return 0;
}

/* A copy of the host GDT with an available 32-bit TSS appended, loaded, and TR
 * loaded from it.  Returns the TSS selector.  In long mode a system descriptor
 * takes two slots; its upper half (base 63:32) is 0 below 4 GiB. */
static u16 vmx_host_tss(void)
{
    struct vmx_dtr d;
    __asm__ volatile("sgdt %0" : "=m"(d));
    u32 n = (d.limit + 1u) / 8u;
    if (n > GDT_MAX_COPY)
        n = GDT_MAX_COPY;
    for (u32 i = 0; i < n; i++)
        vmx_gdt[i] = ((const u64 *)d.base)[i];
    u64 base = (uintptr_t)vmx_tss;
    vmx_gdt[n] = TSS_LIMIT | (base & 0xffffff) << 16 | 0x89ull << 40 | (base >> 24 & 0xff) << 56;
    vmx_gdt[n + 1] = 0;
    d.base = (uintptr_t)vmx_gdt;
    d.limit = (u16)((n + 2) * 8 - 1);
    u16 sel = (u16)(n * 8);
    __asm__ volatile("lgdt %0; ltr %1" :: "m"(d), "r"(sel) : "memory");
    return sel;
}

static u16 vmx_sel(int which)
{
    u16 s;
    switch (which) {
    case 0: __asm__("mov %%cs, %0" : "=r"(s)); break;
    case 1: __asm__("mov %%ss, %0" : "=r"(s)); break;
    case 2: __asm__("mov %%ds, %0" : "=r"(s)); break;
    case 3: __asm__("mov %%es, %0" : "=r"(s)); break;
    case 4: __asm__("mov %%fs, %0" : "=r"(s)); break;
    default: __asm__("mov %%gs, %0" : "=r"(s)); break;
    }
    return s;
}

/* Host state loaded at every VM exit (24.5, checked by 26.2.2-26.2.4). */
static void vmx_host_state(void)
{
    static const u32 sel_fields[] = { VMCS_HOST_CS_SEL, VMCS_HOST_SS_SEL, VMCS_HOST_DS_SEL,
                                      VMCS_HOST_ES_SEL, VMCS_HOST_FS_SEL, VMCS_HOST_GS_SEL };
    ulong cr0, cr3, cr4;
    struct vmx_dtr idtr;
    __asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2; sidt %3"
                     : "=r"(cr0), "=r"(cr3), "=r"(cr4), "=m"(idtr));
    vmx_write(VMCS_HOST_TR_SEL, vmx_host_tss());
    for (int i = 0; i < 6; i++)
        vmx_write(sel_fields[i], vmx_sel(i));
    vmx_write(VMCS_HOST_CR0, cr0);
    vmx_write(VMCS_HOST_CR3, cr3);
    vmx_write(VMCS_HOST_CR4, cr4);
    vmx_write(VMCS_HOST_FS_BASE, 0);
    vmx_write(VMCS_HOST_GS_BASE, 0);
    vmx_write(VMCS_HOST_TR_BASE, (uintptr_t)vmx_tss);
    vmx_write(VMCS_HOST_GDTR_BASE, (uintptr_t)vmx_gdt);
    vmx_write(VMCS_HOST_IDTR_BASE, idtr.base);
    vmx_write(VMCS_HOST_SYSENTER_CS, 0);
    vmx_write(VMCS_HOST_SYSENTER_ESP, 0);
    vmx_write(VMCS_HOST_SYSENTER_EIP, 0);
    vmx_write(VMCS_HOST_EFER, hv_rdmsr(MSR_EFER));
    vmx_write(VMCS_HOST_RIP, (uintptr_t)vmx_exit_host_rip);
}

/* Guest fields the core does not own (24.4.2), at their reset values. */
static void vmx_guest_extra(void)
{
    vmx_write(VMCS_LINK_POINTER, ~0ull);      /* no shadow VMCS (26.3.1.5) */
    vmx_write(VMCS_GUEST_DEBUGCTL, 0);
    vmx_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vmx_write(VMCS_GUEST_ACTIVITY, 0);
    vmx_write(VMCS_GUEST_PENDING_DBG, 0);
    vmx_write(VMCS_GUEST_SYSENTER_CS, 0);
    vmx_write(VMCS_GUEST_SYSENTER_ESP, 0);
    vmx_write(VMCS_GUEST_SYSENTER_EIP, 0);
}

/* One of VMXON, VMCLEAR, VMPTRLD on a physical address; -1 on VMfail (CF or ZF). */
#define VMX_PA_INSN(insn, pa) ({                                                  \
        u64 vmx_pa_ = (pa);                                                       \
        u8 vmx_bad_;                                                              \
        __asm__ volatile(insn " %1; setna %0" : "=qm"(vmx_bad_) : "m"(vmx_pa_) : "cc", "memory"); \
        vmx_bad_ ? -1 : 0; })

/* CR0/CR4 fixed bits (A.7, A.8), and VMXON on the host. */
static int vmx_on(char *why, size_t n)
{
    u64 fc = hv_rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & FEATURE_CONTROL_LOCK))         /* what firmware normally does */
        hv_wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON);
    vmx_vcpu.cr0_fixed0 = hv_rdmsr(MSR_VMX_CR0_FIXED0);
    vmx_vcpu.cr0_fixed1 = hv_rdmsr(MSR_VMX_CR0_FIXED1);
    vmx_vcpu.cr4_fixed0 = hv_rdmsr(MSR_VMX_CR4_FIXED0);
    vmx_vcpu.cr4_fixed1 = hv_rdmsr(MSR_VMX_CR4_FIXED1);
    ulong cr0, cr4;
    __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
    cr0 = (cr0 | (ulong)vmx_vcpu.cr0_fixed0) & (ulong)vmx_vcpu.cr0_fixed1;
    cr4 = (cr4 | (ulong)vmx_vcpu.cr4_fixed0 | CR4_VMXE) & (ulong)vmx_vcpu.cr4_fixed1;
    __asm__ volatile("mov %0, %%cr0; mov %1, %%cr4" :: "r"(cr0), "r"(cr4) : "memory");
    /* Unrestricted guest exempts PE and PG from the guest's CR0 fixed bits (26.3.1.1). */
    vmx_vcpu.cr0_fixed0 &= ~(CR0_PE | CR0_PG);
    vmx_cr0_mask = (vmx_vcpu.cr0_fixed0 | ~vmx_vcpu.cr0_fixed1) & 0xffffffffull;
    vmx_cr4_mask = (vmx_vcpu.cr4_fixed0 | ~vmx_vcpu.cr4_fixed1) & 0xffffffffull;
    u32 rev = (u32)hv_rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
    vmx_vcpu.vmxon.revision = rev;
    vmx_vcpu.vmcs.revision = rev;
    if (VMX_PA_INSN("vmxon", (uintptr_t)&vmx_vcpu.vmxon)) {
        hv_snprintf(why, n, "VMXON failed (CR0=0x%x CR4=0x%x)", (u32)cr0, (u32)cr4);
        return -1;
    }
    if (VMX_PA_INSN("vmclear", (uintptr_t)&vmx_vcpu.vmcs) ||
        VMX_PA_INSN("vmptrld", (uintptr_t)&vmx_vcpu.vmcs)) {
        hv_snprintf(why, n, "VMCLEAR/VMPTRLD failed");
        return -1;
    }
    return 0;
}

static int vmx_init(u64 hole_lo, u64 hole_hi, char *why, size_t n)
{
    if (vmx_on(why, n))
        return -1;
    u64 eptp = vmx_ept_build(hole_lo, hole_hi);
    if (vmx_controls(eptp, why, n))
        return -1;
    vmx_host_state();
    vmx_guest_extra();
    hv_printf("hv: vmx: VMCS at 0x%08x, EPT (4-level) at 0x%08x, %s host\n",
              (u32)(uintptr_t)&vmx_vcpu.vmcs, (u32)(eptp & ~0xfffull),
#ifdef __x86_64__
              "64-bit"
#else
              "32-bit PAE"
#endif
              );
    return 0;
}

static ulong *vmx_gpr_slot(enum hv_reg r)
{
    struct vmx_gprs *g = &vmx_vcpu.gprs;
    ulong *const slots[] = { [HV_RAX] = &g->rax, [HV_RBX] = &g->rbx, [HV_RCX] = &g->rcx,
                             [HV_RDX] = &g->rdx, [HV_RSI] = &g->rsi, [HV_RDI] = &g->rdi,
                             [HV_RBP] = &g->rbp };
    return r <= HV_RBP ? slots[r] : NULL;
}

/* The VMCS field of each register kept there; 0 for the others. */
static u32 vmx_reg_field(enum hv_reg r)
{
    switch (r) {
    case HV_RSP: return VMCS_GUEST_RSP;
    case HV_RIP: return VMCS_GUEST_RIP;
    case HV_RFLAGS: return VMCS_GUEST_RFLAGS;
    case HV_CR3: return VMCS_GUEST_CR3;
    case HV_EFER: return VMCS_GUEST_EFER;
    case HV_DR7: return VMCS_GUEST_DR7;
    default: return 0;
    }
}

/* What the guest reads from a masked control register: its own bits from the
 * register, the host-owned ones from the read shadow (24.6.6). */
static u64 vmx_get_cr(u32 cr, u32 shadow, u64 mask)
{
    return (vmx_read(cr) & ~mask) | (vmx_read(shadow) & mask);
}

u64 vmx_get(enum hv_reg r)
{
    ulong *g = vmx_gpr_slot(r), dr6;
    if (g)
        return *g;
    switch (r) {
    case HV_CR0: return vmx_get_cr(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, vmx_cr0_mask);
    case HV_CR4: return vmx_get_cr(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, vmx_cr4_mask);
    case HV_DR6:          /* not in the VMCS: the guest uses the real DR6 (hv never does) */
        __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
        return dr6;
    default: return vmx_read(vmx_reg_field(r));
    }
}

void vmx_set(enum hv_reg r, u64 v)
{
    ulong *g = vmx_gpr_slot(r);
    if (g) {
        *g = (ulong)v;
        return;
    }
    switch (r) {
    case HV_CR0:
        vmx_write(VMCS_CR0_SHADOW, v);
        vmx_write(VMCS_GUEST_CR0, (v | vmx_vcpu.cr0_fixed0) & vmx_vcpu.cr0_fixed1);
        break;
    case HV_CR4:
        vmx_write(VMCS_CR4_SHADOW, v);
        vmx_write(VMCS_GUEST_CR4, (v | vmx_vcpu.cr4_fixed0) & vmx_vcpu.cr4_fixed1);
        break;
    case HV_DR6:
        __asm__ volatile("mov %0, %%dr6" :: "r"((ulong)v));
        break;
    default:
        vmx_write(vmx_reg_field(r), v);
        break;
    }
}

struct vmx_seg_fields { u32 sel, limit, ar, base; };

#define VMX_SEG(i) { VMCS_GUEST_ES_SEL + 2 * (i), VMCS_GUEST_ES_LIMIT + 2 * (i), \
                     VMCS_GUEST_ES_AR + 2 * (i), VMCS_GUEST_ES_BASE + 2 * (i) }

static const struct vmx_seg_fields vmx_segs[HV_NSREG] = {
    [HV_ES] = VMX_SEG(VMX_SEG_ES), [HV_CS] = VMX_SEG(VMX_SEG_CS), [HV_SS] = VMX_SEG(VMX_SEG_SS),
    [HV_DS] = VMX_SEG(VMX_SEG_DS), [HV_FS] = VMX_SEG(VMX_SEG_FS), [HV_GS] = VMX_SEG(VMX_SEG_GS),
    [HV_LDTR] = VMX_SEG(VMX_SEG_LDTR), [HV_TR] = VMX_SEG(VMX_SEG_TR),
    [HV_GDTR] = { 0, VMCS_GUEST_GDTR_LIMIT, 0, VMCS_GUEST_GDTR_BASE },
    [HV_IDTR] = { 0, VMCS_GUEST_IDTR_LIMIT, 0, VMCS_GUEST_IDTR_BASE },
};

/* Access rights (24.4.1) are the packed attr (hv.h) spread out: attr bits 8-11
 * (AVL, L, D/B, G) go to bits 12-15; a not-present segment is marked unusable. */
static void vmx_get_seg(enum hv_sreg s, struct hv_segment *out)
{
    const struct vmx_seg_fields *f = &vmx_segs[s];
    out->sel = f->sel ? (u16)vmx_read(f->sel) : 0;
    out->limit = (u32)vmx_read(f->limit);
    out->base = vmx_read(f->base);
    out->attr = 0;
    if (f->ar) {
        u32 ar = (u32)vmx_read(f->ar);
        out->attr = (u16)((ar & 0xff) | ((ar >> 4) & 0xf00));
        if (ar & SEG_AR_UNUSABLE)
            out->attr &= (u16)~SEG_P;
    }
}

static void vmx_set_seg(enum hv_sreg s, const struct hv_segment *in)
{
    const struct vmx_seg_fields *f = &vmx_segs[s];
    if (f->sel)
        vmx_write(f->sel, in->sel);
    vmx_write(f->limit, in->limit);
    vmx_write(f->base, in->base);
    if (f->ar) {
        u32 ar = (in->attr & 0xffu) | ((in->attr & 0xf00u) << 4);
        vmx_write(f->ar, (in->attr & SEG_P) ? ar : ar | SEG_AR_UNUSABLE);
    }
}

const struct hv_ops hv_vmx_ops = {
    .name = "vmx",
    .hypercall = { 0x0f, 0x01, 0xc1 },        /* VMCALL (SDM vol 2B) */
    .npf_name = "EPT violation",
    .probe = vmx_probe,
    .init = vmx_init,
    .get = vmx_get,
    .set = vmx_set,
    .get_seg = vmx_get_seg,
    .set_seg = vmx_set_seg,
    .intercept = vmx_intercept,
    .run = vmx_run,
    .host_window = vmx_host_window,
};
