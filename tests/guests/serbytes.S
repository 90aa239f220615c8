/*
 * serbytes: prints on COM1 the bytes a line rule must get right, then leaves
 * QEMU.  The truth is the bytes themselves (plain QEMU's -serial file: holds
 * them as sent): a CR inside a line (BS\rCR), a CR before the CR LF, a line
 * ended by LF CR (GRUB's terminal) and one that then starts with CR, a line ended by LF alone, an empty CR LF line, the
 * four characters \x1b beside a real ESC byte, a backslash, a NUL, and a
 * trailing CR that ends the guest's output without LF.  Interrupts stay off;
 * no BIOS call.  Used by tests/integration/serial_bytes.sh.
 */
	.include "guest.inc"

	GUEST_START serbytes
	xor %bx, %bx            /* print_inline would stop at the NUL */
1:	mov %cs:payload(%bx), %al
	call putc
	inc %bx
	cmp $payload_end - payload, %bx
	jb 1b
	GUEST_DONE serbytes
payload:
	.ascii "BS\rCR\r\n"
	.ascii "two\r\r\n"
	.ascii "lfcr\n\r"
	.ascii "\rlead\n"
	.ascii "lf only\n"
	.ascii "\r\n"
	.ascii "lit \\x1b and \033 esc, back\\slash\r\n"
	.ascii "nul \000 byte\r\n"
	.ascii "tail\r"
payload_end:

	GUEST_LIB
	BOOT_SIGNATURE
