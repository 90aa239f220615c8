/*
 * test_chain: the walk back on synthetic real-mode traces whose causes are
 * known by construction.  Each trace is written as a CPU executes it: the
 * state before every step, instruction bytes from the Intel SDM vol 2 opcode
 * tables, registers changed only by the instruction that writes them (or by
 * an event where one is planted).  Cases: a value through push/pop (the
 * stack), a variable overwritten by one iteration of `rep stosb`, a port read
 * in one run only (chain_diff stops at the device), an SMM entry that saves
 * the interrupted EAX into the state-save area, memory nobody wrote (the
 * start snapshot), memory a device wrote (DMA) read by a load of any width or
 * by `rep movsw`, `rep insw` (IDE PIO: the port, not DMA), recorded accesses
 * taking precedence over reconstruction,
 * and the block index (diffing/chain_idx.h) skipping only blocks that cannot
 * hold the writer: the same links with it as without.
 */
#include "diffing/chain.h"
#include "diffing/chain_idx.h"
#include "tests/unit/unit.h"

#include <stdarg.h>

#define MAXS 64

struct trace {
    struct hvt_step s[MAXS];
    size_t n;
    struct hvt_state cur;
    uint64_t ip;
    uint64_t store_step;        /* for the recorded-accesses callback */
};

static struct trace ta, tb;

static void start(struct trace *t)
{
    memset(t, 0, sizeof *t);
    t->cur.known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR | HVT_K_SMM;
    t->cur.f[HVT_RSP] = 0x7000;
    t->ip = 0x7c00;
}

/* Append one step: the current state, these bytes; then apply `set` to the
 * state (the instruction's effect) as field/value pairs ending with -1. */
static void step(struct trace *t, const char *hex, ...)
{
    struct hvt_step *s = &t->s[t->n];
    memset(s, 0, sizeof *s);
    s->n = t->n++;
    t->cur.f[HVT_RIP] = t->ip;
    s->st = t->cur;
    s->mode = HVT_MODE_16;
    for (size_t i = 0; hex[2 * i]; i++)
        sscanf(hex + 2 * i, "%2hhx", &s->insn[i]), s->insn_len = (uint8_t)(i + 1);
    t->ip += s->insn_len;
    va_list ap;
    va_start(ap, hex);
    for (int f; (f = va_arg(ap, int)) >= 0;)
        t->cur.f[f] = va_arg(ap, uint64_t);
    va_end(ap);
}

static int rd(void *priv, uint64_t from, uint64_t count, struct hvt_step *out, size_t *got,
              hvt_error *err)
{
    struct trace *t = priv;
    (void)err;
    *got = 0;
    for (uint64_t i = from; i < from + count && i < t->n; i++)
        out[(*got)++] = t->s[i];
    return 0;
}

static int start_mem(void *priv, uint64_t addr, uint32_t len, uint64_t *v)
{
    (void)priv;
    *v = addr == 0x600 && len == 2 ? 0xbeef : 0;
    return 0;
}

static struct chain_run run_of(struct trace *t)
{
    return (struct chain_run){ .nsteps = t->n, .read = rd, .start_mem = start_mem, .priv = t };
}

static struct chain c, cc[2];

static struct chain_loc reg(const char *name)
{
    struct chain_loc l;
    CHECK(chain_loc_parse_reg(name, &l) == 0);
    return l;
}

