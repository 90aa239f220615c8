/*
 * defuse: Capstone operand details turned into hvtrace's register fields
 * (see defuse.h).  The Capstone handle is common/disasm.c's detail handle.
 * Implicit registers (Capstone's regs_read/regs_write: the accumulator of
 * mul, ECX of loop and rep, ESP of push) count as sources and results;
 * address registers of memory operands do not (they are in the mem entries).
 * EFLAGS bits follow Capstone's per-instruction flag table; an instruction it
 * does not describe (0) is taken to touch no flag.  Side effects Capstone
 * leaves out are added from the SDM: a segment load writes the selector and
 * the hidden base, limit and attributes (vol 3, 3.4.3); int, iret, far ret,
 * far jmp and far call load CS; lds/les/lss/lfs/lgs load their segment; popf and
 * iret load EFLAGS from the stack, pushf stores it (vol 2, POPF, IRET, PUSHF).
 */
#include "diffing/defuse.h"
#include "common/disasm.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

/* A Capstone register as a field and bit range; bits 0 if not one we record. */
static struct defuse_reg creg(x86_reg r)
{
    static const struct { x86_reg r[5]; uint8_t field; } gpr[] = {
        { { X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH }, HVT_RAX },
        { { X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH }, HVT_RBX },
        { { X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH }, HVT_RCX },
        { { X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH }, HVT_RDX },
        { { X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, 0 }, HVT_RSI },
        { { X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, 0 }, HVT_RDI },
        { { X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, 0 }, HVT_RBP },
        { { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, 0 }, HVT_RSP },
        { { X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, 0 }, HVT_R8 },
        { { X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, 0 }, HVT_R9 },
        { { X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, 0 }, HVT_R10 },
        { { X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, 0 }, HVT_R11 },
        { { X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, 0 }, HVT_R12 },
        { { X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, 0 }, HVT_R13 },
        { { X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, 0 }, HVT_R14 },
        { { X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, 0 }, HVT_R15 },
    };
    static const uint8_t width[5][2] = { { 0, 64 }, { 0, 32 }, { 0, 16 }, { 0, 8 }, { 8, 8 } };
    static const x86_reg segs[HVT_NSEG] = { X86_REG_ES, X86_REG_CS, X86_REG_SS, X86_REG_DS,
                                            X86_REG_FS, X86_REG_GS };
    for (size_t i = 0; i < sizeof gpr / sizeof gpr[0]; i++)
        for (int w = 0; w < 5; w++)
            if (gpr[i].r[w] && gpr[i].r[w] == r)
                return (struct defuse_reg){ gpr[i].field, width[w][0], width[w][1] };
    for (int s = 0; s < HVT_NSEG; s++)
        if (segs[s] == r)
            return (struct defuse_reg){ (uint8_t)(HVT_ES_SEL + s), 0, 16 };
    switch (r) {
    case X86_REG_CR0: return (struct defuse_reg){ HVT_CR0, 0, 64 };
    case X86_REG_CR2: return (struct defuse_reg){ HVT_CR2, 0, 64 };
    case X86_REG_CR3: return (struct defuse_reg){ HVT_CR3, 0, 64 };
    case X86_REG_CR4: return (struct defuse_reg){ HVT_CR4, 0, 64 };
    default: return (struct defuse_reg){ 0, 0, 0 };
    }
}

static void add_reg(struct defuse_reg *set, uint8_t *n, struct defuse_reg r)
{
    if (!r.bits || r.field == HVT_RIP || *n == DEFUSE_MAXREG)
        return;
    for (uint8_t i = 0; i < *n; i++)
        if (set[i].field == r.field && set[i].shift == r.shift) {
            if (r.bits > set[i].bits)
                set[i].bits = r.bits;
            return;
        }
    set[(*n)++] = r;
}

