/*
 * test_mtree: finding PM1a_CNT ("acpi-cnt") in QEMU 7.2's own `info mtree -f`
 * output (tests/unit/data/mtree/README says how it was captured).  Truth:
 * SeaBIOS sets the PIIX4 PM base to 0x600 and PM1a_CNT is at base + 4 (ACPI
 * FADT PM1a_CNT_BLK; poweroff.asm writes there); at reset the PM I/O space is
 * not enabled, so there is no such range.
 */
#include "qemu/mtree.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

UNIT_TEST(acpi_cnt_after_seabios)
{
    size_t len;
    char *t = unit_read_fixture("mtree", "pc-booted.txt", &len);
    uint64_t lo = 0, hi = 0;
    CHECK(t != NULL);
    CHECK(qemu_mtree_io_range(t, QEMU_MTREE_ACPI_CNT, &lo, &hi) == 0);
    CHECK_EQ_U64(lo, 0x604);
    CHECK_EQ_U64(hi, 0x605);
    CHECK(qemu_mtree_io_range(t, "acpi-tmr", &lo, &hi) == 0);
    CHECK_EQ_U64(lo, 0x608);
    free(t);
}

UNIT_TEST(no_acpi_cnt_at_reset)
{
    size_t len;
    char *t = unit_read_fixture("mtree", "pc-reset.txt", &len);
    uint64_t lo, hi;
    CHECK(t != NULL);
    CHECK(qemu_mtree_io_range(t, QEMU_MTREE_ACPI_CNT, &lo, &hi) == -1);
    free(t);
}

/* Exact names, i/o only: an alias, a longer name or a RAM range is not it. */
UNIT_TEST(exact_io_names_only)
{
    uint64_t lo, hi;
    CHECK(qemu_mtree_io_range("  0000000000000604-0000000000000605 (prio 0, i/o): acpi-cnt2\n"
                              "  0000000000000700-0000000000000701 (prio 0, i/o): acpi-cnt @0000000000000004\n"
                              "  0000000000000800-0000000000000801 (prio 0, ram): acpi-cnt\n",
                              QEMU_MTREE_ACPI_CNT, &lo, &hi) == -1);
    CHECK(qemu_mtree_io_range("x\r\n  00000000000000b2-00000000000000b3 (prio 0, i/o): acpi-cnt\r\n",
                              QEMU_MTREE_ACPI_CNT, &lo, &hi) == 0);
    CHECK_EQ_U64(lo, 0xb2);
    CHECK(qemu_mtree_io_range("", QEMU_MTREE_ACPI_CNT, &lo, &hi) == -1);
}

UNIT_MAIN()
