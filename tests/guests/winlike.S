/*
 * winlike: what the firmware sees of a Windows 10 NTFS boot (the project demo).
 * Like the NTFS boot sector it checks the int 13h extensions (AH=41h) and reads
 * the rest of its boot code with AH=42h, then, as that code does, probes the TPM
 * (int 1Ah AX=BB00h), reads "bootmgr" into 2000:0000 (segment:offset buffer, as
 * Windows uses) and, as bootmgr does, takes the E820 map and enables A20 (2401h).
 * Every answer is printed in bios.inc's formats, then "HVT-DONE winlike".
 * Not done: the TPM measurement calls (BB07h) a TPM-equipped machine would see, or
 * anything after real mode.  Under hv only sector 0 is the multiboot module; the
 * disk stays attached, so the reads still work.
 */
	.include "guest.inc"
	.include "bios.inc"
	.set STAGE2_ADDR, 0x7e00
	.set BOOTMGR_SEG, 0x2000
	.set BOOTMGR_SECTORS, 16
	.set E820_BUF, 0x600

	GUEST_START winlike
	READ_STAGE2
	jnc stage2
	GUEST_FAIL winlike, read

	GUEST_LIB
	BIOS_INT13_LIB
	BOOT_SIGNATURE

stage2:
	call tpm_status
	movw $BOOTMGR_SECTORS, disk_dap + 2
	movw $0, disk_dap + 4
	movw $BOOTMGR_SEG, disk_dap + 6
	movl $1 + STAGE2_SECTORS, disk_dap + 8
	call disk_read
	mov $E820_BUF, %di
	call e820_dump
	mov $0x2401, %ax
	call a20_call
	GUEST_DONE winlike

	BIOS_TPM_LIB
	BIOS_INT15_LIB
	.balign 512
stage2_end:
	.set STAGE2_SECTORS, (stage2_end - stage2) / 512
