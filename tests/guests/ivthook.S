/*
 * ivthook: hooks int 15h the way GRUB and XMHF do, with one 32-bit store of
 * 0000:hook15 into IVT entry 0x15 (linear 0x54) at `hook_write`, then ends.
 * The ivt-watch investigations (recipe and GDB script) must name that store;
 * its address is the ELF symbol hook_write.
 */
	.include "guest.inc"
	GUEST_START ivthook
	xor %ax, %ax
	mov %ax, %es
	.globl hook_write, hook_next, hook15
hook_write:
	movl $hook15, %es:0x54
hook_next:
	GUEST_DONE ivthook
hook15:
	iret
	GUEST_LIB
	BOOT_SIGNATURE
