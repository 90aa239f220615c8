/*
 * memlabel: names for addresses in the first MiB of a PC, from the memory map
 * in FACTS.md: IVT vectors, BIOS data area fields, conventional memory (top
 * from the BDA's base-memory word), EBDA (segment from the BDA), VGA, option
 * ROMs (found by their 55 AA signature) and the system BIOS with its fixed
 * IBM-compatible entry points.  The layout is read from one snapshot.  No I/O.
 */
#ifndef HVT_MEMLABEL_H
#define HVT_MEMLABEL_H

#include <stddef.h>
#include <stdint.h>

#define MEMLABEL_MAX_ROMS 16

enum memlabel_region {
    MEMLABEL_IVT, MEMLABEL_BDA, MEMLABEL_CONV, MEMLABEL_BOOT, MEMLABEL_HIDDEN,
    MEMLABEL_EBDA, MEMLABEL_VGA, MEMLABEL_OPTROM, MEMLABEL_ROMSPACE, MEMLABEL_BIOS,
    MEMLABEL_HIGH, MEMLABEL_NREGIONS
};

struct memlabel_layout {
    uint32_t conv_top;          /* base memory KB (BDA 0x413) * 1024 */
    uint32_t ebda;              /* EBDA start (BDA 0x40E segment * 16); 0xA0000 if none */
    uint32_t rom_begin[MEMLABEL_MAX_ROMS], rom_end[MEMLABEL_MAX_ROMS];
    int nroms;
};

/* A field of the BIOS data area (Ralf Brown's MEMORY.LST, segment 0040h). */
struct memlabel_field {
    uint16_t addr;              /* linear, 0x400..0x4ff */
    uint8_t size;               /* bytes */
    const char *name;
};

void memlabel_layout_read(struct memlabel_layout *l, const uint8_t *mem, size_t len);
enum memlabel_region memlabel_region(const struct memlabel_layout *l, uint64_t addr);
const char *memlabel_region_name(enum memlabel_region r);
/* The BDA field holding linear address addr, or NULL outside the BDA. */
const struct memlabel_field *memlabel_bda_field(uint64_t addr);
/* Fields in address order, covering 0x400-0x4ff; *n receives the count. */
const struct memlabel_field *memlabel_bda_fields(size_t *n);
/* "BDA reserved", "BIOS int 15h entry", "option ROM c0000", "EBDA", ... */
size_t memlabel_describe(const struct memlabel_layout *l, uint64_t addr, char *buf,
                         size_t n);

#endif
