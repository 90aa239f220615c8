/*
 * entry_x86_64: the multiboot entry of the x86_64 host build.
 *
 * Multiboot v1 starts a 32-bit image (EAX = 0x2BADB002, EBX = information block,
 * paging off), so this entry is 32-bit code that switches to long mode itself,
 * like XMHF's x86_64 build: own GDT, zero .bss, identity-map the first 4 GiB with
 * 2 MiB pages in 4-level tables, CR4.PAE, EFER.LME, CR0.PG, then a far jump into
 * 64-bit code that calls hv_main(magic, mbi).  Long mode is what lets SVM use
 * 4-level nested page tables (a 4-level NPT under a PAE host hangs QEMU TCG,
 * FACTS.md).  The image is linked as x86-64 and converted to ELF32 (hv/module.mk)
 * because QEMU's -kernel refuses ELF64 multiboot images.
 * It does not set up an IDT: hv runs with interrupts off and takes no exceptions.
 */
#include "hv/multiboot.h"
#include "hv/entry32.inc"
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100

	HV_ENTRY32 0x18

	HV_IDENTITY_MAP PTE_P + PTE_RW
	movl $(host_pdpt + PTE_P + PTE_RW), host_pml4

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $host_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	ljmp $0x08, $4f

	.code64
4:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $stack_top, %rsp
	mov %ebp, %edi
	mov %esi, %esi                  /* zero-extends: hv_main(u32 magic, u32 mbi) */
	call hv_main
5:	cli
	hlt
	jmp 5b

	.section .rodata
	.align 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: flat data */
	.quad 0x00cf9a000000ffff        /* 0x18: flat 32-bit code, until long mode */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.align 4096
host_pml4:
	.space 4096
host_pdpt:
	.space 4096
host_pd:
	.space 4 * 4096
	.align 16
stack:
	.space STACK_SIZE
stack_top:
