/*
 * test_defuse: operand roles from Capstone checked against the Intel SDM vol 2
 * descriptions of each instruction (operands, implicit registers, flags) and
 * effective addresses against the real-mode rule linear = segment * 16 +
 * (offset mod 64 KiB) (SDM vol 1, 3.7.5; vol 3, 20.1.1).  Also align_map:
 * steps mapped through equal hunks, built by hand.
 */
#include "diffing/align_map.h"
#include "diffing/defuse.h"
#include "tests/unit/unit.h"

static struct defuse du;

static void dec(const char *hex)
{
    uint8_t b[16];
    size_t n = 0;
    for (; hex[2 * n]; n++)
        sscanf(hex + 2 * n, "%2hhx", &b[n]);
    CHECK(defuse_decode(b, n, HVT_MODE_16, &du) == 0);
}

static int writes(int field)
{
    for (int i = 0; i < du.nrw; i++)
        if (du.rw[i].field == field)
            return 1;
    return 0;
}

static int reads(int field)
{
    for (int i = 0; i < du.nrr; i++)
        if (du.rr[i].field == field)
            return 1;
    return 0;
}

UNIT_TEST(store_through_base_and_index)
{
    struct hvt_state s = { .known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR };
    dec("894004");                          /* mov [bx+si+4], ax */
    CHECK_EQ_U64(du.nmem, 1);
    CHECK(du.mem[0].write && !du.mem[0].read);
    CHECK_EQ_U64(du.mem[0].size, 2);
    CHECK(reads(HVT_RAX) && !reads(HVT_RBX));     /* BX and SI only address */
    s.f[HVT_RBX] = 0xfff0;
    s.f[HVT_RSI] = 0x20;
    s.f[HVT_DS_SEL] = 0x1000;
    CHECK_EQ_U64(defuse_mem_addr(&du.mem[0], &s), 0x10000 + 0x14);   /* wraps at 64 KiB */
    dec("8b4602");                          /* mov ax, [bp+2]: SS by default */
    CHECK_EQ_U64(du.mem[0].seg, HVT_SS);
    CHECK(du.mem[0].read && writes(HVT_RAX));
}

UNIT_TEST(implicit_operands)
{
    dec("f3aa");                            /* rep stosb: ES:DI <- AL, CX counts */
    CHECK_EQ_U64(du.nmem, 1);
    CHECK(du.mem[0].write && du.mem[0].seg == HVT_ES && du.mem[0].base.field == HVT_RDI);
    CHECK(reads(HVT_RAX) && reads(HVT_RCX) && writes(HVT_RDI) && writes(HVT_RCX));
    dec("50");                              /* push ax */
    CHECK_EQ_U64(du.stack, DEFUSE_STACK_PUSH);
    dec("5b");                              /* pop bx */
    CHECK(du.stack == DEFUSE_STACK_POP && writes(HVT_RBX));
    dec("cd15");                            /* int 15h */
    CHECK(du.is_int && du.vector == 0x15);
    dec("ec");                              /* in al, dx: a device */
    CHECK(du.origin == DEFUSE_FROM_PORT && writes(HVT_RAX));
    dec("0f31");                            /* rdtsc: the clock */
    CHECK(du.origin == DEFUSE_FROM_CLOCK);
    dec("8d4004");                          /* lea ax, [bx+si+4]: no memory access */
    CHECK(du.nmem == 0 && reads(HVT_RBX) && reads(HVT_RSI) && writes(HVT_RAX));
}

UNIT_TEST(flags)
{
    dec("3d3412");                          /* cmp ax, 0x1234 writes the status flags */
    CHECK((du.fw & 0x40) && !du.fr);
    dec("7502");                            /* jne reads ZF */
    CHECK_EQ_U64(du.fr, 0x40);
    dec("fc");                              /* cld writes DF */
    CHECK(du.fw & 0x400);
    char b[32];
    defuse_flags_name(0x41, b, sizeof b);
    CHECK_STR(b, "cf|zf");
}

/* Side effects from the SDM: a segment load writes the hidden base (vol 3,
 * 3.4.3), LDS loads DS, POP DS writes DS; POPF/IRET load FLAGS from the stack
 * (IRET's FLAGS at SP + 2 * operand size), PUSHF stores it; CMOVcc's
 * condition per vol 1, B.1, table B-1. */
UNIT_TEST(side_effects)
{
    dec("8ed0");                            /* mov ss, ax */
    CHECK(writes(HVT_SS_SEL) && writes(HVT_SS_BASE) && writes(HVT_SS_LIMIT));
    dec("1f");                              /* pop ds */
    CHECK(writes(HVT_DS_SEL) && writes(HVT_DS_BASE));
    dec("c51e0000");                        /* lds bx, [0] */
    CHECK(writes(HVT_RBX) && writes(HVT_DS_BASE));
    dec("cf");                              /* iret */
    CHECK(du.flags_load && du.flags_off == 4 && du.opsize == 2 && du.branch);
    CHECK(writes(HVT_CS_SEL) && writes(HVT_CS_BASE));
    dec("66cf");                            /* iretd */
    CHECK(du.flags_off == 8 && du.opsize == 4);
    dec("9d");                              /* popf */
    CHECK(du.flags_load && du.flags_off == 0);
    dec("9c");                              /* pushf */
    CHECK(du.flags_store && !du.flags_load);
    dec("0f42d8");                          /* cmovb bx, ax: taken iff CF */
    CHECK(du.cc == 2 && defuse_cond_holds(du.cc, 0x1) && !defuse_cond_holds(du.cc, 0x40));
    dec("0f4fd8");                          /* cmovg: ZF = 0 and SF = OF */
    CHECK(defuse_cond_holds(du.cc, 0x880) && !defuse_cond_holds(du.cc, 0x80));
    dec("90");
    CHECK(du.cc == -1 && !du.branch);
}

UNIT_TEST(align_map_through_equal_hunks)
{
    struct align_hunk h[3] = {
        { .kind = ALIGN_EQUAL, .a_begin = 0, .a_end = 10, .b_begin = 0, .b_end = 10 },
        { .kind = ALIGN_B_ONLY, .a_begin = 10, .a_end = 10, .b_begin = 10, .b_end = 15 },
        { .kind = ALIGN_EQUAL, .a_begin = 10, .a_end = 20, .b_begin = 15, .b_end = 25 },
    };
    struct align_map m;
    uint64_t p, at;
    CHECK(align_map_build(&m, h, 3) == 0);
    CHECK(align_map_peer(&m, 0, 12, &p) && p == 17);
    CHECK(align_map_peer(&m, 1, 17, &p) && p == 12);
    CHECK(!align_map_peer(&m, 1, 12, &p));          /* B's inserted steps */
    CHECK(align_map_before(&m, 1, 12, &at, &p) && at == 9 && p == 9);
    CHECK(!align_map_peer(&m, 0, 20, &p));
    align_map_free(&m);
}

UNIT_MAIN()
