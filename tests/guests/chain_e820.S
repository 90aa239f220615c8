/*
 * chain_e820: a planted cause for the chain of causes (issue 10): a branch
 * on a value computed three instructions after an E820 call.  The guest asks
 * int 15h E820h for entry 3 (EBX = 3: SeaBIOS's and hv's continuation values
 * are entry indices) into 0x600, then loads the entry's length (`planted`),
 * shifts it to MiB and adds one, and compares.  SeaBIOS's entry 3 and hv's
 * differ (hv reserves its own range), so the runs part at the branch; the
 * chain must pass through the load at `planted` to the stores into 0x608
 * made during the int 15h call (by hv's code under hv).
 */
	.include "guest.inc"
	GUEST_START chain_e820
	mov $0x600, %di
	mov $3, %ebx
	mov $0xe820, %eax
	mov $20, %ecx
	mov $0x534d4150, %edx
	.globl the_call
the_call:
	int $0x15
	.globl planted
planted:
	mov 8(%di), %eax
	shr $20, %eax
	add $1, %eax
	cmp $0x1f, %eax
	je 1f
	PRINTLN "entry 3 is not 30 MiB long"
	jmp 2f
1:	PRINTLN "entry 3 is 30 MiB long"
2:	GUEST_DONE chain_e820
	GUEST_LIB
	BOOT_SIGNATURE
