/* log: hv's log lines in XMHF's format, and the clean stop (see log.c). */
#ifndef HV_LOG_H
#define HV_LOG_H

#include "hv/hv.h"

/* "CPU(0x00): Intercept <code> @ 0xCCCC:0xEEEEEEEE" (+ " 0xVVVVVVVV" if has_val). */
void hv_log_intercept(u32 code, u16 cs, u64 ip, int has_val, u32 val);
/* "CPU(0x00): Unhandled intercept: 0x%08x" and the guest state dump. */
void hv_log_dump(const struct hv_ops *ops, const struct hv_exit *ex);
/* Ends the guest for good: logs why, checks hv's own image is intact, halts. */
HV_NORETURN void hv_stop(const char *why);

#endif
