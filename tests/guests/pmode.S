/*
 * pmode: leaves real mode and comes back, the way loaders reach memory above 1 MiB.
 * A 16-byte text is copied with `rep movsb` in real mode (to 0x600), in 32-bit
 * protected mode up to 1 MiB (0x100000) and back down (to 0x700); the guest then
 * returns through a 16-bit protected-mode segment to real mode and prints:
 *   RM <text>               the real-mode copy
 *   PM CR0=<hex32> EDI=<hex32>   CR0 and EDI after the copy up, seen in 32-bit mode
 *   PM <text>               the text after the round trip through 1 MiB
 *   RM CR0=<hex32> HIGH=<hex32>  CR0 back in real mode; the dword at FFFF:0010
 *                           (linear 0x100000, needs A20) read from real mode
 * Own GDT (flat 32-bit code/data, 64 KiB 16-bit code/data); interrupts stay off
 * throughout, so the real-mode IVT is never used while in protected mode.  A20 is
 * enabled through port 0x92 (fast A20) first.
 */
	.include "guest.inc"
	.set RM_BUF, 0x600
	.set PM_BUF, 0x700
	.set HIGH_BUF, 0x100000
	.set SEL_CODE32, 0x08
	.set SEL_DATA32, 0x10
	.set SEL_CODE16, 0x18
	.set SEL_DATA16, 0x20

	GUEST_START pmode
	mov $text, %si
	mov $RM_BUF, %di
	mov $TEXT_LEN, %cx
	rep movsb
	PRINT "RM "
	mov $RM_BUF, %si
	call print_text

	in $0x92, %al            /* fast A20: bit 1; bit 0 would reset the machine */
	or $2, %al
	and $0xfe, %al
	out %al, $0x92
	lgdt gdt
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmp $SEL_CODE32, $pm32

	.code32
pm32:
	mov $SEL_DATA32, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $RM_BUF, %esi
	mov $HIGH_BUF, %edi
	mov $TEXT_LEN, %ecx
	rep movsb
	mov %edi, %ebp           /* registers survive the mode switches */
	mov $HIGH_BUF, %esi
	mov $PM_BUF, %edi
	mov $TEXT_LEN, %ecx
	rep movsb
	mov %cr0, %ebx
	ljmp $SEL_CODE16, $pm16

	/* 16-bit protected mode: reload 64 KiB data segments so real mode inherits
	 * sane limits (Intel SDM vol. 3, 10.9.2 "Switching Back to Real-Address Mode"). */
	.code16
pm16:
	mov $SEL_DATA16, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr0, %eax
	and $0xfffffffe, %eax
	mov %eax, %cr0
	ljmp $0, $rm16
rm16:
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	PRINT "PM CR0="
	mov %ebx, %eax
	call print_hex32
	PRINT " EDI="
	mov %ebp, %eax
	call print_hex32
	PRINTLN ""
	PRINT "PM "
	mov $PM_BUF, %si
	call print_text
	PRINT "RM CR0="
	mov %cr0, %eax
	call print_hex32
	PRINT " HIGH="
	mov $0xffff, %ax
	mov %ax, %es
	mov %es:HIGH_BUF - 0xffff0, %eax
	call print_hex32
	PRINTLN ""
	GUEST_DONE pmode

/* print_text: print TEXT_LEN bytes from DS:SI, then CR LF. */
print_text:
	mov $TEXT_LEN, %cx
.Lprint_text_next:
	lodsb
	call putc
	loop .Lprint_text_next
	PRINTLN ""
	ret

text:	.ascii "HVT-PMODE-COPY!!"
	.set TEXT_LEN, . - text
/* The null descriptor is never loaded, so its 8 bytes hold the GDTR image. */
gdt:	.word gdt_end - gdt - 1
	.long gdt
	.word 0
	.quad 0x00cf9a000000ffff     /* 0x08: code, base 0, 4 GiB, D=1 */
	.quad 0x00cf92000000ffff     /* 0x10: data, base 0, 4 GiB, B=1 */
	.quad 0x00009a000000ffff     /* 0x18: code, base 0, 64 KiB, D=0 */
	.quad 0x000092000000ffff     /* 0x20: data, base 0, 64 KiB */
gdt_end:

	GUEST_LIB
	BOOT_SIGNATURE
