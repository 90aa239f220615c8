/* int3: breakpoint instructions, one-byte `int3` (cc) and two-byte `int $3` (cd 03),
 * handled by the guest's own IVT[3] handler in real mode.
 *
 * Expected (Intel SDM vol 3A 6.15 "Interrupt 3—Breakpoint Exception (#BP)": a trap,
 * the saved CS:IP points to the instruction after the INT3; SDM vol 2A INT n/INTO/INT3:
 * in real mode INT pushes FLAGS, CS, IP and clears IF and TF; IRET pops them):
 *   after `int3` at bp1 (1 byte): the handler sees return IP = bp1+1
 *   after `int $3` at bp2 (2 bytes): return IP = bp2+2
 *   the handler runs with IF=0 though the caller had IF=1; FLAGS restored after.
 *   The step after each breakpoint instruction is the handler's first, h3, as a CPU
 *   single-stepping with TF would see it (the INT's own trap is after delivery).
 * Serial: "INT3 R1=<bp1+1> R2=<bp2+2> N=0002 IFH=0 IF=1" (hex) */
	.include "lib.inc"
	START
	.globl bp1, bp2, h3
	movw $h3, 3*4
	movw $0, 3*4+2
	sti
bp1:	int3
bp2:	.byte 0xcd, 0x03		/* int $3: gas would emit cc */
	pushf
	pop %bp
	cli
	SAY "INT3 R1="
	mov r1, %ax
	call hex16
	SAY " R2="
	mov r2, %ax
	call hex16
	SAY " N="
	mov n3, %ax
	call hex16
	SAY " IFH="
	mov ifh, %al
	add $'0', %al
	call putc
	SAY_FLAG " IF=", 9
	call crlf
	HALT
h3:	push %bp
	mov %sp, %bp
	push %ax
	mov 2(%bp), %ax		/* the return IP the INT pushed */
	cmpw $0, n3
	jne 1f
	mov %ax, r1
	jmp 2f
1:	mov %ax, r2
2:	incw n3
	pushf
	pop %ax
	shr $9, %ax
	and $1, %al
	mov %al, ifh
	pop %ax
	pop %bp
	iret
r1:	.word 0
r2:	.word 0
n3:	.word 0
ifh:	.byte 9
	LIB
	SIG
