/*
 * tdesc: the target description a gdbstub sends (GDB manual, "Target
 * Descriptions"): which registers exist, their sizes, and so where each sits in
 * the `g` packet.  Nothing about the `g` layout is hard-coded: qemu-system-i386
 * and qemu-system-x86_64 order and size their registers differently.
 *
 * Layout rule (GDB's): a register's number is its `regnum` attribute, else one
 * more than the previous register's; `g` holds the registers in number order,
 * each bitsize/8 bytes, target byte order (little-endian on x86).
 */
#ifndef HVT_TDESC_H
#define HVT_TDESC_H

#include <stddef.h>

#include "common/cpu_state.h"
#include "common/hvt_error.h"

#define TDESC_MAX_REGS 512
#define TDESC_MAX_DEPTH 8       /* xi:include nesting; deeper is taken as a loop */
#define TDESC_MAX_ANNEXES 64    /* documents in all: QEMU uses 2 */

struct tdesc_reg {
    char name[32];
    unsigned bitsize;           /* a multiple of 8 */
    unsigned offset;            /* bytes into the decoded `g` reply */
    unsigned regnum;
};

struct tdesc {
    char arch[64];              /* <architecture>, e.g. "i386:x86-64" */
    struct tdesc_reg *regs;     /* document order */
    size_t nregs;
    size_t g_size;              /* bytes of a full `g` reply (decoded) */
    /* hvt_state field -> index into regs, or -1: filled by tdesc_parse. */
    int field_reg[HVT_NFIELDS];
    unsigned known;             /* HVT_K_* groups the map covers completely */
};

/* Fetch an annex by name ("target.xml", "i386-64bit.xml"): set *data to a
 * malloc'd buffer (freed by tdesc) of *len bytes; 0 or -1 with err filled. */
typedef int (*tdesc_fetch_fn)(void *priv, const char *annex, char **data,
                              size_t *len, hvt_error *err);

/* Parse annex (normally "target.xml") and everything it includes. */
int tdesc_parse(struct tdesc *td, const char *annex, tdesc_fetch_fn fetch,
                void *priv, hvt_error *err);
void tdesc_free(struct tdesc *td);
const struct tdesc_reg *tdesc_find(const struct tdesc *td, const char *name);

/* Decode a `g` reply given as hex digits (2 * g_size of them) into st: the
 * registers of the known groups, zero-extended; other fields zero.  A register
 * the stub marks unavailable ("xx") drops its group from st->known. */
int tdesc_decode_g(const struct tdesc *td, const char *hex, size_t nhex,
                   struct hvt_state *st, hvt_error *err);

#endif
