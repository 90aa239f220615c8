/*
 * vmx_run: guest runs and their exits, for the core's loop (hv/run.c).
 *
 * VMX exits on things SVM leaves alone unless asked: CPUID always exits (SDM vol 3
 * 25.1.2), and so does a guest write that changes a CR0/CR4 bit hv owns (the fixed
 * bits, e.g. CR0.NE, 25.1.3).  Those are handled here, each advanced past by the
 * instruction length the VMCS reports, and the guest runs on; CPUID is logged in
 * XMHF's format (the seed's "Intercept 10 ... 0xEAX" lines) and answered by the
 * real CPUID with the VMX bit hidden.  Only exits the core must see return.
 *
 * SMIs: VMX has no SMI intercept (SMI exits exist only under the dual-monitor
 * treatment with an SMM monitor, 34.15, which hv does not set up).  With the
 * default treatment an SMI in VMX non-root operation leaves VMX, runs the
 * firmware's SMM handler with the guest's state and RSM returns into the guest
 * (34.14; Bochs models exactly this in cpu/smm.cc): that is smi=pass.  For
 * smi=reflect|host hv intercepts the *trigger* instead: the guest's OUT to port
 * 0B2h (APM_CNT, the software-SMI port of the PIIX4/ICH chipsets SeaBIOS and
 * QEMU use) through the I/O bitmap.  The OUT is then "held": not yet executed.
 * vmx_host_window executes it in host context (smi=host: the SMI lands on hv's
 * registers, the guest's RIP moves past its OUT); running the guest again without
 * the window lets it re-execute the OUT unintercepted (smi=reflect: the SMI lands
 * in the guest).  This mirrors SVM's held SMI and GIF window.
 * Bochs 2.7, checked with a guest doing OUT 0B2h under rombios: smi=host works
 * (the SMI is taken in VMX root, hv logs "Intercept 30", the guest goes on); SMM
 * from VMX non-root is modelled ("SMM Restore: enable VMX guest mode" in its log)
 * but its RSM puts a real-mode unrestricted guest back with CR0.PE and PG forced
 * on (CR0 0x30 became 0xe0000031), so smi=pass/reflect end in a guest triple fault
 * there: the seed's failure class (SMM + virtualization), in the emulator this time.
 * After every exit an event whose delivery the exit interrupted (IDT-vectoring
 * information, valid only with bit 31 set, 27.2.4) is re-injected (26.6).
 */
#include "hv/vmx/vmx.h"
#include "hv/log.h"

#define PORT_APM_CNT     0xb2
#define EFER_LMA         (1ull << 10)
#define CR0_ET           (1ull << 4)
#define CPUID_VMX_ECX    (1u << 5)
#define VMFAIL_CODE      0xffffffffu        /* hv_exit.code when VMLAUNCH/VMRESUME failed */

static void vmx_advance(void)
{
    vmx_write(VMCS_GUEST_RIP, vmx_read(VMCS_GUEST_RIP) + vmx_read(VMCS_EXIT_INSN_LEN));
}

/* The guest's GPR numbered as in exit qualifications (table 28-3). */
static enum hv_reg vmx_qual_gpr(u32 n)
{
    static const enum hv_reg regs[8] = { HV_RAX, HV_RCX, HV_RDX, HV_RBX,
                                         HV_RSP, HV_RBP, HV_RSI, HV_RDI };
    return regs[n & 7];
}

static void vmx_cpuid(void)
{
    u32 a, b, c, d, leaf = (u32)vmx_get(HV_RAX);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"((u32)vmx_get(HV_RCX)));
    if (leaf == 1)
        c &= ~CPUID_VMX_ECX;                 /* no nested VMX */
    hv_log_intercept(VMX_EXIT_CPUID, (u16)vmx_read(VMCS_GUEST_CS_SEL), vmx_get(HV_RIP), 1, leaf);
    vmx_set(HV_RAX, a);
    vmx_set(HV_RBX, b);
    vmx_set(HV_RCX, c);
    vmx_set(HV_RDX, d);
    vmx_advance();
}

/* MOV to/from CR0, CR3, CR4 that exited; 0 if handled.  CR0 keeps ET set, as the
 * processor does (SDM vol 3 2.5: ET is fixed to 1 since the i486). */
static int vmx_cr_access(u64 q)
{
    u32 cr = VMX_QUAL_CR_NUM(q), type = VMX_QUAL_CR_TYPE(q);
    if (VMX_QUAL_CR_GPR(q) > 7 || type > 1 || (type == 1 && cr != 3))
        return -1;                           /* R8-R15, CLTS, LMSW: not hv's masks */
    enum hv_reg gpr = vmx_qual_gpr(VMX_QUAL_CR_GPR(q));
    if (type == 1) {
        vmx_set(gpr, vmx_get(HV_CR3));
    } else if (cr == 0 || cr == 3 || cr == 4) {
        u64 v = vmx_get(gpr);
        vmx_set(cr == 0 ? HV_CR0 : cr == 3 ? HV_CR3 : HV_CR4, cr == 0 ? v | CR0_ET : v);
    } else {
        return -1;
    }
    vmx_advance();
    return 0;
}

/* Exits hv handles without the core; 0 if this one was. */
static int vmx_handle_internal(u32 reason)
{
    switch (reason) {
    case VMX_EXIT_CPUID:
        vmx_cpuid();
        return 0;
    case VMX_EXIT_CR_ACCESS:
        return vmx_cr_access(vmx_read(VMCS_EXIT_QUAL));
    case VMX_EXIT_INVD:                      /* caches are coherent here: nothing to drop */
        vmx_advance();
        return 0;
    default:
        return -1;
    }
}

