/*
 * test_calls_unanchored: BIOS calls before the anchor paired in order
 * (compare/calls_unanchored.c).  Built as the lead's real pair shows them:
 * SeaBIOS's banner printed with int 10h teletype in both runs, 14 steps apart,
 * with one timer int 1Ch more in B; the same call pairs with the same call,
 * the extra one has no peer, a call answered differently pairs with its
 * counterpart; calls after the anchor (paired by alignment) are left alone.
 */
#include "compare/compare.h"
#include "tests/unit/unit.h"

static struct report_diff d;
static struct report_call calls[2][8];

static void call(int k, size_t i, uint64_t step, const char *text)
{
    struct report_call *c = &calls[k][i];
    memset(c, 0, sizeof *c);
    c->step = step;
    c->peer = -1;
    snprintf(c->text, sizeof c->text, "%s", text);
    d.side[k].ncalls = i + 1;
    d.side[k].calls = calls[k];
}

UNIT_TEST(same_banner_pairs_in_order)
{
    memset(&d, 0, sizeof d);
    d.anchored = 1;
    d.side[0].anchor = 6760952;
    d.side[1].anchor = 6760966;
    call(0, 0, 2102400, "int 10h AH=00h set video mode 03h");
    call(0, 1, 2139468, "int 10h AH=0eh teletype 'S'");
    call(0, 2, 2140265, "int 10h AH=0eh teletype 'e'");
    call(0, 3, 2200000, "int 13h AH=02h read drive 80h: ok");
    call(0, 4, 6800000, "int 10h AH=0eh teletype 'G'");     /* after the anchor */
    call(1, 0, 2102414, "int 10h AH=00h set video mode 03h");
    call(1, 1, 2139482, "int 10h AH=0eh teletype 'S'");
    call(1, 2, 2140000, "int 1ch AX=0000h");                 /* the timer, in B only */
    call(1, 3, 2140279, "int 10h AH=0eh teletype 'e'");
    call(1, 4, 2200014, "int 13h AH=02h read drive 80h: error 80h");
    call(1, 5, 6800014, "int 10h AH=0eh teletype 'G'");
    report_pair_unanchored(&d);
    CHECK_EQ_U64((uint64_t)calls[0][0].peer, 0);
    CHECK_EQ_U64((uint64_t)calls[0][1].peer, 1);
    CHECK_EQ_U64((uint64_t)calls[0][2].peer, 3);
    CHECK_EQ_U64((uint64_t)calls[1][3].peer, 2);
    CHECK(calls[1][2].peer < 0);                             /* int 1Ch: no peer */
    CHECK_EQ_U64((uint64_t)calls[0][3].peer, 4);             /* answered differently */
    CHECK(calls[0][4].peer < 0 && calls[1][5].peer < 0);     /* alignment's business */
}

UNIT_TEST(no_anchor_no_pairing)
{
    memset(&d, 0, sizeof d);
    call(0, 0, 10, "int 10h AH=0eh teletype 'S'");
    call(1, 0, 12, "int 10h AH=0eh teletype 'S'");
    report_pair_unanchored(&d);
    CHECK(calls[0][0].peer < 0 && calls[1][0].peer < 0);
}

UNIT_MAIN()
