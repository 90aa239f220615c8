/*
 * tpm: the Windows boot sector's TPM probe, int 1Ah AX=BB00h (TCG_StatusCheck),
 * alone: "TPM EAX=<hex32> EBX=<hex32> CF=<n>" (bios.inc tpm_status).  Without a
 * TPM the answer is EAX=00000023.  Under SeaBIOS with SMM this is the call32_smm
 * path (two SMIs via out 0xb2) that the seed's triple fault came from.
 */
	.include "guest.inc"
	.include "bios.inc"

	GUEST_START tpm
	call tpm_status
	GUEST_DONE tpm

	GUEST_LIB
	BIOS_TPM_LIB
	BOOT_SIGNATURE
