/*
 * chain: the walk back (see chain.h).  One side of a walk keeps a block of
 * steps read backward (CHAIN_BLOCK at a time, so any depth costs one pass over
 * the steps it crosses) and a direct-mapped cache of decoded instructions
 * (boot code repeats: the cache turns millions of steps into thousands of
 * decodes).  A link is found by scanning back from the step the value is
 * read at: the first step whose instruction writes the location, or across
 * which the location changes without an instruction writing it (an event).
 * Invariant: links of a chain go strictly backward in steps, so a walk ends.
 */
#include "diffing/chain.h"
#include "diffing/chain_idx.h"
#include "diffing/chain_int.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DCACHE 4096

struct dentry {
    uint64_t pc;
    uint8_t bytes[16], len, mode, valid;
    struct defuse du;
};

struct side {
    const struct chain_run *r;
    struct hvt_step *buf;           /* steps [lo, lo + nbuf) */
    uint64_t lo;
    size_t nbuf;
    struct dentry *cache;
    hvt_error *err;
};

/* What the scan found. */
struct def {
    uint8_t kind;                   /* CHAIN_PRODUCED/LOADED/STORED/EVENT/START/OUTSIDE */
    uint8_t cause;
    uint64_t k;                     /* the step */
    struct hvt_step st;             /* step k */
    struct hvt_state after;         /* the state before step k+1 */
    struct defuse du;
    uint64_t smbase;
};

/* ---- steps and decoding ---- */

static const struct hvt_step *get(struct side *s, uint64_t k)
{
    if (k >= s->lo && k < s->lo + s->nbuf)
        return &s->buf[k - s->lo];
    uint64_t top = k + 2 < s->r->nsteps ? k + 2 : s->r->nsteps;
    uint64_t lo = top > CHAIN_BLOCK ? top - CHAIN_BLOCK : 0;
    if (s->r->read(s->r->priv, lo, top - lo, s->buf, &s->nbuf, s->err) < 0 ||
        k < lo || k >= lo + s->nbuf) {
        s->nbuf = 0;
        return NULL;
    }
    s->lo = lo;
    return &s->buf[k - lo];
}

static const struct defuse *decode(struct side *s, const struct hvt_step *st)
{
    uint64_t pc = hvt_state_pc(&st->st);
    struct dentry *e = &s->cache[(pc ^ (pc >> 12)) & (DCACHE - 1)];
    if (!e->valid || e->pc != pc || e->mode != st->mode || e->len != st->insn_len ||
        memcmp(e->bytes, st->insn, st->insn_len)) {
        e->valid = 1;
        e->pc = pc;
        e->mode = st->mode;
        e->len = st->insn_len;
        memcpy(e->bytes, st->insn, st->insn_len);
        defuse_decode(st->insn, st->insn_len, (enum hvt_mode)st->mode, &e->du);
    }
    return &e->du;
}

static int excluded(const struct chain_run *r, uint64_t pc)
{
    return align_ranges_hold(r->excl, r->nexcl, pc);
}

/* ---- locations ---- */

