/*
 * entry_i386: the multiboot entry of the i386 host build.
 *
 * The loader leaves us in 32-bit protected mode, paging off, EAX = 0x2BADB002,
 * EBX = the information block (Multiboot spec 3.2); its GDT may live in memory the
 * guest will reuse, so hv loads its own.  This file then zeroes .bss, turns on PAE
 * paging with an identity map of the first 4 GiB (2 MiB pages) and calls
 * hv_main(magic, mbi).  PAE paging is not optional: under QEMU TCG nested page
 * tables take effect only when the host pages with PAE (FACTS.md), and SVM's
 * nested tables then use the same 3-level format (APM vol 2 15.25.3).
 * It does not set up an IDT: hv runs with interrupts off and takes no exceptions.
 */
#include "hv/multiboot.h"

#define PTE_P    0x001
#define PTE_RW   0x002
#define PTE_PS   0x080
#define CR0_PG   0x80000000
#define CR4_PAE  0x00000020
#define STACK_SIZE 16384

	.section .multiboot, "a"
	.align 4
	.long HV_MB_HEADER_MAGIC, HV_MB_HEADER_FLAGS, -(HV_MB_HEADER_MAGIC + HV_MB_HEADER_FLAGS)

	.text
	.code32
	.globl hv_entry
hv_entry:
	cli
	mov %eax, %ebp                  /* multiboot magic */
	mov %ebx, %esi                  /* information block */
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $hv_bss_start, %edi         /* zero .bss: the loader need not */
	mov $hv_bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl
	mov $stack_top, %esp

	/* 2048 page-directory entries, 2 MiB each: 4 GiB identity. */
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_P | PTE_RW | PTE_PS), %eax
	mov %eax, host_pd(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jb 2b
	/* 4 PDPT entries; in PAE mode they carry only P (APM vol 2 5.3.2). */
	xor %ecx, %ecx
3:	mov %ecx, %eax
	shl $12, %eax
	add $(host_pd + PTE_P), %eax
	mov %eax, host_pdpt(, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jb 3b

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $host_pdpt, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0

	push %esi
	push %ebp
	call hv_main
4:	cli
	hlt
	jmp 4b

	.section .rodata
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: flat data */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.align 4096
host_pd:
	.space 4 * 4096
host_pdpt:
	.space 4096
	.align 16
stack:
	.space STACK_SIZE
stack_top:
