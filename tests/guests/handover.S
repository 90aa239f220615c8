/*
 * handover: prints what its loader handed it, for comparing loaders (BIOS, an MBR,
 * GRUB's chainloader, hv): "HANDOVER DL=xx DS:SI=ssss:oooo ES:DI=ssss:oooo" and the
 * 16 bytes at DS:SI as "PARTENTRY " + 32 hex digits, the partition table entry an
 * MBR or GRUB's chainloader points DS:SI at when it boots a partition (GRUB
 * grub-core/loader/i386/pc/chainloader.c: table copied to 0:07BE, SI = 07BE + 16 *
 * index; DS:SI = 0:0 for a whole disk, where the entry printed is the IVT's start).
 * Registers are saved by the GUEST_START hook before anything changes them.
 */
	.include "guest.inc"

	GUEST_START handover, handover_save
	PRINT "HANDOVER DL="
	mov saved_dx, %al
	call print_hex8
	PRINT " DS:SI="
	mov saved_ds, %ax
	call print_hex16
	PRINT ":"
	mov saved_si, %ax
	call print_hex16
	PRINT " ES:DI="
	mov saved_es, %ax
	call print_hex16
	PRINT ":"
	mov saved_di, %ax
	call print_hex16
	PRINTLN ""
	PRINT "PARTENTRY "
	mov $entry_copy, %si
	mov $16, %cx
1:	lodsb
	call print_hex8
	loop 1b
	PRINTLN ""
	GUEST_DONE handover

/* Save DX, DS, SI, ES, DI and the 16 bytes at DS:SI; all registers preserved. */
handover_save:
	mov %dx, %cs:saved_dx
	mov %ds, %cs:saved_ds
	mov %si, %cs:saved_si
	mov %es, %cs:saved_es
	mov %di, %cs:saved_di
	pusha
	push %es
	push %cs
	pop %es
	mov $entry_copy, %di
	mov $16, %cx
	cld
	rep movsb
	pop %es
	popa
	ret

/* print_hex8: AL as two hex digits (guest.inc's hex_digits); registers preserved. */
print_hex8:
	push %cx
	push %eax
	mov $2, %cx
	shl $24, %eax
	jmp hex_digits

saved_dx: .word 0
saved_ds: .word 0
saved_si: .word 0
saved_es: .word 0
saved_di: .word 0
entry_copy: .fill 16, 1, 0

	GUEST_LIB
	BOOT_SIGNATURE
