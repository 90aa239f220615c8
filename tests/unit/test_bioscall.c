/*
 * test_bioscall: BIOS call names from register states built by hand after the
 * interfaces they model: the int 13h AH=42h disk address packet (16 bytes:
 * size, 0, count, offset, segment, LBA), the E820 entry at ES:DI (base, length,
 * type), the seed's int 1Ah AX=BB00h with SeaBIOS's 0x23 answer, and FACTS.md's
 * table.  Memory comes through the callback; the tests check which moment
 * (before or after the call) each read asks for.
 */
#include "diffing/bioscall.h"
#include "tests/unit/unit.h"

static struct hvt_state regs(uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    struct hvt_state s;
    memset(&s, 0, sizeof s);
    s.known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR;
    s.f[HVT_RAX] = eax;
    s.f[HVT_RBX] = ebx;
    s.f[HVT_RCX] = ecx;
    s.f[HVT_RDX] = edx;
    s.f[HVT_EFLAGS] = 0x202;
    return s;
}

struct mem {
    enum bioscall_when when;
    uint64_t addr;
    uint8_t bytes[20];
};

static int read_mem(void *priv, enum bioscall_when when, uint64_t addr, void *buf, size_t n)
{
    const struct mem *m = priv;
    if (when != m->when || addr != m->addr || n > sizeof m->bytes)
        return -1;
    memcpy(buf, m->bytes, n);
    return 0;
}

static char out[256];

