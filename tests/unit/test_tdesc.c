/*
 * test_tdesc: target descriptions captured from QEMU 7.2 (tests/unit/data/
 * qemu72-i386 and qemu72-x86_64, by capture_rsp.py) and the `g` replies QEMU
 * sent at reset.  Truth used: the register count of QEMU's XML files and the
 * length of QEMU's own `g` reply (344 and 608 bytes); the reset state from the
 * Intel SDM vol 3, table 9-1 (EIP=0000FFF0, CS=F000, EFLAGS=00000002,
 * CR0=60000010, EDX=CPUID signature); hand-written XML for the layout rules.
 */
#include "tests/unit/unit.h"
#include "gdbstub/tdesc.h"

#include <stdlib.h>

/* Fetch annexes from a fixture directory, or from an in-memory table. */
struct fixture { const char *dir; const char *const *docs; };

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[*len] = 0;
    return buf;
}

static int fetch(void *priv, const char *annex, char **data, size_t *len,
                 hvt_error *err)
{
    const struct fixture *fx = priv;
    if (fx->docs) {
        for (int i = 0; fx->docs[i]; i += 2)
            if (strcmp(fx->docs[i], annex) == 0) {
                *data = strdup(fx->docs[i + 1]);
                *len = strlen(*data);
                return 0;
            }
        return hvt_error_set(err, "no annex %s", annex);
    }
    char path[512];
    const char *root = getenv("HVT_ROOT");
    snprintf(path, sizeof path, "%s/tests/unit/data/%s/%s", root ? root : ".",
             fx->dir, annex);
    *data = slurp(path, len);
    return *data ? 0 : hvt_error_set(err, "cannot read %s", path);
}

static unsigned offset_of(const struct tdesc *td, const char *name)
{
    const struct tdesc_reg *r = tdesc_find(td, name);
    return r ? r->offset : 0xdead;
}

static int load_g(const char *dir, char *hex, size_t cap, size_t *n)
{
    struct fixture fx = { dir, NULL };
    char *data;
    if (fetch(&fx, "g-reset.hex", &data, n, NULL) < 0)
        return -1;
    while (*n && (data[*n - 1] == '\n'))
        (*n)--;
    if (*n >= cap) {
        free(data);
        return -1;
    }
    memcpy(hex, data, *n);
    free(data);
    return 0;
}

UNIT_TEST(qemu_i386_layout)
{
    struct tdesc td;
    hvt_error err = { "" };
    struct fixture fx = { "qemu72-i386", NULL };
    CHECK(tdesc_parse(&td, "target.xml", fetch, &fx, &err) == 0);
    CHECK_STR(td.arch, "i386");
    CHECK_EQ_U64(td.nregs, 50);
    CHECK_EQ_U64(td.g_size, 344);
    CHECK_STR(td.regs[0].name, "eax");
    CHECK_STR(td.regs[1].name, "ecx");           /* i386 order: eax ecx edx ebx */
    CHECK_EQ_U64(offset_of(&td, "ebx"), 12);
    CHECK_EQ_U64(offset_of(&td, "eip"), 32);
    CHECK_EQ_U64(offset_of(&td, "eflags"), 36);
    CHECK_EQ_U64(offset_of(&td, "cs"), 40);
    CHECK_EQ_U64(offset_of(&td, "fs_base"), 64);
    CHECK_EQ_U64(offset_of(&td, "cr0"), 76);
    CHECK_EQ_U64(offset_of(&td, "efer"), 96);
    CHECK_EQ_U64(offset_of(&td, "st0"), 100);
    CHECK_EQ_U64(tdesc_find(&td, "st0")->bitsize, 80);
    CHECK_EQ_U64(offset_of(&td, "xmm0"), 212);
    CHECK_EQ_U64(offset_of(&td, "mxcsr"), 340);
    CHECK(tdesc_find(&td, "cs_base") == NULL);   /* commented out in QEMU's XML */
    CHECK_EQ_U64(td.known, HVT_K_GPR | HVT_K_SEL | HVT_K_CR);
    tdesc_free(&td);
}