static uint64_t loc_value(const struct chain_loc *l, const struct hvt_state *s)
{
    if (l->kind == CHAIN_LOC_REG)
        return defuse_reg_value(&l->reg, s);
    if (l->kind == CHAIN_LOC_FLAGS)
        return s->f[HVT_EFLAGS] & l->flags;
    return 0;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int reg_overlaps(const struct defuse_reg *x, const struct defuse_reg *y)
{
    return x->field == y->field && overlaps(x->shift, x->bits, y->shift, y->bits);
}

static uint64_t stack_mask(const struct hvt_step *st)
{
    return chain_stack_mask(st->mode);
}

/* Bytes [*lo, *lo + *len) the stack grew by between two states. */
static int stack_grown(const struct hvt_step *st, const struct hvt_state *after, uint64_t *lo,
                       uint64_t *len)
{
    return chain_stack_grown(st->mode, &st->st, after, lo, len);
}

static int smm(const struct hvt_state *s)
{
    return chain_in_smm(s);
}

/* ---- the scan ---- */

/* One step as the scan looks at it, without copying (pointers into the block). */
struct view {
    const struct hvt_step *st;
    const struct hvt_state *after;
    const struct defuse *du;
    uint8_t cause;
    uint64_t smbase;
};

/* Every instruction writes RIP (SDM vol 1, 3.5): the next instruction's
 * address, or a branch's target.  RIP elsewhere after a straight-line
 * instruction was an event's doing. */
static int rip_written(const struct view *d)
{
    uint64_t m = stack_mask(d->st);
    uint64_t next = (d->st->st.f[HVT_RIP] + d->st->insn_len) & m;
    return d->du->branch || (d->after->f[HVT_RIP] & m) == next;
}

/* CMOVcc whose condition is false writes nothing, except that in 64-bit mode
 * a 32-bit destination is zero-extended (SDM vol 2, CMOVcc). */
static int cmov_skipped(const struct view *d)
{
    const struct defuse *du = d->du;
    return du->cc >= 0 && !defuse_cond_holds(du->cc, d->st->st.f[HVT_EFLAGS]) &&
           !(d->st->mode == HVT_MODE_64 && du->nrw && du->rw[0].bits == 32);
}

/* The bytes [*lo, *lo + *len) the instruction stored that overlap memory l:
 * a memory operand at its own width, or the stack a push grew; 0 none. */
static int store_range(const struct view *d, const struct chain_loc *l, uint64_t *lo,
                       uint64_t *len)
{
    const struct defuse *du = d->du;
    for (int i = 0; i < du->nmem; i++) {
        *lo = defuse_mem_addr(&du->mem[i], &d->st->st);
        *len = du->mem[i].size ? du->mem[i].size : 1;
        if (du->mem[i].write && overlaps(*lo, *len, l->addr, l->len))
            return 1;
    }
    return du->stack == DEFUSE_STACK_PUSH && stack_grown(d->st, d->after, lo, len) &&
           overlaps(*lo, *len, l->addr, l->len);
}

static int insn_writes(const struct view *d, const struct chain_loc *l)
{
    const struct defuse *du = d->du;
    if (l->kind == CHAIN_LOC_REG && l->reg.field == HVT_RIP)
        return rip_written(d);
    if (l->kind == CHAIN_LOC_REG && l->reg.field == HVT_EFLAGS)
        return du->fw != 0;
    if (l->kind == CHAIN_LOC_REG) {
        if (cmov_skipped(d))
            return 0;
        for (int i = 0; i < du->nrw; i++)
            if (reg_overlaps(&du->rw[i], &l->reg))
                return 1;
        return 0;
    }
    if (l->kind == CHAIN_LOC_FLAGS)
        return (du->fw & l->flags) != 0;
    uint64_t lo, len;
    return store_range(d, l, &lo, &len);
}

/* What happened between a step and the next, other than its instruction. */
static void event_cause(struct view *d, const struct chain_run *r)
{
    const struct hvt_state *b = &d->st->st, *a = d->after;
    uint64_t pcb = hvt_state_pc(b), pca = hvt_state_pc(a);
    if (!smm(b) && smm(a))
        d->cause = CHAIN_C_SMM_ENTRY;
    else if (smm(b) && !smm(a))
        d->cause = CHAIN_C_RSM;
    else if (!excluded(r, pcb) && excluded(r, pca))
        d->cause = CHAIN_C_VMEXIT;
    else if (excluded(r, pcb) && !excluded(r, pca))
        d->cause = CHAIN_C_VMRUN;
    else
        d->cause = CHAIN_C_INTERRUPT;
    if (d->cause == CHAIN_C_SMM_ENTRY)
        d->smbase = a->f[HVT_CS_BASE];      /* SMM entry: CS base = SMBASE (APM 10.2.3) */
}

/* The location changed across the step without its instruction writing it:
 * a register's value changed, SMM entry filled the state-save area
 * [SMBASE+0xfe00, SMBASE+0x10000), or the stack grew by an interrupt frame. */
static int event_writes(struct view *d, const struct chain_loc *l, const struct chain_run *r)
{
    const struct hvt_state *b = &d->st->st, *a = d->after;
    uint64_t lo, len;
    int hit;
    if (l->kind != CHAIN_LOC_MEM)
        hit = loc_value(l, b) != loc_value(l, a);
    else if (!smm(b) && smm(a))
        hit = overlaps(a->f[HVT_CS_BASE] + CHAIN_SMM_SAVE_OFF, CHAIN_SMM_SAVE_LEN, l->addr,
                       l->len);
    else
        hit = d->du->stack != DEFUSE_STACK_PUSH && stack_grown(d->st, a, &lo, &len) &&
              overlaps(lo, len, l->addr, l->len);
    if (hit)
        event_cause(d, r);
    return hit;
}

/* Scan back from the value of l before step n.  0 found (d filled), -1 error. */
static int find_def(struct side *s, const struct chain_loc *l, uint64_t n, struct def *d)
{
    uint64_t rec;
    int known = l->kind == CHAIN_LOC_MEM && s->r->last_store
                ? s->r->last_store(s->r->priv, n, l->addr, l->len, &rec) : -1;
    if (known == 0)
        n = 0;
    uint64_t k = known == 1 ? rec + 1 : n, scan = UINT64_MAX;
    while (k > 0) {
        if (known != 1 && k <= scan)    /* a new block: skip those that cannot hold it */
            k = chain_idx_skip(s->r->idx, l, k, &scan);
        if (k-- == 0)
            break;
        const struct hvt_step *st = get(s, k), *nx = st ? get(s, k + 1) : NULL;
        if (!st || !nx || !(st = get(s, k)))
            return -1;
        struct view v = { st, &nx->st, decode(s, st), CHAIN_C_NONE, 0 };
        int ins = insn_writes(&v, l);
        if (!ins && known != 1 && !event_writes(&v, l, s->r))
            continue;
        d->st = *st;
        d->after = nx->st;
        d->k = k;
        d->du = *v.du;
        d->cause = v.cause;
        d->smbase = v.smbase;
        if (!ins && known != 1) {
            d->kind = CHAIN_EVENT;          /* event_link tells one taken in hv apart */
        } else if (excluded(s->r, hvt_state_pc(&st->st))) {
            d->kind = CHAIN_OUTSIDE;
            d->cause = CHAIN_C_HV;
        } else {
            d->kind = l->kind == CHAIN_LOC_MEM ? CHAIN_STORED : CHAIN_PRODUCED;
        }
        return 0;
    }
    d->kind = CHAIN_START;
    d->k = 0;
    return 0;
}

/* ---- inputs of an instruction ---- */

#define MAXCAND (DEFUSE_MAXREG + DEFUSE_MAXMEM + 2)

static int zero_idiom(const struct defuse *du)
{
    return (!strncmp(du->mnemonic, "xor", 3) || !strncmp(du->mnemonic, "sub", 3)) &&
           du->nrr == 1 && du->nrw == 1 && du->nmem == 0 && !du->imm;
}

static struct chain_loc stack_slot(const struct def *d, unsigned off, unsigned len)
{
    const struct hvt_state *b = &d->st.st;
    return (struct chain_loc){ .kind = CHAIN_LOC_MEM, .len = len,
                               .addr = defuse_seg_base(b, HVT_SS) +
                                       ((b->f[HVT_RSP] + off) & stack_mask(&d->st)) };
}

static int is_reg(const struct chain_loc *l, int field)
{
    return l->kind == CHAIN_LOC_REG && l->reg.field == field;
}

/* Where an `int` reads its vector: IDTR.base where the run recorded it (in
 * real mode too, SDM vol 3A 20.1.4), else the IVT's place after reset, 0. */
static uint64_t ivt_base(const struct hvt_state *s)
{
    return (s->known & HVT_K_DT) ? s->f[HVT_IDTR_BASE] : 0;
}

/* Inputs fixed by the instruction's definition rather than its operands
 * (SDM vol 2): RIP of ret/iret from the stack, of an indirect jmp/call from
 * its operand, else from the code (none); SP moved by a push or pop comes
 * from SP; EFLAGS loaded by popf/iret from its stack slot, stored by pushf
 * from EFLAGS.  -1 when the operands decide. */
static int implicit_inputs(const struct def *d, const struct chain_loc *l, struct chain_loc *c)
{
    const struct defuse *du = &d->du;
    int cs = is_reg(l, HVT_CS_SEL) || is_reg(l, HVT_CS_BASE);
    if (du->is_int && (cs || is_reg(l, HVT_RIP))) {
        if (d->st.st.f[HVT_CR0] & 1)
            return 0;           /* an IDT gate: not followed */
        /* IVT entry: IP, CS, at IDTR.base + 4n (SDM vol 3A 20.1.4: a
         * real-mode lidt moves the table away from 0) */
        c[0] = (struct chain_loc){ .kind = CHAIN_LOC_MEM, .len = 2,
                                   .addr = ivt_base(&d->st.st) + du->vector * 4u +
                                           (cs ? 2u : 0u) };
        return 1;
    }
    if (cs && du->stack == DEFUSE_STACK_POP) {      /* iret, retf: IP, then CS */
        c[0] = stack_slot(d, du->opsize, 2);
        return 1;
    }
    if (is_reg(l, HVT_RIP)) {
        if (!du->branch || du->imm)
            return 0;
        if (du->stack == DEFUSE_STACK_POP) {
            c[0] = stack_slot(d, 0, du->opsize);
            return 1;
        }
        return -1;
    }
    if ((l->kind == CHAIN_LOC_FLAGS || is_reg(l, HVT_EFLAGS)) && du->flags_load) {
        c[0] = stack_slot(d, du->flags_off, du->opsize);
        return 1;
    }
    if (is_reg(l, HVT_RSP) && du->stack != DEFUSE_STACK_NONE) {
        c[0] = (struct chain_loc){ .kind = CHAIN_LOC_REG,
                                   .reg = { HVT_RSP, 0, (uint8_t)(stack_mask(&d->st) == 0xffff
                                                                  ? 16 : 32) } };
        return 1;
    }
    if (l->kind == CHAIN_LOC_MEM && du->flags_store) {
        c[0] = (struct chain_loc){ .kind = CHAIN_LOC_REG,
                                   .reg = { HVT_EFLAGS, 0, (uint8_t)(du->opsize * 8) } };
        return 1;
    }
    return -1;
}

/* The inputs a written value can come from, memory first, pure sources
 * before read-modify-write destinations, flags last. */
static int inputs(const struct def *d, const struct chain_loc *l, struct chain_loc *c)
{
    const struct defuse *du = &d->du;
    const struct hvt_state *b = &d->st.st;
    int n = implicit_inputs(d, l, c);
    if (n >= 0)
        return n;
    n = 0;
    if (zero_idiom(du) || du->origin != DEFUSE_FROM_OPERANDS || du->is_int)
        return 0;
    for (int i = 0; i < du->nmem; i++)
        if (du->mem[i].read)
            c[n++] = (struct chain_loc){ .kind = CHAIN_LOC_MEM,
                                         .addr = defuse_mem_addr(&du->mem[i], b),
                                         .len = du->mem[i].size ? du->mem[i].size : 1 };
    if (du->stack == DEFUSE_STACK_POP && du->nrw)
        c[n++] = stack_slot(d, 0, du->opsize);      /* SDM vol 2, POP: operand size */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < du->nrr; i++) {
            int also_written = 0;
            for (int j = 0; j < du->nrw; j++)
                also_written |= reg_overlaps(&du->rr[i], &du->rw[j]);
            if (also_written == pass && du->rr[i].field != HVT_RSP)
                c[n++] = (struct chain_loc){ .kind = CHAIN_LOC_REG, .reg = du->rr[i] };
        }
    if (du->fr)
        c[n++] = (struct chain_loc){ .kind = CHAIN_LOC_FLAGS, .flags = du->fr };
    return n;
}

