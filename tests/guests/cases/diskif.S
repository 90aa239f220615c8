/* diskif: a boot sector that reads the disk with interrupts enabled (IF=1), as
 * real boot loaders do: int 13h AH=42h (LBA) and AH=02h (CHS) with the timer running.
 *
 * Expected (Phoenix EDD 3.0 / RBIL INT 13h AH=42h: DS:SI -> disk address packet
 * {10h, 0, count, offset, segment, LBA qword}; CF=0 and AH=0 on success; RBIL INT 13h
 * AH=02h: CH=cylinder, CL=sector (1-based), DH=head, AL=count; AL=sectors read;
 * SDM vol 2A INT/IRET: the caller's IF=1 is restored on return):
 *   AH=42h, 3 sectors from LBA 1 to 0000:8000 -> CF=0 AH=00, words at 8000h, 8200h,
 *     8400h = "L1" "L2" "L3" (314c 324c 334c, written after the boot sector below)
 *   AH=02h, C0 H0 S3 (LBA 2) x1 to 0000:9000 -> CF=0 AH=00 AL=01, word at 9000h = 324c
 *   IF=1 after each call
 * Serial: "D42 CF=0 AH=00 W=314c 324c 334c IF=1" and "D02 CF=0 AX=0001 W=324c IF=1" */
	.include "lib.inc"
	START
	.globl rd42, rd02
	sti
	mov $0x42, %ah
	mov $dap, %si
	mov $0x80, %dl
rd42:	int $0x13
	pushf
	mov %ax, %bx
	SAY "D42"
	popf
	call pcf
	pushf
	SAY " AH="
	mov %bh, %al
	call hex8
	SAY " W="
	mov 0x8000, %ax
	call hex16
	SAY " "
	mov 0x8200, %ax
	call hex16
	SAY " "
	mov 0x8400, %ax
	call hex16
	call pif
	mov $0x0201, %ax
	mov $0x0003, %cx
	mov $0x0080, %dx
	mov $0x9000, %bx
rd02:	int $0x13
	pushf
	mov %ax, %bx
	SAY "D02"
	popf
	call pcf
	pushf
	SAY " AX="
	mov %bx, %ax
	call hex16
	SAY " W="
	mov 0x9000, %ax
	call hex16
	call pif
	HALT
pif:	/* print " IF=n" from the FLAGS word the caller pushed, drop it, newline */
	SAY " IF="
	pop %cx
	pop %ax
	push %cx
	shr $9, %ax
	and $1, %al
	add $'0', %al
	call putc
	jmp crlf
dap:	DAP 3, 0x8000, 1
	LIB
	SIG
	LSECTORS 3