UNIT_TEST(qemu_x86_64_layout)
{
    struct tdesc td;
    hvt_error err = { "" };
    struct fixture fx = { "qemu72-x86_64", NULL };
    CHECK(tdesc_parse(&td, "target.xml", fetch, &fx, &err) == 0);
    CHECK_STR(td.arch, "i386:x86-64");
    CHECK_EQ_U64(td.nregs, 66);
    CHECK_EQ_U64(td.g_size, 608);
    CHECK_STR(td.regs[1].name, "rbx");           /* x86-64 order: rax rbx rcx rdx */
    CHECK_EQ_U64(offset_of(&td, "r15"), 120);
    CHECK_EQ_U64(offset_of(&td, "rip"), 128);
    CHECK_EQ_U64(offset_of(&td, "eflags"), 136);
    CHECK_EQ_U64(offset_of(&td, "cs"), 140);
    CHECK_EQ_U64(offset_of(&td, "fs_base"), 164);
    CHECK_EQ_U64(offset_of(&td, "cr0"), 188);
    CHECK_EQ_U64(offset_of(&td, "efer"), 228);
    CHECK_EQ_U64(offset_of(&td, "xmm15"), 588);
    CHECK_EQ_U64(offset_of(&td, "mxcsr"), 604);
    CHECK_EQ_U64(td.known, HVT_K_GPR | HVT_K_SEL | HVT_K_CR);
    tdesc_free(&td);
}

/* The reset state decoded from QEMU's real `g` reply. */
static void check_reset(const char *dir, uint64_t cpuid_sig)
{
    struct tdesc td;
    struct hvt_state st;
    hvt_error err = { "" };
    struct fixture fx = { dir, NULL };
    static char hex[4096];
    size_t n;
    CHECK(tdesc_parse(&td, "target.xml", fetch, &fx, &err) == 0);
    CHECK(load_g(dir, hex, sizeof hex, &n) == 0);
    CHECK_EQ_U64(n, 2 * td.g_size);              /* QEMU's own reply length */
    CHECK(tdesc_decode_g(&td, hex, n, &st, &err) == 0);
    CHECK_EQ_U64(st.f[HVT_RIP], 0xfff0);
    CHECK_EQ_U64(st.f[HVT_CS_SEL], 0xf000);
    CHECK_EQ_U64(st.f[HVT_EFLAGS], 0x2);
    CHECK_EQ_U64(st.f[HVT_CR0], 0x60000010);
    CHECK_EQ_U64(st.f[HVT_RDX], cpuid_sig);
    CHECK_EQ_U64(st.f[HVT_RAX], 0);
    CHECK_EQ_U64(hvt_state_pc(&st), 0xffff0);
    CHECK_EQ_U64(st.known, HVT_K_GPR | HVT_K_SEL | HVT_K_CR);
    /* One digit short is a layout mismatch, not a silent misread. */
    CHECK(tdesc_decode_g(&td, hex, n - 2, &st, &err) < 0);
    tdesc_free(&td);
}

/* CPUID(1).EAX of QEMU's default CPU models: qemu32 family 6 model 6 stepping 3;
 * qemu64 family 15 model 107 stepping 1 (QEMU target/i386/cpu.c). */
UNIT_TEST(qemu_i386_reset_state) { check_reset("qemu72-i386", 0x663); }
UNIT_TEST(qemu_x86_64_reset_state) { check_reset("qemu72-x86_64", 0x60fb1); }

static const char *const tiny_docs[] = {
    "target.xml",
    "<target><architecture>toy</architecture>"
    "<xi:include href=\"core.xml\"/>"
    "<feature name=\"x\"><reg name=\"late\" bitsize=\"16\" regnum=\"9\"/>"
    "<reg name=\"early\" bitsize=\"16\" regnum=\"2\"/></feature>"
    "</target>",
    "core.xml",
    "<feature name=\"c\">"
    "<reg name=\"eax\" bitsize=\"32\"/>"
    "<reg name=\"b\" bitsize=\"64\" regnum=\"5\"/>"
    "<reg name=\"c\" bitsize=\"8\"/>"
    "<!--reg name=\"hidden\" bitsize=\"32\"/-->"
    "</feature>",
    NULL,
};