/* ---- the SMM state-save area (AMD APM vol 2, 10.2.3, table 10-2: the
 * AMD64 layout QEMU's x86_64 target writes, SMM revision 0x20064) ---- */

static const struct { uint16_t off; uint8_t field; } smm_map[] = {
    { 0xfff8, HVT_RAX }, { 0xfff0, HVT_RCX }, { 0xffe8, HVT_RDX }, { 0xffe0, HVT_RBX },
    { 0xffd8, HVT_RSP }, { 0xffd0, HVT_RBP }, { 0xffc8, HVT_RSI }, { 0xffc0, HVT_RDI },
    { 0xff78, HVT_RIP }, { 0xff70, HVT_EFLAGS }, { 0xff58, HVT_CR0 }, { 0xff50, HVT_CR3 },
    { 0xff48, HVT_CR4 }, { 0xfed0, HVT_EFER },
};

static int smm_field(uint64_t off)
{
    for (size_t i = 0; i < sizeof smm_map / sizeof smm_map[0]; i++)
        if (off >= smm_map[i].off && off < smm_map[i].off + 8u)
            return smm_map[i].field;
    return -1;
}

/* ---- links ---- */

static void set_link(struct chain_link *lk, const struct def *d, const struct chain_loc *l)
{
    memset(lk, 0, sizeof *lk);
    lk->kind = d->kind;
    lk->cause = d->cause;
    lk->step = d->k;
    lk->loc = *l;
    if (l->kind != CHAIN_LOC_MEM && d->kind != CHAIN_START) {
        lk->value = loc_value(l, &d->after);
        lk->has_value = 1;
    }
}

/* The VMEXIT before step k: the last guest step followed by hv's code. */
static int last_vmexit(struct side *s, uint64_t k, uint64_t *j)
{
    for (uint64_t i = k; i-- > 0 && k - i < (1u << 24);) {
        const struct hvt_step *st = get(s, i);
        if (!st)
            return 0;
        if (!excluded(s->r, hvt_state_pc(&st->st))) {
            *j = i;
            return 1;
        }
    }
    return 0;
}

/* An event link; returns 1 and the next location when the walk goes on. */
static int event_link(struct side *s, struct chain_link *lk, const struct def *d,
                      const struct chain_loc *l, struct chain_loc *next, uint64_t *nstep)
{
    char loc[64];
    chain_loc_format(l, loc, sizeof loc);
    if (d->cause == CHAIN_C_SMM_ENTRY && l->kind == CHAIN_LOC_MEM) {
        int f = smm_field(l->addr - d->smbase);
        uint64_t pc = hvt_state_pc(&d->st.st);
        if (excluded(s->r, pc)) {
            lk->kind = CHAIN_OUTSIDE;
            lk->cause = CHAIN_C_SMI_IN_HV;
            lk->has_related = (uint8_t)last_vmexit(s, d->k, &lk->related);
            char after[64] = "";
            if (lk->has_related)
                snprintf(after, sizeof after, ", after a VMEXIT from the guest's step #%" PRIu64,
                         lk->related);
            snprintf(lk->note, sizeof lk->note, "the SMI was taken while the CPU ran hv's code "
                     "(0x%" PRIx64 ")%s: the state-save area (SMBASE 0x%" PRIx64 ", offset 0x%"
                     PRIx64 ") holds hv's %s (0x%" PRIx64 "), not the guest's", pc, after,
                     d->smbase, l->addr - d->smbase,
                     f >= 0 ? hvt_field_name((enum hvt_field)f) : "registers",
                     f >= 0 ? d->after.f[f] : 0);
            return 0;
        }
        snprintf(lk->note, sizeof lk->note, "SMM entry after this step (an SMI): the "
                 "state-save area (SMBASE 0x%" PRIx64 ", offset 0x%" PRIx64 ") written with the "
                 "guest's %s (0x%" PRIx64 ")", d->smbase, l->addr - d->smbase,
                 f >= 0 ? hvt_field_name((enum hvt_field)f) : "registers",
                 f >= 0 ? d->after.f[f] : 0);
        if (f < 0)
            return 0;
        *next = (struct chain_loc){ .kind = CHAIN_LOC_REG,
                                    .reg = { (uint8_t)f, 0, (uint8_t)(l->len * 8) } };
        *nstep = d->k + 1;
        return 1;
    }
    if (d->cause == CHAIN_C_RSM && l->kind == CHAIN_LOC_REG) {
        snprintf(lk->note, sizeof lk->note, "RSM restored %s from the state-save area", loc);
        return 0;
    }
    static const char *const what[CHAIN_C_NCAUSES] = {
        [CHAIN_C_SMM_ENTRY] = "SMM entry", [CHAIN_C_RSM] = "RSM",
        [CHAIN_C_INTERRUPT] = "an interrupt or exception (no instruction wrote it)",
        [CHAIN_C_VMEXIT] = "a VMEXIT into hv", [CHAIN_C_VMRUN] = "hv's VMRUN back into the guest",
    };
    snprintf(lk->note, sizeof lk->note, "%s set %s between this step and the next",
             what[d->cause] ? what[d->cause] : "an event", loc);
    if (d->cause == CHAIN_C_VMRUN || d->cause == CHAIN_C_VMEXIT)
        lk->kind = CHAIN_OUTSIDE;
    return 0;
}

