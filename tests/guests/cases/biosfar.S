/* biosfar: the same BIOS calls reached three ways: `int`, `pushf; lcall *IVT[n]`
 * (how syslinux/isolinux call the BIOS) and `pushf; push cs; push ret; ljmp *IVT[n]`.
 *
 * Expected (the IVT entry n at 4n holds offset, segment; INT n pushes FLAGS, CS, IP
 * and jumps there (SDM vol 2A INT n, real mode), so a far call after pushf, or a far
 * jump after pushing the same three words, reaches the handler with the same
 * frame, and its IRET returns to the pushed CS:IP; ACPI spec INT 15H E820H; EDD 3.0
 * INT 13h AH=41h):
 *   each E820 call with EBX=0 returns the first entry: CF=0, EAX=534d4150,
 *   base 0, type 1 (RAM), EBX=1 (a continuation follows);
 *   int 13h AH=41h BX=55AAh DL=80h by far call: CF=0, BX=AA55h
 *   A recorder names 4 BIOS calls (3 x int 15h E820, 1 x int 13h AH=41h) whatever
 *   way they were reached (issue 9 point 5).
 * Serial: "INT CF=0 EBX=00000001 T=00000001", then the same for "CALLF" and "JMPF",
 *   then "EXT CF=0 BX=aa55" */
	.include "lib.inc"
	START
	.globl c_int, c_callf, c_jmpf, c_ext, r_jmpf
	mov $0x600, %di
	call prep
c_int:	int $0x15
	pushf
	SAY "INT"
	popf
	call show
	call prep
	pushf
c_callf: lcall *0x15*4
	pushf
	SAY "CALLF"
	popf
	call show
	call prep
	pushf
	push %cs
	push $r_jmpf
c_jmpf:	ljmp *0x15*4
r_jmpf:	pushf
	SAY "JMPF"
	popf
	call show
	mov $0x41, %ah
	mov $0x55aa, %bx
	mov $0x80, %dl
	pushf
c_ext:	lcall *0x13*4
	pushf
	SAY "EXT"
	popf
	call pcf
	SAY " BX="
	mov %bx, %ax
	call hex16
	call crlf
	HALT
prep:	xor %ebx, %ebx
	mov $0xe820, %eax
	mov $0x534d4150, %edx
	mov $24, %ecx
	movl $0, 16(%di)
	ret
show:	/* CF EBX type after an E820 call; EAX must be 'SMAP' */
	call pcf
	SAY " EBX="
	mov %ebx, %eax
	call hex32
	SAY " T="
	mov 16(%di), %eax
	call hex32
	call crlf
	ret
	LIB
	SIG
