/*
 * memlabel: region and field names for real-mode addresses.
 *
 * The region boundaries that move (top of base memory, EBDA, option ROMs)
 * come from the snapshot itself, so a hypervisor that lowers the base-memory
 * word is labelled by its own layout.  Fixed BIOS entry points are those of
 * the IBM PC/AT BIOS that SeaBIOS keeps at the same offsets (its
 * src/romlayout.S places them with fixed ORGs); FACTS.md lists the ones the
 * seed log met.  Invariant: every address below 1 MiB has exactly one region.
 */
#include "diffing/memlabel.h"

#include <stdio.h>
#include <string.h>

#define MEMLABEL_ROM_STEP 0x800         /* option ROMs start on 2 KiB boundaries */

static const struct memlabel_field bda[] = {
    { 0x400, 8, "COM1-4 ports" }, { 0x408, 6, "LPT1-3 ports" },
    { 0x40e, 2, "EBDA segment" }, { 0x410, 2, "equipment list" },
    { 0x412, 1, "manufacturing test" }, { 0x413, 2, "base memory KB" },
    { 0x415, 2, "reserved" }, { 0x417, 1, "keyboard flags 1" },
    { 0x418, 1, "keyboard flags 2" }, { 0x419, 1, "alt-keypad work" },
    { 0x41a, 2, "keyboard buffer head" }, { 0x41c, 2, "keyboard buffer tail" },
    { 0x41e, 32, "keyboard buffer" }, { 0x43e, 1, "floppy recalibrate" },
    { 0x43f, 1, "floppy motor status" }, { 0x440, 1, "floppy motor timeout" },
    { 0x441, 1, "floppy last status" }, { 0x442, 7, "floppy controller status" },
    { 0x449, 1, "video mode" }, { 0x44a, 2, "video columns" },
    { 0x44c, 2, "video page size" }, { 0x44e, 2, "video page offset" },
    { 0x450, 16, "cursor positions" }, { 0x460, 2, "cursor shape" },
    { 0x462, 1, "active video page" }, { 0x463, 2, "CRTC port" },
    { 0x465, 1, "CRT mode select" }, { 0x466, 1, "CGA palette" },
    { 0x467, 4, "POST reset vector" }, { 0x46b, 1, "last unexpected interrupt" },
    { 0x46c, 4, "timer ticks" }, { 0x470, 1, "timer overflow" },
    { 0x471, 1, "ctrl-break flag" }, { 0x472, 2, "soft reset flag" },
    { 0x474, 1, "hard disk last status" }, { 0x475, 1, "hard disk count" },
    { 0x476, 1, "hard disk control" }, { 0x477, 1, "hard disk port offset" },
    { 0x478, 4, "LPT timeouts" }, { 0x47c, 4, "COM timeouts" },
    { 0x480, 2, "keyboard buffer start" }, { 0x482, 2, "keyboard buffer end" },
    { 0x484, 1, "video rows" }, { 0x485, 2, "character height" },
    { 0x487, 1, "video control" }, { 0x488, 1, "video switches" },
    { 0x489, 1, "VGA flags" }, { 0x48a, 1, "VGA DCC index" },
    { 0x48b, 1, "floppy data rate" }, { 0x48c, 1, "hard disk status" },
    { 0x48d, 1, "hard disk error" }, { 0x48e, 1, "hard disk interrupt flag" },
    { 0x48f, 1, "floppy drive info" }, { 0x490, 4, "floppy media state" },
    { 0x494, 2, "floppy current track" }, { 0x496, 1, "keyboard flags 3" },
    { 0x497, 1, "keyboard LED flags" }, { 0x498, 4, "user wait flag pointer" },
    { 0x49c, 4, "user wait count" }, { 0x4a0, 1, "wait active flag" },
    { 0x4a1, 7, "reserved (network)" }, { 0x4a8, 4, "video save pointer table" },
    { 0x4ac, 4, "reserved" }, { 0x4b0, 64, "reserved" },
    { 0x4f0, 16, "inter-application area" },
};

/* Fixed entry points of the PC/AT BIOS segment F000h. */
static const struct { uint16_t off; const char *name; } bios_entries[] = {
    { 0xe05b, "POST" }, { 0xe2c3, "NMI" }, { 0xe3fe, "int 13h entry" },
    { 0xe6f2, "int 19h entry" }, { 0xe739, "int 14h entry" },
    { 0xe82e, "int 16h entry" }, { 0xe987, "int 09h entry" },
    { 0xec59, "int 40h entry" }, { 0xef57, "int 0eh entry" },
    { 0xefd2, "int 17h entry" }, { 0xf065, "int 10h entry" },
    { 0xf841, "int 12h entry" }, { 0xf84d, "int 11h entry" },
    { 0xf859, "int 15h entry" }, { 0xfe6e, "int 1ah entry" },
    { 0xfea5, "int 08h entry" }, { 0xff53, "dummy iret" },
    { 0xff54, "int 05h entry" }, { 0xfff0, "reset vector" },
};