/* EFLAGS as a whole credited to an instruction that writes only some flags
 * (INC leaves CF: SDM vol 2, "Flags Affected"): say which, the others are
 * older (chain_why_flags gives each its own writer). */
static void eflags_part(struct chain_link *lk, const struct def *d, const struct chain_loc *l)
{
    uint32_t w = d->du.fw & CHAIN_EFLAGS_ALL;
    size_t used = strlen(lk->note);
    if (!is_reg(l, HVT_EFLAGS) || d->du.flags_load || !w || w == CHAIN_EFLAGS_ALL)
        return;
    char f[64];
    defuse_flags_name(w, f, sizeof f);
    snprintf(lk->note + used, CHAIN_NOTE - used, " (it writes only %s; the other flags "
             "are older)", f);
}

static void insn_note(struct chain_link *lk, const struct def *d, const struct chain_loc *l,
                      const struct chain_loc *from)
{
    char loc[64], src[64];
    chain_loc_format(l, loc, sizeof loc);
    chain_loc_format(from, src, sizeof src);
    lk->kind = d->kind;
    if (d->du.origin == DEFUSE_FROM_PORT) {
        unsigned port = d->du.imm ? d->du.vector : (unsigned)(d->st.st.f[HVT_RDX] & 0xffff);
        int clock;
        const char *what = chain_port_name(port, &clock);
        lk->kind = CHAIN_OUTSIDE;
        lk->cause = clock ? CHAIN_C_CLOCK : CHAIN_C_PORT;
        snprintf(lk->note, sizeof lk->note, "%s read %s from an I/O port (port 0x%x): %s",
                 d->du.mnemonic, loc, port, what ? what : "a device");
    } else if (d->du.origin != DEFUSE_FROM_OPERANDS) {
        lk->kind = CHAIN_OUTSIDE;
        lk->cause = d->du.origin == DEFUSE_FROM_CLOCK ? CHAIN_C_CLOCK : CHAIN_C_CPU;
        snprintf(lk->note, sizeof lk->note, "%s set %s: %s", d->du.mnemonic, loc,
                 lk->cause == CHAIN_C_CLOCK ? "the clock" : "what the CPU reports");
    } else if (from->kind == CHAIN_LOC_NONE) {
        lk->kind = d->kind == CHAIN_STORED ? CHAIN_STORED : CHAIN_CONSTANT;
        snprintf(lk->note, sizeof lk->note, "%s set %s from %s", d->du.mnemonic, loc,
                 is_reg(l, HVT_RIP) ? (d->du.branch ? "its target (in the code, or the "
                 "interrupt vector's entry)" : "its own address and length: the next "
                 "instruction") :
                 d->du.is_int ? "the interrupt frame" : d->du.stack == DEFUSE_STACK_PUSH &&
                 d->du.mnemonic[0] == 'c' ? "its return address" : "a constant in the code");
    } else if (is_reg(l, HVT_RSP) && is_reg(from, HVT_RSP) && d->du.stack) {
        uint64_t m = stack_mask(&d->st);
        int64_t by = (int64_t)((d->after.f[HVT_RSP] - d->st.st.f[HVT_RSP]) & m);
        if (by > (int64_t)(m >> 1))
            by -= (int64_t)m + 1;
        snprintf(lk->note, sizeof lk->note, "%s moved %s by %+" PRId64 " (a %s)",
                 d->du.mnemonic, loc, by, d->du.stack == DEFUSE_STACK_PUSH ? "push" : "pop");
    } else {
        if (d->kind == CHAIN_PRODUCED && from->kind == CHAIN_LOC_MEM)
            lk->kind = CHAIN_LOADED;
        snprintf(lk->note, sizeof lk->note, "%s %s %s from %s", d->du.mnemonic,
                 d->kind == CHAIN_STORED ? "stored into" : lk->kind == CHAIN_LOADED ? "loaded"
                 : "set", loc, src);
    }
    lk->from = *from;
    eflags_part(lk, d, l);
}

/* ---- walks ---- */

struct walk {
    struct side s;
    struct chain *out;
    struct chain_loc loc;
    uint64_t n;             /* loc's value as read before step n */
    int active;
    struct def d;
    struct chain_loc cand[MAXCAND];
    int ncand;
    int split;              /* chain_why: walk the bytes a store left out too */
    struct chain_loc pend[4];       /* ...these, each as read before step pend_n */
    uint64_t pend_n[4];
    size_t pend_link[4];    /* the link of the store that left them out */
    int npend;
};

static int walk_init(struct walk *w, const struct chain_run *r, struct chain *out,
                     hvt_error *err)
{
    memset(w, 0, sizeof *w);
    w->s.r = r;
    w->s.err = err;
    w->out = out;
    out->n = 0;
    w->s.buf = malloc(CHAIN_BLOCK * sizeof *w->s.buf);
    w->s.cache = calloc(DCACHE, sizeof *w->s.cache);
    if (!w->s.buf || !w->s.cache)
        return hvt_error_set(err, "chain: out of memory");
    return 0;
}

static void walk_free(struct walk *w)
{
    free(w->s.buf);
    free(w->s.cache);
}

static void start_link(struct walk *w, struct chain_link *lk)
{
    char loc[64];
    uint64_t v;
    chain_loc_format(&w->loc, loc, sizeof loc);
    if (w->loc.kind == CHAIN_LOC_MEM && w->s.r->start_mem && w->loc.len <= 8 &&
        w->s.r->start_mem(w->s.r->priv, w->loc.addr, w->loc.len, &v) == 0) {
        lk->value = v;
        lk->has_value = 1;
    } else if (w->loc.kind != CHAIN_LOC_MEM) {
        const struct hvt_step *st = get(&w->s, 0);
        lk->value = st ? loc_value(&w->loc, &st->st) : 0;
        lk->has_value = st != NULL;
    }
    char val[48] = "";
    const struct hvt_step *first = get(&w->s, 0);
    uint64_t ivt = first ? ivt_base(&first->st) : 0, off = w->loc.addr - ivt;
    if (lk->has_value && w->loc.kind == CHAIN_LOC_MEM && w->loc.len == 4 &&
        w->loc.addr >= ivt && off < 0x400 && !(off & 3))   /* an IVT entry: offset, segment */
        snprintf(val, sizeof val, " (IVT vector %02" PRIx64 "h = %04" PRIx64 ":%04" PRIx64 ")",
                 off / 4, lk->value >> 16, lk->value & 0xffff);
    snprintf(lk->note, sizeof lk->note, "no step of the trace wrote %s%s: it held this value "
             "when the trace began%s%s%s", loc, val, w->s.r->before ? " (written before it, by "
             : "", w->s.r->before ? w->s.r->before : "", w->s.r->before ? ")" : "");
}

