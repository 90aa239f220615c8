/*
 * svm_main: the SVM backend's bring-up and register access, and hv_svm_ops.
 *
 * probe checks, in the order APM vol 2 15.4 gives: CPUID 8000_0001h ECX bit 2
 * (SVM), VM_CR.SVMDIS (MSR C001_0114h bit 4, firmware lock), CPUID 8000_000Ah EDX
 * bit 0 (nested paging) and at least 2 ASIDs (ASID 0 is the host's).  Each missing
 * piece gets its own message: the user sees it on COM1 (e.g. QEMU -cpu qemu64
 * without +svm).  init sets EFER.SVME and VM_HSAVE_PA and fills the VMCB controls.
 * Register access maps enum hv_reg/hv_sreg onto the VMCB save area or the GPRs
 * that svm_switch.S keeps.  Running the guest is svm_run.c.
 * Invariant: the guest always has VMRUN and the other SVM instructions intercepted
 * and cannot write VM_HSAVE_PA: with them it could reach host memory past the
 * nested page tables (QEMU's VMLOAD/VMSAVE use physical addresses unchecked).
 */
#include "hv/svm/svm.h"
#include "hv/io.h"
#include "hv/printf.h"

#define CPUID_SVM_ECX     (1u << 2)        /* 8000_0001h ECX */
#define CPUID_NP_EDX      (1u << 0)        /* 8000_000Ah EDX */
#define VM_CR_SVMDIS      (1ull << 4)
#define GPAT_DEFAULT      0x0007040600070406ull   /* the power-on PAT (APM vol 2 7.8.2) */
#define MSRPM_C001_BASE   0x1000           /* byte offset of MSRs C001_0000h.. (15.11) */

struct svm_vcpu svm_vcpu HV_ALIGNED(4096);

static int svm_probe(char *why, size_t n)
{
    u32 a, b, c, d;
    hv_cpuid(0x80000000, &a, &b, &c, &d);
    u32 max_ext = a;
    hv_cpuid(0x80000001, &a, &b, &c, &d);
    if (max_ext < 0x8000000a || !(c & CPUID_SVM_ECX)) {
        hv_snprintf(why, n, "no AMD SVM: CPUID 8000_0001h ECX bit 2 is clear "
                    "(QEMU: use -cpu qemu64,+svm,+npt or -cpu EPYC)");
        return -1;
    }
    if (hv_rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
        hv_snprintf(why, n, "SVM disabled by firmware: VM_CR.SVMDIS is set");
        return -1;
    }
    hv_cpuid(0x8000000a, &a, &b, &c, &d);
    if (!(d & CPUID_NP_EDX)) {
        hv_snprintf(why, n, "no nested paging: CPUID 8000_000Ah EDX bit 0 is clear "
                    "(QEMU: add +npt)");
        return -1;
    }
    if (b < 2) {
        hv_snprintf(why, n, "only %u ASIDs; the guest needs one besides the host's", b);
        return -1;
    }
    hv_printf("hv: svm: revision %u, %u ASIDs, nested paging, nRIP save %s\n",
              a & 0xff, b, d & (1u << 3) ? "yes" : "no (hv advances RIP)");
    return 0;
}

/* Intercept guest writes of one MSR in the C001_xxxxh range (2 bits per MSR). */
static void svm_msr_protect_write(u32 msr)
{
    u32 bit = 2 * (msr - 0xc0010000u) + 1;
    svm_vcpu.msrpm[MSRPM_C001_BASE + bit / 8] |= (u8)(1u << (bit % 8));
}

