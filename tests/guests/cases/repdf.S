/* repdf: rep string instructions beyond repstr.S (tests/guests): backwards (DF=1),
 * word and dword elements, early exits, string output to a port, 32-bit addresses.
 *
 * Expected (Intel SDM vol 2B REP/REPE/REPNE: the count register is CX or ECX by
 * address size, tested before each iteration, decremented after it; repe/repne also
 * stop on ZF after a cmps/scas iteration; DF=1 steps SI/DI down by the element size;
 * SDM vol 3A 17.3.1.4: single-stepping traps after each iteration, so one step per
 * iteration):
 *   A  std; repne scasw, CX=6, AX equals the 3rd word going down  3 steps, CX=3, ZF=1,
 *                                                                 DI = wA+10-6 = wA+4
 *   B  cld; repe cmpsl, CX=3, 2nd dwords differ                    2 steps, CX=1, ZF=0
 *   C  rep outsb to COM1, CX=6, "OUTS\r\n"                         6 steps, a serial line
 *   D  addr32 rep stosb, ECX=3, EDI=9100h                           3 steps, ECX=0, EDI=9103h
 *   E  rep lodsb, CX=4, "abcd"                                      4 steps, AL='d'=64h
 * Serial: "OUTS" then "REPDF CXA=0003 ZFA=1 DIA=<wA+4> CXB=0001 ZFB=0 ECXD=00000000
 *         EDID=00009103 ALE=64" (DIA printed as hex) */
	.include "lib.inc"
	START
	.globl rep_a, rep_b, rep_c, rep_d, rep_e, wA
	/* A */
	std
	mov $wA+10, %di
	mov $0x4444, %ax
	mov $6, %cx
rep_a:	repne scasw
	cld
	pushf
	pop %bp
	mov %cx, cxa
	mov %di, dia
	/* B */
	mov $dA, %si
	mov $dB, %di
	mov $3, %cx
rep_b:	repe cmpsl
	pushf
	pop %ax
	shl $1, %bp
	and $0x40, %ax
	or %ax, %bp		/* bit 7: ZF after A, bit 6: ZF after B */
	mov %cx, cxb
	/* C */
	mov $outs, %si
	mov $COM1, %dx
	mov $6, %cx
rep_c:	rep outsb
	/* D */
	mov $3, %ecx
	mov $0x9100, %edi
	mov $0x44, %al
rep_d:	addr32 rep stosb
	mov %ecx, ecxd
	mov %edi, edid
	/* E */
	mov $abcd, %si
	mov $4, %cx
rep_e:	rep lodsb
	mov %al, ale
	SAY "REPDF CXA="
	mov cxa, %ax
	call hex16
	SAY " ZFA="
	mov %bp, %ax
	shr $7, %al
	and $1, %al
	add $'0', %al
	call putc
	SAY " DIA="
	mov dia, %ax
	call hex16
	SAY " CXB="
	mov cxb, %ax
	call hex16
	SAY " ZFB="
	mov %bp, %ax
	shr $6, %al
	and $1, %al
	add $'0', %al
	call putc
	SAY " ECXD="
	mov ecxd, %eax
	call hex32
	SAY " EDID="
	mov edid, %eax
	call hex32
	SAY " ALE="
	mov ale, %al
	call hex8
	call crlf
	HALT
wA:	.word 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666
dA:	.long 1, 2, 3
dB:	.long 1, 7, 3
outs:	.ascii "OUTS\r\n"
abcd:	.ascii "abcd"
cxa:	.word 0
dia:	.word 0
cxb:	.word 0
ale:	.byte 0
	.p2align 2
ecxd:	.long 0
edid:	.long 0
	LIB
	SIG
