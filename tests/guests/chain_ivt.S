/*
 * chain_ivt: a planted cause for `hvtrace diff`'s chain (issue 10).  The
 * guest reads IVT vector 15h's segment (linear 0x56) and branches on it.
 * Without hv it is SeaBIOS's F000; under hv it is 0040 (hv's int 15h hook,
 * written before 0000:7c00).  The chain must end at the IVT entry, not
 * written by any step of the trace, with the load at `planted`.
 */
	.include "guest.inc"
	GUEST_START chain_ivt
	.globl planted
planted:
	mov 0x56, %ax
	cmp $0xf000, %ax
	je 1f
	PRINTLN "int 15h is hooked"
	jmp 2f
1:	PRINTLN "int 15h is the BIOS's"
2:	GUEST_DONE chain_ivt
	GUEST_LIB
	BOOT_SIGNATURE