static int svm_init(u64 hole_lo, u64 hole_hi, char *why, size_t n)
{
    struct vmcb_control *c = &svm_vcpu.vmcb.ctl;
    hv_wrmsr(MSR_EFER, hv_rdmsr(MSR_EFER) | EFER_SVME);
    hv_wrmsr(MSR_VM_HSAVE_PA, (uintptr_t)svm_vcpu.hsave);
    c->icpt3 = VMCB_I3_SHUTDOWN | VMCB_I3_MSR_PROT;
    c->icpt4 = VMCB_I4_VMRUN | VMCB_I4_VMMCALL | VMCB_I4_VMLOAD | VMCB_I4_VMSAVE |
               VMCB_I4_STGI | VMCB_I4_CLGI | VMCB_I4_SKINIT;
    svm_msr_protect_write(MSR_VM_HSAVE_PA);
    svm_msr_protect_write(MSR_VM_CR);
    c->iopm_pa = (uintptr_t)svm_vcpu.iopm;
    c->msrpm_pa = (uintptr_t)svm_vcpu.msrpm;
    c->asid = 1;
    c->tlb_control = VMCB_TLB_FLUSH_ALL;
    c->np_enable = VMCB_NP_ENABLE;
    c->n_cr3 = svm_npt_build(hole_lo, hole_hi);
    svm_vcpu.vmcb.save.g_pat = GPAT_DEFAULT;
    hv_printf("hv: svm: VMCB at 0x%08x, nested page tables (%s) at 0x%08x\n",
              (u32)(uintptr_t)&svm_vcpu.vmcb,
#ifdef __x86_64__
              "4-level",
#else
              "3-level PAE",
#endif
              (u32)c->n_cr3);
    (void)why, (void)n;
    return 0;
}

/* The VMCB slot of each register kept there; GPRs live in svm_vcpu.gprs. */
static u64 *svm_reg_slot(enum hv_reg r)
{
    struct vmcb_save *s = &svm_vcpu.vmcb.save;
    switch (r) {
    case HV_RAX: return &s->rax;
    case HV_RSP: return &s->rsp;
    case HV_RIP: return &s->rip;
    case HV_RFLAGS: return &s->rflags;
    case HV_CR0: return &s->cr0;
    case HV_CR3: return &s->cr3;
    case HV_CR4: return &s->cr4;
    case HV_EFER: return &s->efer;
    case HV_DR6: return &s->dr6;
    case HV_DR7: return &s->dr7;
    default: return NULL;
    }
}

static ulong *svm_gpr_slot(enum hv_reg r)
{
    struct svm_gprs *g = &svm_vcpu.gprs;
    switch (r) {
    case HV_RBX: return &g->rbx;
    case HV_RCX: return &g->rcx;
    case HV_RDX: return &g->rdx;
    case HV_RSI: return &g->rsi;
    case HV_RDI: return &g->rdi;
    default: return &g->rbp;
    }
}

static u64 svm_get(enum hv_reg r)
{
    u64 *v = svm_reg_slot(r);
    return v ? *v : *svm_gpr_slot(r);
}

static void svm_set(enum hv_reg r, u64 val)
{
    u64 *v = svm_reg_slot(r);
    if (v)
        *v = val;
    else
        *svm_gpr_slot(r) = (ulong)val;
}

static struct vmcb_seg *svm_seg_slot(enum hv_sreg s)
{
    struct vmcb_save *v = &svm_vcpu.vmcb.save;
    struct vmcb_seg *const slots[HV_NSREG] = {
        [HV_ES] = &v->es, [HV_CS] = &v->cs, [HV_SS] = &v->ss, [HV_DS] = &v->ds,
        [HV_FS] = &v->fs, [HV_GS] = &v->gs, [HV_GDTR] = &v->gdtr, [HV_LDTR] = &v->ldtr,
        [HV_IDTR] = &v->idtr, [HV_TR] = &v->tr,
    };
    return slots[s];
}

static void svm_get_seg(enum hv_sreg s, struct hv_segment *out)
{
    const struct vmcb_seg *v = svm_seg_slot(s);
    out->sel = v->sel;
    out->attr = v->attr;
    out->limit = v->limit;
    out->base = v->base;
}

static void svm_set_seg(enum hv_sreg s, const struct hv_segment *in)
{
    struct vmcb_seg *v = svm_seg_slot(s);
    v->sel = in->sel;
    v->attr = in->attr;
    v->limit = in->limit;
    v->base = in->base;
    if (s == HV_SS)       /* the CPL byte follows SS.DPL (APM vol 2 15.5.1) */
        svm_vcpu.vmcb.save.cpl = (u8)((in->attr >> 5) & 3);
}

const struct hv_ops hv_svm_ops = {
    .name = "svm",
    .hypercall = { 0x0f, 0x01, 0xd9 },        /* VMMCALL (APM vol 3) */
    .npf_name = "Nested page fault",
    .probe = svm_probe,
    .init = svm_init,
    .get = svm_get,
    .set = svm_set,
    .get_seg = svm_get_seg,
    .set_seg = svm_set_seg,
    .intercept = svm_intercept,
    .run = svm_run,
    .host_window = svm_host_window,
};
