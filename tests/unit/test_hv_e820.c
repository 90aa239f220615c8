/*
 * test_hv_e820: hv's E820 map code (hv/e820.c) compiled for the host: carving hv's
 * range out of a firmware map and answering int 15h E820h calls from it.
 *
 * hv/e820.c is freestanding but pure (no hardware access, no printing), so it is
 * included here directly rather than linked from libhvtrace.a.  The input maps are
 * real firmware maps with 32 MiB: Bochs' rombios (its bare E820 answers, printed by
 * tests/guests/e820.S) and SeaBIOS under QEMU 7.2; hv's range is its default
 * 0x01800000-0x01a00000.  Expected maps are worked out by hand from the ACPI
 * definition of the call (ACPI 6.4 section 15.1), not taken from hv's output.
 */
#include "hv/e820.c"
#include "tests/unit/unit.h"

#define HOLE_LO 0x01800000ull
#define HOLE_HI 0x01a00000ull

static void map_set(struct hv_e820_map *m, const struct hv_e820_entry *e, u32 n)
{
    memset(m, 0, sizeof *m);
    memcpy(m->e, e, n * sizeof *e);
    m->n = n;
}

static int entry_is(const struct hv_e820_map *m, u32 i, u64 base, u64 len, u32 type)
{
    return i < m->n && m->e[i].base == base && m->e[i].len == len && m->e[i].type == type;
}

/* Bochs rombios, megs: 32. */
static const struct hv_e820_entry rombios32[] = {
    { 0x00000000, 0x0009f000, 1 }, { 0x0009f000, 0x00001000, 2 },
    { 0x000e8000, 0x00018000, 2 }, { 0x00100000, 0x01ef0000, 1 },
    { 0x01ff0000, 0x00010000, 3 }, { 0xfffc0000, 0x00040000, 2 },
};

UNIT_TEST(e820_reserve_splits_ram_in_three)
{
    struct hv_e820_map m;
    map_set(&m, rombios32, 6);
    CHECK(hv_e820_reserve(&m, HOLE_LO, HOLE_HI) == 0);
    CHECK_EQ_U64(m.n, 8);
    CHECK(entry_is(&m, 2, 0x000e8000, 0x00018000, 2));
    CHECK(entry_is(&m, 3, 0x00100000, 0x01700000, 1));      /* 1 MiB .. 24 MiB */
    CHECK(entry_is(&m, 4, 0x01800000, 0x00200000, 2));      /* hv */
    CHECK(entry_is(&m, 5, 0x01a00000, 0x005f0000, 1));      /* 26 MiB .. 0x1ff0000 */
    CHECK(entry_is(&m, 6, 0x01ff0000, 0x00010000, 3));      /* ACPI data, untouched */
    CHECK(entry_is(&m, 7, 0xfffc0000, 0x00040000, 2));      /* last entry kept last */
}

/* SeaBIOS under QEMU -m 32: RAM ends at 0x1fe0000; the hole starts a RAM entry's
 * tail, and a hole that covers a whole entry must leave no zero-length pieces. */
UNIT_TEST(e820_reserve_no_empty_pieces)
{
    static const struct hv_e820_entry seabios32[] = {
        { 0x00000000, 0x0009fc00, 1 }, { 0x0009fc00, 0x00000400, 2 },
        { 0x000f0000, 0x00010000, 2 }, { 0x00100000, 0x01ee0000, 1 },
        { 0x01fe0000, 0x00020000, 2 }, { 0xfffc0000, 0x00040000, 2 },
    };
    static const struct hv_e820_entry exact[] = {
        { 0x00100000, 0x01700000, 1 }, { 0x01800000, 0x00200000, 1 }, { 0x01a00000, 0x00100000, 1 },
    };
    struct hv_e820_map m;
    map_set(&m, seabios32, 6);
    CHECK(hv_e820_reserve(&m, HOLE_LO, HOLE_HI) == 0);
    CHECK_EQ_U64(m.n, 8);
    CHECK(entry_is(&m, 4, HOLE_LO, HOLE_HI - HOLE_LO, 2));
    CHECK(entry_is(&m, 5, 0x01a00000, 0x005e0000, 1));
    map_set(&m, exact, 3);
    CHECK(hv_e820_reserve(&m, HOLE_LO, HOLE_HI) == 0);
    CHECK_EQ_U64(m.n, 3);                   /* the middle entry changes type only */
    CHECK(entry_is(&m, 1, HOLE_LO, HOLE_HI - HOLE_LO, 2));
    CHECK(entry_is(&m, 2, 0x01a00000, 0x00100000, 1));
}

/* A hole across two adjacent RAM entries splits each; entries are not merged, and
 * non-RAM entries overlapping the hole keep their own type. */
UNIT_TEST(e820_reserve_spans_entries_no_merge)
{
    static const struct hv_e820_entry two[] = {
        { 0x01000000, 0x00900000, 1 }, { 0x01900000, 0x00080000, 4 }, { 0x01980000, 0x00680000, 1 },
    };
    struct hv_e820_map m;
    map_set(&m, two, 3);
    CHECK(hv_e820_reserve(&m, HOLE_LO, HOLE_HI) == 0);
    CHECK_EQ_U64(m.n, 5);
    CHECK(entry_is(&m, 0, 0x01000000, 0x00800000, 1));
    CHECK(entry_is(&m, 1, 0x01800000, 0x00100000, 2));
    CHECK(entry_is(&m, 2, 0x01900000, 0x00080000, 4));      /* NVS stays NVS */
    CHECK(entry_is(&m, 3, 0x01980000, 0x00080000, 2));
    CHECK(entry_is(&m, 4, 0x01a00000, 0x00600000, 1));
}

UNIT_TEST(e820_reserve_overflow_fails)
{
    struct hv_e820_map m = { .n = HV_E820_MAX };
    for (u32 i = 0; i < HV_E820_MAX; i++)
        m.e[i] = (struct hv_e820_entry){ (u64)i << 26, 1ull << 26, 1 };
    CHECK(hv_e820_reserve(&m, HOLE_LO, HOLE_HI) == -1);     /* entry 0 would become 3 */
}

/* The 20-byte ACPI entry is little-endian base, length, type; EBX walks the map
 * and is 0 after the last entry, which is still returned. */
UNIT_TEST(e820_get_walks_to_last)
{
    static const u8 want5[20] = { 0x00, 0x00, 0xfc, 0xff, 0, 0, 0, 0,
                                  0x00, 0x00, 0x04, 0x00, 0, 0, 0, 0, 2, 0, 0, 0 };
    struct hv_e820_map m;
    u8 out[HV_E820_ENTRY_SIZE];
    u32 ebx = 0, calls = 0;
    map_set(&m, rombios32, 6);
    do {
        CHECK(hv_e820_get(&m, &ebx, out) == 0);
        calls++;
    } while (ebx != 0 && calls < 10);
    CHECK_EQ_U64(calls, 6);
    CHECK(memcmp(out, want5, sizeof want5) == 0);
    ebx = 6;
    CHECK(hv_e820_get(&m, &ebx, out) == -1);               /* past the end: CF=1 */
}

UNIT_MAIN()