UNIT_TEST(value_through_the_stack)
{
    start(&ta);
    step(&ta, "b83412", HVT_RAX, 0x1234, -1);                 /* mov ax, 0x1234 */
    step(&ta, "50", HVT_RSP, 0x6ffe, -1);                     /* push ax */
    step(&ta, "b80000", HVT_RAX, 0, -1);                      /* mov ax, 0 */
    step(&ta, "5b", HVT_RBX, 0x1234, HVT_RSP, 0x7000, -1);    /* pop bx */
    step(&ta, "81fb3412", HVT_EFLAGS, 0x46, -1);              /* cmp bx, 0x1234 */
    step(&ta, "7502", -1);                                    /* jne */
    struct chain_run r = run_of(&ta);
    struct chain_loc zf = reg("zf");
    CHECK(chain_why(&r, 5, &zf, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 4);
    CHECK_EQ_U64(c.link[0].step, 4);                          /* cmp set zf from bx */
    CHECK_EQ_U64(c.link[0].from.reg.field, HVT_RBX);
    CHECK_EQ_U64(c.link[1].step, 3);                          /* pop loaded bx from the stack */
    CHECK_EQ_U64(c.link[1].kind, CHAIN_LOADED);
    CHECK_EQ_U64(c.link[1].from.addr, 0x6ffe);
    CHECK_EQ_U64(c.link[2].step, 1);                          /* push stored it, from ax */
    CHECK_EQ_U64(c.link[2].kind, CHAIN_STORED);
    CHECK_EQ_U64(c.link[3].step, 0);                          /* the planted constant */
    CHECK_EQ_U64(c.link[3].kind, CHAIN_CONSTANT);
    CHECK_EQ_U64(c.link[3].value, 0x1234);
}

UNIT_TEST(rep_stosb_overwrote_the_variable)
{
    start(&ta);
    step(&ta, "bf0005", HVT_RDI, 0x500, -1);                  /* mov di, 0x500 */
    step(&ta, "b90400", HVT_RCX, 4, -1);                      /* mov cx, 4 */
    step(&ta, "b007", HVT_RAX, 7, -1);                        /* mov al, 7 */
    for (int i = 0; i < 4; i++) {                             /* rep stosb, one step each */
        ta.ip = 0x7c08;
        step(&ta, "f3aa", HVT_RDI, 0x501 + i, HVT_RCX, 3 - i, -1);
    }
    step(&ta, "8a1e0205", HVT_RBX, 7, -1);                    /* mov bl, [0x502] */
    step(&ta, "80fb07", HVT_EFLAGS, 0x46, -1);                /* cmp bl, 7 */
    step(&ta, "7402", -1);                                    /* je */
    struct chain_run r = run_of(&ta);
    struct chain_loc zf = reg("zf");
    CHECK(chain_why(&r, 9, &zf, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n >= 3);
    CHECK_EQ_U64(c.link[1].kind, CHAIN_LOADED);
    CHECK_EQ_U64(c.link[1].from.addr, 0x502);
    CHECK_EQ_U64(c.link[2].kind, CHAIN_STORED);
    CHECK_EQ_U64(c.link[2].step, 5);                          /* the third iteration, DI=0x502 */
    CHECK_EQ_U64(c.link[c.n - 1].step, 2);                    /* al from mov al, 7 */
    CHECK_EQ_U64(c.link[c.n - 1].kind, CHAIN_CONSTANT);
}

static void port_trace(struct trace *t, uint64_t value)
{
    start(t);
    step(t, "baf803", HVT_RDX, 0x3f8, -1);                    /* mov dx, 0x3f8 */
    step(t, "ec", HVT_RAX, value, -1);                        /* in al, dx */
    step(t, "88c3", HVT_RBX, value, -1);                      /* mov bl, al */
    step(t, "80fb01", HVT_EFLAGS, value == 1 ? 0x46 : 0x2, -1); /* cmp bl, 1 */
    step(t, "7402", -1);                                      /* je */
}

UNIT_TEST(diff_stops_at_the_device)
{
    port_trace(&ta, 1);
    port_trace(&tb, 0);
    struct chain_run r[2] = { run_of(&ta), run_of(&tb) };
    uint64_t last[2] = { 4, 4 };
    CHECK(chain_diff(r, last, cc, &(hvt_error){ "" }) == 0);
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_U64(cc[k].link[0].kind, CHAIN_DECIDES);
        CHECK_EQ_U64(cc[k].link[0].loc.kind, CHAIN_LOC_FLAGS);
        const struct chain_link *end = &cc[k].link[cc[k].n - 1];
        CHECK_EQ_U64(end->kind, CHAIN_OUTSIDE);
        CHECK_EQ_U64(end->cause, CHAIN_C_PORT);
        CHECK_EQ_U64(end->step, 1);
        CHECK(strstr(end->note, "port 0x3f8): a device (COM1"));
    }
    CHECK_EQ_U64(cc[0].link[cc[0].n - 1].value, 1);
    CHECK_EQ_U64(cc[1].link[cc[1].n - 1].value, 0);
}

/* The runs part after a cld (which decides nothing, SDM vol 2, CLD) at the
 * same pc with different instruction bytes: the code differs.  Different
 * images end the chain there; the same image walks back who wrote the code. */
static void code_trace(struct trace *t, const char *call)
{
    start(t);
    step(t, "fc", -1);                                          /* cld */
    step(t, call, HVT_RSP, 0x6ffe, -1);                         /* call rel16 */
    step(t, "90", -1);
}

UNIT_TEST(diff_where_the_code_differs)
{
    code_trace(&ta, "e8ab00");
    code_trace(&tb, "e8db00");
    struct chain_run r[2] = { run_of(&ta), run_of(&tb) };
    uint64_t last[2] = { 0, 0 };
    r[0].image = "aaaa";
    r[1].image = "bbbb";
    CHECK(chain_diff(r, last, cc, &(hvt_error){ "" }) == 0);
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_U64(cc[k].n, 1);
        CHECK(cc[k].link[0].kind == CHAIN_OUTSIDE && cc[k].link[0].cause == CHAIN_C_IMAGE);
        CHECK(cc[k].link[0].loc.addr == 0x7c01 && cc[k].link[0].loc.len == 3);
        CHECK(strstr(cc[k].link[0].note, "the code differs") &&
              strstr(cc[k].link[0].note, "the runs' images differ"));
    }
    CHECK(strstr(cc[0].link[0].note, "e8 ab 00 here, e8 db 00 in the other run"));
    r[1].image = "aaaa";
    CHECK(chain_diff(r, last, cc, &(hvt_error){ "" }) == 0);
    CHECK(cc[0].n == 2 && cc[0].link[0].kind == CHAIN_DECIDES);
    CHECK(!strstr(cc[0].link[0].note, "images"));
    CHECK_EQ_U64(cc[0].link[1].kind, CHAIN_START);              /* nobody wrote the code */
}

