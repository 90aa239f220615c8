/*
 * repstr: rep string instructions that end on their count and that end early
 * (repe/repne on ZF), each a fixed number of single-steps.
 *
 * Intel SDM vol 2B "REP/REPE/REPZ/REPNE/REPNZ": the count register is CX, ECX
 * or RCX by address size; it is tested before each iteration (a count of 0 does
 * nothing), decremented after it, and repe/repne also end when ZF (set by that
 * iteration of cmps/scas) is 0 resp. 1.  SDM vol 3A 17.3.1.4 (single-step trap,
 * TF): a repeated string instruction traps after each iteration.  So a CPU
 * single-stepping counts one step per iteration, and one for a count of 0:
 *   A  rep movsb,    CX=5                        5 steps, CX=0, DI+5
 *   B  rep stosw,    CX=0                        1 step,  DI unchanged
 *   C  repe cmpsb,   CX=5, 3rd bytes differ      3 steps, CX=2, ZF=0
 *   D  repne scasb,  CX=6, AL is the 4th byte    4 steps, CX=2, ZF=1
 *   E  repne scasb,  CX=3, AL not there          3 steps, CX=0, ZF=0
 *   F  rep stosb,    ECX=0x00010002 (16-bit addresses: CX counts)
 *                                                2 steps, ECX=0x00010000
 *   G  repe cmpsb,   CX=4, all equal             4 steps, CX=0, ZF=1
 * Serial (truth for the values): "REP 0000 9000 0002 0002 0000 0000 0001
 * 0000 01011": CX after A, DI after B, CX after C, D, E, ECX after F (low,
 * high word), CX after G; then ZF after C, D, E, G and 1 if A copied its bytes.  QEMU under -icount runs each rep that ends on its count once more
 * with the count at 0 (FACTS.md): A, E, F and G; not B, C and D.
 */
	.include "guest.inc"

	GUEST_START repstr
	xor %bp, %bp                    /* ZF bits, collected */
	/* A */
	mov $src, %si
	mov $dst, %di
	mov $5, %cx
	.globl rep_a
rep_a:	rep movsb
	mov %cx, res_a
	/* B */
	xor %cx, %cx
	mov $0x9000, %di
	mov $0x4141, %ax
	.globl rep_b
rep_b:	rep stosw
	mov %di, res_b
	/* C */
	mov $s1, %si
	mov $s2, %di
	mov $5, %cx
	.globl rep_c
rep_c:	repe cmpsb
	call zf_bit
	mov %cx, res_c
	/* D */
	mov $s1, %di
	mov $'d', %al
	mov $6, %cx
	.globl rep_d
rep_d:	repne scasb
	call zf_bit
	mov %cx, res_d
	/* E */
	mov $s1, %di
	mov $'z', %al
	mov $3, %cx
	.globl rep_e
rep_e:	repne scasb
	call zf_bit
	mov %cx, res_e
	/* F */
	mov $0x9100, %di
	mov $0x00010002, %ecx
	mov $'F', %al
	.globl rep_f
rep_f:	rep stosb
	mov %ecx, res_f
	/* G */
	mov $s1, %si
	mov $s1c, %di
	mov $4, %cx
	.globl rep_g
rep_g:	repe cmpsb
	call zf_bit
	mov %cx, res_g
	/* A's bytes arrived: one more bit */
	mov $src, %si
	mov $dst, %di
	mov $5, %cx
	repe cmpsb
	call zf_bit

	PRINT "REP"
	mov $res_a, %si
	mov $8, %cx
pres:	mov $' ', %al
	call putc
	lodsw
	call print_hex16
	loop pres
	mov $' ', %al
	call putc
	shl $11, %bp                    /* the 5 bits on top, oldest first */
	mov $5, %cx
zloop:	shl $1, %bp
	mov $'0', %al
	adc $0, %al
	call putc
	loop zloop
	PRINTLN ""
	GUEST_DONE repstr

/* zf_bit: shift ZF into BP (flags clobbered afterwards). */
zf_bit:
	pushf
	pop %ax
	shr $6, %ax
	and $1, %ax
	shl $1, %bp
	or %ax, %bp
	ret

	GUEST_LIB
src:	.ascii "hello"
s1:	.ascii "abcdef"
s1c:	.ascii "abcd"
s2:	.ascii "abXdef"
res_a:	.word 0
res_b:	.word 0
res_c:	.word 0
res_d:	.word 0
res_e:	.word 0
res_f:	.word 0                        /* ECX low, high */
	.word 0
res_g:	.word 0
dst:	.space 5
	BOOT_SIGNATURE
