/* bios: hv's hooks on the guest's BIOS interrupts (see bios.c). */
#ifndef HV_BIOS_H
#define HV_BIOS_H

#include "hv/hv.h"
#include "hv/e820.h"

/* Installs the int 15h stub (and the int 1Ah one if tpm_absent) in guest memory,
 * each the backend's hypercall instruction followed by IRET. */
void hv_bios_hook(const struct hv_ops *ops, const struct hv_e820_map *map, int tpm_absent);
/* Handles a hypercall from one of the stubs; -1 if ex did not come from a stub. */
int hv_bios_hypercall(const struct hv_ops *ops, const struct hv_exit *ex);

#endif