static void vmx_decode(u32 reason, struct hv_exit *ex)
{
    u64 q = vmx_read(VMCS_EXIT_QUAL);
    ex->code = reason;
    ex->info1 = q;
    ex->info2 = 0;
    ex->cs = (u16)vmx_read(VMCS_GUEST_CS_SEL);
    ex->rip = vmx_read(VMCS_GUEST_RIP);
    ex->kind = HV_EXIT_OTHER;
    if (reason & VMX_EXIT_FAILED_ENTRY) {
        ex->kind = HV_EXIT_VMFAIL;
        return;
    }
    switch (reason) {
    case VMX_EXIT_VMCALL:
        ex->kind = HV_EXIT_HYPERCALL;
        vmx_advance();
        break;
    case VMX_EXIT_HLT:          ex->kind = HV_EXIT_HLT; break;
    case VMX_EXIT_TRIPLE_FAULT: ex->kind = HV_EXIT_SHUTDOWN; break;
    case VMX_EXIT_IO:
        if (VMX_QUAL_IO_PORT(q) == PORT_APM_CNT && !(q & VMX_QUAL_IO_IN)) {
            ex->kind = HV_EXIT_SMI;
            vmx_vcpu.smi_held = 1;
        }
        break;
    case VMX_EXIT_EPT_VIOLATION:
        ex->kind = HV_EXIT_NPF;
        ex->gpa = ex->info2 = vmx_read(VMCS_GUEST_PHYS_ADDR);
        ex->write = (q & VMX_QUAL_EPT_WRITE) != 0;
        break;
    }
}

/* Re-inject the event an exit interrupted (26.6: entry interruption information
 * uses the same format; reserved bits 30:12 must be 0). */
static void vmx_reinject(void)
{
    u32 info = (u32)vmx_read(VMCS_IDT_VECT_INFO);
    if (!(info & VMX_EVENT_VALID))
        return;
    vmx_write(VMCS_ENTRY_INTR_INFO, info & (VMX_EVENT_VALID | 0xfffu));
    if (info & VMX_EVENT_HAS_ERROR)
        vmx_write(VMCS_ENTRY_EXC_ERROR, vmx_read(VMCS_IDT_VECT_ERROR));
    if (VMX_EVENT_TYPE(info) >= VMX_EVENT_SOFT_INT)
        vmx_write(VMCS_ENTRY_INSN_LEN, vmx_read(VMCS_EXIT_INSN_LEN));
}

/* "IA-32e mode guest" must equal the guest's EFER.LMA at entry (26.3.1.1); the
 * guest may have switched to long mode on its own since the last entry. */
static void vmx_sync_ia32e(void)
{
    u64 entry = vmx_read(VMCS_ENTRY_CTLS) & ~(u64)VMX_ENTRY_IA32E;
    if (vmx_read(VMCS_GUEST_EFER) & EFER_LMA)
        entry |= VMX_ENTRY_IA32E;
    vmx_write(VMCS_ENTRY_CTLS, entry);
}

void vmx_run(struct hv_exit *ex)
{
    vmx_vcpu.smi_held = 0;          /* a held OUT not done by the window is re-executed */
    for (;;) {
        vmx_sync_ia32e();
        if (vmx_world_switch(&vmx_vcpu.gprs, vmx_vcpu.launched)) {
            ex->kind = HV_EXIT_VMFAIL;
            ex->code = VMFAIL_CODE;
            ex->info1 = vmx_read(VMCS_INSN_ERROR);     /* table 30-1 */
            ex->info2 = 0;
            ex->cs = (u16)vmx_read(VMCS_GUEST_CS_SEL);
            ex->rip = vmx_read(VMCS_GUEST_RIP);
            return;
        }
        vmx_vcpu.launched = 1;
        u32 reason = (u32)vmx_read(VMCS_EXIT_REASON);
        vmx_reinject();
        if ((reason & VMX_EXIT_FAILED_ENTRY) || vmx_handle_internal(reason & 0xffff)) {
            vmx_decode(reason & (VMX_EXIT_FAILED_ENTRY | 0xffff), ex);
            return;
        }
    }
}

/* Lets a held SMI in on the host: hv executes the guest's OUT to 0B2h itself, with
 * ECX zeroed (SeaBIOS's SMI handler treats ECX 0x1234/0x5678 in the interrupted
 * context as its call32 protocol, FACTS.md), and moves the guest past it.  Without
 * a held OUT there is nothing to let in: VMX never holds SMIs itself. */
void vmx_host_window(void)
{
    if (!vmx_vcpu.smi_held)
        return;
    vmx_vcpu.smi_held = 0;
    u8 al = (u8)vmx_vcpu.gprs.rax;
    __asm__ volatile("xor %%ecx, %%ecx; outb %%al, %1" :: "a"(al), "i"(PORT_APM_CNT) : "ecx", "memory");
    vmx_advance();
}

void vmx_intercept(enum hv_icpt what, int on)
{
    u32 bit = what == HV_ICPT_SMI ? VMX_PROC_IO_BITMAPS : VMX_PROC_HLT;
    if (what == HV_ICPT_SMI)            /* bitmap A: ports 0000h-7FFFh, one bit each */
        vmx_vcpu.io_a[PORT_APM_CNT / 8] = on ? (u8)(1u << (PORT_APM_CNT % 8)) : 0;
    if (on)
        vmx_vcpu.proc_ctls |= bit;
    else
        vmx_vcpu.proc_ctls &= ~bit;
    vmx_write(VMCS_PROC_CTLS, vmx_vcpu.proc_ctls);
}