#define DMA_SCAN (1u << 20)     /* steps searched back for the out that asked for DMA */

static uint64_t width_mask(uint64_t len)
{
    return len >= 8 ? ~0ull : (1ull << (len * 8)) - 1;
}

/* Instructions whose result is the bytes they read, unchanged (the low bytes
 * for movzx/movsx): MOV, MOVZX/MOVSX, MOVS, LODS, PUSH/POP (Intel SDM vol 2). */
static int copies(const char *mnemonic)
{
    if (!strncmp(mnemonic, "rep", 3) && strchr(mnemonic, ' '))
        mnemonic = strchr(mnemonic, ' ') + 1;
    return !strncmp(mnemonic, "mov", 3) || !strncmp(mnemonic, "lods", 4) ||
           !strncmp(mnemonic, "push", 4) || !strncmp(mnemonic, "pop", 3);
}

/* Memory [a, a+len) inside location `in`: its offset in bytes, or -1. */
static int64_t inside(const struct chain_loc *in, uint64_t a, uint64_t len)
{
    return in->kind == CHAIN_LOC_MEM && a >= in->addr && a + len <= in->addr + in->len
           ? (int64_t)(a - in->addr) : -1;
}

/* The value the bytes [a, a+len) of link `at`'s location had when the guest
 * read them, from the chain itself: the nearest earlier link (toward the
 * divergence) whose input holds them is the instruction that read them.  A
 * load into a register (any width, any part of it) gives them from the
 * register; a copy to memory (movs of any width and rep, push from memory,
 * pop to memory) hands them on to the next reader of its destination.  A run
 * that recorded its reads (Bochs) gives them directly, whatever the reader
 * (cmps, scas, cmp).  1 and *v if found; 0 when the reader only compared them
 * or computed with them and no read was recorded. */
static int value_read(struct walk *w, size_t at, uint64_t a, uint64_t len, uint64_t *v)
{
    for (size_t j = at; j-- > 0;) {
        const struct chain_link *lk = &w->out->link[j];
        int64_t off = inside(&lk->from, a, len);
        if (off < 0)
            continue;
        const struct hvt_step *st = get(&w->s, lk->step), *nx = get(&w->s, lk->step + 1);
        st = nx ? get(&w->s, lk->step) : NULL;
        const struct defuse *du = st ? decode(&w->s, st) : NULL;
        if (w->s.r->read_value && w->s.r->read_value(w->s.r->priv, lk->step, a, len, v) == 0)
            return 1;                           /* the run recorded the read itself */
        if (!du || !copies(du->mnemonic) ||
            (lk->kind != CHAIN_LOADED && lk->kind != CHAIN_STORED))
            return 0;
        if (lk->kind == CHAIN_LOADED) {
            if (!lk->has_value || lk->loc.kind != CHAIN_LOC_REG ||
                (uint64_t)(off + (int64_t)len) * 8 > lk->loc.reg.bits)
                return 0;
            *v = (lk->value >> (off * 8)) & width_mask(len);
            return 1;
        }
        struct view vw = { st, &nx->st, du, CHAIN_C_NONE, 0 };
        uint64_t lo, n;
        if (lk->loc.kind != CHAIN_LOC_MEM || !store_range(&vw, &lk->loc, &lo, &n) ||
            n != lk->from.len)
            return 0;
        a = lo + (uint64_t)off;                 /* the copy's destination */
    }
    return 0;
}

/* The out in [lo, k) nearest k (the guest's request to the device): its
 * step and words for the note; 0 if none within DMA_SCAN steps. */
static int dma_request(struct walk *w, uint64_t lo, uint64_t k, struct chain_link *lk,
                       char *req, size_t n)
{
    for (uint64_t i = k; i-- > lo && k - i < DMA_SCAN;) {
        const struct hvt_step *st = get(&w->s, i);
        if (!st)
            return 0;
        const struct defuse *du = decode(&w->s, st);
        if (strncmp(du->mnemonic, "out", 3))
            continue;
        unsigned port = du->imm ? du->vector : (unsigned)(st->st.f[HVT_RDX] & 0xffff);
        int clock;
        const char *what = chain_port_name(port, &clock);
        snprintf(req, n, ", asked by this out to port 0x%x: %s", port, what ? what : "a device");
        lk->step = i;
        lk->pc = hvt_state_pc(&st->st);
        return 1;
    }
    return 0;
}

/* The bytes w->loc held `when` (at the start, or as the instruction at step
 * lo - 1 stored them) differ from what the guest later read there, and no
 * instruction wrote them in between: a device did, by DMA (QEMU's fw_cfg DMA
 * interface, a disk's bus master).  Whatever instruction read them
 * (value_read: mov of any width, rep movs, lods, push from memory, pop to
 * memory; a recorded read), and for just the bytes no instruction wrote (a
 * read spanning a DMA'd and an instruction-written part is walked as its
 * parts).  The link becomes that: the device named from the last `out` at
 * or after lo before the read (the guest's request), when there is one.  1
 * if so. */
static int dma_differs(struct walk *w, struct chain_link *lk, uint64_t held, const char *when,
                       uint64_t lo)
{
    size_t at = (size_t)(lk - w->out->link);
    uint64_t mask = width_mask(w->loc.len), v, reader = 0;
    if (w->loc.kind != CHAIN_LOC_MEM || w->loc.len > 8 ||
        !value_read(w, at, w->loc.addr, w->loc.len, &v) || v == (held & mask))
        return 0;
    for (size_t j = at; j-- > 0;)
        if (inside(&w->out->link[j].from, w->loc.addr, 1) >= 0) {
            reader = w->out->link[j].step;
            break;
        }
    char req[CHAIN_NOTE / 2] = "";
    lk->kind = CHAIN_OUTSIDE;
    lk->cause = CHAIN_C_DMA;
    lk->from = (struct chain_loc){ 0 };
    dma_request(w, lo, reader, lk, req, sizeof req);
    snprintf(lk->note, sizeof lk->note, "held 0x%" PRIx64 " %s, 0x%" PRIx64 " when read at #%"
             PRIu64 "; no instruction wrote it%s: a device did (DMA)%s", held & mask, when, v,
             reader, lo ? " in between" : "", req);
    lk->value = v;
    lk->has_value = 1;
    return 1;
}

/* Memory that held another value at the start than the guest read. */
static int dma_link(struct walk *w, struct chain_link *lk)
{
    return lk->has_value && dma_differs(w, lk, lk->value, "at the start", 0);
}

/* An instruction stored a register into memory (mov, stos, push: the
 * register's value before it, SDM vol 2) and the guest later read another
 * value there: a device wrote it after the store (a buffer cleared, then
 * filled by DMA). */
