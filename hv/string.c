/*
 * string: memcpy, memmove, memset and memcmp for the freestanding build.
 *
 * GCC may emit calls to these four even with -ffreestanding (struct copies,
 * zeroing); they are the one place hv exports unprefixed names, because the
 * compiler's contract fixes them.  Byte loops only: hv copies a few KiB at most
 * (hv/module.mk builds with -fno-tree-loop-distribute-patterns so GCC cannot turn
 * these loops back into calls to themselves).
 */
#include "hv/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
    return memmove(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
    if (d < s)
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    else
        while (n--)
            d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    u8 *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = (u8)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}
