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
#include "hv/entry32.inc"

	HV_ENTRY32 0x08
	mov $stack_top, %esp

	/* PAE: PDPT entries carry only P (APM vol 2 5.3.2). */
	HV_IDENTITY_MAP PTE_P

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
