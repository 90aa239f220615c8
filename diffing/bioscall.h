/*
 * bioscall: a name for the BIOS call an `int N` instruction makes, from the
 * registers before it and, when given, the registers once execution is back
 * after the int (FACTS.md's table; Ralf Brown's interrupt list; TCG PC Client
 * Implementation Specification for Conventional BIOS, chapter 13, for int 1Ah
 * AH=BBh).  Memory (int 13h AH=42h's DS:SI packet, the E820 entry at ES:DI) is
 * read through a callback and left out when unavailable.  No I/O.
 *
 *   "int 13h AH=42h extended read drive 80h LBA 2048 x1 -> 0000:7c00: ok"
 *   "int 15h E820 entry 3: 0000000000100000-000000001ffdffff type 1 (RAM), next 4"
 *   "int 1ah AX=bb00h TCG_StatusCheck: TPM not present (0x23)"
 */
#ifndef HVT_BIOSCALL_H
#define HVT_BIOSCALL_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

enum bioscall_when { BIOSCALL_BEFORE, BIOSCALL_AFTER };

/* Read len bytes of guest memory at linear addr as it was before the call or
 * after it returned.  0 on success, -1 if not available. */
typedef int (*bioscall_read_fn)(void *priv, enum bioscall_when when, uint64_t addr,
                                void *buf, size_t len);

/* Writes the description; after and rd may be NULL.  Returns its length. */
size_t bioscall_describe(uint8_t vector, const struct hvt_state *before,
                         const struct hvt_state *after, bioscall_read_fn rd, void *priv,
                         char *buf, size_t n);

#endif
