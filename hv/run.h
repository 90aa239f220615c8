/* run: the loop that runs the guest and decides what each exit means (see run.c). */
#ifndef HV_RUN_H
#define HV_RUN_H

#include "hv/hv.h"
#include "hv/options.h"

HV_NORETURN void hv_run(const struct hv_ops *ops, const struct hv_options *opt);

#endif
