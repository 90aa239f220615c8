/*
 * io: the few privileged instructions the core uses (port I/O, CPUID, MSRs, halt)
 * and hv_phys(), the one way hv turns a guest-physical address into a pointer.
 *
 * hv runs with an identity map of the first 4 GiB (entry_*.S), so a guest-physical
 * address below 4 GiB is also a host pointer.  hv_phys() hides the constant from
 * the compiler: GCC treats a dereference of a small constant address (the IVT at 0,
 * the BDA at 0x400) as undefined and warns or traps.
 */
#ifndef HV_IO_H
#define HV_IO_H

#include "hv/types.h"

static inline void hv_outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 hv_inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void hv_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline u64 hv_rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

static inline void hv_wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void *hv_phys(u64 pa)
{
    uintptr_t p = (uintptr_t)pa;
    __asm__("" : "+r"(p));
    return (void *)p;
}

/* Halts this CPU for good: interrupts are off in the host, so only an NMI or SMI
 * could wake it, and the loop puts it back. */
static inline HV_NORETURN void hv_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif
