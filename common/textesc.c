/*
 * textesc: escaping of untrusted text for terminals and JSON (textesc.h).
 * Invariant: the output is valid UTF-8 without C0 (but TAB/LF when kept), DEL
 * or C1 controls, whatever the input; every backslash in it starts \\ or \xNN
 * (but with TEXTESC_RAW_BACKSLASH), so the input can be read back from it.
 */
#include "common/textesc.h"

#include <stdio.h>

/* RFC 3629, section 4: the well-formed byte sequences, which exclude
 * overlong forms, surrogates (U+D800-DFFF) and code points above U+10FFFF. */
int textesc_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    int len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    else return 0;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        unsigned char lim_lo = i == 1 ? lo : 0x80, lim_hi = i == 1 ? hi : 0xbf;
        if (s[i] < lim_lo || s[i] > lim_hi)
            return 0;
    }
    return len;
}

/* C0 (but TAB/LF when kept) and DEL. */
static int is_c0(unsigned char c, int keep_newlines)
{
    if (keep_newlines && (c == '\n' || c == '\t'))
        return 0;
    return c < 0x20 || c == 0x7f;
}

size_t textesc_escape(const unsigned char *in, size_t n, int flags, char *out, size_t cap,
                      size_t *used)
{
    size_t i = 0, o = 0;
    while (i < n) {
        int len = textesc_utf8_len(in + i, n - i);
        if (len < 0 && !(flags & TEXTESC_FINAL))
            break;                          /* wait for the rest */
        int c1 = len == 2 && in[i] == 0xc2 && in[i + 1] < 0xa0;   /* U+0080-U+009F */
        int escape = len <= 0 || c1 || (len == 1 && is_c0(in[i], flags & TEXTESC_KEEP_NEWLINES));
        int bslash = in[i] == '\\' && !(flags & TEXTESC_RAW_BACKSLASH);
        size_t k = escape ? (c1 ? 2 : 1) : (size_t)len;
        if (o + (escape ? TEXTESC_MAX_PER_BYTE * k : k + (size_t)bslash) >= cap)
            break;
        for (size_t j = 0; j < k; j++) {
            if (escape)
                o += (size_t)snprintf(out + o, cap - o, "\\x%02x", in[i + j]);
            else if (bslash)
                out[o++] = '\\', out[o++] = '\\';
            else
                out[o++] = (char)in[i + j];
        }
        i += k;
    }
    out[o] = 0;
    *used = i;
    return o;
}
