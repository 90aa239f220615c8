/*
 * hvbanner: a boot sector that says on COM1 what hv's banner says (hv/main.c:
 * "hv: image 0xLO-0xEND; ..."), naming its own sector 0x7c00-0x7e00 as the
 * image, then halts with `cli; hlt` inside it.  hv halting in its own code
 * without a word is hard to provoke; this plays the part so the recorder's
 * rule can be seen: a halt inside the range a banner gave is hv's, and the
 * run is incomplete, "hv halted (cli; hlt) at 0000:IP, in its own code
 * (7c00-7dff by its banner): the guest did not finish", IP = the hlt's
 * offset (symbol final_hlt).
 */
	.include "guest.inc"

	GUEST_START hvbanner
	PRINTLN "hv: image 0x00007c00-0x00007e00; guest memory excludes nothing (a test)"
	.globl final_hlt
	cli
final_hlt:
	hlt
	jmp final_hlt

	GUEST_LIB
	BOOT_SIGNATURE
