/* dtregs: lgdt and lidt in real mode, with 16- and 32-bit operand size, a
 * real-mode `lidt` that moves the interrupt table away from linear 0, and an
 * `int` through the moved table; the guest prints what `sgdt`/`sidt` stored.
 *
 * Expected (Intel SDM vol 2A LGDT/LIDT: with a 16-bit operand size the 6-byte
 * operand loads a 16-bit limit and a 24-bit base, the high byte of the base
 * zeroed; with 32-bit all 32 bits; SGDT/SIDT with a 32-bit operand size store
 * the limit and the whole 32-bit base.  SDM vol 3A 20.1.4: in real mode the
 * IDTR's base and limit locate the interrupt vector table, LIDT may move it,
 * and INT n reads the 4-byte entry at IDTR.base + 4n):
 *   g16: lgdtw of {limit 0117h, base ab012345h} -> GDTR base 00012345h, limit 0117h
 *   g32: lgdtl of the same                      -> GDTR base ab012345h, limit 0117h
 *   i_move: lidtw of {limit 03ffh, base 0600h}   -> IDTR base 00000600h, limit 03ffh
 *   i_int: int $0x42 reads 0600h + 108h: the step after it is h42new, the
 *     handler the moved table names (IVT[42h] at linear 108h names h42old)
 *   i_back: lidtw of {limit 03ffh, base 0}       -> IDTR base 0, limit 03ffh
 *   i_int2: int $0x42 now reaches h42old
 *   Interrupts stay off (IF=0) while the table is moved: the BIOS's vectors are
 *   not in it.  Each load is visible from the step after it (a trace's state at
 *   step N is the state before step N's instruction).
 * Serial (hex, bases 8 digits, limits 4):
 *   "DT G16=00012345/0117 G32=ab012345/0117 I1=00000600/03ff I2=00000000/03ff H=NO" */
	.include "lib.inc"
	.set NEWIVT, 0x0600
	START
	.globl g16, g32, i_move, i_int, i_back, i_int2, h42new, h42old
	movw $h42old, 0x42*4		/* IVT at 0: vector 42h -> h42old */
	movw $0, 0x42*4+2
	mov $NEWIVT, %di		/* the moved table: zeroed, 42h -> h42new */
	xor %ax, %ax
	mov $0x200, %cx
	rep stosw
	movw $h42new, NEWIVT+0x42*4
	movw $0, NEWIVT+0x42*4+2
	xor %bx, %bx			/* the handlers' count */
g16:	lgdtw gd
	sgdtl sv16
g32:	lgdtl gd
	sgdtl sv32
i_move:	lidtw idnew
	sidtl svi1
i_int:	int $0x42
i_back:	lidtw idold
	sidtl svi2
i_int2:	int $0x42
	SAY "DT G16="
	mov $sv16, %si
	call pdt
	SAY " G32="
	mov $sv32, %si
	call pdt
	SAY " I1="
	mov $svi1, %si
	call pdt
	SAY " I2="
	mov $svi2, %si
	call pdt
	SAY " H="
	mov hits, %ax
	call putc
	mov %ah, %al
	call putc
	call crlf
	HALT
/* print the 6 bytes at %si as "base/limit" */
pdt:	mov 2(%si), %eax
	call hex32
	mov $'/', %al
	call putc
	mov (%si), %ax
	call hex16
	ret
h42new:	movb $'N', hits(%bx)
	inc %bx
	iret
h42old:	movb $'O', hits(%bx)
	inc %bx
	iret
	.p2align 2
gd:	.word 0x0117
	.long 0xab012345
idnew:	.word 0x03ff
	.long NEWIVT
idold:	.word 0x03ff
	.long 0
sv16:	.skip 6
sv32:	.skip 6
svi1:	.skip 6
svi2:	.skip 6
hits:	.word 0x3f3f			/* "??" until the handlers write */
	LIB
	SIG
