/* nested: interrupts inside interrupt handlers, software and hardware.
 *
 * int 60h's handler calls int 61h, whose handler calls int 62h (software, nested 3
 * deep); then int 63h's handler sets IF=1 and waits for the timer: IRQ0 (vector 08h,
 * the PIC's base as SeaBIOS programs it) is taken inside int 63h's handler.  The
 * guest replaces IVT[08h] with its own handler (counts, sends EOI to the PIC).
 * The PIT runs channel 0 in mode 2 with divisor 200 (1.193182 MHz / 200, ~6 kHz), so
 * the tick comes within a few thousand instructions.
 * Expected (Intel SDM vol 2A INT n: real mode pushes FLAGS, CS, IP, clears IF; IRET
 * restores them; SDM vol 3A 6.8.1: maskable interrupts are taken when IF=1, also
 * inside a handler; 8259A datasheet: non-specific EOI = 20h to port 20h; 8254
 * datasheet: mode 2 rate generator, control word 34h):
 *   order of entries/exits: 60> 61> 62> <62 <61 <60, SP back to its value before
 *   the timer interrupt is taken inside int 63h's handler (IRQ0 return CS:IP inside
 *   the handler's wait loop, h63_wait..h63_done), the handler then returns normally
 * Serial: "NEST 60>61>62><62<61<60 SP=7c00" and "IRQ-IN-63 OK T=1" */
	.include "lib.inc"
	START
	.globl h60, h61, h62, h63, h63_wait, h63_done, irq0
	movw $h60, 0x60*4
	movw $h61, 0x61*4
	movw $h62, 0x62*4
	movw $h63, 0x63*4
	movw $irq0, 0x08*4
	xor %ax, %ax
	mov %ax, 0x60*4+2
	mov %ax, 0x61*4+2
	mov %ax, 0x62*4+2
	mov %ax, 0x63*4+2
	mov %ax, 0x08*4+2
	mov $0x34, %al		/* channel 0, lobyte/hibyte, mode 2 */
	out %al, $0x43
	mov $200, %al
	out %al, $0x40
	xor %al, %al
	out %al, $0x40
	SAY "NEST "
	int $0x60
	SAY " SP="
	mov %sp, %ax
	call hex16
	call crlf
	int $0x63
	SAY "IRQ-IN-63 "
	mov inwait, %al
	cmp $1, %al
	jne 1f
	SAY "OK"
	jmp 2f
1:	SAY "BAD"
2:	SAY " T="
	mov ticks, %al
	add $'0', %al
	call putc
	call crlf
	HALT
h60:	SAY "60>"
	int $0x61
	SAY "<60"
	iret
h61:	SAY "61>"
	int $0x62
	SAY "<61"
	iret
h62:	SAY "62><62"
	iret
h63:	sti
h63_wait:
	cmpb $0, ticks
	je h63_wait
h63_done:
	cli
	iret
irq0:	push %bp
	mov %sp, %bp
	push %ax
	cmpb $0, ticks
	jne 1f
	mov 2(%bp), %ax		/* interrupted IP */
	cmp $h63_wait, %ax
	jb 1f
	cmp $h63_done, %ax
	ja 1f
	movb $1, inwait
1:	incb ticks
	mov $0x20, %al
	out %al, $0x20
	pop %ax
	pop %bp
	iret
ticks:	.byte 0
inwait:	.byte 0
	LIB
	SIG
