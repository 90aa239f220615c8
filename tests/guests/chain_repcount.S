/*
 * chain_repcount: a planted cause for `hvtrace diff`'s chain (issue 10): a
 * rep string instruction whose count differs.  The count comes from IVT
 * vector 15h's offset (linear 0x54), kept to its low 6 bits: SeaBIOS's f859
 * gives 0x19 stores, hv's hook 00ac gives 0x2c (FACTS.md).  The runs part
 * inside the `rep stosb` at `planted`, where one run's CX runs out; the
 * chain must go through CX to the load at `load` and end at the IVT entry,
 * which no step wrote.
 */
	.include "guest.inc"
	GUEST_START chain_repcount
	.globl load, planted
load:
	mov 0x54, %cx
	and $0x3f, %cx
	mov $0x600, %di
	mov $0x5a, %al
planted:
	rep stosb
	mov %di, %ax
	PRINT "STORED TO "
	call print_hex16
	PRINTLN ""
	GUEST_DONE chain_repcount
	GUEST_LIB
	BOOT_SIGNATURE
