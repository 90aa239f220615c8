/*
 * step_event: the verdict on one gdbstub step (see step_event.h for the rules
 * and their sources).  Pure functions over states and bytes; no I/O.
 */
#include "qemu/step_event.h"

#define EFLAGS_TF (1u << 8)
#define EFLAGS_IF (1u << 9)
#define CR0_PE    1u
#define CR0_PG    (1u << 31)
#define SMM_ENTRY_EIP   0x8000u     /* SMBASE + 8000h, CS = SMBASE >> 4 */
#define SMM_ENTRY_FLAGS 0x2u        /* SDM vol 3C table 34-4: EFLAGS 00000002h */

/* Legacy prefixes (SDM vol 2A 2.1.1) and, in 64-bit code, REX. */
size_t stepev_skip_prefixes(const struct hvt_step *s)
{
    size_t i = 0;
    while (i < s->insn_len) {
        uint8_t b = s->insn[i];
        int legacy = b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
                     b == 0x65 || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 ||
                     b == 0xf3;
        int rex = s->mode == HVT_MODE_64 && (b & 0xf0) == 0x40;
        if (!legacy && !rex)
            break;
        i++;
    }
    return i;
}

int stepev_is_hlt(const struct hvt_step *s)
{
    size_t i = stepev_skip_prefixes(s);
    return i < s->insn_len && s->insn[i] == 0xf4;
}

int stepev_far_transfer(const struct hvt_step *s)
{
    size_t i = stepev_skip_prefixes(s);
    if (i >= s->insn_len)
        return 1;                       /* unknown bytes: assume it could */
    uint8_t op = s->insn[i];
    if (op == 0xea || op == 0x9a || op == 0xca || op == 0xcb || op == 0xcc ||
        op == 0xcd || op == 0xce || op == 0xcf)
        return 1;
    if (op == 0x0f)
        return i + 1 < s->insn_len && s->insn[i + 1] == 0xaa;      /* rsm */
    if (op == 0xff && i + 1 < s->insn_len) {
        unsigned reg = (s->insn[i + 1] >> 3) & 7;
        return reg == 3 || reg == 5;                                /* call/jmp far m */
    }
    return 0;
}

int stepev_is_rsm(const struct hvt_step *s)
{
    size_t i = stepev_skip_prefixes(s);
    return i + 1 < s->insn_len && s->insn[i] == 0x0f && s->insn[i + 1] == 0xaa;
}

static int looks_like_smm_entry(const struct hvt_state *a)
{
    return a->f[HVT_RIP] == SMM_ENTRY_EIP && a->f[HVT_EFLAGS] == SMM_ENTRY_FLAGS &&
           (a->f[HVT_CR0] & (CR0_PE | CR0_PG)) == 0;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Real mode: did the step push an interrupt frame?  Returns the pushed IP's
 * distance from before's IP (0: the instruction itself, >0: past it), or -1. */
static long rm_frame_return(const struct hvt_state *b, const struct hvt_state *a,
                            const uint8_t *frame)
{
    if ((b->f[HVT_CR0] & CR0_PE) || a->f[HVT_SS_SEL] != b->f[HVT_SS_SEL] ||
        ((b->f[HVT_RSP] - STEPEV_FRAME_BYTES) & 0xffff) != (a->f[HVT_RSP] & 0xffff) ||
        (a->f[HVT_EFLAGS] & (EFLAGS_IF | EFLAGS_TF)))
        return -1;
    if (!frame)
        return -2;
    if (le16(frame + 2) != (b->f[HVT_CS_SEL] & 0xffff) ||
        le16(frame + 4) != (b->f[HVT_EFLAGS] & 0xffff))
        return -1;
    return (long)((le16(frame) - b->f[HVT_RIP]) & 0xffff);
}

static void verdict(struct stepev_verdict *out, int executed, enum stepev_kind ev, int vec)
{
    out->executed = executed;
    out->event = ev;
    out->vector = vec;
}

static void from_log(const struct hvt_step *before, const struct stepev_seen *seen,
                     struct stepev_verdict *out)
{
    int hlt = stepev_is_hlt(before);
    if (seen->smm_enter)
        verdict(out, hlt, STEPEV_SMI, -1);
    else if (seen->hwint_vector >= 0)
        verdict(out, hlt, STEPEV_INTERRUPT, seen->hwint_vector);
    else
        verdict(out, 1, STEPEV_NONE, -1);
}

static void from_states(const struct hvt_step *before, const struct hvt_state *after,
                        const uint8_t *frame, struct stepev_verdict *out)
{
    const struct hvt_state *b = &before->st;
    int hlt = stepev_is_hlt(before);
    if (looks_like_smm_entry(after) && !stepev_far_transfer(before)) {
        verdict(out, hlt, STEPEV_SMI, -1);
        return;
    }
    long ret = rm_frame_return(b, after, frame);
    if (ret == -2) {
        out->need_frame = 1;
        return;
    }
    if (ret == 0 && (b->f[HVT_EFLAGS] & EFLAGS_IF))
        verdict(out, 0, STEPEV_INTERRUPT, -1);      /* taken before it ran */
    else if (ret > 0 && hlt && (size_t)ret == stepev_skip_prefixes(before) + 1)
        verdict(out, 1, STEPEV_INTERRUPT, -1);      /* woke the hlt */
}

void stepev_classify(const struct hvt_step *before, const struct hvt_state *after,
                     const struct stepev_seen *seen, const uint8_t *frame,
                     struct stepev_verdict *out)
{
    verdict(out, 1, STEPEV_NONE, -1);
    out->need_frame = 0;
    if (seen && seen->have_log)
        from_log(before, seen, out);
    else
        from_states(before, after, frame, out);
}

/* PIC vectors first: SeaBIOS points many vectors at one dummy handler, and an
 * event between steps is an external interrupt far more often than not. */
int stepev_vector_from_ivt(const uint8_t *ivt, uint16_t cs, uint16_t ip)
{
    static const uint8_t pic[] = { 8, 9, 10, 11, 12, 13, 14, 15,
                                   0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77 };
    for (size_t i = 0; i < sizeof pic; i++)
        if (le16(ivt + 4 * pic[i]) == ip && le16(ivt + 4 * pic[i] + 2) == cs)
            return pic[i];
    for (int v = 0; v < 256; v++)
        if (le16(ivt + 4 * v) == ip && le16(ivt + 4 * v + 2) == cs)
            return v;
    return -1;
}
