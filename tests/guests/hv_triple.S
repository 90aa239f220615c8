/*
 * hv_triple: triple-faults on purpose, the way the seed's guest died: it loads an
 * IDTR with limit 0 (real mode: an IVT too short for any vector) and executes
 * int3.  Vector 3 is outside the limit, so the CPU raises #GP, which is outside
 * too, then #DF, then shuts down (Intel SDM vol 3 20.1.4, 6.15 "Double Fault").
 * Prints "TRIPLE at <linear address of the int3>" first, so a test can compare
 * hv's CS:EIP dump with the guest's own view.  IDTR base 0x12340 is distinctive.
 */
	.include "guest.inc"
	GUEST_START hv_triple
	PRINT "TRIPLE at "
	mov $triple_here, %eax
	call print_hex32
	PRINTLN ""
	lidt triple_idt
triple_here:
	int3
	GUEST_DONE hv_triple, HVT_EXIT_FAIL

triple_idt:
	.word 0
	.long 0x00012340
	GUEST_LIB
	BOOT_SIGNATURE
