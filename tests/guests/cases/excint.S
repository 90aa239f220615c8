/* excint: exceptions raised inside an interrupt handler (real mode).
 *
 * int 60h's handler divides by zero (#DE, vector 0) and executes ud2 (#UD, vector
 * 6); the guest's own handlers for both note the saved IP, step it over the faulting
 * instruction (2 bytes each) and IRET back into int 60h's handler, which returns.
 * Expected (Intel SDM vol 3A 6.15: #DE and #UD are faults, the saved CS:IP points to
 * the faulting instruction; 6.5 "faults ... the return address points to the
 * faulting instruction"; real mode delivers through the IVT, SDM vol 3A 20.1.4):
 *   #DE saved IP = de_at, #UD saved IP = ud_at, both inside int 60h's handler;
 *   the division did not change AX/DX (a fault leaves the state before it);
 *   int 60h then returns to after the `int $0x60`, SP as before.
 *   Stepping: the step after the faulting div is the #DE handler's first (hde),
 *   after ud2 the #UD handler's first (hud): the faulting instruction is one step.
 * Serial: "EXC DE=<de_at> UD=<ud_at> AX=1234 DX=0000 SP=7c00" (hex) */
	.include "lib.inc"
	START
	.globl h60, de_at, ud_at, hde, hud
	movw $h60, 0x60*4
	movw $hde, 0*4
	movw $hud, 6*4
	xor %ax, %ax
	mov %ax, 0x60*4+2
	mov %ax, 0*4+2
	mov %ax, 6*4+2
	int $0x60
	SAY "EXC DE="
	mov sde, %ax
	call hex16
	SAY " UD="
	mov sud, %ax
	call hex16
	SAY " AX="
	mov rax_, %ax
	call hex16
	SAY " DX="
	mov rdx_, %ax
	call hex16
	SAY " SP="
	mov %sp, %ax
	call hex16
	call crlf
	HALT
h60:	mov $0x1234, %ax
	xor %dx, %dx
	xor %bx, %bx
de_at:	div %bx
	mov %ax, rax_
	mov %dx, rdx_
ud_at:	ud2
	iret
hde:	push %bp
	mov %sp, %bp
	push %ax
	mov 2(%bp), %ax
	mov %ax, sde
	addw $2, 2(%bp)		/* div %bx is 2 bytes (f7 f3) */
	pop %ax
	pop %bp
	iret
hud:	push %bp
	mov %sp, %bp
	push %ax
	mov 2(%bp), %ax
	mov %ax, sud
	addw $2, 2(%bp)		/* ud2 is 2 bytes (0f 0b) */
	pop %ax
	pop %bp
	iret
sde:	.word 0
sud:	.word 0
rax_:	.word 0
rdx_:	.word 0
	LIB
	SIG
