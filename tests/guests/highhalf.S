/*
 * highhalf: 64-bit code at a kernel-style address.  Real mode -> protected
 * mode -> long mode (Intel SDM vol 3A 9.8.5: PAE, LME, then PG), the low 2 MiB
 * mapped twice with one large page: identity, and at 0xffffffff80000000 (PML4
 * entry 511, PDPT entry 510, as Linux maps its kernel).  It jumps to its own
 * code through the high mapping, sends '6' '4' and '\n' to COM1 from there and
 * leaves QEMU through isa-debug-exit.  Needs qemu-system-x86_64.
 * Expected: serial "64"; the instructions at `high` run at RIP
 * 0xffffffff80000000 + high (from the ELF's symbol table).
 * The 64-bit instructions are written as bytes (SDM vol 2, opcode map), since
 * the test guests are assembled with `as --32`.
 */
	.code16
	.globl _start, high
_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7c00, %sp
	lgdt gdtr
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmp $0x08, $pm32
	.code32
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	/* PML4 0x1000, PDPT 0x2000 (low) and 0x4000 (high), PD 0x3000; RAM is zero */
	movl $0x2003, 0x1000
	movl $0x4003, 0x1000 + 511 * 8
	movl $0x3003, 0x2000
	movl $0x3003, 0x4000 + 510 * 8
	movl $0x83, 0x3000
	mov %cr4, %eax
	or $0x20, %eax                  /* PAE */
	mov %eax, %cr4
	mov $0x1000, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx           /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	ljmp $0x18, $lm64
lm64:
	.byte 0x48, 0xb8                /* movabs $0xffffffff80000000 + high, %rax */
	.long high + 0x80000000, 0xffffffff
	.byte 0xff, 0xe0                /* jmp *%rax */
high:
	.byte 0x66, 0xba, 0xf8, 0x03    /* mov $0x3f8, %dx */
	.byte 0xb0, '6', 0xee           /* mov $'6', %al; out %al, %dx */
	.byte 0xb0, '4', 0xee
	.byte 0xb0, 0x0a, 0xee
	.byte 0xb0, 0x20, 0xe6, 0xf4    /* mov $0x20, %al; out %al, $0xf4 */
	.byte 0xf4                      /* hlt */
	.p2align 3
gdt:	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08 flat 32-bit code */
	.quad 0x00cf92000000ffff        /* 0x10 flat data */
	.quad 0x00af9a000000ffff        /* 0x18 64-bit code */
gdtr:	.word gdtr - gdt - 1
	.long gdt
	.org 510
	.word 0xaa55
