/*
 * recipe_breaks: what a recorder that cannot stop at every step (the log
 * engine: QEMU logs the states while the VM runs, the gdbstub stops it only at
 * breakpoints) needs to run a recipe: whether the recipe can run that way, and
 * where to stop so its memory reads and snapshots see the right moment.
 *
 * Such a recipe keeps every step, has no watch rule (a watch compares memory
 * after every instruction) and fires only on `int N` (stop at the handler's
 * entry, IVT[N]'s target: the step after the call), `addr ADDR` (stop there) and
 * `end`; a call's `return:` list runs at a stop on its return address.  Memory
 * at an `int` trigger is read at the handler's entry: after the int pushed its
 * 6-byte frame, otherwise as before it.  Pure: addresses in, addresses out.
 */
#include "recipes/recipe_int.h"

int recipe_runs_at_breakpoints(const struct recipe *r, const char **why)
{
    if (!r->keep_all)
        return *why = "it keeps only windows of steps", 0;
    for (int i = 0; i < r->nrules; i++) {
        int k = r->rules[i].trig.kind;
        if (k == RCP_T_WATCH)
            return *why = "a watch compares memory after every instruction", 0;
        if (k != RCP_T_INT && k != RCP_T_ADDR && k != RCP_T_END)
            return *why = "a trigger other than int, addr or end has no breakpoint", 0;
    }
    return 1;
}

size_t recipe_trigger_vectors(const struct recipe *r, uint8_t *v, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < r->nrules && n < max; i++) {
        if (r->rules[i].trig.kind != RCP_T_INT)
            continue;
        size_t k = 0;
        while (k < n && v[k] != r->rules[i].trig.vector)
            k++;
        if (k == n)
            v[n++] = r->rules[i].trig.vector;
    }
    return n;
}

size_t recipe_trigger_addrs(const struct recipe *r, const struct hvt_addr **a, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < r->nrules && n < max; i++)
        if (r->rules[i].trig.kind == RCP_T_ADDR)
            a[n++] = &r->rules[i].trig.addr;
    return n;
}
