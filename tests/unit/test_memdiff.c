/*
 * test_memdiff: labels on hand-built 1 MiB snapshots shaped like the seed's:
 * A is SeaBIOS at the boot sector (int 15h at f000:f859, 639 KB base memory,
 * EBDA at 9fc0h), B is the same after an XMHF-style hook (int 15h at
 * 0040:00ac over the stub `0f 01 d9 cf`, old vector saved at 0x4b0, base
 * memory lowered to 636 KB).  Values come from FACTS.md and the seed's
 * `x/32wx 0` dumps.
 */
#include "diffing/memdiff.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

#define MIB (1u << 20)

static void put16(uint8_t *m, uint32_t a, uint16_t v)
{
    m[a] = (uint8_t)v;
    m[a + 1] = (uint8_t)(v >> 8);
}

static uint8_t *seabios_snapshot(void)
{
    uint8_t *m = calloc(1, MIB);
    for (int v = 0; v < 256; v++) {
        put16(m, 4 * v, 0xff53);            /* the dummy iret */
        put16(m, 4 * v + 2, 0xf000);
    }
    put16(m, 0x54, 0xf859);                 /* int 15h */
    put16(m, 0x413, 639);
    put16(m, 0x40e, 0x9fc0);
    m[0xc0000] = 0x55; m[0xc0001] = 0xaa; m[0xc0002] = 64;     /* 32 KiB VGA BIOS */
    return m;
}

struct items {
    char text[2048];
    size_t len;
};

static int collect(void *priv, const struct memdiff_item *it)
{
    struct items *o = priv;
    char line[160];
    if (it->kind == MEMDIFF_IVT)
        memdiff_format_ivt(it, line, sizeof line);
    else if (it->kind == MEMDIFF_BDA)
        snprintf(line, sizeof line, "BDA %03x %s: %" PRIx64 " -> %" PRIx64, it->addr,
                 it->field->name, it->a_val, it->b_val);
    else
        snprintf(line, sizeof line, "%05x+%u %s", it->addr, it->len,
                 memlabel_region_name(it->region));
    o->len += (size_t)snprintf(o->text + o->len, sizeof o->text - o->len, "%s\n", line);
    return 0;
}

UNIT_TEST(ivt_and_bda_labels)
{
    uint8_t *a = seabios_snapshot(), *b = seabios_snapshot();
    static const uint8_t stub[4] = { 0x0f, 0x01, 0xd9, 0xcf };
    put16(b, 0x54, 0x00ac);
    put16(b, 0x56, 0x0040);
    memcpy(b + 0x4ac, stub, 4);
    put16(b, 0x4b0, 0xf859);
    put16(b, 0x4b2, 0xf000);
    put16(b, 0x413, 636);
    b[0x7c10] = 0xeb;                       /* boot sector */
    b[0x7c12] = 0x90;                       /* 1 byte apart: one range */
    b[0x9f800] = 1;                         /* conventional in A's layout */
    b[0xb8000] = 'A';                       /* text screen */
    struct items o = { "", 0 };
    CHECK(memdiff_compare(a, b, MIB, collect, &o) == 0);
    CHECK_STR(o.text,
              "int 15h: f000:f859 (BIOS int 15h entry) -> 0040:00ac (BDA reserved)\n"
              "BDA 413 base memory KB: 27f -> 27c\n"
              "BDA 4ac reserved: 0 -> cfd9010f\n"
              "BDA 4b0 reserved: 0 -> f000f859\n"
              "07c10+3 boot sector\n"
              "9f800+1 conventional memory\n"
              "b8000+1 VGA\n");
    free(a);
    free(b);
}

UNIT_TEST(layout_from_snapshot)
{
    uint8_t *m = seabios_snapshot();
    struct memlabel_layout l;
    char buf[64];
    memlabel_layout_read(&l, m, MIB);
    CHECK_EQ_U64(l.conv_top, 639 * 1024);
    CHECK_EQ_U64(l.ebda, 0x9fc00);
    CHECK_EQ_U64(memlabel_region(&l, 0x9fc00), MEMLABEL_EBDA);
    put16(m, 0x413, 636);
    memlabel_layout_read(&l, m, MIB);
    CHECK_EQ_U64(memlabel_region(&l, 0x9f800), MEMLABEL_HIDDEN);
    memlabel_describe(&l, 0xc0100, buf, sizeof buf);
    CHECK_STR(buf, "option ROM c0000");
    memlabel_describe(&l, 0xc8000, buf, sizeof buf);
    CHECK_STR(buf, "option ROM space");
    memlabel_describe(&l, 0xffe6e, buf, sizeof buf);
    CHECK_STR(buf, "BIOS int 1ah entry");
    memlabel_describe(&l, 0x46c, buf, sizeof buf);
    CHECK_STR(buf, "BDA timer ticks");
    memlabel_describe(&l, 0x7c00, buf, sizeof buf);
    CHECK_STR(buf, "boot sector");
    free(m);
}

UNIT_TEST(bda_table_covers_the_bda)
{
    size_t n;
    const struct memlabel_field *f = memlabel_bda_fields(&n);
    uint32_t next = 0x400;
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_U64(f[i].addr, next);
        next += f[i].size;
    }
    CHECK_EQ_U64(next, 0x500);
}

UNIT_MAIN()