static int dma_after_store(struct walk *w, struct chain_link *lk)
{
    const struct def *d = &w->d;
    const struct defuse *du = &d->du;
    const char *m = du->mnemonic;
    if (!strncmp(m, "rep", 3) && strchr(m, ' '))
        m = strchr(m, ' ') + 1;
    struct view v = { &d->st, &d->after, du, CHAIN_C_NONE, 0 };
    uint64_t lo, len;
    if (d->kind != CHAIN_STORED || w->loc.kind != CHAIN_LOC_MEM || !w->ncand ||
        w->cand[0].kind != CHAIN_LOC_REG || du->origin != DEFUSE_FROM_OPERANDS ||
        (strncmp(m, "mov", 3) && strncmp(m, "stos", 4) && strncmp(m, "push", 4)) ||
        !store_range(&v, &w->loc, &lo, &len) || w->loc.addr < lo ||
        (w->loc.addr - lo + w->loc.len) * 8 > w->cand[0].reg.bits)
        return 0;
    uint64_t held = defuse_reg_value(&w->cand[0].reg, &d->st.st) >> ((w->loc.addr - lo) * 8);
    char when[80];
    snprintf(when, sizeof when, "as %s stored it at #%" PRIu64, du->mnemonic, d->k);
    return dma_differs(w, lk, held, when, d->k + 1);
}

/* A register link names the register the instruction wrote, at the width of
 * its operand (lodsb writes AL, a 16-bit pop AX: Intel SDM vol 2, LODS and
 * POP), not the wider one the walk asked about; its value is that register's. */
static void written_reg(struct chain_link *lk, const struct def *d)
{
    if (lk->loc.kind != CHAIN_LOC_REG)
        return;
    for (int i = 0; i < d->du.nrw; i++)
        if (reg_overlaps(&d->du.rw[i], &lk->loc.reg)) {
            lk->loc.reg = d->du.rw[i];
            lk->value = loc_value(&lk->loc, &d->after);
            return;
        }
}

/* A store that wrote part of the location (a 4-byte IVT entry written as
 * two 2-byte halves): the link is that part, at the store's own width; the
 * other bytes, which held their value across this step, are walked after
 * (chain_why) from the same step. */
static void narrow_store(struct walk *w)
{
    struct chain_loc *l = &w->loc;
    struct view v = { &w->d.st, &w->d.after, &w->d.du, CHAIN_C_NONE, 0 };
    uint64_t lo, len, end = l->addr + l->len;
    if (w->d.kind != CHAIN_STORED || l->kind != CHAIN_LOC_MEM || !store_range(&v, l, &lo, &len))
        return;
    uint64_t a = lo > l->addr ? lo : l->addr, b = lo + len < end ? lo + len : end;
    uint64_t rest[2][2] = { { l->addr, a }, { b, end } };
    for (int i = 0; i < 2; i++)
        if (rest[i][1] > rest[i][0] && w->split && w->npend < 4) {
            w->pend[w->npend] = (struct chain_loc){ .kind = CHAIN_LOC_MEM, .addr = rest[i][0],
                                                    .len = (uint32_t)(rest[i][1] - rest[i][0]) };
            w->pend_link[w->npend] = w->out->n;
            w->pend_n[w->npend++] = w->d.k;
        }
    l->addr = a;
    l->len = (uint32_t)(b - a);
}

/* One link back from (loc, n).  Fills w->cand with the inputs to choose from;
 * returns 1 if the walk can go on, 0 if it ended, -1 on error. */
static int walk_step(struct walk *w)
{
    if (w->out->n == CHAIN_MAX || find_def(&w->s, &w->loc, w->n, &w->d) < 0)
        return w->out->n == CHAIN_MAX ? 0 : -1;
    narrow_store(w);
    struct chain_link *lk = &w->out->link[w->out->n++];
    set_link(lk, &w->d, &w->loc);
    lk->pc = hvt_state_pc(&w->d.st.st);
    w->ncand = 0;
    if (w->d.kind == CHAIN_START) {
        start_link(w, lk);
        dma_link(w, lk);
        return 0;
    }
    if (w->d.kind == CHAIN_OUTSIDE) {
        char loc[64];
        chain_loc_format(&w->loc, loc, sizeof loc);
        snprintf(lk->note, sizeof lk->note, "hv's own code (0x%" PRIx64 ") set %s",
                 hvt_state_pc(&w->d.st.st), loc);
        return 0;
    }
    if (w->d.kind == CHAIN_EVENT) {
        struct chain_loc next;
        uint64_t nstep;
        if (!event_link(&w->s, lk, &w->d, &w->loc, &next, &nstep))
            return 0;
        w->cand[0] = next;
        w->ncand = 1;
        w->n = nstep;
        return 1;
    }
    written_reg(lk, &w->d);
    w->ncand = inputs(&w->d, &w->loc, w->cand);
    struct chain_loc none = { 0 };
    insn_note(lk, &w->d, &w->loc, w->ncand ? &w->cand[0] : &none);
    w->n = w->d.k;
    if (dma_after_store(w, lk))
        return 0;
    return w->ncand > 0 && lk->kind != CHAIN_OUTSIDE;
}

/* Follow input i: the link's `from` says which. */
static void walk_follow(struct walk *w, int i)
{
    struct chain_link *lk = &w->out->link[w->out->n - 1];
    w->loc = w->cand[i];
    if (lk->kind != CHAIN_EVENT)
        insn_note(lk, &w->d, &lk->loc, &w->cand[i]);
    /* A loop-carried value (si += 1 each time round): one link, counted. */
    struct chain_link *prev = w->out->n > 1 ? lk - 1 : NULL;
    if (prev && prev->kind == lk->kind && prev->pc == lk->pc && lk->pc &&
        !memcmp(&prev->loc, &lk->loc, sizeof lk->loc) &&
        !memcmp(&prev->from, &lk->from, sizeof lk->from)) {
        prev->first = lk->step;     /* prev keeps the value the reader read */
        prev->repeat++;
        w->out->n--;
    }
}

/* One run alone: memory first (inputs() orders them), except that an
 * instruction with several results which also reads the location it wrote
 * (lodsb's SI, pop's SP, xchg) carries that location itself. */
static int choose_single(const struct walk *w)
{
    const struct chain_link *lk = &w->out->link[w->out->n - 1];
    if (w->d.du.nrw < 2 || lk->loc.kind != CHAIN_LOC_REG)
        return 0;
    for (int i = 0; i < w->ncand; i++)
        if (w->cand[i].kind == CHAIN_LOC_REG && reg_overlaps(&w->cand[i].reg, &lk->loc.reg))
            return i;
    return 0;
}