static const char *const region_names[MEMLABEL_NREGIONS] = {
    "IVT", "BDA", "conventional memory", "boot sector", "above base memory", "EBDA",
    "VGA", "option ROM", "option ROM space", "BIOS", "above 1 MiB",
};

static uint32_t rd16(const uint8_t *m, uint32_t a)
{
    return (uint32_t)m[a] | (uint32_t)m[a + 1] << 8;
}

static void find_roms(struct memlabel_layout *l, const uint8_t *mem, size_t len)
{
    for (uint32_t a = 0xc0000; a < 0xf0000 && a + 3 <= len; ) {
        uint32_t size = mem[a + 2] * 512u;
        if (mem[a] == 0x55 && mem[a + 1] == 0xaa && size && l->nroms < MEMLABEL_MAX_ROMS) {
            l->rom_begin[l->nroms] = a;
            l->rom_end[l->nroms++] = a + size;
            a += (size + MEMLABEL_ROM_STEP - 1) / MEMLABEL_ROM_STEP * MEMLABEL_ROM_STEP;
        } else {
            a += MEMLABEL_ROM_STEP;
        }
    }
}

void memlabel_layout_read(struct memlabel_layout *l, const uint8_t *mem, size_t len)
{
    memset(l, 0, sizeof *l);
    l->conv_top = 0xa0000;
    l->ebda = 0xa0000;
    if (len < 0x500)
        return;
    uint32_t top = rd16(mem, 0x413) * 1024u, ebda = rd16(mem, 0x40e) * 16u;
    if (top >= 0x7e00 && top <= 0xa0000)
        l->conv_top = top;
    if (ebda >= l->conv_top && ebda < 0xa0000)
        l->ebda = ebda;
    find_roms(l, mem, len);
}

enum memlabel_region memlabel_region(const struct memlabel_layout *l, uint64_t a)
{
    if (a < 0x400) return MEMLABEL_IVT;
    if (a < 0x500) return MEMLABEL_BDA;
    if (a >= 0x7c00 && a < 0x7e00) return MEMLABEL_BOOT;
    if (a < l->conv_top) return MEMLABEL_CONV;
    if (a < l->ebda) return MEMLABEL_HIDDEN;
    if (a < 0xa0000) return MEMLABEL_EBDA;
    if (a < 0xc0000) return MEMLABEL_VGA;
    if (a >= 0x100000) return MEMLABEL_HIGH;
    if (a >= 0xf0000) return MEMLABEL_BIOS;
    for (int r = 0; r < l->nroms; r++)
        if (a >= l->rom_begin[r] && a < l->rom_end[r])
            return MEMLABEL_OPTROM;
    return MEMLABEL_ROMSPACE;
}

const char *memlabel_region_name(enum memlabel_region r)
{
    return (unsigned)r < MEMLABEL_NREGIONS ? region_names[r] : "?";
}

const struct memlabel_field *memlabel_bda_fields(size_t *n)
{
    *n = sizeof bda / sizeof bda[0];
    return bda;
}

const struct memlabel_field *memlabel_bda_field(uint64_t a)
{
    for (size_t i = 0; i < sizeof bda / sizeof bda[0]; i++)
        if (a >= bda[i].addr && a < (uint64_t)bda[i].addr + bda[i].size)
            return &bda[i];
    return NULL;
}

static const char *bios_entry(uint64_t a)
{
    for (size_t i = 0; i < sizeof bios_entries / sizeof bios_entries[0]; i++)
        if (a == 0xf0000u + bios_entries[i].off)
            return bios_entries[i].name;
    return NULL;
}

size_t memlabel_describe(const struct memlabel_layout *l, uint64_t a, char *buf, size_t n)
{
    enum memlabel_region r = memlabel_region(l, a);
    const char *name = region_names[r];
    if (r == MEMLABEL_IVT)
        return (size_t)snprintf(buf, n, "IVT int %02xh", (unsigned)(a / 4));
    if (r == MEMLABEL_BDA)
        return (size_t)snprintf(buf, n, "BDA %s", memlabel_bda_field(a)->name);
    if (r == MEMLABEL_BIOS && bios_entry(a))
        return (size_t)snprintf(buf, n, "BIOS %s", bios_entry(a));
    for (int i = 0; r == MEMLABEL_OPTROM && i < l->nroms; i++)
        if (a >= l->rom_begin[i] && a < l->rom_end[i])
            return (size_t)snprintf(buf, n, "option ROM %05x", l->rom_begin[i]);
    return (size_t)snprintf(buf, n, "%s", name);
}
