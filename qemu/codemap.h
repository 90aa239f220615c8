/*
 * codemap: linear PC -> the instruction bytes QEMU last translated there.
 *
 * The log engine learns code from QEMU's `-d in_asm` lines, which QEMU prints
 * whenever it translates an instruction — first execution, and again after a
 * write invalidated the translation (self-modifying or reloaded code).  The
 * latest entry for a PC is therefore the bytes that execute there now.
 * Open addressing with linear probing; grows at half load.
 */
#ifndef HVT_CODEMAP_H
#define HVT_CODEMAP_H

#include <stddef.h>
#include <stdint.h>

struct codemap_entry {
    uint64_t pc;
    uint8_t len;                /* 0: empty slot */
    uint8_t bytes[16];
};

struct codemap {
    struct codemap_entry *slot;
    size_t cap, used;           /* cap is a power of two */
};

void codemap_init(struct codemap *m);
void codemap_free(struct codemap *m);
/* Record (replace) the bytes at pc; -1 if out of memory. */
int codemap_put(struct codemap *m, uint64_t pc, const uint8_t *bytes, size_t len);
/* Append bytes to the entry at pc (QEMU's continuation lines); -1 if none. */
int codemap_extend(struct codemap *m, uint64_t pc, const uint8_t *bytes, size_t len);
/* The bytes at pc, or NULL if QEMU never translated it while we listened. */
const struct codemap_entry *codemap_get(const struct codemap *m, uint64_t pc);

#endif