int chain_why(const struct chain_run *r, uint64_t step, const struct chain_loc *loc,
              struct chain *out, hvt_error *err)
{
    struct walk w;
    if (walk_init(&w, r, out, err) < 0) {
        walk_free(&w);
        return -1;
    }
    w.loc = *loc;
    w.n = step;
    int rc;
    if (step >= r->nsteps) {
        walk_free(&w);
        return hvt_error_set(err, "no step %" PRIu64 " (the run has %" PRIu64 ")", step,
                             r->nsteps);
    }
    w.split = 1;
    for (;;) {
        while ((rc = walk_step(&w)) > 0)
            walk_follow(&w, choose_single(&w));
        if (rc < 0 || !w.npend || out->n == CHAIN_MAX)
            break;
        w.npend--;
        w.loc = w.pend[w.npend];
        w.n = w.pend_n[w.npend];
        char rest[64], *note = out->link[w.pend_link[w.npend]].note;
        size_t used = strlen(note);
        chain_loc_format(&w.loc, rest, sizeof rest);
        snprintf(note + used, CHAIN_NOTE - used, "; the other bytes, %s: link %zu", rest,
                 out->n + 1);
    }
    walk_free(&w);
    return rc < 0 ? -1 : 0;
}

/* Value of a candidate input in a walk's current def (registers and flags;
 * memory by address). */
static uint64_t cand_key(const struct walk *w, const struct chain_loc *c)
{
    return c->kind == CHAIN_LOC_MEM ? c->addr : loc_value(c, &w->d.st.st);
}

/* Both runs at the same instruction: the first input whose value differs
 * (a memory input whose address differs: follow the address instead). */
static int choose_joint(const struct walk w[2])
{
    if (w[0].ncand != w[1].ncand)
        return 0;
    for (int i = 0; i < w[0].ncand; i++)
        if (w[0].cand[i].kind != CHAIN_LOC_MEM &&
            cand_key(&w[0], &w[0].cand[i]) != cand_key(&w[1], &w[1].cand[i]))
            return i;
    return 0;
}

static int same_insn(const struct walk w[2])
{
    const struct hvt_step *a = &w[0].d.st, *b = &w[1].d.st;
    return w[0].d.kind == w[1].d.kind && hvt_state_pc(&a->st) == hvt_state_pc(&b->st) &&
           a->insn_len == b->insn_len && !memcmp(a->insn, b->insn, a->insn_len);
}

/* What the step both runs executed last decided from. */
static int decider(const struct hvt_step *st, const struct defuse *du, struct chain_loc *l)
{
    const struct hvt_state *s = &st->st;
    memset(l, 0, sizeof *l);
    if (du->is_int) {       /* the vector's IVT entry (real mode) or IDT gate */
        int rm = !(s->f[HVT_CR0] & 1);
        l->kind = CHAIN_LOC_MEM;
        l->len = rm ? 4 : 8;
        l->addr = ivt_base(s) + (uint64_t)du->vector * l->len;
        return 1;
    }
    if (du->stack == DEFUSE_STACK_POP && du->mnemonic[0] != 'p') {   /* ret, iret, leave */
        l->kind = CHAIN_LOC_MEM;
        l->addr = defuse_seg_base(s, HVT_SS) + (s->f[HVT_RSP] & stack_mask(st));
        l->len = st->mode == HVT_MODE_16 ? 2 : 4;
        return 1;
    }
    if (!strncmp(du->mnemonic, "rep", 3)) {    /* a rep string op goes on while CX counts */
        for (int i = 0; i < du->nrr; i++)
            if (du->rr[i].field == HVT_RCX) {
                l->kind = CHAIN_LOC_REG;
                l->reg = du->rr[i];
                return 1;
            }
    }
    if (du->fr) {
        l->kind = CHAIN_LOC_FLAGS;
        l->flags = du->fr;
        return 1;
    }
    for (int i = 0; i < du->nmem; i++)
        if (du->mem[i].read) {
            l->kind = CHAIN_LOC_MEM;
            l->addr = defuse_mem_addr(&du->mem[i], s);
            l->len = du->mem[i].size ? du->mem[i].size : 1;
            return 1;
        }
    for (int i = 0; i < du->nrr; i++)
        if (du->rr[i].field != HVT_RSP) {
            l->kind = CHAIN_LOC_REG;
            l->reg = du->rr[i];
            return 1;
        }
    return 0;
}

static int decide_link(struct walk *w, uint64_t last)
{
    const struct hvt_step *st = get(&w->s, last), *nx;
    if (!st)
        return -1;
    struct hvt_step cur = *st;
    const struct defuse *du = decode(&w->s, &cur);
    struct chain_link *lk = &w->out->link[w->out->n++];
    memset(lk, 0, sizeof *lk);
    lk->kind = CHAIN_DECIDES;
    lk->step = last;
    if (decider(&cur, du, &w->loc)) {
        char loc[64];
        chain_loc_format(&w->loc, loc, sizeof loc);
        lk->loc = w->loc;
        lk->value = loc_value(&w->loc, &cur.st);
        lk->has_value = w->loc.kind != CHAIN_LOC_MEM;
        if (du->is_int)
            snprintf(lk->note, sizeof lk->note, "int %02xh took its handler from %s %s",
                     du->vector, st->st.f[HVT_CR0] & 1 ? "the IDT gate at" : "the IVT entry at",
                     loc);
        else
            snprintf(lk->note, sizeof lk->note, "%s decided on %s", du->mnemonic, loc);
        w->n = last;
        return 1;
    }
    /* Nothing this step read decides where it goes: an event came after it. */
    nx = get(&w->s, last + 1);
    if (!nx)
        return 0;
    w->d.st = cur;
    w->d.after = nx->st;
    w->d.k = last;
    struct view v = { &w->d.st, &w->d.after, &w->d.du, CHAIN_C_NONE, 0 };
    event_cause(&v, w->s.r);
    w->d.cause = v.cause;
    lk->kind = w->d.cause == CHAIN_C_VMEXIT ? CHAIN_OUTSIDE : CHAIN_EVENT;
    lk->cause = w->d.cause;
    snprintf(lk->note, sizeof lk->note, "%s after this step, not a decision of the code",
             w->d.cause == CHAIN_C_SMM_ENTRY ? "SMM entry (an SMI)" :
             w->d.cause == CHAIN_C_VMEXIT ? "a VMEXIT into hv" :
             w->d.cause == CHAIN_C_RSM ? "RSM" : "an interrupt");
    return 0;
}

/* The runs' last links store into the same place from different instructions:
 * the value each stored is not what differs, where side k's store went is.
 * Follow the register its address came from (DI of a rep stos, BX of a mov
 * [bx]); 1 if so. */
