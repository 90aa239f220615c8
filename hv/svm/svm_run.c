/*
 * svm_run: one guest run and its exit, for the core's loop (hv/run.c).
 *
 * The usual SVM loop is CLGI; VMLOAD; VMRUN; VMSAVE; STGI (APM vol 2 15.17).  Here
 * it is split: svm_run does CLGI (if not already held) and the world switch and
 * returns with GIF still clear, so the core can decide, per exit, whether the host
 * may take pending events now (svm_host_window: STGI; CLGI) or not at all (the
 * smi=reflect path runs the guest again with the SMI still held, and it is then
 * delivered inside the guest — FACTS.md).
 * Before every VMRUN: EFER.SVME is forced on in the guest's EFER (SeaBIOS's
 * call32 window runs with EFER=0 and VMRUN fails without it), and RIP is copied
 * (a failed VMRUN overwrites the save area).  After: an event that was being
 * delivered when the exit happened (EXITINTINFO, valid only with bit 31 set,
 * 15.7.2) is re-injected.  QEMU TCG has no nRIP save, so a VMMCALL's RIP is
 * advanced here by its length, 3 bytes (0F 01 D9).
 */
#include "hv/svm/svm.h"

#define VMMCALL_LEN 3

static void svm_decode(struct vmcb *v, struct hv_exit *ex)
{
    ex->code = (u32)v->ctl.exitcode;
    ex->info1 = v->ctl.exitinfo1;
    ex->info2 = v->ctl.exitinfo2;
    ex->cs = v->save.cs.sel;
    ex->rip = v->save.rip;
    switch (ex->code) {
    case VMEXIT_VMMCALL:
        ex->kind = HV_EXIT_HYPERCALL;
        v->save.rip += VMMCALL_LEN;
        break;
    case VMEXIT_SMI:      ex->kind = HV_EXIT_SMI; break;
    case VMEXIT_HLT:      ex->kind = HV_EXIT_HLT; break;
    case VMEXIT_SHUTDOWN: ex->kind = HV_EXIT_SHUTDOWN; break;
    case VMEXIT_NPF:
        ex->kind = HV_EXIT_NPF;
        ex->gpa = v->ctl.exitinfo2;
        ex->write = (v->ctl.exitinfo1 & VMCB_NPF_WRITE) != 0;
        break;
    case VMEXIT_INVALID:
        ex->kind = HV_EXIT_VMFAIL;
        v->save.rip = ex->rip = svm_vcpu.rip_copy;
        break;
    default:
        ex->kind = HV_EXIT_OTHER;
        break;
    }
}

void svm_run(struct hv_exit *ex)
{
    struct vmcb *v = &svm_vcpu.vmcb;
    v->save.efer |= EFER_SVME;
    svm_vcpu.rip_copy = v->save.rip;
    if (!svm_vcpu.gif_held) {
        __asm__ volatile("clgi" ::: "memory");
        svm_vcpu.gif_held = 1;
    }
    svm_world_switch((uintptr_t)v, &svm_vcpu.gprs);
    v->ctl.tlb_control = 0;
    v->ctl.eventinj = (v->ctl.exitintinfo & VMCB_EVENT_VALID) ? v->ctl.exitintinfo : 0;
    svm_decode(v, ex);
}

/* STGI lets a held SMI in on the host.  ECX is zeroed first: SeaBIOS's SMI
 * handler treats ECX 0x1234/0x5678 in the interrupted context as its call32
 * protocol (FACTS.md), and the host must never look like that. */
void svm_host_window(void)
{
    __asm__ volatile("xor %%ecx, %%ecx; stgi; clgi" ::: "ecx", "memory");
}

void svm_intercept(enum hv_icpt what, int on)
{
    u32 bit = what == HV_ICPT_SMI ? VMCB_I3_SMI : VMCB_I3_HLT;
    if (on)
        svm_vcpu.vmcb.ctl.icpt3 |= bit;
    else
        svm_vcpu.vmcb.ctl.icpt3 &= ~bit;
}
