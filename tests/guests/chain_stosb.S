/*
 * chain_stosb: a planted cause for the chain of causes (issue 10): a flag
 * set by a `rep stosb` that overwrote a variable.  The variable at 0x648 is
 * set to 1; the `rep stosb` at `planted` clears 16 bytes starting at 0x600
 * plus (IVT vector 15h's segment & 0x7f): 0x600 without hv (F000), 0x640
 * under hv's hook (0040), so only under hv does it cover 0x648.  Both runs
 * execute the same steps up to the branch on the variable; under hv the
 * chain must name the rep stosb iteration that stored into 0x648.
 */
	.include "guest.inc"
	.set VAR, 0x648
	GUEST_START chain_stosb
	movb $1, VAR
	mov 0x56, %di
	and $0x7f, %di
	add $0x600, %di
	mov $16, %cx
	xor %al, %al
	.globl planted
planted:
	rep stosb
	cmpb $0, VAR
	je 1f
	PRINTLN "variable intact"
	jmp 2f
1:	PRINTLN "variable overwritten"
2:	GUEST_DONE chain_stosb
	GUEST_LIB
	BOOT_SIGNATURE
