/*
 * myers: greedy forward O(ND) search, then a walk back through the saved
 * furthest-reaching D-paths (Myers 1986, section 3, "the basic algorithm").
 *
 * V_d[k] is the furthest x reached on diagonal k = x - y with d edits; all
 * V_0..V_D are kept (d^2 + k + d indexes V_d[k]), which is what limits this
 * module to small inputs.  Does not do the linear-space refinement (section 4):
 * gaps are small by construction.  Invariant: runs reported are maximal snakes
 * of one shortest edit script, in increasing order.
 */
#include "diffing/myers.h"

#include <stdint.h>
#include <stdlib.h>

struct snake {
    size_t x, y, len;
};

/* Forward pass; returns D, or -1 on allocation failure. */
static long myers_forward(size_t n, size_t m, myers_eq_fn eq, void *priv, long *hist)
{
    long max = (long)(n + m);
    long *v = calloc((size_t)(2 * max + 3), sizeof *v);
    if (!v)
        return -1;
    long *V = v + max + 1;      /* V[k], k in [-max-1, max+1] */
    for (long d = 0; d <= max; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && V[k - 1] < V[k + 1])) ? V[k + 1] : V[k - 1] + 1;
            long y = x - k;
            while (x < (long)n && y < (long)m && eq(priv, (size_t)x, (size_t)y))
                x++, y++;
            V[k] = x;
            hist[d * d + k + d] = x;
            if (x >= (long)n && y >= (long)m) {
                free(v);
                return d;
            }
        }
    }
    free(v);
    return max;                 /* not reached: d = n + m always ends */
}

/* Walk back from (n, m) collecting snakes in reverse order; returns how many. */
static size_t myers_back(size_t n, size_t m, long D, const long *hist, struct snake *out)
{
    long x = (long)n, y = (long)m;
    size_t ns = 0;
    for (long d = D; d >= 0; d--) {
        long k = x - y, sx = 0, px = 0, py = 0;
        if (d > 0) {
            const long *P = hist + (d - 1) * (d - 1) + (d - 1);   /* V_{d-1}[k] = P[k] */
            int down = k == -d || (k != d && P[k - 1] < P[k + 1]);
            long pk = down ? k + 1 : k - 1;
            px = P[pk];
            py = px - pk;
            sx = down ? px : px + 1;
        }
        if (x > sx)
            out[ns++] = (struct snake){ (size_t)sx, (size_t)(sx - k), (size_t)(x - sx) };
        x = px;
        y = py;
    }
    return ns;
}

int myers_diff(size_t n, size_t m, myers_eq_fn eq, myers_run_fn run, void *priv)
{
    size_t max = n + m;
    long *hist = malloc((max + 1) * (max + 1) * sizeof *hist);
    struct snake *s = malloc((max + 1) * sizeof *s);
    int rc = -1;
    if (!hist || !s)
        goto out;
    long D = myers_forward(n, m, eq, priv, hist);
    if (D < 0)
        goto out;
    size_t ns = myers_back(n, m, D, hist, s);
    rc = 0;
    while (ns-- > 0 && rc == 0)
        rc = run(priv, s[ns].x, s[ns].y, s[ns].len);
out:
    free(hist);
    free(s);
    return rc;
}
