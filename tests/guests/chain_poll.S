/*
 * chain_poll: a planted polling loop for `hvtrace diff` (issue 10) whose
 * count depends only on time.  It reads the time-stamp counter (rdtsc, Intel
 * SDM vol 2) and goes round (`planted`) until bit 16 of it changes.  Where
 * the counter stands at 0000:7c00 depends on how long the firmware (or hv)
 * took, so the count differs between a run with and without hv; everything
 * else is equal.  The diff must class that stretch as timing, not make it
 * the headline.
 */
	.include "guest.inc"
	GUEST_START chain_poll
	rdtsc
	shr $16, %eax
	mov %ax, %bx
	.globl planted
planted:
	rdtsc
	shr $16, %eax
	cmp %ax, %bx
	je planted
	PRINTLN "the clock ticked"
	GUEST_DONE chain_poll
	GUEST_LIB
	BOOT_SIGNATURE