/* Capstone's flag table to EFLAGS bits (Intel SDM vol 1, 3.4.3). */
static void flags(uint64_t ef, uint32_t *read, uint32_t *written)
{
    static const struct { uint64_t test, write; uint32_t bit; } map[] = {
        { X86_EFLAGS_TEST_CF, X86_EFLAGS_MODIFY_CF | X86_EFLAGS_RESET_CF | X86_EFLAGS_SET_CF |
          X86_EFLAGS_UNDEFINED_CF, 1u << 0 },
        { X86_EFLAGS_TEST_PF, X86_EFLAGS_MODIFY_PF | X86_EFLAGS_RESET_PF |
          X86_EFLAGS_UNDEFINED_PF, 1u << 2 },
        { 0, X86_EFLAGS_MODIFY_AF | X86_EFLAGS_RESET_AF | X86_EFLAGS_UNDEFINED_AF, 1u << 4 },
        { X86_EFLAGS_TEST_ZF, X86_EFLAGS_MODIFY_ZF | X86_EFLAGS_UNDEFINED_ZF, 1u << 6 },
        { X86_EFLAGS_TEST_SF, X86_EFLAGS_MODIFY_SF | X86_EFLAGS_RESET_SF |
          X86_EFLAGS_UNDEFINED_SF, 1u << 7 },
        { X86_EFLAGS_TEST_TF, X86_EFLAGS_MODIFY_TF | X86_EFLAGS_RESET_TF, 1u << 8 },
        { X86_EFLAGS_TEST_IF, X86_EFLAGS_MODIFY_IF | X86_EFLAGS_RESET_IF | X86_EFLAGS_SET_IF,
          1u << 9 },
        { X86_EFLAGS_TEST_DF, X86_EFLAGS_MODIFY_DF | X86_EFLAGS_RESET_DF | X86_EFLAGS_SET_DF,
          1u << 10 },
        { X86_EFLAGS_TEST_OF, X86_EFLAGS_MODIFY_OF | X86_EFLAGS_RESET_OF |
          X86_EFLAGS_UNDEFINED_OF, 1u << 11 },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (ef & map[i].test)
            *read |= map[i].bit;
        if (ef & map[i].write)
            *written |= map[i].bit;
    }
}

/* The mnemonic tests below, first letters compared inline: each distinct
 * instruction of a diff runs some forty of them, and most differ there. */
static int starts(const char *s, const char *prefix)
{
    return s[0] == prefix[0] && !strncmp(s, prefix, strlen(prefix));
}

static int same(const char *s, const char *t)
{
    return s[0] == t[0] && !strcmp(s, t);
}

static void classify_mnemonic(struct defuse *d)
{
    const char *m = d->mnemonic;
    if (starts(m, "rep") && strchr(m, ' '))     /* rep insw reads a port as insw does */
        m = strchr(m, ' ') + 1;
    if (starts(m, "push") || starts(m, "call") || starts(m, "int") || starts(m, "enter"))
        d->stack = DEFUSE_STACK_PUSH;
    else if (starts(m, "pop") || starts(m, "ret") || starts(m, "iret") || starts(m, "leave") ||
             starts(m, "lret"))
        d->stack = DEFUSE_STACK_POP;
    if (starts(m, "in"))
        d->origin = (same(m, "int") || same(m, "int3") || same(m, "into") ||
                     starts(m, "inc") || starts(m, "invd") || starts(m, "invlpg"))
                    ? DEFUSE_FROM_OPERANDS : DEFUSE_FROM_PORT;
    else if (starts(m, "rdtsc"))
        d->origin = DEFUSE_FROM_CLOCK;
    else if (same(m, "cpuid") || same(m, "rdmsr") || same(m, "smsw"))
        d->origin = DEFUSE_FROM_CPU;
    d->is_int = same(m, "int") || same(m, "int3") || same(m, "into");
}

