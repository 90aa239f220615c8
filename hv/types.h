/*
 * types: the fixed-width integer names every hv file uses.
 *
 * hv is freestanding (-ffreestanding, no libc): only the compiler's own headers
 * (stdint.h, stddef.h, stdarg.h) are available.  The same sources build an i386 and
 * an x86_64 host, so anything that holds a host pointer or a general register is
 * `uintptr_t`/`ulong`, and anything architectural (VMCB fields, page-table entries,
 * physical addresses) is a fixed-width type that is the same in both builds.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned long ulong;     /* a host general register: 32 or 64 bits */

#define HV_NORETURN __attribute__((noreturn))
#define HV_ALIGNED(n) __attribute__((aligned(n)))
#define HV_PRINTF(f, a) __attribute__((format(printf, f, a)))

#endif
