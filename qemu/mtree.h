/*
 * mtree: where a device's I/O registers are, read from QEMU's monitor command
 * `info mtree -f` (its flat views: one line per range, absolute addresses,
 * "  0000000000000604-0000000000000605 (prio 0, i/o): acpi-cnt").  Pure text
 * parsing; the caller runs the command.  Used for the ACPI PM1a control
 * register (QEMU names it "acpi-cnt", hw/acpi/core.c), which the firmware
 * places (SeaBIOS: PM base 0x600, so 0x604) and a power-off writes.
 */
#ifndef HVT_QEMU_MTREE_H
#define HVT_QEMU_MTREE_H

#include <stdint.h>

#define QEMU_MTREE_ACPI_CNT "acpi-cnt"

/* The first i/o range named exactly `name` in text: 0 and [*lo, *hi], or -1. */
int qemu_mtree_io_range(const char *text, const char *name, uint64_t *lo, uint64_t *hi);

#endif