/* CMOVcc's condition from its Intel mnemonic (SDM vol 1, B.1, table B-1). */
static int8_t cmov_cc(const char *m)
{
    static const char *const cc[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                        "s", "ns", "p", "np", "l", "ge", "le", "g" };
    if (!starts(m, "cmov"))
        return -1;
    for (int i = 0; i < 16; i++)
        if (same(m + 4, cc[i]))
            return (int8_t)i;
    return -1;
}

int defuse_cond_holds(int cc, uint64_t f)
{
    int cf = f & 1, pf = (f >> 2) & 1, zf = (f >> 6) & 1, sf = (f >> 7) & 1, of = (f >> 11) & 1;
    int t[8] = { of, cf, zf, cf | zf, sf, pf, sf != of, zf | (sf != of) };
    return (cc & 1) ? !t[(cc >> 1) & 7] : t[(cc >> 1) & 7];
}

/* The segment register a load writes, beyond its operands; -1 none. */
static int loaded_seg(const char *m)
{
    static const struct { const char *m; int seg; } t[] = {
        { "iret", HVT_CS }, { "iretd", HVT_CS }, { "iretq", HVT_CS }, { "retf", HVT_CS },
        { "ljmp", HVT_CS }, { "lcall", HVT_CS }, { "lds", HVT_DS }, { "les", HVT_ES },
        { "lss", HVT_SS }, { "lfs", HVT_FS }, { "lgs", HVT_GS }, { "int", HVT_CS },
        { "int3", HVT_CS }, { "into", HVT_CS },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (same(m, t[i].m))
            return t[i].seg;
    return -1;
}

/* A selector written writes its hidden base, limit and attributes too. */
static void segment_side_effects(struct defuse *d)
{
    int seg = loaded_seg(d->mnemonic);
    if (seg >= 0)
        add_reg(d->rw, &d->nrw, (struct defuse_reg){ (uint8_t)(HVT_ES_SEL + seg), 0, 16 });
    for (uint8_t i = 0, n = d->nrw; i < n; i++)
        if (d->rw[i].field >= HVT_ES_SEL && d->rw[i].field < HVT_ES_SEL + HVT_NSEG) {
            uint8_t s = (uint8_t)(d->rw[i].field - HVT_ES_SEL);
            add_reg(d->rw, &d->nrw, (struct defuse_reg){ (uint8_t)(HVT_ES_BASE + s), 0, 64 });
            add_reg(d->rw, &d->nrw, (struct defuse_reg){ (uint8_t)(HVT_ES_LIMIT + s), 0, 64 });
            add_reg(d->rw, &d->nrw, (struct defuse_reg){ (uint8_t)(HVT_ES_ATTR + s), 0, 64 });
        }
}

/* Operand size (SDM vol 1, 3.6: the mode's default, 66h switches 16 and
 * 32; 64-bit mode's stack operations default to 64, iret to 32) and the
 * EFLAGS traffic of popf, iret and pushf. */
static void flags_traffic(struct defuse *d, const cs_insn *in, enum hvt_mode mode)
{
    const char *m = d->mnemonic;
    int o16 = in->detail->x86.prefix[2] == 0x66;
    d->opsize = mode == HVT_MODE_16 ? (o16 ? 4 : 2) : mode == HVT_MODE_32 ? (o16 ? 2 : 4)
                : (o16 ? 2 : 8);
    if (starts(m, "iret")) {
        d->opsize = same(m, "iretq") ? 8 : same(m, "iretd") ? 4
                    : mode == HVT_MODE_64 && !o16 ? 4 : d->opsize;
        d->flags_load = 1;
        d->flags_off = (uint8_t)(2 * d->opsize);     /* IP, CS, FLAGS (SDM vol 3, 6.12.1) */
    } else if (starts(m, "popf")) {
        d->flags_load = 1;
    } else if (starts(m, "pushf")) {
        d->flags_store = 1;
    }
}

static void mem_operand(struct defuse *d, const cs_x86_op *op, uint8_t asize, int lea)
{
    const x86_op_mem *mm = &op->mem;
    if (lea) {                  /* lea computes, it does not access memory */
        add_reg(d->rr, &d->nrr, creg(mm->base));
        add_reg(d->rr, &d->nrr, creg(mm->index));
        return;
    }
    if (d->nmem == DEFUSE_MAXMEM)
        return;
    struct defuse_mem *m = &d->mem[d->nmem++];
    memset(m, 0, sizeof *m);
    m->base = creg(mm->base);
    m->index = creg(mm->index);
    m->scale = (uint8_t)(mm->scale ? mm->scale : 1);
    m->disp = mm->disp;
    m->size = op->size;
    m->asize = asize;
    m->read = (op->access & CS_AC_READ) != 0;
    m->write = (op->access & CS_AC_WRITE) != 0;
    if (!op->access && d->origin == DEFUSE_FROM_PORT)  /* ins: [ES:DI] from port DX */
        m->write = 1;
    else if (!op->access && strstr(d->mnemonic, "outs"))   /* outs: [DS:SI] to the port */
        m->read = 1;
    struct defuse_reg sr = creg(mm->segment);
    int stackish = m->base.bits && (m->base.field == HVT_RBP || m->base.field == HVT_RSP);
    m->seg = sr.bits ? (uint8_t)(sr.field - HVT_ES_SEL) : stackish ? HVT_SS : HVT_DS;
}

static void from_detail(struct defuse *d, const cs_insn *in)
{
    const cs_x86 *x = &in->detail->x86;
    int lea = same(in->mnemonic, "lea") || starts(in->mnemonic, "nop");
    for (uint8_t i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type == X86_OP_REG) {
            if (!op->access && d->stack == DEFUSE_STACK_POP)    /* pop ds: no access given */
                add_reg(d->rw, &d->nrw, creg(op->reg));
            if (op->access & CS_AC_READ)
                add_reg(d->rr, &d->nrr, creg(op->reg));
            if (op->access & CS_AC_WRITE)
                add_reg(d->rw, &d->nrw, creg(op->reg));
        } else if (op->type == X86_OP_MEM) {
            mem_operand(d, op, x->addr_size, lea);
        } else if (op->type == X86_OP_IMM) {
            d->imm = 1;
            d->vector = (uint8_t)op->imm;
        }
    }
    for (uint8_t i = 0; i < in->detail->regs_read_count; i++)
        if (in->detail->regs_read[i] != X86_REG_RSP && in->detail->regs_read[i] != X86_REG_ESP &&
            in->detail->regs_read[i] != X86_REG_SP)
            add_reg(d->rr, &d->nrr, creg(in->detail->regs_read[i]));
    for (uint8_t i = 0; i < in->detail->regs_write_count; i++)
        add_reg(d->rw, &d->nrw, creg(in->detail->regs_write[i]));
    flags(x->eflags, &d->fr, &d->fw);
    for (uint8_t i = 0; i < in->detail->groups_count; i++) {
        uint8_t g = in->detail->groups[i];
        d->branch |= g == CS_GRP_JUMP || g == CS_GRP_CALL || g == CS_GRP_RET ||
                     g == CS_GRP_INT || g == CS_GRP_IRET || g == CS_GRP_BRANCH_RELATIVE;
    }
}

