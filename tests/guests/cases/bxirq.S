/* bxirq: a tiny guest that takes a few timer interrupts in its own handler, the
 * truth for the Bochs engine's trace around interrupts (tests/integration/bochs_irq.sh).
 *
 * It replaces IVT[08h] (IRQ0 at the PIC base the BIOS programs: 08h) with irq0,
 * masks every other IRQ at the master PIC (OCW1 = FEh to port 21h), runs PIT
 * channel 0 in mode 2 with divisor 1000 (control word 34h; 8254 datasheet), then
 * waits with IF=1 until irq0 ran 3 times, counting its own wait-loop passes.
 * irq0 is exactly 6 instructions (incw; push; mov; out 20h = non-specific EOI,
 * 8259A datasheet; pop; iret), so by construction, from _start (0000:7c00)
 * through the `cli` at `done`, the CPU executes
 *     PREFIX + 3 * LOOPS + 6 * IRQS + 1      instructions,
 * PREFIX being the straight-line instructions before `wait` (those from _start
 * to wait plus ser_init's, which START calls: the test counts them in the
 * disassembly), each
 * wait-loop pass 3 (incw; cmpw; jb), each interrupt irq0's 6 (SDM vol 3 6.8.1:
 * taken between instructions; 20.1.4: real mode pushes FLAGS, CS, IP).
 * Serial: "IRQS=xxxx LOOPS=xxxx" (hex, the counts read after the cli), "DONE". */
	.include "lib.inc"
	START
	.globl irq0, irq0_end, wait, done, irqs, loops
	movw $irq0, 0x08*4
	movw $0, 0x08*4+2
	movw $0, irqs
	movw $0, loops
	IRQ0_ONLY 1000
	sti
wait:
	incw loops
	cmpw $3, irqs
	jb wait
done:
	cli
	SAY "IRQS="
	mov irqs, %ax
	call hex16
	SAY " LOOPS="
	mov loops, %ax
	call hex16
	call crlf
	SAYLN "DONE"
	HALT

irq0:
	incw %cs:irqs
	push %ax
	mov $0x20, %al
	out %al, $0x20
	pop %ax
	iret
irq0_end:

	.p2align 1
irqs:	.word 0
loops:	.word 0
	LIB
	SIG