/* Numbers: eax 0, b 5, c 6, late 9, early 2: offsets follow number order (early
 * sits after eax though it comes last in the document); gaps take no room. */
UNIT_TEST(regnum_and_include_order)
{
    struct tdesc td;
    hvt_error err = { "" };
    struct fixture fx = { NULL, tiny_docs };
    CHECK(tdesc_parse(&td, "target.xml", fetch, &fx, &err) == 0);
    CHECK_STR(td.arch, "toy");
    CHECK_EQ_U64(td.nregs, 5);
    CHECK_STR(td.regs[0].name, "eax");           /* document order, include first */
    CHECK_STR(td.regs[4].name, "early");
    CHECK_EQ_U64(tdesc_find(&td, "c")->regnum, 6);
    CHECK_EQ_U64(offset_of(&td, "early"), 4);
    CHECK_EQ_U64(offset_of(&td, "b"), 6);
    CHECK_EQ_U64(offset_of(&td, "c"), 14);
    CHECK_EQ_U64(offset_of(&td, "late"), 15);
    CHECK_EQ_U64(td.g_size, 17);
    CHECK_EQ_U64(td.known, 0);                   /* no complete group */
    tdesc_free(&td);
}

static int parse_fails(const char *target, const char *other, const char *want)
{
    const char *docs[] = { "target.xml", target, "other.xml", other, NULL };
    struct fixture fx = { NULL, docs };
    struct tdesc td;
    hvt_error err = { "" };
    if (tdesc_parse(&td, "target.xml", fetch, &fx, &err) == 0) {
        tdesc_free(&td);
        return 0;
    }
    return strstr(err.msg, want) != NULL;
}

UNIT_TEST(bad_descriptions)
{
    CHECK(parse_fails("<target><reg name=\"a\"/></target>", "", "bad bitsize"));
    CHECK(parse_fails("<target><reg name=\"a\" bitsize=\"12\"/></target>", "",
                      "bad bitsize"));
    CHECK(parse_fails("<target><reg bitsize=\"8\"/></target>", "", "usable name"));
    CHECK(parse_fails("<target><reg name=\"a\" bitsize=\"8\" regnum=\"1\"/>"
                      "<reg name=\"b\" bitsize=\"8\" regnum=\"1\"/></target>", "",
                      "share number"));
    CHECK(parse_fails("<target><reg name=\"a\" bitsize=\"8\"></target>", "",
                      "target.xml:1"));
    CHECK(parse_fails("<target><xi:include href=\"missing.xml\"/></target>", "",
                      "no annex missing.xml"));
    CHECK(parse_fails("<target/>", "", "no registers"));
    /* Includes that include each other end at the depth limit. */
    CHECK(parse_fails("<target><xi:include href=\"other.xml\"/></target>",
                      "<f><xi:include href=\"target.xml\"/></f>", "loop"));
    /* Breadth is bounded too: 70 includes of one small document. */
    static char wide[70 * 32 + 32];
    strcpy(wide, "<target>");
    for (int i = 0; i < 70; i++)
        strcat(wide, "<xi:include href=\"other.xml\"/>");
    strcat(wide, "</target>");
    CHECK(parse_fails(wide, "<f/>", "more than 64 included"));
}

/* A register reported as "xx" (unavailable) drops its group, and only that. */
UNIT_TEST(unavailable_register)
{
    struct tdesc td;
    struct hvt_state st;
    hvt_error err = { "" };
    struct fixture fx = { "qemu72-i386", NULL };
    static char hex[4096];
    size_t n;
    CHECK(tdesc_parse(&td, "target.xml", fetch, &fx, &err) == 0);
    CHECK(load_g("qemu72-i386", hex, sizeof hex, &n) == 0);
    memcpy(hex + 2 * offset_of(&td, "cr3"), "xxxxxxxx", 8);
    CHECK(tdesc_decode_g(&td, hex, n, &st, &err) == 0);
    CHECK_EQ_U64(st.known, HVT_K_GPR | HVT_K_SEL);
    CHECK_EQ_U64(st.f[HVT_CR0], 0);              /* outside known: zero */
    CHECK_EQ_U64(st.f[HVT_RIP], 0xfff0);
    tdesc_free(&td);
}

UNIT_MAIN()
