/*
 * memdiff: what changed between two snapshots of the first MiB, labelled.
 * IVT: one item per changed vector, as seg:off with each target described in
 * its own snapshot's layout (`int 15h: f000:f859 -> 0040:00ac (BDA reserved)`).
 * BDA: one item per changed field, with both values.  Elsewhere: ranges of
 * changed bytes (gaps under MEMDIFF_MERGE_GAP joined), split where the region
 * changes, for the report to hexdump.  Items come in address order.  No I/O.
 */
#ifndef HVT_MEMDIFF_H
#define HVT_MEMDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "diffing/memlabel.h"

#define MEMDIFF_MERGE_GAP 16    /* equal bytes that still join two changed ranges */

enum memdiff_kind { MEMDIFF_IVT, MEMDIFF_BDA, MEMDIFF_RANGE };

struct memdiff_item {
    enum memdiff_kind kind;
    uint32_t addr, len;                 /* changed bytes [addr, addr+len) */
    enum memlabel_region region;        /* of addr, in A's layout */
    int vector;                         /* IVT */
    uint16_t a_seg, a_off, b_seg, b_off;
    char a_desc[48], b_desc[48];        /* IVT: memlabel_describe of each target */
    const struct memlabel_field *field; /* BDA */
    uint64_t a_val, b_val;              /* BDA: the field, little-endian (first 8 bytes) */
};

typedef int (*memdiff_emit_fn)(void *priv, const struct memdiff_item *it);

/* Compares a and b (len bytes each, from physical 0).  Returns 0, or the
 * non-zero value emit returned (which stops the comparison). */
int memdiff_compare(const uint8_t *a, const uint8_t *b, size_t len,
                    memdiff_emit_fn emit, void *priv);

/* One line for an IVT item:
 * "int 15h: f000:f859 (BIOS int 15h entry) -> 0040:00ac (BDA reserved)". */
size_t memdiff_format_ivt(const struct memdiff_item *it, char *buf, size_t n);

#endif
