/*
 * segcache: descriptor caches carried between `info registers` reads (see
 * segcache.h for where they change).  Invariant: c->st's selectors are the
 * ones its bases, limits and attributes belong to.
 */
#include "qemu/segcache.h"

#include <string.h>

#include "qemu/qemulog.h"
#include "qemu/step_event.h"

#define CR0_PE      1u
#define EFLAGS_VM   (1u << 17)
#define CACHE_GROUPS (HVT_K_SEGDESC | HVT_K_DT | HVT_K_SMM | HVT_K_CSBASE)

static int take_first(void *priv, const struct qemulog_cpu *cpu)
{
    struct hvt_state *st = priv;
    *st = cpu->st;
    return 1;                   /* one dump is all there is */
}

int segcache_parse(const char *text, struct hvt_state *st)
{
    struct qemulog *p = qemulog_new(take_first, NULL, st);
    if (!p)
        return -1;
    memset(st, 0, sizeof *st);
    qemulog_feed(p, text, strlen(text));
    qemulog_finish(p);
    int ok = qemulog_stats(p)->steps == 1 && (st->known & HVT_K_SEGDESC);
    qemulog_free(p);
    return ok ? 0 : -1;
}

void segcache_set(struct segcache *c, const struct hvt_state *read)
{
    c->st = *read;
    c->valid = 1;
}

static int real_mode(const struct hvt_state *st)
{
    return !(st->f[HVT_CR0] & CR0_PE) || (st->f[HVT_EFLAGS] & EFLAGS_VM);
}

/* Opcodes after which protected-mode caches may differ although no selector
 * did: far transfers (same selector, new GDT), iret, int, rsm, 0F 00 / 0F 01
 * (lldt, ltr, lgdt, lidt, vmrun, vmload...), sysenter & co. */
static int may_reload(const struct hvt_step *s)
{
    size_t i = stepev_skip_prefixes(s);
    if (stepev_far_transfer(s))
        return 1;
    uint8_t op2 = i + 1 < s->insn_len ? s->insn[i + 1] : 0;
    return s->insn[i] == 0x0f && (op2 <= 0x01 || op2 == 0x05 || op2 == 0x07 ||
                                  op2 == 0x34 || op2 == 0x35);
}

/* Segments (bit HVT_ES + n) the instruction loads in real mode: mov/pop to a
 * segment register, lds & co, and CS for far transfers (SDM vol 2: MOV, POP,
 * LDS/LES/LFS/LGS/LSS, JMP/CALL far, RET far, IRET, INT n). */
static unsigned seg_loads(const struct hvt_step *s)
{
    size_t i = stepev_skip_prefixes(s);
    if (i >= s->insn_len)
        return 0;
    uint8_t op = s->insn[i], op2 = i + 1 < s->insn_len ? s->insn[i + 1] : 0;
    if (stepev_far_transfer(s))
        return 1u << HVT_CS;
    switch (op) {
    case 0x8e: return 1u << ((op2 >> 3) & 7);
    case 0x07: case 0xc4: return 1u << HVT_ES;
    case 0x17: return 1u << HVT_SS;
    case 0x1f: case 0xc5: return 1u << HVT_DS;
    case 0x0f:
        if (op2 == 0xa1 || op2 == 0xb4) return 1u << HVT_FS;
        if (op2 == 0xa9 || op2 == 0xb5) return 1u << HVT_GS;
        if (op2 == 0xb2) return 1u << HVT_SS;
        return 0;
    default: return 0;
    }
}

/* Instructions that load GDTR, IDTR, LDTR, TR or the whole state in any mode
 * (segcache.h): lgdt/lidt with a memory operand, lldt/ltr, rsm, vmrun,
 * vmload.  1 also for bytes too short to tell. */
static int loads_system_regs(const struct hvt_step *s)
{
    size_t i = stepev_skip_prefixes(s);
    if (i >= s->insn_len)
        return 1;
    if (s->insn[i] != 0x0f)
        return 0;
    if (i + 1 >= s->insn_len)
        return 1;
    uint8_t op2 = s->insn[i + 1];
    if (op2 == 0xaa)
        return 1;                                   /* rsm */
    if (op2 > 0x01)
        return 0;
    if (i + 2 >= s->insn_len)
        return 1;
    uint8_t modrm = s->insn[i + 2];
    unsigned reg = (modrm >> 3) & 7;
    if (op2 == 0x00 || (modrm >> 6) != 3)           /* lldt, ltr / lgdt, lidt */
        return reg == 2 || reg == 3;
    return modrm == 0xd8 || modrm == 0xda;          /* vmrun, vmload */
}

/* The reset vector (SDM vol 3A 9.1.4: CS selector f000, EIP fff0): a reset or
 * INIT, which loads GDTR/IDTR base 0 limit ffff and fresh caches. */
static int at_reset_vector(const struct hvt_state *a)
{
    return a->f[HVT_CS_SEL] == 0xf000 && a->f[HVT_RIP] == 0xfff0;
}

static int control_regs_changed(const struct hvt_state *b, const struct hvt_state *a)
{
    return b->f[HVT_CR0] != a->f[HVT_CR0] || b->f[HVT_CR3] != a->f[HVT_CR3] ||
           b->f[HVT_CR4] != a->f[HVT_CR4] || b->f[HVT_EFER] != a->f[HVT_EFER] ||
           ((b->f[HVT_EFLAGS] ^ a->f[HVT_EFLAGS]) & EFLAGS_VM);
}

int segcache_stale(const struct segcache *c, const struct hvt_step *before,
                   const struct hvt_state *after)
{
    if (!c->valid || control_regs_changed(&before->st, after) ||
        loads_system_regs(before) || at_reset_vector(after))
        return 1;
    if (real_mode(after))
        return 0;
    if (may_reload(before))
        return 1;
    for (int s = 0; s < HVT_NSEG; s++)
        if (after->f[HVT_ES_SEL + s] != c->st.f[HVT_ES_SEL + s])
            return 1;
    return 0;
}

void segcache_apply(struct segcache *c, const struct hvt_step *ran, struct hvt_state *st)
{
    if (!c->valid)
        return;
    unsigned loads = ran && real_mode(st) ? seg_loads(ran) : 0;
    for (int s = 0; s < HVT_NSEG; s++) {
        uint64_t sel = st->f[HVT_ES_SEL + s];
        if (real_mode(st) && (sel != c->st.f[HVT_ES_SEL + s] || (loads & (1u << s)))) {
            c->st.f[HVT_ES_SEL + s] = sel;
            c->st.f[HVT_ES_BASE + s] = sel << 4;
        }
        st->f[HVT_ES_BASE + s] = c->st.f[HVT_ES_BASE + s];
        st->f[HVT_ES_LIMIT + s] = c->st.f[HVT_ES_LIMIT + s];
        st->f[HVT_ES_ATTR + s] = c->st.f[HVT_ES_ATTR + s];
    }
    for (int f = HVT_GDTR_BASE; f <= HVT_SMM; f++)
        st->f[f] = c->st.f[f];
    st->known |= CACHE_GROUPS;
}
