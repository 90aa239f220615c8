/*
 * offspin: requests the ACPI power-off (SLP_EN, SLP_TYP 0 = QEMU's S5, to
 * PM1a_CNT at 0x604, where SeaBIOS puts the PIIX4 PM base 0x600 + 4: ACPI 6.4
 * 4.8.3.2.1) and then keeps running: a `loop` of OFFSPIN_N iterations, then
 * `cli; hlt`.  How many of those QEMU's vCPU runs before its main loop pauses
 * the VM depends on host threads; hvtrace's rule ends the trace with the
 * `out` at symbol off_out (tests/integration/endings.sh checks it against
 * this source and QEMU's own exec log).
 */
	.include "guest.inc"
	.set OFFSPIN_N, 2000

	GUEST_START offspin
	PRINTLN "OFFSPIN"
	mov $0x604, %dx
	mov $0x2000, %ax
	.globl off_out
off_out:
	out %ax, %dx
	mov $OFFSPIN_N, %cx
spin:
	loop spin
	cli
	hlt
	GUEST_LIB
	BOOT_SIGNATURE
