/*
 * endpat: leaves a known pattern in memory, then ends QEMU through
 * isa-debug-exit, so that a run's end snapshot can be checked against the
 * guest's own construction (tests/integration/endings.sh), not against
 * hvtrace:
 *   0x6000-0x6fff  byte i = (i * 37 + 11) mod 256, i = 0..4095
 *   0x5ff0         "HEND", stored by the instruction right before the `out`
 *   0xb8000        'E' with attribute 0x1f (VGA text memory, not RAM)
 * Neither is there before 0x7c00 runs (the BIOS leaves 0x5ff0-0x6fff zero on
 * QEMU's pc machine; the test checks the start snapshot too).  The exit is an
 * `out %al, %dx` with DX = 0xf4 (guest.inc's GUEST_DONE uses the imm8 form).
 */
	.include "guest.inc"
	.set PAT_BASE, 0x6000
	.set PAT_LEN, 4096

	GUEST_START endpat
	mov $PAT_BASE, %di
	xor %cx, %cx
pat_loop:
	mov %cl, %al
	mov $37, %bl
	mul %bl                 /* AX = i * 37 (low byte: i mod 256 suffices) */
	add $11, %al
	stosb
	inc %cx
	cmp $PAT_LEN, %cx
	jne pat_loop
	push %es
	mov $0xb800, %ax
	mov %ax, %es
	movw $0x1f45, %es:0     /* 'E', white on blue */
	pop %es
	PRINTLN "HVT-DONE endpat"
	mov $EXIT_PORT, %dx
	mov $HVT_EXIT_OK, %al
	movl $0x444e4548, 0x5ff0 /* "HEND", the last store */
	out %al, %dx
	cli
	hlt
	GUEST_LIB
	BOOT_SIGNATURE
