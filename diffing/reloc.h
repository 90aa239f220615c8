/*
 * reloc: says once that B runs A's code somewhere else, instead of listing every
 * register that follows from it.  A boot loader that finds memory reserved where
 * it would put a kernel (hv's range, an E820 type 2 entry) puts it higher; the
 * kernel then runs the same instructions at PCs shifted by a constant, with its
 * page tables (CR3), stack (RSP) and descriptor tables (GDTR/IDTR bases) shifted by
 * the same constant.  Pure: tokens, register statistics and memory maps in, one
 * explanation out.  No I/O.
 */
#ifndef HVT_RELOC_H
#define HVT_RELOC_H

#include <stddef.h>
#include <stdint.h>

#include "diffing/align.h"
#include "diffing/regdiff.h"

#define RELOC_MIN_CODE_STEPS 16     /* shorter runs of shifted code prove nothing */
#define RELOC_MAX_E820       64

struct reloc_e820 { uint64_t base, len; uint32_t type; };

struct reloc_map {              /* one side's memory map, as far as known */
    struct reloc_e820 e[RELOC_MAX_E820];
    size_t n;                   /* entries from its E820 calls, in call order */
    uint64_t hv_lo, hv_hi;      /* the range hv hides [lo, hi), 0, 0 if none */
};

struct reloc {
    int found;
    int64_t delta;              /* B's address - A's address */
    uint64_t a_addr;            /* where A has it: first shifted PC, else a field's value */
    uint64_t code_steps;        /* steps of the same code at PCs shifted by delta */
    uint64_t fields;            /* bit (1 << enum hvt_field): fields shifted by delta */
    int e820_index;             /* B's E820 entry that reserves the skipped memory, -1 */
    uint64_t res_lo, res_hi;    /* the reserved range between a_addr and a_addr+delta */
    int res_is_hv;              /* that range is hv's own */
};

/* Same code at shifted PCs: the longest run from the start of a[0..na) and
 * b[0..nb) whose tokens agree in length, mode and control-flow class while their
 * PCs differ by one constant.  Returns its length in steps (0 if the first PCs are
 * equal) and sets *delta. */
uint64_t reloc_code_shift(const struct align_itab *itab, const struct align_token *a,
                          size_t na, const struct align_token *b, size_t nb, int64_t *delta);

/* Explain: delta from shifted code if code_steps >= RELOC_MIN_CODE_STEPS, else the
 * constant difference that most address fields (CR3, RSP, GDTR/IDTR bases) share,
 * at least two of them; then the fields regdiff saw shifted by exactly delta, and
 * the range B has reserved (hv's, or a type-2 E820 entry A's map lacks) that ends
 * between a_addr and a_addr + delta.  Returns r->found. */
int reloc_explain(const struct regdiff *rd, uint64_t code_steps, int64_t code_delta,
                  uint64_t code_a_pc, const struct reloc_map *a, const struct reloc_map *b,
                  struct reloc *r);

/* Drop from r->fields every field that also differs in rd by anything but r->delta
 * (rd: other pairs, e.g. all aligned ones, than those reloc_explain saw). */
void reloc_keep_consistent(struct reloc *r, const struct regdiff *rd);

/* Is field f one reloc explained (skip it in the register lists)? */
int reloc_explains(const struct reloc *r, int field);

/* One sentence: "B runs the same code 0xa00000 higher (N steps at shifted PCs;
 * cr3 rsp shifted alike): placed above hv's reserved range 0x1800000-0x19fffff, see
 * B's E820 entry 4".  Returns the length written ("" when nothing was found). */
size_t reloc_format(const struct reloc *r, char *buf, size_t n);

#endif
