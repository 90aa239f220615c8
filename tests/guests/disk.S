/*
 * disk: the int 13h extensions a modern boot sector relies on.  Sector 0 checks
 * for them (AH=41h), reads its stage 2 (sectors 1..N) with AH=42h to 0x7e00,
 * prints a checksum of what arrived and jumps into it; stage 2 proves it runs from
 * the loaded copy and asks for the drive parameters (AH=48h).
 *   EXT AX= BX= CX= CF=               AH=41h answer (BX=aa55 if supported)
 *   READ LBA=00000001 N=<n> CF= AH=   the AH=42h call
 *   SUM <hex32>                       32-bit sum of the loaded little-endian dwords
 *   STAGE2 IP=<hex16>                 where stage 2 finds itself running
 *   PARAMS SIZE= SECTORS= BPS= CF=    AH=48h answer (the image has 128 sectors)
 * Under hv only sector 0 arrives as the multiboot module; the disk stays attached,
 * so the read still works.  Stage 2 carries a pseudo-random block so the checksum
 * depends on every loaded byte.
 */
	.include "guest.inc"
	.include "bios.inc"
	.set STAGE2_ADDR, 0x7e00

	GUEST_START disk
	READ_STAGE2
	jnc 1f
	GUEST_FAIL disk, read
1:	mov $STAGE2_ADDR, %si
	mov $STAGE2_SECTORS * 128, %cx
	xor %eax, %eax
2:	add (%si), %eax
	add $4, %si
	loop 2b
	PRINT "SUM "
	call print_hex32
	PRINTLN ""
	jmp stage2

	GUEST_LIB
	BIOS_INT13_LIB
	BOOT_SIGNATURE

stage2:
	call 1f
1:	pop %ax
	sub $1b - stage2, %ax
	PRINT "STAGE2 IP="
	call print_hex16
	PRINTLN ""
	call disk_params
	GUEST_DONE disk

	BIOS_INT13_PARAMS_LIB

/* 1 KiB of a multiplicative sequence (Knuth's 2654435761): no two dwords alike. */
	.balign 4
	.set i, 1
	.rept 256
	.long (i * 2654435761) & 0xffffffff
	.set i, i + 1
	.endr
	.balign 512
stage2_end:
	.set STAGE2_SECTORS, (stage2_end - stage2) / 512
