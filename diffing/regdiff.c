/*
 * regdiff: accumulates per-field difference statistics over aligned pairs and
 * names control-register bits.
 *
 * Does not decide which pairs are aligned (the caller feeds the pairs of
 * equal hunks) and keeps no per-step list: memory is one record per field,
 * however long the traces.  Invariant: same_pair/same_delta describe every
 * differing pair seen so far, and first_* is the earliest one.
 */
#include "diffing/regdiff.h"

#include <stdio.h>
#include <string.h>

void regdiff_init(struct regdiff *rd)
{
    memset(rd, 0, sizeof *rd);
}

/* A pair where the field differs (va != vb). */
static void field_differs(struct regdiff_field *f, uint64_t as, uint64_t va,
                          uint64_t bs, uint64_t vb)
{
    if (!f->differ++) {
        f->first_a = as;
        f->first_b = bs;
        f->a = va;
        f->b = vb;
        f->same_pair = f->same_delta = 1;
        return;
    }
    if (va != f->a || vb != f->b)
        f->same_pair = 0;
    if (vb - va != f->b - f->a)
        f->same_delta = 0;
}

/* The fields (bit per enum hvt_field) of the groups in `known`. */
static uint64_t known_fields(uint32_t known)
{
    static uint64_t cache[HVT_K_CSBASE * 2];
    static uint8_t done[HVT_K_CSBASE * 2];
    uint32_t k = known & (HVT_K_CSBASE * 2 - 1);
    if (!done[k]) {
        for (int i = 0; i < HVT_NFIELDS; i++)
            if (k & (uint32_t)hvt_field_group((enum hvt_field)i))
                cache[k] |= 1ull << i;
        done[k] = 1;
    }
    return cache[k];
}

/* The fields (bit per enum hvt_field) a and b differ in: eight at a time,
 * field by field only in a group that differs (most pairs differ in few). */
static uint64_t differing(const struct hvt_state *a, const struct hvt_state *b)
{
    uint64_t diff = 0;
    for (int g = 0; g < HVT_NFIELDS; g += 8) {
        int end = g + 8 < HVT_NFIELDS ? g + 8 : HVT_NFIELDS;
        uint64_t x = 0;
        for (int i = g; i < end; i++)
            x |= a->f[i] ^ b->f[i];
        for (int i = g; x && i < end; i++)
            diff |= (uint64_t)(a->f[i] != b->f[i]) << i;
    }
    return diff;
}

void regdiff_differs(struct regdiff *rd, uint64_t a_step, const struct hvt_state *a,
                     uint64_t b_step, const struct hvt_state *b)
{
    uint64_t diff = differing(a, b);
    for (uint64_t x = diff & known_fields(a->known & b->known); x; x &= x - 1) {
        int i = __builtin_ctzll(x);
        field_differs(&rd->f[i], a_step, a->f[i], b_step, b->f[i]);
    }
}

void regdiff_count(struct regdiff *rd, uint32_t known, uint64_t n)
{
    rd->pairs += n;
    for (uint64_t x = known_fields(known); x; x &= x - 1)
        rd->f[__builtin_ctzll(x)].compared += n;
}

void regdiff_add(struct regdiff *rd, uint64_t a_step, const struct hvt_state *a,
                 uint64_t b_step, const struct hvt_state *b)
{
    regdiff_differs(rd, a_step, a, b_step, b);
    regdiff_count(rd, a->known & b->known, 1);
}

enum regdiff_kind regdiff_classify(const struct regdiff_field *f)
{
    if (!f->differ)
        return REGDIFF_SAME;
    if (f->differ == f->compared && f->same_pair)
        return REGDIFF_PERSISTENT;
    if (f->differ == f->compared && f->same_delta)
        return REGDIFF_OFFSET;
    return REGDIFF_TRANSIENT;
}

static const char *const cr0_bits[32] = {
    [0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET", [5] = "NE",
    [16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG",
};
static const char *const cr4_bits[32] = {
    [0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE", [5] = "PAE",
    [6] = "MCE", [7] = "PGE", [8] = "PCE", [9] = "OSFXSR", [10] = "OSXMMEXCPT",
    [11] = "UMIP", [12] = "LA57", [13] = "VMXE", [14] = "SMXE", [16] = "FSGSBASE",
    [17] = "PCIDE", [18] = "OSXSAVE", [20] = "SMEP", [21] = "SMAP", [22] = "PKE",
    [23] = "CET", [24] = "PKS",
};
static const char *const eflags_bits[32] = {
    [0] = "CF", [1] = "", [2] = "PF", [4] = "AF", [6] = "ZF", [7] = "SF", [8] = "TF", [9] = "IF",
    [10] = "DF", [11] = "OF", [12] = "IOPL0", [13] = "IOPL1", [14] = "NT", [16] = "RF",
    [17] = "VM", [18] = "AC", [19] = "VIF", [20] = "VIP", [21] = "ID",
};
/* AMD APM vol 2, 3.1.7 "Extended Feature Enable Register". */
static const char *const efer_bits[32] = {
    [0] = "SCE", [8] = "LME", [10] = "LMA", [11] = "NXE", [12] = "SVME",
    [13] = "LMSLE", [14] = "FFXSR", [15] = "TCE",
};

static const char *const *bit_table(enum hvt_field f)
{
    switch (f) {
    case HVT_CR0: return cr0_bits;
    case HVT_CR4: return cr4_bits;
    case HVT_EFLAGS: return eflags_bits;
    case HVT_EFER: return efer_bits;
    default: return NULL;
    }
}

/* Appends " name" for each set bit of v; unnamed bits as "bitN"; a name ""
 * (EFLAGS bit 1, always set) is not shown. */
static size_t put_bits(const char *const *t, uint64_t v, const char *sign,
                       char *buf, size_t n, size_t o)
{
    for (int i = 0; i < 64; i++) {
        if (!(v >> i & 1) || (i < 32 && t[i] && !t[i][0]))
            continue;
        int w = (i < 32 && t[i]) ? snprintf(buf + o, o < n ? n - o : 0, "%s%s%s",
                                            o ? " " : "", sign, t[i])
                                 : snprintf(buf + o, o < n ? n - o : 0, "%s%sbit%d",
                                            o ? " " : "", sign, i);
        o += (size_t)w;
    }
    return o;
}

size_t regdiff_bits(enum hvt_field f, uint64_t v, char *buf, size_t n)
{
    const char *const *t = bit_table(f);
    if (n)
        buf[0] = 0;
    if (!t)
        return 0;
    size_t o = put_bits(t, v, "", buf, n, 0);
    if (!o)
        o = (size_t)snprintf(buf, n, "-");
    return o;
}

size_t regdiff_bits_change(enum hvt_field f, uint64_t a, uint64_t b, char *buf, size_t n)
{
    const char *const *t = bit_table(f);
    if (n)
        buf[0] = 0;
    if (!t)
        return 0;
    size_t o = put_bits(t, b & ~a, "+", buf, n, 0);
    return put_bits(t, a & ~b, "-", buf, n, o);
}
