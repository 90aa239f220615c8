/* bxirqpm: bxirq.S in 32-bit protected mode, the truth for the Bochs engine's
 * trace around protected-mode interrupts (tests/integration/bochs_irq.sh).
 *
 * It loads a flat GDT (code 08h, data 10h) and an IDT whose gate 20h is a
 * 32-bit interrupt gate to irq0, sets CR0.PE and far-jumps to 32-bit code
 * (SDM vol 3 9.9.1; the IDT's base is gate 20h's address - 100h: only
 * that gate lies in the sector, the others are never used), remaps the master PIC to base 20h (ICW1 11h, ICW2 20h,
 * ICW3 04h, ICW4 01h; 8259A datasheet) with every IRQ but IRQ0 masked, runs
 * PIT channel 0 in mode 2 with divisor 1000, and waits with IF=1 until irq0
 * ran 3 times, counting its wait-loop passes.  irq0 is exactly 6 instructions
 * (incl; push; mov; out 20h; pop; iret), so from _start through the `cli` at
 * `done` the CPU executes PREFIX + 3 * LOOPS + 6 * IRQS + 1 instructions
 * (PREFIX: those from _start to wait, plus ser_init's; SDM vol 3 6.12.1: an
 * interrupt gate pushes EFLAGS, CS, EIP on the same stack at the same
 * privilege level and clears IF).
 * Serial: "IRQS=xxxxxxxx LOOPS=xxxxxxxx" (hex), "DONE". */
	.include "lib.inc"
	START
	.globl irq0, irq0_end, wait, done, irqs, loops, pm32
	lgdt gdtr
	mov %cr0, %eax
	inc %ax				/* PE (clear in real mode) */
	mov %eax, %cr0
	ljmp $0x08, $pm32
	.code32
pm32:
	lidt idtr
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7c00, %esp
	mov $0x11, %al
	out %al, $0x20
	mov $0x20, %al
	out %al, $0x21
	mov $0x04, %al
	out %al, $0x21
	mov $0x01, %al
	out %al, $0x21
	IRQ0_ONLY 1000
	sti
wait:
	incl loops
	cmpl $3, irqs
	jb wait
done:
	cli
	mov $s_irqs, %esi
	call puts32
	mov irqs, %eax
	call hex32p
	mov $s_loops, %esi
	call puts32
	mov loops, %eax
	call hex32p
	mov $s_done, %esi
	call puts32
1:	hlt
	jmp 1b

irq0:
	incl irqs
	push %eax
	mov $0x20, %al
	out %al, $0x20
	pop %eax
	iret
irq0_end:

	LIB32
hex32p:				/* EAX as 8 hex digits */
	mov $8, %ecx
4:	rol $4, %eax
	push %eax
	and $15, %al
	add $'0', %al
	cmp $'9', %al
	jbe 5f
	add $'a'-'9'-1, %al
5:	call putc32
	pop %eax
	loop 4b
	ret

	.p2align 3
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 08h: code, base 0, 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff	/* 10h: data, base 0, 4 GiB */
gate20:	.word irq0, 0x08, 0x8e00, 0	/* IDT entry 20h: 32-bit interrupt gate, DPL 0 */
gdtr:	.word gate20 - gdt - 1
	.long gdt
idtr:	.word 0x20 * 8 + 7		/* the IDT ends at gate 20h; entries 0-1fh (the */
	.long gate20 - 0x20 * 8		/* bytes before it) are never used */
irqs:	.long 0
loops:	.long 0
s_irqs:	.asciz "IRQS="
s_loops: .asciz " LOOPS="
s_done:	.byte 13, 10
	.asciz "DONE\r\n"
	.code16
	LIB
	SIG
