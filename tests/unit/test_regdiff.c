/*
 * test_regdiff: grouping of register differences and bit names, against the
 * seed log's own numbers (CR0 0x20 under XMHF vs 0x10 bare; CR4 0x2000 = VMXE)
 * and the SDM's bit positions.
 */
#include "diffing/regdiff.h"
#include "tests/unit/unit.h"

static struct hvt_state real_mode(uint64_t cr0, uint64_t cr4, uint64_t esp, uint64_t eax)
{
    struct hvt_state s;
    memset(&s, 0, sizeof s);
    s.known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR;
    s.f[HVT_CR0] = cr0;
    s.f[HVT_CR4] = cr4;
    s.f[HVT_RSP] = esp;
    s.f[HVT_RAX] = eax;
    return s;
}

UNIT_TEST(persistent_offset_transient)
{
    struct regdiff rd;
    regdiff_init(&rd);
    for (uint64_t i = 0; i < 10; i++) {
        struct hvt_state a = real_mode(0x10, 0, 0x7000 - 2 * i, i);
        struct hvt_state b = real_mode(0x20, 0x2000, 0x6f00 - 2 * i, i == 6 ? 99 : i);
        regdiff_add(&rd, 100 + i, &a, 200 + i, &b);
    }
    CHECK_EQ_U64(regdiff_classify(&rd.f[HVT_CR0]), REGDIFF_PERSISTENT);
    CHECK_EQ_U64(rd.f[HVT_CR0].a, 0x10);
    CHECK_EQ_U64(rd.f[HVT_CR0].b, 0x20);
    CHECK_EQ_U64(regdiff_classify(&rd.f[HVT_CR4]), REGDIFF_PERSISTENT);
    CHECK_EQ_U64(regdiff_classify(&rd.f[HVT_RSP]), REGDIFF_OFFSET);
    CHECK_EQ_U64(regdiff_classify(&rd.f[HVT_RAX]), REGDIFF_TRANSIENT);
    CHECK_EQ_U64(rd.f[HVT_RAX].first_a, 106);
    CHECK_EQ_U64(rd.f[HVT_RAX].first_b, 206);
    CHECK_EQ_U64(rd.f[HVT_RAX].differ, 1);
    CHECK_EQ_U64(regdiff_classify(&rd.f[HVT_RBX]), REGDIFF_SAME);
}

UNIT_TEST(unknown_fields_not_compared)
{
    struct regdiff rd;
    regdiff_init(&rd);
    struct hvt_state a = real_mode(0x10, 0, 0, 0), b = real_mode(0x11, 0, 0, 0);
    b.known &= ~HVT_K_CR;
    a.f[HVT_CS_BASE] = 1;                   /* segment bases unknown on both */
    regdiff_add(&rd, 0, &a, 0, &b);
    CHECK_EQ_U64(rd.f[HVT_CR0].compared, 0);
    CHECK_EQ_U64(rd.f[HVT_CS_BASE].compared, 0);
    CHECK_EQ_U64(rd.f[HVT_RAX].compared, 1);
}

/* Pairs counted in runs (regdiff_count) with their differences recorded one
 * by one (regdiff_differs): the same figures as regdiff_add pair by pair. */
UNIT_TEST(counted_in_runs_as_pair_by_pair)
{
    static struct regdiff one, runs;
    regdiff_init(&one);
    regdiff_init(&runs);
    for (uint64_t i = 0; i < 12; i++) {
        struct hvt_state a = real_mode(0x10, 0, 0x7000 - 2 * i, i);
        struct hvt_state b = real_mode(0x20, 0x2000, 0x6f00 - 2 * i, i == 6 ? 99 : i);
        if (i >= 8)
            b.known &= ~HVT_K_CR;           /* the last four compare no CR */
        regdiff_add(&one, i, &a, i, &b);
        regdiff_differs(&runs, i, &a, i, &b);
    }
    regdiff_count(&runs, HVT_K_GPR | HVT_K_SEL | HVT_K_CR, 8);
    regdiff_count(&runs, HVT_K_GPR | HVT_K_SEL, 4);
    CHECK_EQ_U64(runs.pairs, 12);
    CHECK_EQ_U64(runs.f[HVT_CR0].compared, 8);
    CHECK_EQ_U64(runs.f[HVT_RAX].compared, 12);
    CHECK(!memcmp(&one, &runs, sizeof one));
}

UNIT_TEST(bit_names)
{
    char buf[128];
    regdiff_bits(HVT_CR0, 0x11, buf, sizeof buf);
    CHECK_STR(buf, "PE ET");
    regdiff_bits(HVT_CR4, 0x2000, buf, sizeof buf);
    CHECK_STR(buf, "VMXE");
    regdiff_bits(HVT_EFER, 0x1000, buf, sizeof buf);
    CHECK_STR(buf, "SVME");
    regdiff_bits(HVT_EFLAGS, 0x246, buf, sizeof buf);     /* GDB: [ IOPL=0 IF ZF PF ] */
    CHECK_STR(buf, "PF ZF IF");
    regdiff_bits(HVT_CR0, 0, buf, sizeof buf);
    CHECK_STR(buf, "-");
    regdiff_bits_change(HVT_CR0, 0x10, 0x20, buf, sizeof buf);
    CHECK_STR(buf, "+NE -ET");
    CHECK(regdiff_bits(HVT_RAX, 5, buf, sizeof buf) == 0 && buf[0] == 0);
}

UNIT_MAIN()
