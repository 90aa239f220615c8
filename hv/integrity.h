/* integrity: a checksum of hv's code and constants (see integrity.c). */
#ifndef HV_INTEGRITY_H
#define HV_INTEGRITY_H

#include "hv/types.h"

void hv_integrity_seal(void);      /* at boot, before any guest code runs */
u32  hv_integrity_sealed(void);
u32  hv_integrity_sum(void);       /* the checksum now */

#endif
