/*
 * myers: the O(ND) shortest edit script of E. Myers, "An O(ND) Difference
 * Algorithm and Its Variations", Algorithmica 1(2), 1986.  The aligner runs it
 * only inside small gaps (both sides together at most a few thousand steps);
 * memory is O(D^2).  Elements are compared through a callback, so it works on
 * any pair of sequences; no I/O.
 */
#ifndef HVT_MYERS_H
#define HVT_MYERS_H

#include <stddef.h>

/* Is element x of the first sequence equal to element y of the second? */
typedef int (*myers_eq_fn)(void *priv, size_t x, size_t y);
/* A run x..x+len-1 equal to y..y+len-1 of a longest common subsequence; runs
 * come in increasing order.  Non-zero stops the diff. */
typedef int (*myers_run_fn)(void *priv, size_t x, size_t y, size_t len);

/* 0 done, -1 out of memory, or the non-zero value a run callback returned. */
int myers_diff(size_t n, size_t m, myers_eq_fn eq, myers_run_fn run, void *priv);

#endif
