/*
 * hv_poke: writes 5a5a5a5a at the start of hypervisor memory from real mode
 * (hv_poke.inc).  Under hv it must be stopped by a logged nested page fault (a
 * write) and hv's image must stay intact; on bare QEMU it prints the value read
 * back.
 */
	.include "guest.inc"
	.include "hv_poke.inc"
	POKE_GUEST hv_poke, 1
	GUEST_LIB
	BOOT_SIGNATURE
