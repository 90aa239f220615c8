/*
 * insnmap: in-memory index of instruction bytes by linear pc, mirroring table
 * insn.  The writer asks it whether a step's bytes are new (then a row is added);
 * the reader asks which bytes a pc held at a given step.
 *
 * Each pc has a chain of versions, newest first; versions of one pc must be added
 * in ascending first_step order.
 */
#ifndef HVT_INSNMAP_H
#define HVT_INSNMAP_H

#include <stddef.h>
#include <stdint.h>

struct insnmap_ver {
    uint64_t pc, first_step;
    size_t prev;                /* older version of the same pc, plus 1 (0: none) */
    uint8_t bytes[16];
    uint8_t len, mode;
};

typedef struct insnmap {
    struct insnmap_ver *v;
    size_t n, cap;
    size_t *slots;              /* open addressing: newest version index + 1 */
    size_t nslots;              /* power of two */
} insnmap;

void insnmap_init(insnmap *m);
void insnmap_free(insnmap *m);
/* The version of pc current at step (greatest first_step <= step), or NULL. */
const struct insnmap_ver *insnmap_find(const insnmap *m, uint64_t pc, uint64_t step);
/* Adds a version; returns -1 only when out of memory. */
int insnmap_add(insnmap *m, uint64_t pc, uint64_t first_step, const uint8_t *bytes,
                uint8_t len, uint8_t mode);

#endif
