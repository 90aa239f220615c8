/* Unit tests for common/: mode detection, linear PC, disassembly per mode. */
#include "common/cpu_state.h"
#include "common/disasm.h"
#include "tests/unit/unit.h"

static struct hvt_state real_mode(uint16_t cs, uint32_t ip)
{
    struct hvt_state s = { .known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR };
    s.f[HVT_CS_SEL] = cs;
    s.f[HVT_RIP] = ip;
    s.f[HVT_CR0] = 0x10;
    return s;
}

UNIT_TEST(real_mode_pc_is_cs_times_16_plus_ip)
{
    struct hvt_state s = real_mode(0x07c0, 0x0005);
    CHECK_EQ_U64(hvt_state_pc(&s), 0x7c05);
    CHECK_EQ_U64(hvt_state_mode(&s), HVT_MODE_16);
}

UNIT_TEST(known_base_wins_over_selector)
{
    /* At reset CS=f000 but CS.base=ffff0000 (Intel SDM vol 3, 9.1.4). */
    struct hvt_state s = real_mode(0xf000, 0xfff0);
    s.known |= HVT_K_SEGDESC;
    s.f[HVT_CS_BASE] = 0xffff0000;
    CHECK_EQ_U64(hvt_state_pc(&s), 0xfffffff0);
}

UNIT_TEST(tracked_cs_base_alone_gives_the_pc)
{
    /* Between `mov %eax,%cr0` (PE=1) and the far jump, CS still has its
     * real-mode base: SeaBIOS's f000:ec40 is linear 0xfec40, not 0xec40. */
    struct hvt_state s = real_mode(0xf000, 0xec40);
    s.f[HVT_CR0] = 0x11;
    CHECK_EQ_U64(hvt_state_pc(&s), 0xec40);
    s.known |= HVT_K_CSBASE;
    s.f[HVT_CS_BASE] = 0xf0000;
    CHECK_EQ_U64(hvt_state_pc(&s), 0xfec40);
}

UNIT_TEST(protected_mode_uses_cs_d_bit)
{
    struct hvt_state s = real_mode(0x0008, 0x1000);
    s.f[HVT_CR0] = 0x11;
    CHECK_EQ_U64(hvt_state_mode(&s), HVT_MODE_32);   /* no attrs known: 32-bit */
    s.known |= HVT_K_SEGDESC;
    s.f[HVT_CS_ATTR] = 0x009b00;                      /* D clear: 16-bit pmode */
    CHECK_EQ_U64(hvt_state_mode(&s), HVT_MODE_16);
    s.f[HVT_CS_ATTR] = 0xc09b00;
    CHECK_EQ_U64(hvt_state_mode(&s), HVT_MODE_32);
    s.f[HVT_EFER] = 0x500;                            /* LME|LMA */
    s.f[HVT_CS_ATTR] = 0xa09b00;                      /* L set */
    CHECK_EQ_U64(hvt_state_mode(&s), HVT_MODE_64);
}

UNIT_TEST(vm86_is_16_bit)
{
    struct hvt_state s = real_mode(0x1000, 0x10);
    s.f[HVT_CR0] = 0x11;
    s.f[HVT_EFLAGS] = 0x20002;
    CHECK_EQ_U64(hvt_state_mode(&s), HVT_MODE_16);
    CHECK_EQ_U64(hvt_state_pc(&s), 0x10010);
}

UNIT_TEST(disasm_decodes_in_the_given_mode)
{
    /* b8 34 12 is "mov $0x1234,%ax" in 16-bit code; in 32-bit code the same
     * opcode takes a 4-byte immediate (the seed's GDB mis-decode). */
    const uint8_t code[] = { 0xb8, 0x34, 0x12, 0x00, 0x00 };
    char text[64];
    CHECK_EQ_U64(hvt_disasm(code, sizeof code, 0x7c00, HVT_MODE_16, text, sizeof text), 3);
    CHECK_STR(text, "movw $0x1234, %ax");
    CHECK_EQ_U64(hvt_disasm(code, sizeof code, 0x7c00, HVT_MODE_32, text, sizeof text), 5);
    CHECK_STR(text, "movl $0x1234, %eax");
}

