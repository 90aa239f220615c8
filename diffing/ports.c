/*
 * ports: what sits behind an x86 I/O port on the PCs hvtrace records (QEMU's
 * i440FX/PIIX and Q35 machines, Bochs), so that a chain of causes ending at
 * an `in` says which input it was: the clock (the two runs read time, which
 * differs run to run), or which device, or QEMU's fw_cfg, through which the
 * command line (-kernel hv.elf, -initrd, -smbios) reaches the firmware.
 * Sources: the legacy PC map (8254 PIT 40h-43h, port B 61h bit 4 toggling with
 * the PIT's refresh, 8042 60h/64h, MC146818 RTC/CMOS 70h-71h, 8259 PICs,
 * ATA command blocks 1F0h-1F7h/170h-177h with control 3F6h/376h, 16550 COM1
 * 3F8h-3FFh, PCI configuration CF8h/CFCh-CFFh, APM control B2h/B3h);
 * the ACPI PM timer at PM base + 8 (ACPI 6.x 4.8.3.3), which SeaBIOS puts at
 * 600h on both QEMU chipsets (so 608h); QEMU's fw_cfg at 510h-511h and its
 * DMA at 514h (QEMU docs/specs/fw_cfg.txt).  Pure; NULL for a port not known.
 */
#include "diffing/chain.h"

#include <stddef.h>

const char *chain_port_name(unsigned port, int *clock)
{
    static const struct { uint16_t lo, hi; uint8_t clock; const char *what; } map[] = {
        { 0x40, 0x43, 1, "the clock (the 8254 PIT)" },
        { 0x61, 0x61, 1, "the clock (port B: its bit 4 toggles with the PIT)" },
        { 0x608, 0x60b, 1, "the clock (the ACPI PM timer)" },
        { 0x70, 0x71, 0, "a device (the CMOS RTC and its NVRAM)" },
        { 0x510, 0x511, 0, "QEMU's fw_cfg: what QEMU's command line hands the firmware "
                           "(-kernel, -initrd, -smbios, the boot order)" },
        { 0x514, 0x51b, 0, "QEMU's fw_cfg DMA (from its command line: -kernel, -smbios...)" },
        { 0x1f0, 0x1f7, 0, "a device (the IDE disk: it completes on host time)" },
        { 0x3f6, 0x3f6, 0, "a device (the IDE disk: it completes on host time)" },
        { 0x170, 0x177, 0, "a device (the second IDE channel)" },
        { 0x3f8, 0x3ff, 0, "a device (COM1, the 16550 UART)" },
        { 0x60, 0x60, 0, "a device (the 8042 keyboard controller)" },
        { 0x64, 0x64, 0, "a device (the 8042 keyboard controller)" },
        { 0x20, 0x21, 0, "a device (the master 8259 PIC)" },
        { 0xa0, 0xa1, 0, "a device (the slave 8259 PIC)" },
        { 0xcf8, 0xcff, 0, "a device (PCI configuration space)" },
        { 0xb2, 0xb3, 0, "a device (the APM control port: SMIs)" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (port >= map[i].lo && port <= map[i].hi) {
            *clock = map[i].clock;
            return map[i].what;
        }
    *clock = 0;
    return NULL;
}
