/*
 * chain_stack: a planted cause for the chain of causes (issue 10): a value
 * reaches the branch through the stack.  IVT vector 15h's segment (F000
 * without hv, 0040 under hv's hook) is pushed at `planted`, a subroutine
 * pushes and pops other values above it, and it is popped into BX and
 * compared.  The chain must pass through the pop and the push at `planted`.
 */
	.include "guest.inc"
	GUEST_START chain_stack
	mov 0x56, %ax
	.globl planted
planted:
	push %ax
	call busy
	pop %bx
	cmp $0xf000, %bx
	je 1f
	PRINTLN "popped a hooked vector"
	jmp 2f
1:	PRINTLN "popped the BIOS's vector"
2:	GUEST_DONE chain_stack
busy:
	push %cx
	mov $5, %cx
	push %cx
	pop %cx
	pop %cx
	ret
	GUEST_LIB
	BOOT_SIGNATURE
