/*
 * hello: the smallest guest.  Prints its markers, sums 1..10 in a loop and prints
 * "SUM 0037", then leaves QEMU through isa-debug-exit.  No BIOS calls, interrupts
 * off: the instruction count is a fixed number, checked against QEMU's own exec log
 * by tests/integration/guests.sh.
 *
 * Known count, from the first instruction at 0x7c00 up to and including the final
 * `out %al, $0xf4` (with QEMU's 16550 reporting THRE at the first poll, guest.inc):
 *   GUEST_START  cli, ljmp, xor, 3 mov seg, mov sp, cld                  8
 *                call ser_init + pusha, 15 setup, popa, ret             19
 *   putc         push, push, mov, in, test, jz, pop, mov, out, pop, ret 11
 *   a string of n chars: call, 5 prologue, n x (lodsb, test, jz, call,
 *                jmp + putc), lodsb, test, jz, 5 epilogue    = 14 + 16 n
 *                "HVT-BEGIN hello\r\n" (PRINTLN adds \r\n), n=17       286
 *   xor, mov, 10 x (add, loop)                                         22
 *                "SUM " n=4                                             78
 *   call print_hex16, push, push, mov, shl, jmp                         6
 *                4 digits x (rol, push, and, add, cmp, jbe, call
 *                + putc, pop, loop), no digit of 0x0037 above 9: 4 x 20 80
 *                pop, pop, ret                                           3
 *                "\r\n" n=2                                             46
 *                "HVT-DONE hello\r\n" n=16                             270
 *   GUEST_DONE   mov al, out                                             2
 *   total                                                              820
 */
	.include "guest.inc"
	.set HELLO_N, 10
	.set HELLO_COUNT, 820   /* documented above; read by guests.sh */

	GUEST_START hello
	xor %ax, %ax
	mov $HELLO_N, %cx
1:	add %cx, %ax
	loop 1b
	PRINT "SUM "
	call print_hex16
	PRINTLN ""
	GUEST_DONE hello

	GUEST_LIB
	BOOT_SIGNATURE
