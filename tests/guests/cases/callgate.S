/* callgate: far calls through call gates in protected mode (same privilege).
 *
 * GDT: 08h 32-bit code (base 0), 10h data (base 0), 18h a 32-bit call gate to
 * 08h:g32, 20h 16-bit code (base 0), 28h a 16-bit call gate to 20h:g16.  From
 * 32-bit code `lcall $0x18, $0` (the offset is ignored) enters g32; from 16-bit
 * protected-mode code `lcall $0x28, $0` enters g16.
 * Expected (Intel SDM vol 3A 5.8.3 "Call Gates", 5.8.4 "Accessing a Code Segment
 * Through a Call Gate", 5.8.5 same-privilege call: CS:EIP come from the gate, the
 * offset in the call instruction is ignored, the caller's CS and EIP (next
 * instruction) are pushed, 4 bytes each for a 32-bit gate, 2 each for a 16-bit gate;
 * lret returns to them):
 *   in g32: CS = 0008, return address on the stack = ret32 (after the lcall),
 *           pushed CS = 0008, ESP dropped by 8
 *   in g16: CS = 0020, return IP = ret16, pushed CS = 0020, SP dropped by 4
 * Serial (from 32-bit code, one line, 8 hex digits each): "GATE32 CS=00000008
 *   RET=<ret32> RCS=00000008 D=00000008 GATE16 CS=00000020 RET=<ret16> RCS=00000020
 *   D=00000004" */
	.include "lib.inc"
	.code16
	.text
	.globl _start, pm32, g32, ret32, pm16, g16, ret16
_start:	cli			/* no START: its serial set-up does not fit; QEMU's */
	xor %ax, %ax		/* UART needs none */
	mov %ax, %ds
	lgdt gdtr
	mov %cr0, %eax
	or $1, %al
	mov %eax, %cr0
	ljmpl $0x08, $pm32
	.code32
pm32:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %esp
	mov %esp, %ebp
	lcall $0x18, $0x12345678
ret32:	ljmp $0x20, $pm16
	.code16
pm16:	mov %sp, %bp
	lcall $0x28, $0x1234
ret16:	ljmpl $0x08, $pr
	.code32
/* print the table: for each entry its string, then its value as 8 hex digits */
pr:	mov $table, %ebx
5:	mov (%ebx), %esi
	test %esi, %esi
	jz 1f
	call puts32
	mov 4(%ebx), %esi
	mov (%esi), %eax
	mov $8, %ecx
hx:	rol $4, %eax
	push %eax
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 4f
	add $'a'-'9'-1, %al
4:	call putc32
	pop %eax
	loop hx
	add $8, %ebx
	jmp 5b
1:	mov $crlf32, %esi
	call puts32
2:	cli
	hlt
	jmp 2b
g32:	mov %cs, %eax
	mov %eax, s32cs
	mov (%esp), %eax
	mov %eax, s32ret
	mov 4(%esp), %eax
	mov %eax, s32rcs
	mov %ebp, %eax
	sub %esp, %eax
	mov %eax, s32d
	lret
	LIB32
	.code16
g16:	mov %cs, %ax
	movzwl %ax, %eax
	mov %eax, s16cs
	mov %sp, %bx
	mov (%bx), %ax
	mov %ax, s16ret
	mov 2(%bx), %ax
	mov %ax, s16rcs
	mov %bp, %ax
	sub %sp, %ax
	movzwl %ax, %eax
	mov %eax, s16d
	lret
m32:	.asciz "GATE32 CS="
m16:	.asciz " GATE16 CS="
mret:	.asciz " RET="
mrcs:	.asciz " RCS="
md:	.asciz " D="
crlf32:	.byte 13, 10, 0
	.p2align 2
s32cs:	.long 0
s32ret:	.long 0
s32rcs:	.long 0
s32d:	.long 0
s16cs:	.long 0
s16d:	.long 0
s16ret:	.long 0
s16rcs:	.long 0
table:	.long m32, s32cs, mret, s32ret, mrcs, s32rcs, md, s32d
	.long m16, s16cs, mret, s16ret, mrcs, s16rcs, md, s16d, 0
	.p2align 3
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 08h: code32, base 0, 4 GiB */
	.quad 0x00cf92000000ffff	/* 10h: data, base 0, 4 GiB */
	/* 18h: 32-bit call gate (type 0ch, P, DPL 0) to 08h:g32, 0 parameters */
	.word g32, 0x08, 0x8c00, 0
	.quad 0x00009a000000ffff	/* 20h: code16, base 0, 64 KiB */
	/* 28h: 16-bit call gate (type 04h) to 20h:g16 */
	.word g16, 0x20, 0x8400, 0
gdtr:	.word gdtr - gdt - 1
	.long gdt
	SIG
