/* Unit tests for common/addr (user addresses), record/serial (line stamping)
 * and record/serial_thr (which instructions send a byte: PC16550D register
 * table, RBIL ports 03F8-03FF, SDM vol 2B OUT/OUTS). */
#include "common/addr.h"
#include "record/serial.h"
#include "record/serial_thr.h"
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

struct got { int n; uint64_t step[8]; char line[8][32]; size_t len[8]; };
static int collect(void *ctx, uint64_t step, const char *line, size_t len)
{
    struct got *g = ctx;
    g->step[g->n] = step;
    g->len[g->n] = len;
    memcpy(g->line[g->n++], line, len + 1 < 32 ? len + 1 : 32);
    return 0;
}

/* The line rule (serial.h): LF ends a line, a CR right before or after it is
 * part of the end; every other byte, CR and NUL included, is the line's.  The
 * truth: the lines joined with "\n" give back the bytes sent without the CRs
 * of CR LF and LF CR.  Fed one byte at a time, as the log engine's matching
 * does ("x\r\n\r\rlead": the CR after the LF ends x's line too, the next
 * one starts lead's). */
UNIT_TEST(serial_keeps_every_byte_but_the_line_ends)
{
    static const char sent[] = "BS\rCR\r\ntwo\r\r\nx\r\n\r\rlead\nlf\n\r\nn\0l\r\ntail\r";
    static const char *want[] = { "BS\rCR", "two\r", "x", "\rlead", "lf", "", "n\0l", "tail\r" };
    static const size_t wlen[] = { 5, 4, 1, 5, 2, 0, 3, 5 };
    struct serial_lines s;
    struct got g = { 0 };
    serial_init(&s, collect, &g);
    for (size_t i = 0; i < sizeof sent - 1; i++)
        serial_feed(&s, i, sent + i, 1);
    CHECK_EQ_U64(g.n, 7);               /* "tail\r" waits for its end */
    serial_flush(&s, 99);
    CHECK_EQ_U64(g.n, 8);
    for (int i = 0; i < 8; i++)
        if (g.len[i] != wlen[i] || memcmp(g.line[i], want[i], wlen[i]))
            UNIT_FAIL("line %d: %zu bytes, want %zu", i, g.len[i], wlen[i]);
    CHECK_EQ_U64(g.step[0], 6);         /* the LF's step, not the CR's */
    CHECK_EQ_U64(g.step[7], 99);
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

/* Bytes read before or after the trace shows their `out`: each is stamped
 * with its own step either way. */
UNIT_TEST(serial_bytes_take_the_steps_that_sent_them)
{
    struct serial_lines s;
    struct got g = { 0 };
    serial_init(&s, collect, &g);
    serial_hold(&s, "AB\nC", 4);       /* QEMU ran ahead of its log */
    serial_sent(&s, 100);
    serial_sent(&s, 111);
    CHECK_EQ_U64(g.n, 0);
    serial_sent(&s, 122);               /* the '\n' */
    CHECK_EQ_U64(g.n, 1);
    CHECK_STR(g.line[0], "AB");
    CHECK_EQ_U64(g.step[0], 122);
    serial_sent(&s, 130);               /* 'C' */
    serial_sent(&s, 140);               /* the log is ahead now */
    serial_hold(&s, "\n", 1);
    CHECK_EQ_U64(g.n, 2);
    CHECK_EQ_U64(g.step[1], 140);
    serial_hold(&s, "xyz\n", 4);        /* nothing in the trace sent these */
    serial_settle(&s, 150);
    CHECK_EQ_U64(g.n, 3);
    CHECK_STR(g.line[2], "xyz");
    CHECK_EQ_U64(g.step[2], 150);
    serial_sent(&s, 160);               /* settle forgot nothing it should keep */
    serial_hold(&s, "q\n", 2);
    serial_settle(&s, 170);
    CHECK_EQ_U64(g.step[3], 170);
    serial_free(&s);
}

static struct hvt_step out_step(int mode, const char *bytes, int n, uint64_t ax, uint64_t dx)
{
    struct hvt_step s = { .mode = (uint8_t)mode, .insn_len = (uint8_t)n };
    memcpy(s.insn, bytes, (size_t)n);
    s.st.f[HVT_RAX] = ax;
    s.st.f[HVT_RDX] = dx;
    return s;
}

UNIT_TEST(serial_thr_counts_bytes_leaving_the_uart)
{
    struct serial_thr t;
    serial_thr_init(&t, SERIAL_THR_COM1);
    struct hvt_step o = out_step(HVT_MODE_16, "\xee", 1, 'A', 0x3f8);
    CHECK_EQ_U64(serial_thr_step(&t, &o), 1);
    struct hvt_step lcr = out_step(HVT_MODE_16, "\xee", 1, 0x80, 0x3fb);   /* DLAB=1 */
    CHECK_EQ_U64(serial_thr_step(&t, &lcr), 0);
    CHECK_EQ_U64(serial_thr_step(&t, &o), 0);       /* divisor latch, not THR */
    lcr.st.f[HVT_RAX] = 0x03;                       /* 8N1, DLAB=0 */
    serial_thr_step(&t, &lcr);
    CHECK_EQ_U64(serial_thr_step(&t, &o), 1);
    struct hvt_step mcr = out_step(HVT_MODE_16, "\xee", 1, 0x10, 0x3fc);   /* loopback */
    serial_thr_step(&t, &mcr);
    CHECK_EQ_U64(serial_thr_step(&t, &o), 0);
    mcr.st.f[HVT_RAX] = 0x0b;
    serial_thr_step(&t, &mcr);
    struct hvt_step other = out_step(HVT_MODE_16, "\xee", 1, 'A', 0x2f8);  /* COM2 */
    CHECK_EQ_U64(serial_thr_step(&t, &other), 0);
    struct hvt_step imm = out_step(HVT_MODE_16, "\xe6\xf8", 2, 'A', 0x3f8); /* port f8 */
    CHECK_EQ_U64(serial_thr_step(&t, &imm), 0);
    struct hvt_step outsb = out_step(HVT_MODE_16, "\xf3\x6e", 2, 0, 0x3f8);
    CHECK_EQ_U64(serial_thr_step(&t, &outsb), 1);   /* one byte per iteration */
    struct hvt_step outw = out_step(HVT_MODE_16, "\xef", 1, 0x0341, 0x3f8);
    CHECK_EQ_U64(serial_thr_step(&t, &outw), 1);    /* AL to THR, AH to IER */
    struct hvt_step outd = out_step(HVT_MODE_16, "\x66\xef", 2, 0x80000041u, 0x3f8);
    CHECK_EQ_U64(serial_thr_step(&t, &outd), 1);    /* EAX: byte 3 lands in LCR */
    CHECK_EQ_U64(serial_thr_step(&t, &o), 0);       /* ... which set DLAB */
    struct hvt_step in = out_step(HVT_MODE_16, "\xec", 1, 0, 0x3f8);        /* in, not out */
    CHECK_EQ_U64(serial_thr_step(&t, &in), 0);
}

/* Two writers on one UART: hv logs a whole line while the guest is half-way
 * through its own; each line comes out whole, stamped with its last byte. */
UNIT_TEST(serial_writers_keep_their_own_lines)
{
    struct serial_lines s;
    struct got g = { 0 };
    serial_init(&s, collect, &g);
    serial_feed(&s, 10, "A20 2403", 8);
    serial_feed_from(&s, 11, SERIAL_HV, "CPU(0x00): Intercept\n", 21);
    serial_feed(&s, 12, " AX=0003\n", 9);
    CHECK_EQ_U64(g.n, 2);
    CHECK_STR(g.line[0], "CPU(0x00): Intercept");
    CHECK_EQ_U64(g.step[0], 11);
    CHECK_STR(g.line[1], "A20 2403 AX=0003");
    CHECK_EQ_U64(g.step[1], 12);
    /* The same bytes read ahead of the trace, matched with their writers. */
    serial_hold(&s, "ab", 2);
    serial_sent(&s, 20);                /* 'a', the guest */
    serial_sent_from(&s, 21, SERIAL_HV);    /* 'b', hv */
    serial_hold(&s, "\n\n", 2);
    serial_sent(&s, 22);
    serial_sent_from(&s, 23, SERIAL_HV);
    CHECK_EQ_U64(g.n, 4);
    CHECK_STR(g.line[2], "a");
    CHECK_EQ_U64(g.step[2], 22);
    CHECK_STR(g.line[3], "b");
    CHECK_EQ_U64(g.step[3], 23);
    serial_feed_from(&s, 30, SERIAL_HV, "h", 1);
    serial_feed(&s, 31, "g", 1);
    serial_flush(&s, 32);               /* the guest's unterminated line first */
    CHECK_STR(g.line[4], "g");
    CHECK_STR(g.line[5], "h");
    serial_free(&s);
}

UNIT_MAIN()