static int follow_address(struct walk w[2], int k)
{
    const struct chain *me = w[k].out, *other = w[!k].out;
    if (me->n != other->n || !me->n)
        return 0;
    const struct chain_link *a = &me->link[me->n - 1], *b = &other->link[other->n - 1];
    int stores = (b->kind == CHAIN_STORED || b->kind == CHAIN_CONSTANT) &&
                 a->kind == CHAIN_STORED && a->loc.kind == CHAIN_LOC_MEM &&
                 !memcmp(&a->loc, &b->loc, sizeof a->loc) && a->pc != b->pc;
    const struct defuse *du = &w[k].d.du;
    for (int i = 0; stores && i < du->nmem; i++) {
        const struct defuse_mem *m = &du->mem[i];
        const struct defuse_reg *r = m->base.bits ? &m->base : &m->index;
        if (!m->write || !r->bits)
            continue;
        struct chain_link *lk = &w[k].out->link[w[k].out->n - 1];
        char reg[16], loc[64];
        snprintf(reg, sizeof reg, "%s", defuse_reg_name(r));
        chain_loc_format(&lk->loc, loc, sizeof loc);
        w[k].loc = (struct chain_loc){ .kind = CHAIN_LOC_REG, .reg = *r };
        lk->from = w[k].loc;
        snprintf(lk->note, sizeof lk->note, "%s stored into %s (the other run stored there "
                 "from elsewhere): followed is where its address came from, %s",
                 du->mnemonic, loc, reg);
        return 1;
    }
    return 0;
}

static void hex_bytes(const struct hvt_step *st, char out[48])
{
    out[0] = 0;
    for (size_t i = 0, o = 0; i < st->insn_len && o + 4 < 48; i++)
        o += (size_t)snprintf(out + o, 48 - o, "%s%02x", i ? " " : "", st->insn[i]);
}

/* The instruction each run executes next, when both sit at the same pc but
 * their bytes differ: then no input of the last common step decided, the
 * code did.  Returns 1 and fills the first link of both chains; *on whether
 * a walk goes on (the code bytes, as memory, when the images are the same). */
static int code_differs(struct walk w[2], const uint64_t last[2], int *on)
{
    struct hvt_step nx[2];
    for (int k = 0; k < 2; k++) {
        const struct hvt_step *st = get(&w[k].s, last[k] + 1);
        if (!st)
            return 0;
        nx[k] = *st;
    }
    uint64_t pc = hvt_state_pc(&nx[0].st);
    if (pc != hvt_state_pc(&nx[1].st) || (nx[0].insn_len == nx[1].insn_len &&
                                          !memcmp(nx[0].insn, nx[1].insn, nx[0].insn_len)))
        return 0;
    const char *ia = w[0].s.r->image, *ib = w[1].s.r->image;
    int images = ia && ib && strcmp(ia, ib);
    *on = !images;
    for (int k = 0; k < 2; k++) {
        struct chain_link *lk = &w[k].out->link[w[k].out->n++];
        char mine[48], other[48];
        hex_bytes(&nx[k], mine);
        hex_bytes(&nx[!k], other);
        memset(lk, 0, sizeof *lk);
        lk->step = last[k] + 1;
        lk->pc = pc;
        lk->loc = (struct chain_loc){ .kind = CHAIN_LOC_MEM, .addr = pc, .len = nx[k].insn_len };
        lk->kind = images ? CHAIN_OUTSIDE : CHAIN_DECIDES;
        lk->cause = images ? CHAIN_C_IMAGE : CHAIN_C_NONE;
        snprintf(lk->note, sizeof lk->note, "the code differs: the instruction at 0x%" PRIx64
                 " is %s here, %s in the other run%s", pc, mine, other,
                 images ? "; the runs' images differ" : "");
        w[k].loc = lk->loc;
        w[k].n = last[k] + 1;
    }
    return 1;
}

int chain_diff(const struct chain_run r[2], const uint64_t last[2], struct chain out[2],
               hvt_error *err)
{
    struct walk w[2];
    int rc = 0;
    for (int k = 0; k < 2; k++)
        if (walk_init(&w[k], &r[k], &out[k], err) < 0)
            rc = -1;
    int code_on = 0, code = !rc && code_differs(w, last, &code_on);
    for (int k = 0; k < 2 && code; k++)
        w[k].active = code_on;
    for (int k = 0; k < 2 && !rc && !code; k++) {
        int on = decide_link(&w[k], last[k]);
        rc = on < 0 ? -1 : 0;
        w[k].active = on > 0;
    }
    while (!rc && (w[0].active || w[1].active)) {
        for (int k = 0; k < 2 && !rc; k++)
            if (w[k].active) {
                int on = walk_step(&w[k]);
                rc = on < 0 ? -1 : 0;
                w[k].active = on > 0;
            }
        int joint = w[0].active && w[1].active && same_insn(w) ? choose_joint(w) : -1;
        for (int k = 0; k < 2; k++)
            if (w[k].active && !follow_address(w, k))
                walk_follow(&w[k], joint >= 0 ? joint : choose_single(&w[k]));
    }
    for (int k = 0; k < 2; k++)
        walk_free(&w[k]);
    return rc;
}

/* ---- names ---- */

int chain_loc_parse_reg(const char *name, struct chain_loc *out)
{
    static const char *const fl[] = { "cf", "", "pf", "", "af", "", "zf", "sf", "tf", "if",
                                      "df", "of" };
    memset(out, 0, sizeof *out);
    if (!strcmp(name, "flags") || !strcmp(name, "rflags"))     /* FLAGS, RFLAGS: EFLAGS */
        name = "eflags";
    for (unsigned i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (fl[i][0] && !strcmp(name, fl[i])) {
            out->kind = CHAIN_LOC_FLAGS;
            out->flags = 1u << i;
            return 0;
        }
    for (int f = 0; f < HVT_NFIELDS; f++)
        for (int w = 0; w < 5; w++) {
            static const uint8_t bits[5] = { 64, 32, 16, 8, 8 }, shift[5] = { 0, 0, 0, 0, 8 };
            struct defuse_reg r = { (uint8_t)f, shift[w], bits[w] };
            if (f > HVT_RSP && w)
                break;
            if (!strcmp(defuse_reg_name(&r), name)) {
                out->kind = CHAIN_LOC_REG;
                out->reg = r;
                return 0;
            }
        }
    return -1;
}

void chain_loc_format(const struct chain_loc *l, char *buf, size_t n)
{
    if (l->kind == CHAIN_LOC_REG)
        snprintf(buf, n, "%s", defuse_reg_name(&l->reg));
    else if (l->kind == CHAIN_LOC_FLAGS)
        defuse_flags_name(l->flags, buf, n);
    else if (l->kind == CHAIN_LOC_MEM)
        snprintf(buf, n, "[0x%" PRIx64 ", %u byte%s]", l->addr, l->len, hvt_s(l->len));
    else
        snprintf(buf, n, "nothing");
}

const char *chain_kind_name(enum chain_link_kind k)
{
    static const char *const names[] = { "decides", "produced", "loaded", "stored", "event",
                                         "start", "outside", "constant" };
    return k <= CHAIN_CONSTANT ? names[k] : "?";
}

const char *chain_cause_name(enum chain_cause c)
{
    static const char *const names[CHAIN_C_NCAUSES] = {
        "", "smm-entry", "rsm", "interrupt", "vmexit", "vmrun", "hv", "port", "clock", "cpu",
        "smi-in-hv", "image", "dma"
    };
    return c < CHAIN_C_NCAUSES ? names[c] : "?";
}
