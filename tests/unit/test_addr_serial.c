/* Unit tests for tracer/addr (user addresses) and tracer/serial (line stamping). */
#include "tracer/addr.h"
#include "tracer/serial.h"
#include "tests/unit/unit.h"

UNIT_TEST(linear_addresses_are_hex)
{
    struct hvt_addr a;
    CHECK(addr_parse("0x7c00", &a, NULL) == 0 && a.linear == 0x7c00 && !a.has_seg);
    CHECK(addr_parse("7c00", &a, NULL) == 0 && a.linear == 0x7c00);
    CHECK(addr_parse("f7d06h", &a, NULL) == 0 && a.linear == 0xf7d06);
}

UNIT_TEST(seg_off_gives_pair)
{
    struct hvt_addr a;
    CHECK(addr_parse("f000:fff0", &a, NULL) == 0);
    CHECK(a.has_seg && a.seg == 0xf000 && a.off == 0xfff0);
    CHECK_EQ_U64(a.linear, 0xffff0);
    CHECK(addr_parse("0040:00ac", &a, NULL) == 0 && a.linear == 0x4ac);
}

UNIT_TEST(bad_addresses_name_the_input)
{
    struct hvt_addr a;
    hvt_error e = { "" };
    CHECK(addr_parse("12345:0", &a, &e) == -1);
    CHECK(strstr(e.msg, "12345:0") != NULL);
    CHECK(addr_parse("", &a, NULL) == -1);
    CHECK(addr_parse("0x", &a, NULL) == -1);
    CHECK(addr_parse("7c0g", &a, NULL) == -1);
    CHECK(addr_parse("0:", &a, NULL) == -1);
}

UNIT_TEST(seg_off_match_rejects_other_cs)
{
    struct hvt_addr a;
    addr_parse("0000:7c00", &a, NULL);
    struct hvt_state s = { .known = HVT_K_GPR | HVT_K_SEL };
    s.f[HVT_CS_SEL] = 0x07c0; s.f[HVT_RIP] = 0;        /* same linear, other CS:IP */
    CHECK(!addr_matches(&a, &s));
    s.f[HVT_CS_SEL] = 0; s.f[HVT_RIP] = 0x7c00;
    CHECK(addr_matches(&a, &s));
    addr_parse("7c00", &a, NULL);
    s.f[HVT_CS_SEL] = 0x07c0; s.f[HVT_RIP] = 0;
    CHECK(addr_matches(&a, &s));
}

struct got { int n; uint64_t step[4]; char line[4][32]; };
static int collect(void *ctx, uint64_t step, const char *line)
{
    struct got *g = ctx;
    g->step[g->n] = step;
    snprintf(g->line[g->n++], 32, "%s", line);
    return 0;
}

UNIT_TEST(serial_lines_carry_the_completing_step)
{
    struct serial_lines s;
    struct got g = { 0 };
    serial_init(&s, collect, &g);
    serial_feed(&s, 10, "HVT-BE", 6);
    serial_feed(&s, 12, "GIN\r\nX", 6);
    serial_feed(&s, 20, "Y\n", 2);
    serial_feed(&s, 30, "tail", 4);
    serial_flush(&s, 31);
    CHECK_EQ_U64(g.n, 3);
    CHECK_STR(g.line[0], "HVT-BEGIN");
    CHECK_EQ_U64(g.step[0], 12);
    CHECK_STR(g.line[1], "XY");
    CHECK_EQ_U64(g.step[1], 20);
    CHECK_STR(g.line[2], "tail");
}

UNIT_MAIN()