UNIT_TEST(disasm_names_pause)
{
    /* F3 90 is PAUSE (SDM vol 2B; objdump -m i8086 prints "pause"), which
     * Capstone 4 calls "nop"; 90 alone stays nop. */
    const uint8_t pause[] = { 0xf3, 0x90 }, nop[] = { 0x90 };
    char text[64];
    CHECK_EQ_U64(hvt_disasm(pause, sizeof pause, 0x7c00, HVT_MODE_16, text, sizeof text), 2);
    CHECK_STR(text, "pause");
    CHECK_EQ_U64(hvt_disasm(pause, sizeof pause, 0x1000, HVT_MODE_64, text, sizeof text), 2);
    CHECK_STR(text, "pause");
    CHECK_EQ_U64(hvt_disasm(nop, sizeof nop, 0x7c00, HVT_MODE_16, text, sizeof text), 1);
    CHECK_STR(text, "nop");
}

/* A near call at 1fe0:7c4e (e8 4e 00, the shared csseg case): the target is IP
 * 0x7c4e + 3 + 0x4e = 0x7c9f in segment 1fe0 (SDM vol 2A CALL: EIP-relative,
 * masked to the operand size); `objdump -m i8086` prints "call 7c9f".  Taking
 * the linear PC 0x27a4e instead gives the wrong 0x7a9f. */
UNIT_TEST(disasm_near_targets_are_segment_offsets)
{
    struct hvt_step s = { .insn = { 0xe8, 0x4e, 0x00 }, .insn_len = 3, .mode = HVT_MODE_16 };
    s.st = real_mode(0x1fe0, 0x7c4e);
    char text[64];
    CHECK_EQ_U64(hvt_disasm_step(&s, text, sizeof text), 3);
    CHECK_STR(text, "call 0x7c9f");
    /* 16-bit wrap: jmp from ffe0 by +0x40 lands at 0x0023 of the same segment */
    struct hvt_step w = { .insn = { 0xe9, 0x40, 0x00 }, .insn_len = 3, .mode = HVT_MODE_16 };
    w.st = real_mode(0x1000, 0xffe0);
    hvt_disasm_step(&w, text, sizeof text);
    CHECK_STR(text, "jmp 0x23");
    /* operand-size prefix: objdump keeps the suffix (calll) */
    struct hvt_step o = { .insn = { 0x66, 0xe8, 0x4e, 0, 0, 0 }, .insn_len = 6,
                          .mode = HVT_MODE_16 };
    o.st = real_mode(0x1fe0, 0x7c4e);
    hvt_disasm_step(&o, text, sizeof text);
    CHECK_STR(text, "calll 0x7ca2");
}

/* 64-bit code: the target is RIP-relative over all 64 bits. */
UNIT_TEST(disasm_64bit_targets_whole)
{
    struct hvt_step s = { .insn = { 0xe8, 0, 0, 0, 0 }, .insn_len = 5, .mode = HVT_MODE_64 };
    s.st.f[HVT_RIP] = 0xffffffff810000d4u;
    char text[64];
    hvt_disasm_step(&s, text, sizeof text);
    CHECK_STR(text, "call 0xffffffff810000d9");
}

UNIT_TEST(disasm_reports_bad_bytes)
{
    const uint8_t code[] = { 0x0f };
    char text[64];
    CHECK_EQ_U64(hvt_disasm(code, sizeof code, 0, HVT_MODE_16, text, sizeof text), 0);
    CHECK_STR(text, "(bad)");
}

UNIT_TEST(field_names_round_trip)
{
    for (int f = 0; f < HVT_NFIELDS; f++)
        CHECK_EQ_U64(hvt_field_by_name(hvt_field_name(f)), f);
    CHECK_EQ_U64(hvt_field_group(HVT_CS_BASE), HVT_K_SEGDESC);
    CHECK_EQ_U64(hvt_field_group(HVT_SMM), HVT_K_SMM);
}

UNIT_MAIN()
