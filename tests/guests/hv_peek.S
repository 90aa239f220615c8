/*
 * hv_peek: reads the dword at the start of hypervisor memory from real mode
 * (hv_poke.inc).  Under hv it must be stopped by a logged nested page fault
 * before printing "POKE READ"; on bare QEMU it prints what it read.
 */
	.include "guest.inc"
	.include "hv_poke.inc"
	POKE_GUEST hv_peek, 0
	GUEST_LIB
	BOOT_SIGNATURE
