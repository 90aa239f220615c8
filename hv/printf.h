/* printf: hv's formatted output to the console (see printf.c). */
#ifndef HV_PRINTF_H
#define HV_PRINTF_H

#include "hv/types.h"

void hv_printf(const char *fmt, ...) HV_PRINTF(1, 2);
void hv_vprintf(const char *fmt, va_list ap);
/* Formats into buf (always NUL-terminated, truncated to n-1 characters). */
void hv_snprintf(char *buf, size_t n, const char *fmt, ...) HV_PRINTF(3, 4);

#endif
