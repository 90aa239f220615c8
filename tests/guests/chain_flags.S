/*
 * chain_flags: EFLAGS whose flags come from different instructions, for
 * `hvtrace why RUN STEP eflags` (issue 10).  Each flag keeps what the last
 * instruction that affects it left (Intel SDM vol 1, 3.4.3): `stc` at
 * planted_stc sets CF, `inc` at planted_inc then writes OF SF ZF AF PF and
 * leaves CF alone (SDM vol 2, INC, "Flags Affected"), `std` at planted_std
 * sets DF, the entry's `cli` (_start) clears IF, and nothing writes TF.  At
 * flags_here the guest pushes EFLAGS and prints them:
 *   FLAGS=xxxx
 * the truth the test compares each flag's value against.
 */
	.include "guest.inc"
	GUEST_START chain_flags
	.globl planted_std, planted_stc, planted_inc, flags_here
planted_std:
	std
	xor %ax, %ax
planted_stc:
	stc
	mov $0x7fff, %ax
planted_inc:
	inc %ax
flags_here:
	pushf
	cld
	pop %ax
	PRINT "FLAGS="
	call print_hex16
	PRINTLN ""
	GUEST_DONE chain_flags
	GUEST_LIB
	BOOT_SIGNATURE
