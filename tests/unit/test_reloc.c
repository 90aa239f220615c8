/*
 * test_reloc: the relocation explanation, on the layout this machine produced
 * (build/images/grub.img, -m 256): Debian's bzImage asks to be loaded at 0x1000000
 * (its setup header's pref_address) with init_size 0x3f98000; bare, GRUB puts it
 * there (the kernel's /proc/iomem: "01000000-01e01d31 : Kernel code"); under the
 * x86_64 hv the range 0x1800000-0x19fffff is reserved (hv's banner, E820 entry 4
 * of the map GRUB passes on) and the kernel runs at 0x5a00000 ("05a00000-06801d31 :
 * Kernel code"): the same code 0x4a00000 higher, with CR3, RSP and GDTR in the
 * kernel's image shifted alike.
 */
#include "diffing/reloc.h"
#include "tests/unit/unit.h"

#define A_LOAD  0x1000000u
#define DELTA   0x4a00000u

static struct hvt_state st(uint64_t base, uint64_t i)
{
    struct hvt_state s;
    memset(&s, 0, sizeof s);
    s.known = HVT_K_GPR | HVT_K_CR | HVT_K_DT;
    s.f[HVT_CR3] = base + 0x9c000;
    s.f[HVT_RSP] = base + 0x3f90000 - 8 * i;
    s.f[HVT_GDTR_BASE] = base + 0x2a000;
    s.f[HVT_CR0] = 0x80000011;
    s.f[HVT_RAX] = i;
    return s;
}

static struct align_itab itab;

/* The token of an instruction of length len (its bytes: len nops) at pc. */
static struct align_token tok(uint64_t pc, uint8_t len, uint8_t mode)
{
    struct align_insn in = { .pc = pc, .nbytes = len, .len = len, .mode = mode, .cf = 0 };
    memset(in.bytes, 0x90, len);
    uint32_t id;
    hvt_error err = { "" };
    if (align_itab_intern(&itab, &in, &id, &err) < 0)
        abort();
    return (struct align_token){ .insn = id };
}

static void tokens(struct align_token *t, size_t n, uint64_t base)
{
    static const uint8_t lens[] = { 3, 5, 2, 7, 1, 4 };
    for (size_t i = 0; i < n; i++)
        t[i] = tok(base + 0x100 + 3 * i, lens[i % 6], HVT_MODE_64);
}

/* The maps GRUB handed the kernel on this machine (-m 256), as BIOS-e820 printed them. */
static void maps(struct reloc_map *a, struct reloc_map *b)
{
    static const struct reloc_e820 bare[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 0xfee0000, 1 }, { 0xffe0000, 0x20000, 2 },
    };
    static const struct reloc_e820 hv[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 0x1700000, 1 }, { 0x1800000, 0x200000, 2 },
        { 0x1a00000, 0xe5e0000, 1 }, { 0xffe0000, 0x20000, 2 },
    };
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    memcpy(a->e, bare, sizeof bare);
    a->n = sizeof bare / sizeof bare[0];
    memcpy(b->e, hv, sizeof hv);
    b->n = sizeof hv / sizeof hv[0];
    b->hv_lo = 0x1800000, b->hv_hi = 0x1a00000;
}

static void regs(struct regdiff *rd, uint64_t b_base)
{
    regdiff_init(rd);
    for (uint64_t i = 0; i < 50; i++) {
        struct hvt_state a = st(A_LOAD, i), b = st(b_base, i);
        regdiff_add(rd, i, &a, i, &b);
    }
}

UNIT_TEST(code_shift_found_and_bounded)
{
    struct align_token a[40], b[40];
    tokens(a, 40, A_LOAD);
    tokens(b, 40, A_LOAD + DELTA);
    b[30] = tok(A_LOAD + DELTA + 0x100 + 3 * 30, 6, HVT_MODE_64);   /* different code */
    int64_t d;
    CHECK_EQ_U64(reloc_code_shift(&itab, a, 40, b, 40, &d), 30);
    CHECK_EQ_U64((uint64_t)d, DELTA);
    CHECK_EQ_U64(reloc_code_shift(&itab, a, 40, a, 40, &d), 0);   /* same PCs: no shift */
    b[0] = tok(A_LOAD + DELTA + 0x100, 3, HVT_MODE_32);
    CHECK_EQ_U64(reloc_code_shift(&itab, a, 40, b, 40, &d), 0);
}

