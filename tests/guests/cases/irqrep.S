/* irqrep: a timer interrupt arriving in the middle of a rep string instruction.
 *
 * The guest programs PIT channel 0 (mode 2, divisor 100: ~12 kHz) and takes IRQ0
 * through its own IVT[08h] handler (counts, notes the interrupted IP, EOI), sets
 * IF=1 and runs `rep stosb` with CX=6000 over 9000h:0000.  (A nop separates sti
 * from the rep: directly after sti, QEMU 7.2 TCG took no interrupt during the whole
 * rep, the STI shadow (SDM vol 2B STI: one instruction) lasting all its iterations.)
 * Expected (Intel SDM vol 2B REP: "a repeating string operation can be suspended by
 * an exception or interrupt"; the saved CS:IP points to the rep instruction with
 * CX/DI updated for the iterations done, and after IRET it resumes with the
 * remaining count; 8254/8259A datasheets for the PIT and EOI):
 *   at least one IRQ0 taken with the interrupted IP = rep_s (INREP >= 1); after the
 *   rep CX=0, DI=6000 (1770h), every byte of the 6000 stored exactly once (SUM of
 *   the buffer = 6000 * 5Ah = 83D60h)
 *   A CPU single-stepping counts one step per iteration: 6000 steps at rep_s, plus
 *   one per interrupt taken there (the rep resumes at the same IP).
 * Serial: "IRQREP INREP=<n> T=<t> CX=0000 DI=1770 SUM=00083d60" with 1 <= n <= t
 * (T: IRQ0s taken up to the cli after the rep) */
	.include "lib.inc"
	START
	.globl rep_s, rep_next, irq0
	movw $irq0, 0x08*4
	movw $0, 0x08*4+2
	mov $0x34, %al
	out %al, $0x43
	mov $100, %al
	out %al, $0x40
	xor %al, %al
	out %al, $0x40
	mov $0x9000, %ax
	mov %ax, %es
	xor %di, %di
	mov $6000, %cx
	mov $0x5a, %al
	sti
	nop			/* out of STI's shadow (SDM vol 2B STI): see the header */
rep_s:	rep stosb
rep_next:
	cli
	mov %cx, cxs
	mov %di, dis
	/* sum the buffer */
	push %ds
	mov $0x9000, %ax
	mov %ax, %ds
	xor %si, %si
	xor %ebx, %ebx
	mov $6000, %cx
	xor %eax, %eax
1:	lodsb
	add %eax, %ebx
	loop 1b
	pop %ds
	xor %ax, %ax
	mov %ax, %es
	SAY "IRQREP INREP="
	mov inrep, %ax
	call hex16
	SAY " T="
	mov ticks, %ax
	call hex16
	SAY " CX="
	mov cxs, %ax
	call hex16
	SAY " DI="
	mov dis, %ax
	call hex16
	SAY " SUM="
	mov %ebx, %eax
	call hex32
	call crlf
	HALT
irq0:	push %bp
	mov %sp, %bp
	push %ax
	incw ticks
	cmpw $rep_s, 2(%bp)
	jne 1f
	incw inrep
1:	mov $0x20, %al
	out %al, $0x20
	pop %ax
	pop %bp
	iret
inrep:	.word 0
ticks:	.word 0
cxs:	.word 0
dis:	.word 0
	LIB
	SIG
