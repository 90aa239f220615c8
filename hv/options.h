/* options: hv's boot options from the multiboot command line (see options.c). */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include "hv/types.h"

enum hv_smi_mode {
    HV_SMI_PASS,      /* not intercepted: QEMU runs the BIOS's SMM handler from guest mode */
    HV_SMI_HOST,      /* intercepted, then taken in host context: the seed's failure class */
    HV_SMI_REFLECT    /* intercepted, logged, re-delivered inside the guest */
};

struct hv_options {
    enum hv_smi_mode smi;
    int tpm_absent;   /* answer int 1Ah AH=BBh with "TPM not present" without the BIOS */
    u8 drive;         /* DL at guest start: the BIOS drive number of the boot disk */
    u8 part;          /* 1-4: the module is that primary partition's sector; 0: the disk's */
};

int hv_options_parse(const char *cmdline, struct hv_options *o, char *why, size_t n);
/* "smi=pass tpm=bios drive=0x80 part=0": the options in effect, for the log. */
void hv_options_format(const struct hv_options *o, char *buf, size_t n);

#endif
