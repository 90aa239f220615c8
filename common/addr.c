/*
 * addr: parse user addresses and match them against CPU state (see addr.h).
 * Numbers are hex by default, as in every BIOS listing and in the seed log;
 * "0x" and a trailing "h" are accepted.  Decimal is not: "1043" is 0x1043.
 */
#include "common/addr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int parse_hex(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, n -= 2;
    else if (n >= 2 && (s[n - 1] == 'h' || s[n - 1] == 'H'))
        n--;
    if (n == 0 || n > 16)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower(s[i]) - 'a' + 10);
        v = v * 16 + (uint64_t)d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int addr_parse(const char *s, struct hvt_addr *out, hvt_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", s);
    const char *colon = strchr(s, ':');
    uint64_t seg, off;
    if (!colon) {
        if (parse_hex(s, strlen(s), UINT64_MAX, &out->linear))
            return hvt_error_set(err, "bad address '%s' (want hex linear or SEG:OFF)", s);
        return 0;
    }
    if (parse_hex(s, (size_t)(colon - s), 0xffff, &seg) ||
        parse_hex(colon + 1, strlen(colon + 1), 0xffffffff, &off))
        return hvt_error_set(err, "bad address '%s' (want SEG:OFF, e.g. 0000:7c00)", s);
    out->has_seg = 1;
    out->seg = (uint16_t)seg;
    out->off = (uint32_t)off;
    out->linear = seg * 16 + off;
    return 0;
}

int addr_matches(const struct hvt_addr *a, const struct hvt_state *s)
{
    if (a->has_seg)
        return s->f[HVT_CS_SEL] == a->seg && (s->f[HVT_RIP] & 0xffffffff) == a->off;
    return hvt_state_pc(s) == a->linear;
}
