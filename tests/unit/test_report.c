/*
 * test_report: the diff reports end to end on two small run files written
 * through db/rundb.h.  Both runs execute the same real-mode program from
 * 0x7c00, including an E820 call through int 15h into f000:f859 and its iret;
 * B also falls into a 40-step block A skips, and B's start snapshot has the
 * XMHF-style int 15h hook (0040:00ac).  The assertions are the facts built
 * in: where B's extra block starts, the IVT change, the E820 call's returned
 * continuation, and that a run diffed with itself reports no difference.
 */
#include "reports/report.h"
#include "tests/unit/unit.h"

#include <stdlib.h>
#include <unistd.h>

#define MIB (1u << 20)

struct gen {
    rundb *db;
    uint64_t n, pc;
    struct hvt_state st;
};

static void step(struct gen *g, const uint8_t *bytes, uint8_t len)
{
    struct hvt_step s;
    memset(&s, 0, sizeof s);
    s.n = g->n++;
    s.st = g->st;
    s.st.f[HVT_CS_SEL] = (g->pc >> 4) & 0xf000;
    s.st.f[HVT_RIP] = g->pc & 0xffff;
    s.mode = HVT_MODE_16;
    memcpy(s.insn, bytes, len);
    s.insn_len = len;
    rundb_append_step(g->db, &s, NULL);
}

static void movs(struct gen *g, int n)
{
    static const uint8_t mov[3] = { 0xb8, 0x34, 0x12 };
    for (int i = 0; i < n; i++, g->pc += 3)
        step(g, mov, 3);
}

/* int 15h E820 entry 0 into SeaBIOS's fixed entry, which answers at once. */
static void e820(struct gen *g)
{
    static const uint8_t int15[2] = { 0xcd, 0x15 }, iret = 0xcf;
    g->st.f[HVT_RAX] = 0xe820;
    g->st.f[HVT_RDX] = 0x534d4150;
    step(g, int15, 2);
    uint64_t back = g->pc + 2;
    g->pc = 0xff859;
    step(g, &iret, 1);
    g->st.f[HVT_RAX] = 0x534d4150;
    g->st.f[HVT_RBX] = 1;
    g->pc = back;
}

static void snapshot(struct gen *g, int hooked)
{
    uint8_t *m = calloc(1, MIB);
    m[0x54] = 0x59; m[0x55] = 0xf8; m[0x56] = 0x00; m[0x57] = 0xf0;
    if (hooked) {
        m[0x54] = 0xac; m[0x55] = 0x00; m[0x56] = 0x40; m[0x57] = 0x00;
    }
    int64_t id;
    rundb_add_snapshot(g->db, g->n, "start", m, MIB, &id, NULL);
    free(m);
}

static char dir[] = "/tmp/hvt-test-report.XXXXXX";

static rundb *make_run(const char *name, int with_block)
{
    char path[128];
    struct gen g;
    memset(&g, 0, sizeof g);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    hvt_error err = { "" };
    if (rundb_create(&g.db, path, 1, &err) < 0)
        return NULL;
    g.st.known = HVT_K_GPR | HVT_K_SEL | HVT_K_CR;
    g.st.f[HVT_CR0] = 0x10;
    g.pc = 0x7c00;
    snapshot(&g, with_block);
    movs(&g, 100);
    e820(&g);
    static const uint8_t jz[4] = { 0x0f, 0x84, 120, 0 };    /* skips 40 movs */
    step(&g, jz, 4);
    g.pc += 4;
    if (with_block)
        movs(&g, 40);
    else
        g.pc += 120;
    movs(&g, 300);
    rundb_finish(g.db, RUNDB_COMPLETE, "test", NULL);
    rundb_close(g.db);
    rundb *db;
    return rundb_open(&db, path, &err) < 0 ? NULL : db;
}

static char *render(int (*fn)(FILE *, rundb *, rundb *, const struct report_diff *,
                              hvt_error *), rundb *a, rundb *b, const struct report_diff *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    hvt_error err = { "" };
    int rc = fn(f, a, b, d, &err);
    fclose(f);
    if (rc < 0) {
        free(text);
        return NULL;
    }
    return text;
}

UNIT_TEST(text_html_json_on_recorded_runs)
{
    CHECK(mkdtemp(dir) != NULL);
    rundb *a = make_run("a.db", 0), *b = make_run("b.db", 1);
    CHECK(a && b);
    struct report_diff d;
    hvt_error err = { "" };
    CHECK(report_diff_compute(&d, a, "a.db", b, "b.db", NULL, &err) == 0);
    CHECK_EQ_U64(report_diff_status(&d), 1);
    char *t = render(report_text, a, b, &d);
    CHECK(t != NULL);
    /* steps: 100 movs, int, iret, jz = 103 common; B's block starts at #103 */
    CHECK(strstr(t, "verdict: the runs part at A #103 / B #103 (b-only)") != NULL);
    CHECK(strstr(t, "int 15h: f000:f859 (BIOS int 15h entry) -> 0040:00ac (BDA reserved)"));
    CHECK(strstr(t, "A #100       int 15h E820 entry 0, next 1") != NULL);
    CHECK(strstr(t, "@@ b-only: A at #103 (none), B #103-#142 (40 steps) @@") != NULL);
    free(t);
    char *h = render(report_html, a, b, &d);
    CHECK(h != NULL && strstr(h, "<div id=verdict class=\"verdict differ\">") != NULL);
    CHECK(strstr(h, "<script") == NULL && strstr(h, "http://www.w3.org/2000/svg") != NULL);
    free(h);
    char *j = render(report_json, a, b, &d);
    CHECK(j != NULL && strstr(j, "\"differ\":true") != NULL);
    CHECK(strstr(j, "{\"kind\":\"b-only\",\"a\":[103,103],\"b\":[103,143]") != NULL);
    free(j);
    report_diff_free(&d);
    CHECK(report_diff_compute(&d, a, "a.db", a, "a.db", NULL, &err) == 0);
    CHECK_EQ_U64(report_diff_status(&d), 0);
    t = render(report_text, a, a, &d);
    CHECK(t != NULL && strstr(t, "verdict: no meaningful difference") != NULL);
    free(t);
    report_diff_free(&d);
    rundb_close(a);
    rundb_close(b);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

UNIT_MAIN()
