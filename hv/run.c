/*
 * run: hv's main loop.  The backend runs the guest and decodes its exit; this
 * file decides what the exit means and what runs next.
 *
 * States of the SMI policy (smi= boot option, options.h):
 *   pass     SMI intercept off for good; QEMU runs the BIOS's SMM handler in
 *            guest mode.  An SMI exit cannot happen.
 *   reflect  intercept on.  On an SMI exit: log, intercept off, run the guest
 *            again *without* the host window, so the still-pending SMI is taken
 *            in guest mode (FACTS.md: re-delivery works only without STGI in
 *            between); the intercept goes back on at the next exit.
 *   host     intercept on.  On an SMI exit: log, open the host window: the SMI
 *            is taken in host context, where the BIOS's handler finds hv's
 *            registers instead of the guest's (the seed's failure class).  The
 *            guest is left at the `hlt` after its `out 0xb2`; hv then intercepts
 *            HLT, and a HLT with interrupts off at that hlt means the guest's
 *            BIOS call can never return: hv reports the guest stuck and stops
 *            it.  A HLT elsewhere is the guest's own and runs as without hv.
 * Every other exit that is not a stub hypercall stops the guest with the dump.
 * Invariant: hv itself never stops because of a guest: every path ends in
 * hv_stop (guest stopped, hv alive) or another guest run.
 */
#include "hv/run.h"
#include "hv/bios.h"
#include "hv/log.h"
#include "hv/printf.h"

#define RFLAGS_IF (1u << 9)
#define RUN_SMI_SITE_SLACK 2    /* `pause` (2 bytes) may sit between exit and hlt */

enum run_next { RUN_RESUME, RUN_RESUME_HELD };

static HV_NORETURN void run_stop_dump(const struct hv_ops *ops, const struct hv_exit *ex, const char *why)
{
    hv_log_dump(ops, ex);
    hv_stop(why);
}

/* Where the guest sat when its SMI was taken in host context (smi=host): the
 * `hlt` after SeaBIOS's `out 0xb2; pause` (FACTS.md).  Only a HLT there means
 * its BIOS call never returns; a `cli; hlt` anywhere else is the guest's own
 * ending (smi.S halts normally after an SMI hv took). */
static struct { u16 cs; u64 rip; int valid; } run_smi_site;

static enum run_next run_smi(const struct hv_ops *ops, const struct hv_options *opt,
                             const struct hv_exit *ex)
{
    hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
    if (opt->smi == HV_SMI_REFLECT) {
        hv_printf("hv: smi=reflect: SMI re-delivered to the guest\n");
        ops->intercept(HV_ICPT_SMI, 0);
        return RUN_RESUME_HELD;
    }
    hv_printf("hv: smi=host: SMI taken in host context\n");
    run_smi_site.cs = ex->cs;
    run_smi_site.rip = ex->rip;
    run_smi_site.valid = 1;
    ops->host_window();
    hv_printf("hv: smi=host: SMI handled by the host; the guest's SMM call is lost\n");
    ops->intercept(HV_ICPT_HLT, 1);
    return RUN_RESUME;
}

static enum run_next run_hlt(const struct hv_ops *ops, const struct hv_exit *ex)
{
    static char why[128];
    hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
    int at_smi_site = run_smi_site.valid && ex->cs == run_smi_site.cs &&
                      ex->rip - run_smi_site.rip <= RUN_SMI_SITE_SLACK;
    if ((ops->get(HV_RFLAGS) & RFLAGS_IF) || !at_smi_site) {
        /* An interrupt will wake it, or it is the guest's own `cli; hlt`:
         * let it halt in guest mode, as it would without hv. */
        ops->intercept(HV_ICPT_HLT, 0);
        return RUN_RESUME;
    }
    hv_snprintf(why, sizeof why, "guest stuck: hlt with interrupts off at 0x%04x:0x%08x "
                "after its SMI was taken in host context; its BIOS call never returns",
                ex->cs, (u32)ex->rip);
    hv_stop(why);
}

static HV_NORETURN void run_npf(const struct hv_ops *ops, const struct hv_exit *ex)
{
    static char why[128];
    hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
    hv_printf("CPU(0x00): %s: %s of gpa 0x%016llx, hv memory or unmapped\n",
              ops->npf_name, ex->write ? "write" : "read", (unsigned long long)ex->gpa);
    hv_snprintf(why, sizeof why, "%s at gpa 0x%08x", ops->npf_name, (u32)ex->gpa);
    run_stop_dump(ops, ex, why);
}

static enum run_next run_dispatch(const struct hv_ops *ops, const struct hv_options *opt,
                                  const struct hv_exit *ex)
{
    switch (ex->kind) {
    case HV_EXIT_HYPERCALL:
        if (hv_bios_hypercall(ops, ex) == 0)
            return RUN_RESUME;
        hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
        run_stop_dump(ops, ex, "hypercall from outside hv's BIOS stubs");
    case HV_EXIT_SMI:
        return run_smi(ops, opt, ex);
    case HV_EXIT_HLT:
        return run_hlt(ops, ex);
    case HV_EXIT_NPF:
        run_npf(ops, ex);
    case HV_EXIT_SHUTDOWN:
        hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
        run_stop_dump(ops, ex, "triple fault (shutdown)");
    case HV_EXIT_VMFAIL:
        run_stop_dump(ops, ex, "VM entry failed: invalid guest state");
    case HV_EXIT_OTHER:
        break;
    }
    hv_log_intercept(ex->code, ex->cs, ex->rip, 0, 0);
    run_stop_dump(ops, ex, "unhandled intercept");
}

HV_NORETURN void hv_run(const struct hv_ops *ops, const struct hv_options *opt)
{
    struct hv_exit ex;
    int reflecting = 0;
    ops->intercept(HV_ICPT_SMI, opt->smi != HV_SMI_PASS);
    hv_printf("hv: starting guest at 0000:7c00\n");
    for (;;) {
        ops->run(&ex);
        if (reflecting) {
            ops->intercept(HV_ICPT_SMI, 1);
            reflecting = 0;
        }
        if (run_dispatch(ops, opt, &ex) == RUN_RESUME_HELD)
            reflecting = 1;
        else
            ops->host_window();
    }
}
