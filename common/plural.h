/*
 * plural: the "s" of a counted English noun ("1 step", "2 steps", "0 steps").
 * Every message that prints a count before a noun goes through hvt_s() so a
 * count of one never reads "1 steps".  Pure, header-only.
 */
#ifndef HVT_PLURAL_H
#define HVT_PLURAL_H

#include <stdint.h>

/* "" when n is 1, else "s": printf("%" PRIu64 " step%s", n, hvt_s(n)). */
static inline const char *hvt_s(uint64_t n)
{
    return n == 1 ? "" : "s";
}

#endif
