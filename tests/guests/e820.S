/*
 * e820: asks the firmware for its memory map the way boot loaders do and prints
 * every answer, so a run under hv can be compared with a bare run line by line.
 *   E820 <base> <length> <type> CF=<n> EBX=<next>   every int 15h E820h call
 *                                                   (bios.inc e820_dump)
 *   A20 <ax> AX=<hex> CF=<n>   int 15h AX=2403h (support), 2402h (status),
 *                              2401h (enable), 2400h (disable)
 *   E801 AX= BX= CX= DX= CF=   int 15h AX=E801h: KiB 1-16 MiB, 64 KiB blocks above
 * Not done: AH=88h, AH=87h.
 */
	.include "guest.inc"
	.include "bios.inc"
	.set E820_BUF, 0x600          /* conventional memory below the boot sector */

	GUEST_START e820
	mov $E820_BUF, %di
	call e820_dump

	mov $a20_calls, %si
1:	mov (%si), %ax
	call a20_call
	add $2, %si
	cmp $a20_end, %si
	jb 1b

	mov $0xe801, %ax
	xor %bx, %bx
	xor %cx, %cx
	xor %dx, %dx
	int $0x15
	pushf
	PRINT "E801 AX="
	call print_hex16
	PRINT " BX="
	mov %bx, %ax
	call print_hex16
	PRINT " CX="
	mov %cx, %ax
	call print_hex16
	PRINT " DX="
	mov %dx, %ax
	call print_hex16
	popf
	PRINT_CF
	PRINTLN ""
	GUEST_DONE e820

a20_calls:
	.word 0x2403, 0x2402, 0x2401, 0x2400
a20_end:
	GUEST_LIB
	BIOS_INT15_LIB
	BOOT_SIGNATURE