/* The decode buffer of mode's detail handle, allocated once and kept for the
 * process like the handle (common/disasm.c): cs_disasm would allocate a cache
 * of instructions and a detail block on every call, and a diff decodes each
 * distinct instruction of both runs.  NULL when Capstone cannot give one. */
static cs_insn *insn_buf(csh h, enum hvt_mode mode)
{
    static cs_insn *buf[3];
    int i = mode == HVT_MODE_64 ? 2 : mode == HVT_MODE_32 ? 1 : 0;
    if (!buf[i])
        buf[i] = cs_malloc(h);
    return buf[i];
}

int defuse_decode(const uint8_t *b, size_t len, enum hvt_mode mode, struct defuse *d)
{
    memset(d, 0, sizeof *d);
    csh h = (csh)hvt_disasm_detail_handle(mode);
    cs_insn *in = h ? insn_buf(h, mode) : NULL;
    const uint8_t *code = b;
    size_t size = len;
    uint64_t addr = 0;
    if (!in || !len || !cs_disasm_iter(h, &code, &size, &addr, in))
        return -1;
    d->ok = 1;
    d->len = (uint8_t)in->size;
    size_t m = strnlen(in->mnemonic, sizeof d->mnemonic - 1);
    memcpy(d->mnemonic, in->mnemonic, m);       /* (d is zeroed: terminated) */
    classify_mnemonic(d);
    d->cc = cmov_cc(d->mnemonic);
    from_detail(d, in);
    segment_side_effects(d);
    flags_traffic(d, in, mode);
    if (d->is_int && same(d->mnemonic, "int3"))
        d->vector = 3;
    else if (d->is_int && same(d->mnemonic, "into"))
        d->vector = 4;
    return 0;
}

uint64_t defuse_seg_base(const struct hvt_state *s, enum hvt_seg seg)
{
    if (s->known & HVT_K_SEGDESC)
        return s->f[HVT_ES_BASE + seg];
    if (seg == HVT_CS && (s->known & HVT_K_CSBASE))
        return s->f[HVT_CS_BASE];
    if (!(s->known & HVT_K_CR) || !(s->f[HVT_CR0] & 1))
        return (s->f[HVT_ES_SEL + seg] & 0xffff) << 4;
    return 0;
}

uint64_t defuse_reg_value(const struct defuse_reg *r, const struct hvt_state *s)
{
    uint64_t v = s->f[r->field] >> r->shift;
    return r->bits >= 64 ? v : v & ((1ull << r->bits) - 1);
}

uint64_t defuse_mem_addr(const struct defuse_mem *m, const struct hvt_state *s)
{
    uint64_t off = (uint64_t)m->disp;
    if (m->base.bits)
        off += defuse_reg_value(&m->base, s);
    if (m->index.bits)
        off += defuse_reg_value(&m->index, s) * m->scale;
    if (m->asize == 2)
        off &= 0xffff;
    else if (m->asize == 4)
        off &= 0xffffffffu;
    return defuse_seg_base(s, (enum hvt_seg)m->seg) + off;
}

const char *defuse_reg_name(const struct defuse_reg *r)
{
    static const char *const legacy[8][5] = {   /* 64, 32, 16, low 8, high 8 */
        { "rax", "eax", "ax", "al", "ah" }, { "rbx", "ebx", "bx", "bl", "bh" },
        { "rcx", "ecx", "cx", "cl", "ch" }, { "rdx", "edx", "dx", "dl", "dh" },
        { "rsi", "esi", "si", "sil", "" }, { "rdi", "edi", "di", "dil", "" },
        { "rbp", "ebp", "bp", "bpl", "" }, { "rsp", "esp", "sp", "spl", "" },
    };
    if (r->field > HVT_RSP)
        return hvt_field_name((enum hvt_field)r->field);
    int w = r->bits == 64 ? 0 : r->bits == 32 ? 1 : r->bits == 16 ? 2 : r->shift ? 4 : 3;
    return legacy[r->field][w];
}

void defuse_flags_name(uint32_t f, char *buf, size_t n)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { 1u << 0, "cf" }, { 1u << 2, "pf" }, { 1u << 4, "af" }, { 1u << 6, "zf" },
        { 1u << 7, "sf" }, { 1u << 8, "tf" }, { 1u << 9, "if" }, { 1u << 10, "df" },
        { 1u << 11, "of" },
    };
    size_t o = 0;
    if (n)
        buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((f & names[i].bit) && o + 4 < n)
            o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "|" : "", names[i].name);
}