UNIT_TEST(kernel_above_hv_range)
{
    struct regdiff rd;
    struct reloc_map ma, mb;
    struct reloc r;
    char buf[512];
    regs(&rd, A_LOAD + DELTA);
    maps(&ma, &mb);
    CHECK(reloc_explain(&rd, 200, DELTA, A_LOAD + 0x100, &ma, &mb, &r));
    CHECK_EQ_U64((uint64_t)r.delta, DELTA);
    CHECK(reloc_explains(&r, HVT_CR3) && reloc_explains(&r, HVT_RSP) &&
          reloc_explains(&r, HVT_GDTR_BASE));
    CHECK(!reloc_explains(&r, HVT_CR0) && !reloc_explains(&r, HVT_RAX));
    CHECK_EQ_U64((uint64_t)r.e820_index, 4);
    CHECK(r.res_is_hv);
    reloc_format(&r, buf, sizeof buf);
    CHECK_STR(buf, "B runs the same code 0x4a00000 higher (200 steps at PCs shifted by it; "
                   "shifted alike: rsp cr3 gdtr.base): placed above hv's reserved range "
                   "0x1800000-0x19fffff, see B's E820 entry 4");
}

UNIT_TEST(fields_alone_give_delta)
{
    struct regdiff rd;
    struct reloc_map ma, mb;
    struct reloc r;
    regs(&rd, A_LOAD + DELTA);
    maps(&ma, &mb);
    /* no shifted code (the kernel's virtual addresses are the same): CR3, RSP and
     * GDTR agree on the delta */
    CHECK(reloc_explain(&rd, 0, 0, 0, &ma, &mb, &r));
    CHECK_EQ_U64((uint64_t)r.delta, DELTA);
    CHECK_EQ_U64(r.code_steps, 0);
    CHECK_EQ_U64((uint64_t)r.e820_index, 4);
}

UNIT_TEST(no_cause_when_nothing_reserved_between)
{
    struct regdiff rd;
    struct reloc_map ma, mb;
    struct reloc r;
    char buf[512];
    regs(&rd, A_LOAD + 0x100000);           /* 1 MiB up: hv's range ends higher */
    maps(&ma, &mb);
    CHECK(reloc_explain(&rd, 0, 0, 0, &ma, &mb, &r));
    CHECK_EQ_U64(r.res_hi, 0);
    CHECK(r.e820_index < 0);
    reloc_format(&r, buf, sizeof buf);
    CHECK_STR(buf, "B runs the same code 0x100000 higher (shifted alike: rsp cr3 gdtr.base)");
}

UNIT_TEST(equal_pairs_do_not_count)
{
    struct regdiff rd;
    struct reloc r;
    regdiff_init(&rd);
    for (uint64_t i = 0; i < 20; i++) {     /* paging off (CR3 0 on both) for 10 steps */
        struct hvt_state a = st(A_LOAD, i), b = st(A_LOAD + DELTA, i);
        if (i < 10)
            a.f[HVT_CR3] = b.f[HVT_CR3] = 0;
        regdiff_add(&rd, i, &a, i, &b);
    }
    CHECK(reloc_explain(&rd, 0, 0, 0, NULL, NULL, &r));
    CHECK_EQ_U64((uint64_t)r.delta, DELTA);
    CHECK(reloc_explains(&r, HVT_CR3));
}

UNIT_TEST(one_field_is_no_relocation)
{
    struct regdiff rd;
    struct reloc r;
    regdiff_init(&rd);
    for (uint64_t i = 0; i < 10; i++) {     /* only the stack moved (a deeper call) */
        struct hvt_state a = st(A_LOAD, i), b = st(A_LOAD, i);
        b.f[HVT_RSP] -= 0x40;
        regdiff_add(&rd, i, &a, i, &b);
    }
    CHECK(!reloc_explain(&rd, 5, DELTA, A_LOAD, NULL, NULL, &r));
    CHECK(!reloc_explains(&r, HVT_RSP));
}

UNIT_MAIN()
