/*
 * addr: the addresses a user gives on the command line (--from, --until,
 * --snapshot-at, --anchor): either a linear address ("0x7c00", "7c00h", "1043")
 * or a real-mode SEG:OFF ("0000:7c00", "f000:fff0", hex without prefix, as GDB
 * and the seed log write them).
 *
 * A SEG:OFF names one CS:IP; a linear address names every CS:IP that reaches it.
 * The recorder sets a breakpoint at the linear address and, for SEG:OFF, at the
 * plain offset too (the seed's pair), and uses addr_matches to reject hits whose
 * CS:IP is not the one asked for.
 */
#ifndef HVT_ADDR_H
#define HVT_ADDR_H

#include <stdint.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"

struct hvt_addr {
    uint64_t linear;      /* seg*16+off for SEG:OFF */
    int has_seg;          /* given as SEG:OFF */
    uint16_t seg;
    uint32_t off;
    char text[48];        /* as the user wrote it, for messages */
};

int addr_parse(const char *s, struct hvt_addr *out, hvt_error *err);
/* Does state s sit exactly at a?  Linear: pc == linear.  SEG:OFF: CS and IP too. */
int addr_matches(const struct hvt_addr *a, const struct hvt_state *s);

#endif