UNIT_TEST(smm_entry_saved_the_guest_register)
{
    start(&ta);
    step(&ta, "b83412", HVT_RAX, 0x1234, -1);                 /* mov ax, 0x1234 */
    /* out 0xb2, al; the SMI is taken after it: SMM, CS base = SMBASE 0xa0000 */
    step(&ta, "e6b2", HVT_SMM, 1, HVT_CS_SEL, 0xa000, HVT_CS_BASE, 0xa0000, -1);
    ta.cur.known |= HVT_K_SEGDESC;
    ta.ip = 0x8000;
    step(&ta, "bb0000", HVT_RBX, 0, -1);                      /* mov bx, 0 (DS base 0) */
    step(&ta, "66678b83f8ff0a00", HVT_RAX, 0x1234, -1);       /* mov eax, [ebx+0xafff8] */
    step(&ta, "6683f800", -1);                                /* cmp eax, 0 */
    struct chain_run r = run_of(&ta);
    struct chain_loc eax = reg("eax");
    CHECK(chain_why(&r, 4, &eax, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n >= 3);
    CHECK_EQ_U64(c.link[0].kind, CHAIN_LOADED);
    CHECK_EQ_U64(c.link[0].from.addr, 0xafff8);
    CHECK_EQ_U64(c.link[1].kind, CHAIN_EVENT);
    CHECK_EQ_U64(c.link[1].cause, CHAIN_C_SMM_ENTRY);
    CHECK_EQ_U64(c.link[1].step, 1);                          /* after the out to 0xb2 */
    CHECK(strstr(c.link[1].note, "rax (0x1234)"));
    CHECK_EQ_U64(c.link[c.n - 1].step, 0);                    /* the guest's mov ax */
    /* The same SMI taken while the CPU ran hv (pc in an excluded range). */
    struct align_range hv = { 0x7c00, 0x7c04 };
    r.excl = &hv;
    r.nexcl = 1;
    CHECK(chain_why(&r, 4, &eax, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.link[c.n - 1].kind, CHAIN_OUTSIDE);
    CHECK_EQ_U64(c.link[c.n - 1].cause, CHAIN_C_SMI_IN_HV);
}

static int recorded_store(void *priv, uint64_t before, uint64_t addr, uint32_t len,
                          uint64_t *step)
{
    struct trace *t = priv;
    (void)len;
    if (addr != 0x600 || t->store_step >= before)
        return 0;
    *step = t->store_step;
    return 1;
}

UNIT_TEST(start_snapshot_and_recorded_accesses)
{
    start(&ta);
    step(&ta, "90", -1);                                      /* nop */
    step(&ta, "a10006", HVT_RAX, 0xbeef, -1);                 /* mov ax, [0x600] */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc ax = reg("ax");
    CHECK(chain_why(&r, 2, &ax, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 2);
    CHECK_EQ_U64(c.link[1].kind, CHAIN_START);
    CHECK_EQ_U64(c.link[1].value, 0xbeef);
    /* A recorded access (as Bochs records them) names a store reconstruction
     * cannot see: the nop at step 0 "wrote" it (a DMA, say). */
    ta.store_step = 0;
    r.last_store = recorded_store;
    CHECK(chain_why(&r, 2, &ax, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.link[1].step, 0);
    CHECK(c.link[1].kind != CHAIN_START);
}

/* A link names the register its instruction wrote (Intel SDM vol 2: LODSB
 * loads AL, POP with a 16-bit operand AX), whatever width the question had. */
UNIT_TEST(link_names_the_register_written)
{
    char b[64];
    start(&ta);
    ta.cur.f[HVT_RSI] = 0x600;
    ta.cur.f[HVT_RAX] = 0x12345600;
    step(&ta, "ac", HVT_RAX, 0x123456ef, HVT_RSI, 0x601, -1);   /* lodsb */
    step(&ta, "6a07", HVT_RSP, 0x6ffe, -1);                      /* push 7 */
    step(&ta, "5b", HVT_RBX, 7, HVT_RSP, 0x7000, -1);            /* pop bx */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc eax = reg("eax"), ebx = reg("ebx");
    CHECK(chain_why(&r, 3, &eax, &c, &(hvt_error){ "" }) == 0);
    chain_loc_format(&c.link[0].loc, b, sizeof b);
    CHECK_STR(b, "al");
    CHECK_EQ_U64(c.link[0].value, 0xef);
    CHECK(strstr(c.link[0].note, "lodsb loaded al from [0x600, 1 byte]"));
    CHECK(chain_why(&r, 3, &ebx, &c, &(hvt_error){ "" }) == 0);
    chain_loc_format(&c.link[0].loc, b, sizeof b);
    CHECK_STR(b, "bx");
    CHECK(strstr(c.link[0].note, "loaded bx from [0x6ffe, 2 bytes]"));
}

/* What an instruction writes besides its operands, from the Intel SDM:
 * TEST writes EFLAGS ("Flags Affected"), every instruction writes EIP (vol 1,
 * 3.5), PUSHF stores EFLAGS, a CMOVcc whose condition is false writes nothing
 * (vol 2, CMOVcc), POP moves SP by the operand size and loads its operand
 * from [SS:SP], MOV to SS loads the hidden base too (vol 3, 3.4.3: real mode
 * base = selector * 16). */
UNIT_TEST(side_effects_per_sdm)
{
    start(&ta);
    ta.cur.known |= HVT_K_SEGDESC;
    step(&ta, "b80080", HVT_RAX, 0x8000, -1);                   /* mov ax, 0x8000 */
    step(&ta, "85c0", HVT_EFLAGS, 0x86, -1);                    /* test ax, ax: SF PF */
    step(&ta, "9c", HVT_RSP, 0x6ffe, -1);                       /* pushf */
    step(&ta, "0f42d8", -1);                                    /* cmovb bx, ax: CF 0 */
    step(&ta, "59", HVT_RCX, 0x86, HVT_RSP, 0x7000, -1);        /* pop cx */
    step(&ta, "8ed0", HVT_SS_SEL, 0x8000, HVT_SS_BASE, 0x80000, -1);  /* mov ss, ax */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = reg("eflags");
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.link[0].step, 1);
    CHECK_EQ_U64(c.link[0].kind, CHAIN_PRODUCED);
    CHECK_EQ_U64(c.link[0].value, 0x86);
    l = reg("rip");
    CHECK(chain_why(&r, 3, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.link[0].step, 2);                            /* pushf, not an event */
    CHECK_EQ_U64(c.link[0].value, 0x7c06);
    CHECK(c.link[0].kind == CHAIN_CONSTANT && strstr(c.link[0].note, "next instruction"));
    l = reg("bx");
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.link[0].kind, CHAIN_START);                  /* the cmov did not write */
    l = reg("cx");
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n >= 3);
    CHECK(c.link[0].step == 4 && c.link[0].kind == CHAIN_LOADED);
    CHECK(c.link[0].from.addr == 0x6ffe && c.link[0].from.len == 2);
    CHECK(c.link[1].step == 2 && c.link[1].kind == CHAIN_STORED);   /* pushf stored flags */
    CHECK_EQ_U64(c.link[1].from.reg.field, HVT_EFLAGS);
    CHECK_EQ_U64(c.link[2].step, 1);                            /* which test set */
    l = reg("sp");
    CHECK(chain_why(&r, 5, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 4 && c.link[0].kind == CHAIN_PRODUCED);
    CHECK(c.link[0].value == 0x7000 && c.link[0].from.reg.field == HVT_RSP);
    CHECK(strstr(c.link[0].note, "by +2"));
    CHECK(c.link[1].step == 2 && strstr(c.link[1].note, "by -2"));
    CHECK(chain_loc_parse_reg("ss.base", &l) == 0);
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 5 && c.link[0].kind == CHAIN_PRODUCED);
    CHECK_EQ_U64(c.link[0].from.reg.field, HVT_RAX);
}

/* IRET pops IP, CS, FLAGS in that order (Intel SDM vol 2, IRET; vol 3,
 * 20.1.4): IF comes from [SS:SP+4], IP from [SS:SP]. */
UNIT_TEST(iret_loads_flags_from_the_frame)
{
    start(&ta);
    step(&ta, "b80202", HVT_RAX, 0x202, -1);                    /* mov ax, 0x202 */
    step(&ta, "50", HVT_RSP, 0x6ffe, -1);                       /* push ax: FLAGS */
    step(&ta, "0e", HVT_RSP, 0x6ffc, -1);                       /* push cs */
    step(&ta, "b8207c", HVT_RAX, 0x7c20, -1);                   /* mov ax, 0x7c20 */
    step(&ta, "50", HVT_RSP, 0x6ffa, -1);                       /* push ax: IP */
    step(&ta, "cf", HVT_RSP, 0x7000, HVT_EFLAGS, 0x202, -1);    /* iret */
    ta.ip = 0x7c20;
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = reg("if");
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n >= 3 && c.link[0].step == 5 && c.link[0].kind == CHAIN_LOADED);
    CHECK(c.link[0].from.addr == 0x6ffe && c.link[0].from.len == 2);
    CHECK(c.link[1].step == 1 && c.link[2].step == 0 && c.link[2].value == 0x202);
    l = reg("rip");
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 5 && c.link[0].from.addr == 0x6ffa);
    CHECK(c.n >= 2 && c.link[1].step == 4);
    l = reg("cs");
    CHECK(chain_why(&r, 6, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 5 && c.link[0].from.addr == 0x6ffc && c.link[0].from.len == 2);
    CHECK(c.n >= 2 && c.link[1].step == 2);                     /* push cs */
}

/* INT n in real mode: IP from the IVT entry at 4n, CS from 4n + 2 (Intel
 * SDM vol 2, INT n, "REAL-ADDRESS-MODE"). */
UNIT_TEST(int_loads_ip_and_cs_from_the_ivt)
{
    start(&ta);
    step(&ta, "cd15", HVT_RSP, 0x6ffa, HVT_CS_SEL, 0xf000, -1);   /* int 15h */
    ta.ip = 0xf859;
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = reg("rip");
    CHECK(chain_why(&r, 1, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 0 && c.link[0].kind == CHAIN_LOADED && c.link[0].value == 0xf859);
    CHECK(c.link[0].from.addr == 0x54 && c.link[0].from.len == 2);
    l = reg("cs");
    CHECK(chain_why(&r, 1, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 0 && c.link[0].from.addr == 0x56);
}

/* LOOP decrements CX each time (SDM vol 2, LOOP): the link carries the value
 * the reader read, and where the loop began. */
UNIT_TEST(loop_link_has_the_value_read)
{
    start(&ta);
    step(&ta, "b90300", HVT_RCX, 3, -1);                        /* mov cx, 3 */
    for (int i = 2; i >= 0; i--) {
        step(&ta, "90", -1);                                    /* nop */
        step(&ta, "e2fd", HVT_RCX, (uint64_t)i, -1);            /* loop back to the nop */
        ta.ip = i ? 0x7c03 : 0x7c06;
    }
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = reg("cx");
    CHECK(chain_why(&r, 5, &l, &c, &(hvt_error){ "" }) == 0);   /* cx = 1 after step 4 */
    CHECK_EQ_U64(c.n, 2);
    CHECK(c.link[0].step == 4 && c.link[0].value == 1);
    CHECK(c.link[0].repeat == 1 && c.link[0].first == 2);
}

/* An IVT entry written as two 2-byte stores (Intel SDM vol 2, MOV: a
 * 16-bit operand stores 2 bytes): both stores are links, each at its width. */
UNIT_TEST(value_stored_in_two_halves)
{
    char b[64];
    start(&ta);
    step(&ta, "c7064c000000", -1);                              /* mov word [0x4c], 0 */
    step(&ta, "b8809f", HVT_RAX, 0x9f80, -1);                   /* mov ax, 0x9f80 */
    step(&ta, "a34e00", -1);                                    /* mov [0x4e], ax */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = { .kind = CHAIN_LOC_MEM, .addr = 0x4c, .len = 4 };
    CHECK(chain_why(&r, 3, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 3);
    CHECK(c.link[0].step == 2 && c.link[0].kind == CHAIN_STORED);
    chain_loc_format(&c.link[0].loc, b, sizeof b);
    CHECK_STR(b, "[0x4e, 2 bytes]");
    CHECK(strstr(c.link[0].note, "the other bytes, [0x4c, 2 bytes]: link 3"));
    CHECK(c.link[1].step == 1 && c.link[1].value == 0x9f80);
    CHECK(c.link[2].step == 0 && c.link[2].kind == CHAIN_STORED);
    chain_loc_format(&c.link[2].loc, b, sizeof b);
    CHECK_STR(b, "[0x4c, 2 bytes]");
}

/* EFLAGS flag by flag (SDM vol 1, 3.4.3): STC sets CF, INC writes OF SF ZF
 * AF PF and leaves CF (vol 2, INC, "Flags Affected"), CLD clears DF; TF and
 * IF nobody wrote.  Four groups, latest writer first, each its own chain. */
UNIT_TEST(eflags_flag_by_flag)
{
    static struct chain_flag_group g[9];
    size_t n = 0;
    start(&ta);
    ta.cur.f[HVT_EFLAGS] = 0x202;
    step(&ta, "fc", -1);                                        /* cld */
    step(&ta, "31c0", HVT_RAX, 0, HVT_EFLAGS, 0x246, -1);       /* xor ax, ax: CF 0 */
    step(&ta, "f9", HVT_EFLAGS, 0x247, -1);                     /* stc */
    step(&ta, "40", HVT_RAX, 1, HVT_EFLAGS, 0x203, -1);         /* inc ax: CF kept */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    CHECK(chain_why_flags(&r, 4, CHAIN_EFLAGS_ALL, g, 9, &n, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(n, 4);
    CHECK_EQ_U64(g[0].flags, 0x8d4);                            /* pf|af|zf|sf|of: inc */
    CHECK(g[0].chain.link[0].step == 3 && g[0].chain.link[0].kind == CHAIN_PRODUCED);
    CHECK_EQ_U64(g[1].flags, 0x1);                              /* cf: stc, not xor */
    CHECK(g[1].chain.link[0].step == 2 && g[1].chain.link[0].value == 1);
    CHECK_EQ_U64(g[2].flags, 0x400);                            /* df: cld */
    CHECK(g[2].chain.link[0].step == 0 && g[2].chain.link[0].value == 0);
    CHECK_EQ_U64(g[3].flags, 0x300);                            /* tf|if: the start */
    CHECK_EQ_U64(g[3].chain.link[0].kind, CHAIN_START);
    struct chain_loc l = reg("eflags");                         /* as a whole: says so */
    CHECK(chain_why(&r, 4, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].step == 3 && strstr(c.link[0].note, "writes only pf|af|zf|sf|of"));
}

/* Ports named by the PC's map: the ACPI PM timer SeaBIOS polls at 608h
 * (ACPI 6.x 4.8.3.3; SeaBIOS's PM base 600h) is the clock, the ATA status
 * 1F7h a device, fw_cfg 510h-511h QEMU's command line (QEMU fw_cfg.txt). */
UNIT_TEST(ports_named)
{
    int clock;
    CHECK(strstr(chain_port_name(0x608, &clock), "PM timer") && clock == 1);
    CHECK(strstr(chain_port_name(0x40, &clock), "PIT") && clock == 1);
    CHECK(strstr(chain_port_name(0x1f7, &clock), "IDE disk") && clock == 0);
    CHECK(strstr(chain_port_name(0x511, &clock), "fw_cfg") && clock == 0);
    CHECK(chain_port_name(0x80, &clock) == NULL && clock == 0);
    start(&ta);
    step(&ta, "ba0806", HVT_RDX, 0x608, -1);                    /* mov dx, 0x608 */
    step(&ta, "66ed", HVT_RAX, 0xbea21, -1);                    /* in eax, dx */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = reg("eax");
    CHECK(chain_why(&r, 2, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.link[0].kind == CHAIN_OUTSIDE && c.link[0].cause == CHAIN_C_CLOCK);
    CHECK(strstr(c.link[0].note, "port 0x608): the clock (the ACPI PM timer)"));
}

/* A trace of 44 steps in 4-step index blocks: a store at step 1, an interrupt
 * frame pushed with no instruction at step 20, EAX changed by an event at
 * step 30, `inc cx` everywhere else, then the reads. */
static uint64_t unchanged(const struct hvt_state *a, const struct hvt_state *b)
{
    uint64_t m = 0;
    for (int i = 0; i < HVT_NFIELDS; i++)
        m |= (uint64_t)(a->f[i] == b->f[i]) << i;
    return m;
}

/* `same`: give the index the unchanged fields of two steps in three, as a
 * run file's reader does (none at a chunk's first step). */
static void indexed_trace(struct trace *t, struct chain_idx *x, struct chain_idx_insns *ins,
                          int same)
{
    start(t);
    step(t, "b83412", HVT_RAX, 0x1234, -1);                  /* mov ax, 0x1234 */
    step(t, "a30006", -1);                                    /* mov [0x600], ax */
    for (uint64_t i = 2; i < 42; i++) {
        if (i == 20)                                          /* a 6-byte frame */
            step(t, "41", HVT_RCX, i, HVT_RSP, 0x6ffa, -1);
        else if (i == 30)
            step(t, "41", HVT_RCX, i, HVT_RAX, 0x5678, -1);
        else
            step(t, "41", HVT_RCX, i, -1);                    /* inc cx */
    }
    step(t, "8b160006", HVT_RDX, 0x1234, -1);                 /* mov dx, [0x600] */
    step(t, "90", -1);
    chain_idx_init(x, ins, 2);
    for (size_t i = 0; i < t->n; i++)       /* one key per distinct instruction */
        CHECK(chain_idx_add(x, &t->s[i], t->s[i].insn[0],
                            same && i % 3 ? unchanged(&t->s[i - 1].st, &t->s[i].st) : 0,
                            &(hvt_error){ "" }) == 0);
}

UNIT_TEST(index_skips_only_blocks_without_the_writer)
{
    static struct chain_idx x;
    static struct chain_idx_insns ins;
    for (int same = 0; same < 2; same++) {
        indexed_trace(&ta, &x, &ins, same);
        uint64_t scan;
        struct chain_loc var = { .kind = CHAIN_LOC_MEM, .addr = 0x600, .len = 2 };
        struct chain_loc frame = { .kind = CHAIN_LOC_MEM, .addr = 0x6ffc, .len = 2 };
        struct chain_loc dx = reg("dx"), cx = reg("cx"), eax = reg("eax");
        CHECK_EQ_U64(chain_idx_skip(&x, &var, 40, &scan), 4);    /* block 0 stored it */
        CHECK_EQ_U64(scan, 0);
        CHECK_EQ_U64(chain_idx_skip(&x, &dx, 40, &scan), 0);     /* nobody wrote dx */
        CHECK_EQ_U64(chain_idx_skip(&x, &cx, 40, &scan), 40);    /* every block writes cx */
        CHECK_EQ_U64(chain_idx_skip(&x, &frame, 40, &scan), 24); /* the frame, step 20 */
        CHECK_EQ_U64(chain_idx_skip(&x, &eax, 40, &scan), 32);   /* the event at step 30 */
        CHECK_EQ_U64(chain_idx_skip(&x, &var, 44, &scan), 44);   /* the last block: incomplete */
        struct chain_run r = run_of(&ta);
        struct chain plain;
        struct chain_loc locs[3] = { dx, frame, eax };
        uint64_t expect[3] = { 0, 20, 30 };     /* where each chain ends, by construction */
        for (int i = 0; i < 3; i++) {
            r.idx = NULL;
            CHECK(chain_why(&r, 43, &locs[i], &plain, &(hvt_error){ "" }) == 0);
            r.idx = &x;
            CHECK(chain_why(&r, 43, &locs[i], &c, &(hvt_error){ "" }) == 0);
            CHECK_EQ_U64(c.n, plain.n);
            CHECK(!memcmp(c.link, plain.link, c.n * sizeof c.link[0]));
            CHECK_EQ_U64(c.link[c.n - 1].step, expect[i]);
        }
        CHECK_EQ_U64(c.link[0].kind, CHAIN_EVENT);
        chain_idx_free(&x);
        chain_idx_insns_free(&ins);
    }
}

/* The request that starts a fw_cfg DMA transfer (QEMU fw_cfg.txt: the
 * descriptor's address, low half, written to 518h): mov dx, 0x518; out dx, eax. */
static void dma_asked(struct trace *t)
{
    step(t, "ba1805", HVT_RDX, 0x518, -1);
    step(t, "66ef", -1);
}

/* SeaBIOS reads QEMU's fw_cfg by DMA (QEMU fw_cfg.txt: the descriptor's
 * address written to 514h/518h, QEMU writes guest memory): a load then reads
 * memory no instruction wrote, holding another value than at the start.  The
 * chain ends at the device, named from the out that asked, not at "the
 * start".  Memory that did hold the loaded value at the start stays "start". */
UNIT_TEST(dma_written_memory_ends_at_the_device)
{
    start(&ta);
    dma_asked(&ta);
    step(&ta, "66a10007", HVT_RAX, 0xc000000, -1);              /* mov eax, [0x700] */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc l = reg("eax");
    CHECK(chain_why(&r, 3, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 2);
    CHECK(c.link[0].kind == CHAIN_LOADED && c.link[0].from.addr == 0x700);
    CHECK(c.link[1].kind == CHAIN_OUTSIDE && c.link[1].cause == CHAIN_C_DMA);
    CHECK_EQ_U64(c.link[1].step, 1);
    CHECK_EQ_U64(c.link[1].value, 0xc000000);
    CHECK(strstr(c.link[1].note, "port 0x518: QEMU's fw_cfg DMA"));
    ta.s[2].st.f[HVT_RAX] = 0;                                  /* as the start snapshot */
    ta.s[3].st.f[HVT_RAX] = 0;
    CHECK(chain_why(&r, 3, &l, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n == 2 && c.link[1].kind == CHAIN_START);
}

/* The DMA'd buffer is read by `rep movsw` (SDM vol 2, MOVS: [DS:SI] to
 * [ES:DI] a word each iteration, one step each) into a copy, and a word of
 * the copy loaded and compared: GRUB's disk buffer.  The value read is the
 * loaded word (the copy hands it on), so the chain ends at the device, not
 * at "the start", whatever instruction read the DMA'd bytes. */
static void dma_rep_movsw(struct trace *t, uint64_t loaded)
{
    start(t);
    dma_asked(t);
    step(t, "be0007", HVT_RSI, 0x700, -1);                     /* mov si, 0x700 */
    step(t, "bf0008", HVT_RDI, 0x800, -1);                     /* mov di, 0x800 */
    step(t, "b90200", HVT_RCX, 2, -1);                         /* mov cx, 2 */
    for (int i = 0; i < 2; i++) {                              /* rep movsw */
        t->ip = 0x7c0f;
        step(t, "f3a5", HVT_RSI, 0x702 + 2 * i, HVT_RDI, 0x802 + 2 * i, HVT_RCX, 1 - i, -1);
    }
    step(t, "a10208", HVT_RAX, loaded, -1);                    /* mov ax, [0x802] */
    step(t, "3d3412", HVT_EFLAGS, loaded == 0x1234 ? 0x46 : 0x2, -1); /* cmp ax, 0x1234 */
    step(t, "7402", -1);                                       /* je */
}

UNIT_TEST(dma_read_by_rep_movsw_ends_at_the_device)
{
    dma_rep_movsw(&ta, 0x1234);
    struct chain_run r = run_of(&ta);
    struct chain_loc zf = reg("zf");
    CHECK(chain_why(&r, 9, &zf, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 4);
    CHECK(c.link[2].kind == CHAIN_STORED && c.link[2].step == 6);   /* the 2nd movsw */
    CHECK(c.link[2].from.addr == 0x702 && c.link[2].from.len == 2);
    CHECK(c.link[3].kind == CHAIN_OUTSIDE && c.link[3].cause == CHAIN_C_DMA);
    CHECK_EQ_U64(c.link[3].step, 1);                           /* the out that asked */
    CHECK_EQ_U64(c.link[3].value, 0x1234);
    CHECK(strstr(c.link[3].note, "port 0x518: QEMU's fw_cfg DMA"));
    CHECK(strstr(c.link[3].note, "held 0x0 at the start, 0x1234 when read at #6"));
    dma_rep_movsw(&ta, 0);                                     /* as the start snapshot */
    CHECK(chain_why(&r, 9, &zf, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n == 4 && c.link[3].kind == CHAIN_START);
}

/* Loads of another width than the DMA'd bytes: a byte of a word (mov al,
 * [0x701]: the link asks for one byte) and a word whose low byte an
 * instruction wrote and whose high byte the device did (the read is walked
 * as its two parts: the store, then the byte nobody wrote). */
UNIT_TEST(dma_read_at_another_width_ends_at_the_device)
{
    start(&ta);
    dma_asked(&ta);
    step(&ta, "a00107", HVT_RAX, 0x12, -1);                    /* mov al, [0x701] */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc al = reg("al");
    CHECK(chain_why(&r, 3, &al, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n == 2 && c.link[1].cause == CHAIN_C_DMA && c.link[1].value == 0x12);
    start(&ta);
    dma_asked(&ta);
    step(&ta, "b377", HVT_RBX, 0x77, -1);                      /* mov bl, 0x77 */
    step(&ta, "881e0007", -1);                                 /* mov [0x700], bl */
    step(&ta, "a10007", HVT_RAX, 0xab77, -1);                  /* mov ax, [0x700] */
    step(&ta, "90", -1);
    r = run_of(&ta);
    struct chain_loc ax = reg("ax");
    CHECK(chain_why(&r, 5, &ax, &c, &(hvt_error){ "" }) == 0);
    size_t dma = 0, stored = 0;
    for (size_t i = 0; i < c.n; i++) {
        dma += c.link[i].cause == CHAIN_C_DMA && c.link[i].loc.addr == 0x701 &&
               c.link[i].value == 0xab && c.link[i].step == 1;
        stored += c.link[i].kind == CHAIN_STORED && c.link[i].step == 3 &&
                  c.link[i].loc.addr == 0x700 && c.link[i].loc.len == 1;
    }
    CHECK(dma == 1 && stored == 1);
}

/* IDE PIO is the guest's own store: `rep insw` (SDM vol 2, INS: a word from
 * port DX to [ES:DI] each iteration) writes the buffer, so the chain of a
 * word of it ends at the port read (the IDE disk), not at DMA or DX's mov. */
UNIT_TEST(rep_insw_is_a_port_read_by_the_guest)
{
    start(&ta);
    step(&ta, "baf001", HVT_RDX, 0x1f0, -1);                   /* mov dx, 0x1f0 */
    step(&ta, "bf0008", HVT_RDI, 0x800, -1);                   /* mov di, 0x800 */
    step(&ta, "b90200", HVT_RCX, 2, -1);                       /* mov cx, 2 */
    for (int i = 0; i < 2; i++) {                              /* rep insw */
        ta.ip = 0x7c09;
        step(&ta, "f36d", HVT_RDI, 0x802 + 2 * i, HVT_RCX, 1 - i, -1);
    }
    step(&ta, "a10208", HVT_RAX, 0xaa55, -1);                  /* mov ax, [0x802] */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc ax = reg("ax");
    CHECK(chain_why(&r, 6, &ax, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 2);
    CHECK(c.link[1].step == 4 && c.link[1].kind == CHAIN_OUTSIDE);
    CHECK_EQ_U64(c.link[1].cause, CHAIN_C_PORT);
    CHECK(strstr(c.link[1].note, "port 0x1f0") && strstr(c.link[1].note, "IDE disk"));
}

/* DMA'd bytes carried by the stack: `push word [0x700]` then `pop word
 * [0x800]` (SDM vol 2, PUSH/POP with a memory operand), then loaded: the
 * copies hand the value on to the load, and the chain ends at the device. */
UNIT_TEST(dma_read_by_push_and_pop_to_memory_ends_at_the_device)
{
    start(&ta);
    dma_asked(&ta);
    step(&ta, "ff360007", HVT_RSP, 0x6ffe, -1);                /* push word [0x700] */
    step(&ta, "8f060008", HVT_RSP, 0x7000, -1);                /* pop word [0x800] */
    step(&ta, "8b1e0008", HVT_RBX, 0x4d51, -1);                /* mov bx, [0x800] */
    step(&ta, "90", -1);
    struct chain_run r = run_of(&ta);
    struct chain_loc bx = reg("bx");
    CHECK(chain_why(&r, 5, &bx, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 4);
    CHECK(c.link[1].kind == CHAIN_STORED && c.link[1].step == 3);   /* pop [0x800] */
    CHECK(c.link[2].kind == CHAIN_STORED && c.link[2].step == 2);   /* push [0x700] */
    CHECK(c.link[3].cause == CHAIN_C_DMA && c.link[3].step == 1 && c.link[3].value == 0x4d51);
}

/* The recorded read of step 2 (as Bochs' trace-mem gives it): 0x1234 at 0x700. */
static int read_value(void *priv, uint64_t step, uint64_t addr, uint32_t len, uint64_t *v)
{
    (void)priv;
    if (step != 2 || addr < 0x700 || addr + len > 0x702)
        return -1;
    *v = 0x1234 >> ((addr - 0x700) * 8) & ((1u << (len * 8)) - 1);
    return 0;
}

/* A reader that only compares (cmp with memory; cmps and scas alike) leaves
 * no register holding the bytes: the value read comes from the run's
 * recorded reads when it has them, and the chain ends at the device; without
 * them it stays "the start" (README, Known limits). */
UNIT_TEST(dma_read_by_a_compare_needs_recorded_reads)
{
    start(&ta);
    dma_asked(&ta);
    step(&ta, "813e00073412", HVT_EFLAGS, 0x46, -1);           /* cmp word [0x700], 0x1234 */
    step(&ta, "7402", -1);                                     /* je */
    struct chain_run r = run_of(&ta);
    struct chain_loc zf = reg("zf");
    CHECK(chain_why(&r, 3, &zf, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n == 2 && c.link[1].kind == CHAIN_START);
    r.read_value = read_value;
    CHECK(chain_why(&r, 3, &zf, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n == 2 && c.link[1].cause == CHAIN_C_DMA && c.link[1].step == 1);
    CHECK_EQ_U64(c.link[1].value, 0x1234);
}

/* A buffer the guest cleared (`rep stosw` with AX 0, SDM vol 2 STOS) and a
 * device then filled (the out to 518h after the clearing): the load reads
 * another value than the store left, so the link is the device, not the
 * store.  A load that reads what the store left keeps the store. */
static void cleared_then_dma(struct trace *t, uint64_t loaded)
{
    start(t);
    step(t, "31c0", HVT_RAX, 0, -1);                           /* xor ax, ax */
    step(t, "bf0007", HVT_RDI, 0x700, -1);                     /* mov di, 0x700 */
    step(t, "b90200", HVT_RCX, 2, -1);                         /* mov cx, 2 */
    for (int i = 0; i < 2; i++) {                              /* rep stosw */
        t->ip = 0x7c08;
        step(t, "f3ab", HVT_RDI, 0x702 + 2 * i, HVT_RCX, 1 - i, -1);
    }
    dma_asked(t);
    step(t, "8b1e0207", HVT_RBX, loaded, -1);                  /* mov bx, [0x702] */
    step(t, "90", -1);
}

UNIT_TEST(dma_over_a_cleared_buffer_ends_at_the_device)
{
    cleared_then_dma(&ta, 0x554d);
    struct chain_run r = run_of(&ta);
    struct chain_loc bx = reg("bx");
    CHECK(chain_why(&r, 8, &bx, &c, &(hvt_error){ "" }) == 0);
    CHECK_EQ_U64(c.n, 2);
    CHECK(c.link[1].cause == CHAIN_C_DMA && c.link[1].step == 6 && c.link[1].value == 0x554d);
    CHECK(strstr(c.link[1].note, "held 0x0 as rep stosw stored it at #4, 0x554d when read at #7"));
    cleared_then_dma(&ta, 0);
    CHECK(chain_why(&r, 8, &bx, &c, &(hvt_error){ "" }) == 0);
    CHECK(c.n >= 2 && c.link[1].kind == CHAIN_STORED && c.link[1].step == 4);
}

UNIT_TEST(names)
{
    struct chain_loc l;
    char b[64];
    CHECK(chain_loc_parse_reg("ah", &l) == 0 && l.reg.shift == 8 && l.reg.bits == 8);
    chain_loc_format(&l, b, sizeof b);
    CHECK_STR(b, "ah");
    CHECK(chain_loc_parse_reg("cr0", &l) == 0 && l.reg.field == HVT_CR0);
    CHECK(chain_loc_parse_reg("zf", &l) == 0 && l.flags == 0x40);
    CHECK(chain_loc_parse_reg("bogus", &l) < 0);
    CHECK(chain_loc_parse_reg("flags", &l) == 0 && l.kind == CHAIN_LOC_REG &&
          l.reg.field == HVT_EFLAGS);                   /* FLAGS, RFLAGS: EFLAGS's names */
    CHECK(chain_loc_parse_reg("rflags", &l) == 0 && l.reg.field == HVT_EFLAGS);
}

UNIT_MAIN()
