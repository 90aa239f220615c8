/*
 * fuzz_tdesc: arbitrary target descriptions.  The input is split at its first
 * NUL into target.xml and a second document that every other annex name
 * returns (so includes, include loops and depth limits are reached); a parsed
 * description must have a consistent layout, and decoding a `g` reply of the
 * size it claims (taken from the input, padded with "xx") must work.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/tdesc.h"

struct docs { const char *a; size_t alen; const char *b; size_t blen; };

static int fetch(void *priv, const char *annex, char **data, size_t *len,
                 hvt_error *err)
{
    const struct docs *d = priv;
    int first = strcmp(annex, "target.xml") == 0;
    const char *src = first ? d->a : d->b;
    size_t n = first ? d->alen : d->blen;
    *data = malloc(n + 1);
    if (!*data)
        return hvt_error_set(err, "oom");
    memcpy(*data, src, n);
    *len = n;
    return 0;
}

static void check_layout(const struct tdesc *td)
{
    size_t total = 0;
    for (size_t i = 0; i < td->nregs; i++) {
        const struct tdesc_reg *r = &td->regs[i];
        if (r->bitsize == 0 || r->bitsize % 8 || r->offset + r->bitsize / 8 > td->g_size)
            abort();
        total += r->bitsize / 8;
    }
    if (total != td->g_size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, 0, size);
    struct docs d = { s, nul ? (size_t)(nul - s) : size, nul ? nul + 1 : "",
                      nul ? size - (size_t)(nul - s) - 1 : 0 };
    struct tdesc td;
    hvt_error err = { "" };
    if (tdesc_parse(&td, "target.xml", fetch, &d, &err) < 0) {
        if (!err.msg[0])
            abort();            /* every failure must say why */
        return 0;
    }
    check_layout(&td);
    size_t n = 2 * td.g_size;
    char *hex = malloc(n + 1);
    if (hex) {
        for (size_t i = 0; i < n; i++)
            hex[i] = i < size ? "0123456789abcdefx"[data[i] % 17] : 'x';
        struct hvt_state st;
        if (tdesc_decode_g(&td, hex, n, &st, &err) < 0 || (st.known & ~td.known))
            abort();
        free(hex);
    }
    tdesc_free(&td);
    return 0;
}