UNIT_TEST(int13_extended_read)
{
    struct hvt_state b = regs(0x4200, 0, 0, 0x80), a = b;
    b.f[HVT_DS_SEL] = 0x0050;
    b.f[HVT_RSI] = 0x0010;                  /* packet at 0050:0010 = 0x510 */
    struct mem m = { BIOSCALL_BEFORE, 0x510,
                     { 0x10, 0, 1, 0, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x08 } };
    bioscall_describe(0x13, &b, &a, read_mem, &m, out, sizeof out);
    CHECK_STR(out, "int 13h AH=42h extended read drive 80h LBA 2048 x1 -> 0000:7c00: ok");
    bioscall_describe(0x13, &b, NULL, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 13h AH=42h extended read drive 80h");
}

UNIT_TEST(int13_check_and_error)
{
    struct hvt_state b = regs(0x4100, 0x55aa, 0, 0x80), a = regs(0x3000, 0xaa55, 7, 0x80);
    bioscall_describe(0x13, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 13h AH=41h extensions check drive 80h: supported, version 30h");
    b = regs(0x0201, 0, 0x0001, 0x0000);    /* CHS 0/0/1, one sector, floppy */
    a = regs(0x0100, 0, 0, 0);
    a.f[HVT_EFLAGS] |= 1;
    bioscall_describe(0x13, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 13h AH=02h read drive 00h C/H/S 0/0/1 x1: error AH=01h");
}

UNIT_TEST(int15_e820_entry)
{
    struct hvt_state b = regs(0xe820, 3, 20, 0x534d4150), a = regs(0x534d4150, 4, 20, 0);
    b.f[HVT_RDI] = 0x9000;
    struct mem m = { BIOSCALL_AFTER, 0x9000,
                     { 0, 0, 0x10, 0, 0, 0, 0, 0,  0, 0, 0xee, 0x1f, 0, 0, 0, 0,  1, 0, 0, 0 } };
    bioscall_describe(0x15, &b, &a, read_mem, &m, out, sizeof out);
    CHECK_STR(out, "int 15h E820 entry 3: 0000000000100000-000000001ffdffff type 1 (RAM), next 4");
    a.f[HVT_EFLAGS] |= 1;
    bioscall_describe(0x15, &b, &a, read_mem, &m, out, sizeof out);
    CHECK_STR(out, "int 15h E820 entry 3: error (CF=1, EAX=534d4150h)");
}

UNIT_TEST(int15_a20_and_sizes)
{
    struct hvt_state b = regs(0x2401, 0, 0, 0), a = regs(0, 0, 0, 0);
    bioscall_describe(0x15, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 15h AX=2401h A20 enable: ok");
    b = regs(0x2402, 0, 0, 0);
    a = regs(0x0001, 0, 0, 0);
    bioscall_describe(0x15, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 15h AX=2402h A20 status: enabled");
    b = regs(0xe801, 0, 0, 0);
    a = regs(0x3c00, 0x1ffe, 0x3c00, 0x1ffe);   /* 512 MiB guest */
    bioscall_describe(0x15, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 15h AX=e801h extended memory size: 15360 KB 1M-16M, 8190 x 64 KB above 16M");
    b = regs(0x8800, 0, 0, 0);
    a = regs(0xfc00, 0, 0, 0);
    bioscall_describe(0x15, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 15h AX=8800h extended memory size: 64512 KB above 1M");
}

UNIT_TEST(int1a_tcg_status_check)
{
    struct hvt_state b = regs(0xbb00, 0, 0, 0), a = regs(0x23, 0, 0, 0);
    bioscall_describe(0x1a, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 1ah AX=bb00h TCG_StatusCheck: TPM not present (0x23)");
    a = regs(0, 0x41504354, 0x0102, 0);
    bioscall_describe(0x1a, &b, &a, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 1ah AX=bb00h TCG_StatusCheck: TPM present, version 1.2");
    bioscall_describe(0x1a, &b, NULL, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "int 1ah AX=bb00h TCG_StatusCheck");
}

/* RBIL: int 19h (bootstrap loader) and int 18h do not return to the caller;
 * the boot sector runs after them, not inside them. */
UNIT_TEST(bootstrap_does_not_return)
{
    CHECK(!bioscall_returns(0x19) && !bioscall_returns(0x18));
    CHECK(bioscall_returns(0x13) && bioscall_returns(0x15) && bioscall_returns(0x1a));
}

UNIT_TEST(output_truncates_safely)
{
    struct hvt_state b = regs(0xbb00, 0, 0, 0), a = regs(0x23, 0, 0, 0);
    char small[12];
    size_t n = bioscall_describe(0x1a, &b, &a, NULL, NULL, small, sizeof small);
    CHECK_EQ_U64(n, 11);
    CHECK_STR(small, "int 1ah AX=");
}

/* ---- how the vector is reached: bioscall_entry_decode ----
 * Encodings from Intel SDM vol 2A: INT n = cd ib, INT3 = cc; CALL m16:16 = ff /3,
 * JMP m16:16 = ff /5; 16-bit ModRM (table 2-1): mod 00 rm 110 = [disp16],
 * mod 01 rm 110 = [bp+disp8] (SS), 2eh = CS override, 66h = m16:32 operand. */

static struct hvt_state real_at(uint16_t cs, uint16_t ip, uint16_t sp)
{
    struct hvt_state s = regs(0xe820, 0, 24, 0x534d4150);
    s.f[HVT_CS_SEL] = cs;
    s.f[HVT_RIP] = ip;
    s.f[HVT_RSP] = sp;
    s.f[HVT_CR0] = 0x10;
    return s;
}

UNIT_TEST(entry_int_and_int3)
{
    static const uint8_t i15[] = { 0xcd, 0x15 }, i3[] = { 0xcc };
    struct hvt_state st = real_at(0, 0x7c1b, 0x7c00);
    struct bioscall_entry e;
    CHECK(bioscall_entry_decode(i15, sizeof i15, &st, &e));
    CHECK_EQ_U64(e.vector, 0x15);
    CHECK_EQ_U64(e.how, BIOSCALL_INT);
    CHECK_EQ_U64(e.ret_ip, 0x7c1d);
    CHECK_EQ_U64(e.ret_sp, 0x7c00);
    CHECK(bioscall_entry_decode(i3, sizeof i3, &st, &e) && e.vector == 3 && e.ret_ip == 0x7c1c);
}

UNIT_TEST(entry_far_call_through_ivt)
{
    /* farcall.asm: pushf; call far [0x15*4] (DS=0) */
    static const uint8_t callf[] = { 0xff, 0x1e, 0x54, 0x00 };
    struct hvt_state st = real_at(0, 0x7c78, 0x7bfe);
    struct bioscall_entry e;
    CHECK(bioscall_entry_decode(callf, sizeof callf, &st, &e));
    CHECK_EQ_U64(e.vector, 0x15);
    CHECK_EQ_U64(e.how, BIOSCALL_CALLF);
    CHECK(e.ret_known && e.ret_cs == 0 && e.ret_ip == 0x7c7c);
    CHECK_EQ_U64(e.ret_sp, 0x7c00);         /* iret pops IP, CS and the pushf's FLAGS */
    st.f[HVT_DS_SEL] = 0x1000;              /* [0x54] is now linear 0x10054: not the IVT */
    CHECK(!bioscall_entry_decode(callf, sizeof callf, &st, &e));
}

UNIT_TEST(entry_far_jump_and_addressing_forms)
{
    static const uint8_t jmpf[] = { 0xff, 0x2e, 0x4c, 0x00 };          /* jmp far [0x4c] */
    static const uint8_t cs_callf[] = { 0x2e, 0xff, 0x1e, 0x54, 0x00 }; /* call far cs:[0x54] */
    static const uint8_t bp_callf[] = { 0xff, 0x5e, 0x04 };             /* call far [bp+4] */
    static const uint8_t callf32[] = { 0x66, 0xff, 0x1e, 0x54, 0x00 };  /* m16:32 */
    static const uint8_t odd[] = { 0xff, 0x1e, 0x56, 0x00 };            /* mid-entry */
    struct hvt_state st = real_at(0, 0x7c40, 0x7bfa);
    struct bioscall_entry e;
    CHECK(bioscall_entry_decode(jmpf, sizeof jmpf, &st, &e));
    CHECK(e.vector == 0x13 && e.how == BIOSCALL_JMPF && !e.ret_known && e.ret_sp == 0x7c00);
    st.f[HVT_DS_SEL] = 0x1000;
    CHECK(bioscall_entry_decode(cs_callf, sizeof cs_callf, &st, &e) && e.vector == 0x15);
    st.f[HVT_RBP] = 0x50;                   /* SS=0: 0x54 */
    CHECK(bioscall_entry_decode(bp_callf, sizeof bp_callf, &st, &e) && e.vector == 0x15);
    CHECK(!bioscall_entry_decode(callf32, sizeof callf32, &st, &e));
    st.f[HVT_DS_SEL] = 0;
    CHECK(!bioscall_entry_decode(odd, sizeof odd, &st, &e));
    st.f[HVT_CR0] = 0x11;                   /* protected mode: an IDT, not the IVT */
    CHECK(!bioscall_entry_decode(jmpf, sizeof jmpf, &st, &e));
}

/* A real-mode lidt moves the IVT (Intel SDM vol 3A 20.1.4, dtregs.S): a far
 * call through [IDTR.base + 4n] is vector n's entry, [4n] at 0 no longer is. */
UNIT_TEST(entry_far_call_through_a_moved_ivt)
{
    static const uint8_t at0[] = { 0xff, 0x1e, 0x54, 0x00 };     /* call far [0x54] */
    static const uint8_t moved[] = { 0xff, 0x1e, 0x54, 0x06 };   /* call far [0x654] */
    struct hvt_state st = real_at(0, 0x7c78, 0x7bfe);
    struct bioscall_entry e;
    st.known |= HVT_K_DT;
    st.f[HVT_IDTR_BASE] = 0x600;
    st.f[HVT_IDTR_LIMIT] = 0x3ff;
    CHECK(bioscall_entry_decode(moved, sizeof moved, &st, &e) && e.vector == 0x15);
    CHECK(!bioscall_entry_decode(at0, sizeof at0, &st, &e));
    st.known &= ~HVT_K_DT;                  /* a run without IDTR: the table at 0 */
    CHECK(bioscall_entry_decode(at0, sizeof at0, &st, &e) && e.vector == 0x15);
}

/* Which answers a guest takes as data, per Ralf Brown's interrupt list: disk,
 * memory map, TPM yes; the timer, clock, keyboard, waits and output no. */
UNIT_TEST(answers_the_guest_takes_as_data)
{
    CHECK(bioscall_is_answer(0x13, 0x42) && bioscall_is_answer(0x15, 0xe8));
    CHECK(bioscall_is_answer(0x1a, 0xbb) && bioscall_is_answer(0x12, 0x00));
    CHECK(!bioscall_is_answer(0x1c, 0) && !bioscall_is_answer(0x08, 0));
    CHECK(!bioscall_is_answer(0x1a, 0x00) && !bioscall_is_answer(0x1a, 0x02));
    CHECK(!bioscall_is_answer(0x16, 0x01) && !bioscall_is_answer(0x10, 0x0e));
    CHECK(!bioscall_is_answer(0x15, 0x86) && !bioscall_is_answer(0x14, 0x01));
    CHECK(!bioscall_is_answer(0x76, 0));
}

UNIT_MAIN()
