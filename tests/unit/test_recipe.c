/*
 * Unit tests for recipes/recipe*: the built-in recipes parse; bad recipes are
 * rejected with "ORIGIN:LINE: reason"; the instruction facts match the Intel
 * opcode map; and the evaluation, run on synthetic step sequences against a
 * fake guest memory, reports what that memory and those registers hold (the
 * E820 entries the fake BIOS wrote, the IVT entry a `mov` changed, the
 * snapshots and window of an int 1Ah AX=BB00h call that goes through SMM).
 */
#include <stdlib.h>
#include <unistd.h>

#include "recipes/recipe.h"
#include "tests/unit/unit.h"

/* ---- a fake recorder ---- */

#define MAX_EV 64

struct fake {
    uint8_t mem[0x100000];
    int reads;
    char ev[MAX_EV][1024];
    uint64_t ev_step[MAX_EV];
    int nev;
    char snap[16][64];
    uint64_t snap_step[16];
    int nsnap;
    char stop[256];
    int stopped;
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct fake *f = ctx;
    f->reads++;
    if (addr + len > sizeof f->mem)
        return -1;
    memcpy(buf, f->mem + addr, len);
    return 0;
}

static int fake_snapshot(void *ctx, uint64_t step, const char *label, hvt_error *err)
{
    struct fake *f = ctx;
    if (f->nsnap == 16)
        return hvt_error_set(err, "too many snapshots");
    snprintf(f->snap[f->nsnap], sizeof f->snap[0], "%s", label);
    f->snap_step[f->nsnap++] = step;
    return 0;
}

static int fake_event(void *ctx, uint64_t step, const char *kind, const char *text,
                      hvt_error *err)
{
    struct fake *f = ctx;
    if (f->nev == MAX_EV || strcmp(kind, RECIPE_EVENT_KIND))
        return hvt_error_set(err, "unexpected event");
    snprintf(f->ev[f->nev], sizeof f->ev[0], "%s", text);
    f->ev_step[f->nev++] = step;
    return 0;
}

static void fake_stop(void *ctx, const char *reason)
{
    struct fake *f = ctx;
    f->stopped = 1;
    snprintf(f->stop, sizeof f->stop, "%s", reason);
}

static struct fake *fake_new(struct recipe_io *io)
{
    struct fake *f = calloc(1, sizeof *f);
    *io = (struct recipe_io){ f, fake_read, fake_snapshot, fake_event, fake_stop };
    return f;
}

/* The value of key in a "k=v k=v" event, or NULL. */
static const char *kv(const char *text, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl) {
        if ((p != text && p[-1] != ' ') || p[kl] != '=')
            continue;
        size_t n = strcspn(p + kl + 1, " ");
        snprintf(out, cap, "%.*s", (int)n, p + kl + 1);
        return out;
    }
    return NULL;
}

static uint64_t kv_u64(const char *text, const char *key)
{
    char v[64];
    return kv(text, key, v, sizeof v) ? strtoull(v, NULL, 0) : UINT64_MAX;
}

static int has_tag(const char *text, const char *tag)
{
    char v[64];
    return kv(text, "tag", v, sizeof v) && strcmp(v, tag) == 0;
}

/* ---- synthetic steps ---- */

struct prog {
    struct hvt_step s[32];
    int n;
    struct { uint32_t addr; uint8_t bytes[24]; int len; } w[32];   /* memory after s[i] */
};

static void hexbytes(const char *hex, uint8_t *out, uint8_t *len)
{
    *len = 0;
    for (; hex[0] && hex[1]; hex += 2)
        out[(*len)++] = (uint8_t)strtoul((char[3]){ hex[0], hex[1], 0 }, NULL, 16);
}

/* Append a real-mode step at CS:IP executing the hex bytes; registers copy the
 * previous step's so a test only sets what changes. */
static struct hvt_step *add(struct prog *p, uint16_t cs, uint16_t ip, const char *hex)
{
    struct hvt_step *s = &p->s[p->n];
    if (p->n)
        *s = p->s[p->n - 1];
    else
        *s = (struct hvt_step){ .st.known = HVT_K_GPR | HVT_K_SEL, .mode = HVT_MODE_16 };
    s->st.f[HVT_CS_SEL] = cs;
    s->st.f[HVT_RIP] = ip;
    hexbytes(hex, s->insn, &s->insn_len);
    p->n++;
    return s;
}

static void writes(struct prog *p, uint32_t addr, const void *bytes, int len)
{
    p->w[p->n - 1].addr = addr;
    memcpy(p->w[p->n - 1].bytes, bytes, (size_t)len);
    p->w[p->n - 1].len = len;
}

/* The recorder's loop: keeps[i] is recipe_on_step's answer for s[i]; the
 * loop ends at a stop request, like the recorder. */
static int drive(const char *builtin_or_text, struct prog *p, struct fake *f,
                 const struct recipe_io *io, int *keeps)
{
    struct recipe *r;
    struct recipe_rt *rt;
    hvt_error e = { "" };
    const struct recipe_builtin *b = recipe_builtin_find(builtin_or_text);
    const char *text = b ? b->text : builtin_or_text;
    if (recipe_parse(text, strlen(text), "t", &r, &e) || recipe_rt_new(r, &rt, &e)) {
        printf("# %s\n", e.msg);
        return -1;
    }
    int rc = recipe_begin(rt, &p->s[0], io, &e);
    int i;
    for (i = 0; rc == 0 && i < p->n && !f->stopped; i++) {
        memcpy(f->mem + p->w[i].addr, p->w[i].bytes, (size_t)p->w[i].len);
        keeps[i] = recipe_on_step(rt, &p->s[i], i + 1 < p->n ? &p->s[i + 1] : NULL, io, &e);
        rc = keeps[i] < 0 ? -1 : 0;
    }
    for (; i < p->n; i++)
        keeps[i] = -2;          /* never executed */
    if (rc == 0)
        rc = recipe_end(rt, io, &e);
    if (rc)
        printf("# %s\n", e.msg);
    recipe_rt_free(rt);
    recipe_free(r);
    return rc;
}

/* engine_rsp's loop: a step is held until the next one has run, so memory
 * is already past the next step when recipe_on_step(held, next) runs; the
 * watches of each step are checked right after it ran (recipe_after_insn). */
static int drive_held(const char *builtin, struct prog *p, struct fake *f,
                      const struct recipe_io *io)
{
    struct recipe *r;
    struct recipe_rt *rt;
    hvt_error e = { "" };
    if (recipe_parse(recipe_builtin_find(builtin)->text,
                     strlen(recipe_builtin_find(builtin)->text), "t", &r, &e) ||
        recipe_rt_new(r, &rt, &e))
        return -1;
    int rc = recipe_begin(rt, &p->s[0], io, &e);
    for (int i = 0; rc == 0 && i < p->n; i++) {
        memcpy(f->mem + p->w[i].addr, p->w[i].bytes, (size_t)p->w[i].len);  /* s[i] ran */
        if (i > 0 && recipe_on_step(rt, &p->s[i - 1], &p->s[i], io, &e) < 0)
            rc = -1;
        if (rc == 0 && recipe_after_insn(rt, &p->s[i], io, &e) < 0)
            rc = -1;
    }
    if (rc == 0 && recipe_on_step(rt, &p->s[p->n - 1], NULL, io, &e) < 0)
        rc = -1;
    if (rc == 0)
        rc = recipe_end(rt, io, &e);
    recipe_rt_free(rt);
    recipe_free(r);
    return rc;
}

/* ---- parsing ---- */

UNIT_TEST(every_builtin_parses)
{
    size_t n;
    const struct recipe_builtin *b = recipe_builtin_list(&n);
    CHECK(n == 4);
    for (size_t i = 0; i < n; i++) {
        struct recipe *r;
        hvt_error e = { "" };
        if (recipe_load(b[i].name, &r, &e))
            UNIT_FAIL("%s: %s", b[i].name, e.msg);
        CHECK_STR(recipe_name(r), b[i].name);
        CHECK(strlen(recipe_describe(r)) > 20);
        CHECK(recipe_from(r) && recipe_from(r)->linear == 0x7c00);
        recipe_free(r);
    }
    CHECK(recipe_builtin_find("int1a-tcg") && !recipe_builtin_find("int1a"));
}

static void check_error(const char *text, const char *want_prefix, const char *want_word)
{
    struct recipe *r = (struct recipe *)1;
    hvt_error e = { "" };
    if (recipe_parse(text, strlen(text), "f.rcp", &r, &e) == 0)
        UNIT_FAIL("accepted: %s", text);
    CHECK(r == NULL);
    if (strncmp(e.msg, want_prefix, strlen(want_prefix)) || !strstr(e.msg, want_word) ||
        strchr(e.msg, '\n'))
        UNIT_FAIL("error \"%s\" lacks \"%s\" / \"%s\"", e.msg, want_prefix, want_word);
}

#define HEAD "name t\ndescribe a test\n"

UNIT_TEST(parse_errors_name_file_and_line)
{
    check_error(HEAD "on int 0x100 : stop\n", "f.rcp:3: ", "interrupt vector");
    check_error(HEAD "\n# comment\nbogus 1\n", "f.rcp:5: ", "unknown directive 'bogus'");
    check_error("describe x\non step : stop\n", "f.rcp:2: ", "no 'name'");
    check_error(HEAD "on addr 0000:7c00 : log x ax return: log y ax\n", "f.rcp:3: ",
                "'return:' needs");
    check_error(HEAD "on addr 7c00 : record until return\n", "f.rcp:3: ", "record until return");
    check_error(HEAD "on step if ax = 1 : stop\n", "f.rcp:3: ", "'=' is not an operator");
    check_error(HEAD "on step : snapshot \"open\n", "f.rcp:3: ", "unterminated string");
    check_error(HEAD "watch 0-3fe ivt : log w\n", "f.rcp:3: ", "whole 4-byte entries");
    check_error(HEAD "watch 3ff-0 : log w\n", "f.rcp:3: ", "ascending");
    check_error(HEAD "on step : log w nosuchreg\n", "f.rcp:3: ", "nosuchreg");
    check_error(HEAD "on step if (ax == 1 : stop\n", "f.rcp:3: ", "')'");
    check_error(HEAD "on step : log w ax stop\n", "f.rcp:3: ", "unknown register");
    check_error(HEAD "on step : log w ax ; bogus\n", "f.rcp:3: ", "unknown action");
    check_error(HEAD "on step\n", "f.rcp:3: ", "expected ':'");
    check_error(HEAD "on end : record 3\n", "f.rcp:3: ", "record");
    check_error(HEAD "on step : log w mem(es:di,65)\n", "f.rcp:3: ", "length");
    check_error(HEAD "on step : log w mem(ax:di,4)\n", "f.rcp:3: ", "segment register");
    check_error(HEAD "name u\non step : stop\n", "f.rcp:3: ", "second 'name'");
    check_error(HEAD "on step : stop\xff\n", "f.rcp:3: ", "0xff");
    check_error(HEAD, "f.rcp:2: ", "no 'on' or 'watch'");
    check_error(HEAD "keep some\n", "f.rcp:3: ", "'all' or 'windows'");
    check_error(HEAD "from 12345:0\n", "f.rcp:3: ", "12345:0");
    char longline[1200];
    memset(longline, 'a', sizeof longline - 1);
    longline[sizeof longline - 1] = 0;
    char text[1400];
    snprintf(text, sizeof text, HEAD "%s\n", longline);
    check_error(text, "f.rcp:3: ", "too long");
}

UNIT_TEST(load_rejects_unknown_names_and_reads_files)
{
    struct recipe *r;
    hvt_error e = { "" };
    CHECK(recipe_load("no-such-recipe", &r, &e) == -1);
    CHECK(strstr(e.msg, "no-such-recipe") && strstr(e.msg, "built-in"));
    char path[] = "/tmp/test_recipe_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "name mine\ndescribe mine\n\non hlt : stop\non step : bad\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    hvt_error e2 = { "" };
    CHECK(recipe_load(path, &r, &e2) == -1);
    char want[64];
    snprintf(want, sizeof want, "%s:5: ", path);
    CHECK(strncmp(e2.msg, want, strlen(want)) == 0);
    unlink(path);
}

/* ---- instruction facts (Intel SDM vol 2, appendix A) ---- */

UNIT_TEST(insn_decoding)
{
    static const struct { const char *hex; int kind, vector, port, dx, len, wr; } t[] = {
        { "cd15",     RECIPE_INSN_INT, 0x15, 0, 0, 2, 1 },
        { "66cd1a",   RECIPE_INSN_INT, 0x1a, 0, 0, 3, 1 },
        { "cc",       RECIPE_INSN_INT, 3, 0, 0, 1, 1 },
        { "e6b2",     RECIPE_INSN_OUT, 0, 0xb2, 0, 2, 1 },
        { "ee",       RECIPE_INSN_OUT, 0, 0, 1, 1, 1 },
        { "66ef",     RECIPE_INSN_OUT, 0, 0, 1, 2, 1 },
        { "ec",       RECIPE_INSN_IN, 0, 0, 1, 1, 0 },
        { "e471",     RECIPE_INSN_IN, 0, 0x71, 0, 2, 0 },
        { "0faa",     RECIPE_INSN_RSM, 0, 0, 0, 2, 1 },
        { "f4",       RECIPE_INSN_HLT, 0, 0, 0, 1, 0 },
        { "89d8",     0, 0, 0, 0, 0, 0 },      /* mov %bx,%ax */
        { "8907",     0, 0, 0, 0, 0, 1 },      /* mov %ax,(%bx) */
        { "8b07",     0, 0, 0, 0, 0, 0 },      /* mov (%bx),%ax */
        { "3907",     0, 0, 0, 0, 0, 0 },      /* cmp %ax,(%bx) */
        { "0107",     0, 0, 0, 0, 0, 1 },      /* add %ax,(%bx) */
        { "833f00",   0, 0, 0, 0, 0, 0 },      /* cmpw $0,(%bx) */
        { "830701",   0, 0, 0, 0, 0, 1 },      /* addw $1,(%bx) */
        { "50",       0, 0, 0, 0, 0, 1 },      /* push %ax */
        { "58",       0, 0, 0, 0, 0, 0 },      /* pop %ax */
        { "ffd0",     0, 0, 0, 0, 0, 1 },      /* call *%ax */
        { "ffe0",     0, 0, 0, 0, 0, 0 },      /* jmp *%ax */
        { "90",       0, 0, 0, 0, 0, 0 },
        { "f3aa",     0, 0, 0, 0, 0, 1 },      /* rep stosb */
        { "a35400",   0, 0, 0, 0, 0, 1 },      /* mov %ax,0x54 */
        { "8d4702",   0, 0, 0, 0, 0, 0 },      /* lea 2(%bx),%ax */
        { "f607ff",   0, 0, 0, 0, 0, 0 },      /* testb $0xff,(%bx) */
        { "f61f",     0, 0, 0, 0, 0, 1 },      /* negb (%bx) */
        { "0f01d9",   0, 0, 0, 0, 0, 1 },      /* vmmcall: 0F, conservatively */
        { "0fb607",   0, 0, 0, 0, 0, 0 },      /* movzbw (%bx),%ax */
        { "",         0, 0, 0, 0, 0, 1 },      /* unreadable */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t b[16], n;
        struct recipe_insn in;
        hexbytes(t[i].hex, b, &n);
        recipe_insn_decode(b, n, HVT_MODE_16, &in);
        if (in.kind != t[i].kind || in.may_write != t[i].wr ||
            (t[i].kind && in.len != t[i].len) ||
            (t[i].kind == RECIPE_INSN_INT && in.vector != t[i].vector) ||
            (t[i].port && in.port != t[i].port) || in.port_in_dx != t[i].dx)
            UNIT_FAIL("%s: kind %d vec %x port %x dx %d len %d write %d", t[i].hex, in.kind,
                      in.vector, in.port, in.port_in_dx, in.len, in.may_write);
    }
}

/* OUT's operand size (SDM vol 2, OUT; vol 1, 3.6: 0x66 flips the mode's
 * default of 16 or 32 bits); OUTS moves memory. */
UNIT_TEST(insn_out_width)
{
    static const struct { const char *hex; int mode, width, string; } t[] = {
        { "e6f4", HVT_MODE_16, 1, 0 }, { "ee", HVT_MODE_32, 1, 0 },
        { "ef", HVT_MODE_16, 2, 0 }, { "66ef", HVT_MODE_16, 4, 0 },
        { "ef", HVT_MODE_32, 4, 0 }, { "66ef", HVT_MODE_32, 2, 0 },
        { "e704", HVT_MODE_64, 4, 0 }, { "f36e", HVT_MODE_16, 1, 1 },
        { "66ed", HVT_MODE_32, 2, 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t b[16], n;
        struct recipe_insn in;
        hexbytes(t[i].hex, b, &n);
        recipe_insn_decode(b, n, t[i].mode, &in);
        if (in.width != t[i].width || in.string != t[i].string)
            UNIT_FAIL("%s in mode %d: width %d string %d", t[i].hex, t[i].mode, in.width,
                      in.string);
    }
}

/* ---- evaluation ---- */

struct e820 { uint64_t base, len; uint32_t type; } __attribute__((packed));

/* One E820 call from 0000:7c40 through a handler at f000:f859 that writes the
 * entry at ES:DI and irets; returns at 0000:7c42 with EBX = next. */
static void e820_call(struct prog *p, uint32_t ebx, const struct e820 *entry, uint32_t next)
{
    struct hvt_step *s = add(p, 0, 0x7c40, "cd15");
    s->st.f[HVT_RAX] = 0xe820; s->st.f[HVT_RBX] = ebx; s->st.f[HVT_RCX] = 20;
    s->st.f[HVT_RDX] = 0x534d4150; s->st.f[HVT_RDI] = 0x600; s->st.f[HVT_RSP] = 0x7bf0;
    add(p, 0xf000, 0xf859, "26668905")->st.f[HVT_RSP] = 0x7bea;   /* mov %eax,%es:(%di) */
    writes(p, 0x600, entry, sizeof *entry);
    add(p, 0xf000, 0xf85d, "cf");                                    /* iret */
    s = add(p, 0, 0x7c42, "7200");                                   /* jc . */
    s->st.f[HVT_RAX] = 0x534d4150; s->st.f[HVT_RBX] = next; s->st.f[HVT_RSP] = 0x7bf0;
    s->st.f[HVT_EFLAGS] = 0x2;
}

/* int 15h from 0000:IP with EAX, an iret, back at IP+2 with EAX = ret. */
static void plain_call(struct prog *p, uint16_t ip, uint32_t eax, uint32_t ret)
{
    struct hvt_step *s = add(p, 0, ip, "cd15");
    s->st.f[HVT_RAX] = eax; s->st.f[HVT_RSP] = 0x7bf0;
    add(p, 0xf000, 0xf859, "cf")->st.f[HVT_RSP] = 0x7bea;
    s = add(p, 0, (uint16_t)(ip + 2), "90");
    s->st.f[HVT_RAX] = ret; s->st.f[HVT_RSP] = 0x7bf0;
}

UNIT_TEST(int15_e820_reports_caller_and_entries)
{
    static const struct e820 map[] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x1ee0000, 1 } };
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    add(&p, 0, 0x7c00, "90");
    e820_call(&p, 0, &map[0], 1);
    e820_call(&p, 1, &map[1], 0);
    plain_call(&p, 0x7c50, 0xe801, 0x3c00);                  /* not E820: no event */
    plain_call(&p, 0x7c53, 0x2401, 0);                       /* A20 enable */
    CHECK(drive("int15-e820", &p, f, &io, keeps) == 0);
    int got = 0, calls = 0, a20 = 0;
    for (int i = 0; i < f->nev; i++) {
        const char *ev = f->ev[i];
        char v[32];
        if (has_tag(ev, "e820-call")) {
            CHECK_EQ_U64(kv_u64(ev, "ebx"), calls);
            calls++;
        }
        if (has_tag(ev, "a20")) {
            CHECK(kv_u64(ev, "ax") == 0 && kv_u64(ev, "cf") == 0);
            a20++;
        }
        if (!has_tag(ev, "e820"))
            continue;
        CHECK(got < 2);
        CHECK_EQ_U64(kv_u64(ev, "base"), map[got].base);
        CHECK_EQ_U64(kv_u64(ev, "length"), map[got].len);
        CHECK_EQ_U64(kv_u64(ev, "type"), map[got].type);
        CHECK_EQ_U64(kv_u64(ev, "ebx"), got == 0 ? 1 : 0);
        CHECK_STR(kv(ev, "caller", v, sizeof v), "0000:7c40");
        CHECK_STR(kv(ev, "at", v, sizeof v), "0000:7c42");
        CHECK_EQ_U64(kv_u64(ev, "call"), got + 1);
        CHECK_EQ_U64(f->ev_step[i], 4 + 4 * (uint64_t)got);   /* the return point's step */
        got++;
    }
    CHECK(got == 2 && calls == 2 && a20 == 1);
    for (int i = 0; i < p.n; i++)
        CHECK(keeps[i] == 1);           /* keep all */
    CHECK(!f->stopped);
    free(f);
}

/* issue 9 point 5: E820 reached by `pushf; call far [0x54]` (ff 1e 54 00) and by
 * `pushf; push cs; push ret; jmp far [0x54]` (ff 2e 54 00): the handler's iret
 * pops IP, CS and FLAGS (SDM vol 2A IRET), so the call returns at the pushed
 * CS:IP with SP 2 (call) or 6 (jump) above its SP at the far instruction.  The
 * far jump's return address is read from the stack at SS:SP. */
UNIT_TEST(int_trigger_fires_on_far_call_and_far_jump)
{
    static const struct e820 entry = { 0, 0x9fc00, 1 };
    static const uint8_t frame[4] = { 0x60, 0x7c, 0x00, 0x00 };   /* IP 7c60, CS 0 */
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    add(&p, 0, 0x7c00, "90");
    struct hvt_step *s = add(&p, 0, 0x7c40, "ff1e5400");            /* call far [0x54] */
    s->st.f[HVT_RAX] = 0xe820; s->st.f[HVT_RDX] = 0x534d4150; s->st.f[HVT_RDI] = 0x600;
    s->st.f[HVT_RSP] = 0x7bee;                                       /* after pushf */
    add(&p, 0xf000, 0xf859, "cf")->st.f[HVT_RSP] = 0x7bea;          /* iret */
    writes(&p, 0x600, &entry, sizeof entry);
    s = add(&p, 0, 0x7c44, "90");
    s->st.f[HVT_RAX] = 0x534d4150; s->st.f[HVT_RSP] = 0x7bf0;
    s = add(&p, 0, 0x7c50, "ff2e5400");                              /* jmp far [0x54] */
    s->st.f[HVT_RAX] = 0xe820; s->st.f[HVT_RSP] = 0x7bea;
    memcpy(f->mem + 0x7bea, frame, sizeof frame);
    add(&p, 0xf000, 0xf859, "cf");
    s = add(&p, 0, 0x7c60, "90");
    s->st.f[HVT_RAX] = 0x534d4150; s->st.f[HVT_RSP] = 0x7bf0;
    CHECK(drive("int15-e820", &p, f, &io, keeps) == 0);
    const char *want_caller[2] = { "0000:7c40", "0000:7c50" }, *want_at[2] = { "0000:7c44", "0000:7c60" };
    int calls = 0, rets = 0;
    for (int i = 0; i < f->nev; i++) {
        char v[32];
        calls += has_tag(f->ev[i], "e820-call");
        if (!has_tag(f->ev[i], "e820"))
            continue;
        CHECK(rets < 2);
        CHECK_STR(kv(f->ev[i], "caller", v, sizeof v), want_caller[rets]);
        CHECK_STR(kv(f->ev[i], "at", v, sizeof v), want_at[rets]);
        CHECK_EQ_U64(kv_u64(f->ev[i], "length"), 0x9fc00);
        rets++;
    }
    CHECK(calls == 2 && rets == 2);
    free(f);
}

/* Which recipes the log engine can run from breakpoints (recipe_breaks.c). */
UNIT_TEST(recipes_at_breakpoints)
{
    static const char *const want[][2] = {
        { "int15-e820", "" }, { "ivt-watch", "watch" }, { "int1a-tcg", "windows" },
        { "smi-follow", "windows" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct recipe_builtin *b = recipe_builtin_find(want[i][0]);
        struct recipe *r;
        hvt_error e = { "" };
        const char *why = "";
        CHECK(b && recipe_parse(b->text, strlen(b->text), "t", &r, &e) == 0);
        int ok = recipe_runs_at_breakpoints(r, &why);
        CHECK(ok == !want[i][1][0]);
        CHECK(strstr(why, want[i][1]) != NULL);
        if (i == 0) {
            uint8_t v[4];
            CHECK(recipe_trigger_vectors(r, v, 4) == 1 && v[0] == 0x15);   /* two rules, one vector */
        }
        recipe_free(r);
    }
    static const char text[] = "name a\ndescribe d\non addr 0000:7c44 : log here\n";
    struct recipe *r;
    hvt_error e = { "" };
    const struct hvt_addr *a[2];
    CHECK(recipe_parse(text, strlen(text), "t", &r, &e) == 0);
    CHECK(recipe_trigger_addrs(r, a, 2) == 1 && a[0]->linear == 0x7c44);
    recipe_free(r);
}

/* A hook whose code sits at the caller's return address (CS:IP equal, stack
 * 6 bytes deeper) has not returned yet: only the state with the caller's SP
 * is the return. */
UNIT_TEST(return_needs_the_callers_stack)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    static const struct e820 entry = { 0, 0x9fc00, 1 };
    memset(&p, 0, sizeof p);
    struct hvt_step *s = add(&p, 0, 0x7c40, "cd15");
    s->st.f[HVT_RAX] = 0xe820; s->st.f[HVT_RDI] = 0x600; s->st.f[HVT_RSP] = 0x7bf0;
    add(&p, 0, 0x7c42, "90")->st.f[HVT_RSP] = 0x7bea;         /* the hook, inside the call */
    add(&p, 0, 0x7c43, "26668905");                             /* mov %eax,%es:(%di) */
    writes(&p, 0x600, &entry, sizeof entry);
    add(&p, 0, 0x7c47, "cf");                                   /* iret */
    add(&p, 0, 0x7c42, "90")->st.f[HVT_RSP] = 0x7bf0;         /* back in the caller */
    CHECK(drive("int15-e820", &p, f, &io, keeps) == 0);
    int n = 0;
    for (int i = 0; i < f->nev; i++) {
        if (!has_tag(f->ev[i], "e820"))
            continue;
        n++;
        CHECK_EQ_U64(f->ev_step[i], 4);
        CHECK_EQ_U64(kv_u64(f->ev[i], "length"), entry.len);
    }
    CHECK(n == 1);
    free(f);
}

UNIT_TEST(ivt_watch_names_the_writing_instruction)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    static const uint8_t old15[] = { 0x59, 0xf8, 0x00, 0xf0 };      /* f000:f859 */
    static const uint8_t off[] = { 0xac, 0x00 }, seg[] = { 0x40, 0x00 };
    memcpy(f->mem + 0x54, old15, 4);
    memset(&p, 0, sizeof p);
    add(&p, 0, 0x7c00, "90");
    add(&p, 0, 0x7c01, "b8ac00");                       /* mov $0xac,%ax */
    add(&p, 0, 0x7c04, "a35400")->st.f[HVT_RAX] = 0xac; /* mov %ax,0x54 */
    writes(&p, 0x54, off, 2);
    add(&p, 0, 0x7c07, "891e5600")->st.f[HVT_RBX] = 0x40; /* mov %bx,0x56 */
    writes(&p, 0x56, seg, 2);
    add(&p, 0, 0x7c0b, "90");
    CHECK(drive("ivt-watch", &p, f, &io, keeps) == 0);
    CHECK(f->nev == 2);
    char v[64];
    CHECK(has_tag(f->ev[0], "ivt-write") && kv_u64(f->ev[0], "vector") == 0x15);
    CHECK_STR(kv(f->ev[0], "old", v, sizeof v), "f000:f859");
    CHECK_STR(kv(f->ev[0], "new", v, sizeof v), "f000:00ac");
    CHECK_STR(kv(f->ev[0], "at", v, sizeof v), "0000:7c04");
    CHECK(strstr(f->ev[0], "insn=\"mov") != NULL);
    CHECK_EQ_U64(f->ev_step[0], 2);
    CHECK_STR(kv(f->ev[1], "new", v, sizeof v), "0040:00ac");
    CHECK_EQ_U64(f->ev_step[1], 3);
    /* Cost: the baseline plus one read per writing instruction; nop and mov
     * to a register read nothing. */
    CHECK_EQ_U64(f->reads, 3);
    free(f);
}

/* Two stores into one IVT entry back to back (ivthook: offset, then
 * segment; SDM vol 2, MOV: each writes its own 2 bytes), recorded the way
 * engine_rsp holds steps: one event per storing step, each naming its own
 * instruction and the entry as that store left it. */
UNIT_TEST(ivt_watch_back_to_back_stores_when_steps_are_held)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    static const uint8_t old13[] = { 0xfe, 0xe3, 0x00, 0xf0 };      /* f000:e3fe */
    static const uint8_t off[] = { 0, 0 }, seg[] = { 0x80, 0x9f };
    memcpy(f->mem + 0x4c, old13, 4);
    memset(&p, 0, sizeof p);
    add(&p, 0, 0x7c00, "90");
    add(&p, 0, 0x7c01, "c7064c000000");                 /* movw $0,0x4c */
    writes(&p, 0x4c, off, 2);
    add(&p, 0, 0x7c07, "a34e00")->st.f[HVT_RAX] = 0x9f80; /* mov %ax,0x4e */
    writes(&p, 0x4e, seg, 2);
    add(&p, 0, 0x7c0a, "90");
    static const struct { uint64_t step; const char *at, *old, *new, *insn; } want[2] = {
        { 1, "0000:7c01", "f000:e3fe", "f000:0000", "insn=\"movw $0, 0x4c\"" },
        { 2, "0000:7c07", "f000:0000", "9f80:0000", "insn=\"movw %ax, 0x4e\"" },
    };
    CHECK(drive_held("ivt-watch", &p, f, &io) == 0);
    CHECK_EQ_U64(f->nev, 2);
    for (int i = 0; i < 2 && i < f->nev; i++) {
        char v[64];
        CHECK_EQ_U64(f->ev_step[i], want[i].step);
        CHECK_STR(kv(f->ev[i], "at", v, sizeof v), want[i].at);
        CHECK_STR(kv(f->ev[i], "old", v, sizeof v), want[i].old);
        CHECK_STR(kv(f->ev[i], "new", v, sizeof v), want[i].new);
        CHECK(strstr(f->ev[i], want[i].insn) != NULL);
    }
    free(f);
}

/* int 1Ah AX=BB00h at 0000:7c10 into SeaBIOS, `out 0xb2` into SMM, rsm back,
 * a second `out` (DX form) to 0xb2, iret to 0000:7c12. */
static void tcg_call(struct prog *p, int returns)
{
    static const uint8_t smram_save[] = { 1, 2, 3, 4 };
    add(p, 0, 0x7c00, "90");
    struct hvt_step *s = add(p, 0, 0x7c10, "cd1a");
    s->st.f[HVT_RAX] = 0xbb00; s->st.f[HVT_RSP] = 0x7bf0;
    add(p, 0xf000, 0xfe6e, "fa")->st.f[HVT_RSP] = 0x7bea;     /* cli */
    add(p, 0xf000, 0xe000, "e6b2")->st.f[HVT_RAX] = 0xb5;     /* out %al,$0xb2 */
    writes(p, 0xa7e00, smram_save, 4);                          /* SMM state save */
    add(p, 0xa000, 0x8000, "0faa");                             /* rsm */
    add(p, 0xf000, 0xe002, "90");
    add(p, 0xf000, 0xe003, "ee")->st.f[HVT_RDX] = 0xb2;       /* out %al,(%dx) */
    add(p, 0xf000, 0xe004, returns ? "cf" : "f4");             /* iret, or hlt */
    if (!returns)
        return;
    s = add(p, 0, 0x7c12, "90");
    s->st.f[HVT_RAX] = 0x23; s->st.f[HVT_RSP] = 0x7bf0;       /* TPM not present */
    add(p, 0, 0x7c13, "90");
}

UNIT_TEST(int1a_tcg_records_the_call_and_snapshots_the_smi)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    tcg_call(&p, 1);
    CHECK(drive("int1a-tcg", &p, f, &io, keeps) == 0);
    static const int want_keep[] = { 0, 1, 1, 1, 1, 1, 1, 1, -2, -2 };
    for (int i = 0; i < p.n; i++)
        if (keeps[i] != want_keep[i])
            UNIT_FAIL("step %d kept %d, want %d", i, keeps[i], want_keep[i]);
    CHECK(f->nsnap == 3);
    CHECK_STR(f->snap[0], "int1a-entry");
    CHECK_STR(f->snap[1], "first-out-b2");
    CHECK_STR(f->snap[2], "int1a-return");
    /* Step numbers count kept steps only: the nop before the call is not one. */
    CHECK(f->snap_step[0] == 0 && f->snap_step[1] == 2 && f->snap_step[2] == 7);
    CHECK(f->stopped && strstr(f->stop, "returned"));
    char v[32];
    int smi = -1, ret = -1;
    for (int i = 0; i < f->nev; i++) {
        if (has_tag(f->ev[i], "smi-out"))
            smi = i;
        if (has_tag(f->ev[i], "tcg-return"))
            ret = i;
        CHECK(!has_tag(f->ev[i], "no-return"));
    }
    CHECK(smi >= 0 && ret >= 0);
    CHECK_STR(kv(f->ev[smi], "next", v, sizeof v), "a000:8000");    /* into SMM */
    CHECK_EQ_U64(kv_u64(f->ev[smi], "eax"), 0xb5);
    CHECK_EQ_U64(kv_u64(f->ev[ret], "eax"), 0x23);
    CHECK_STR(kv(f->ev[ret], "caller", v, sizeof v), "0000:7c10");
    free(f);
}

UNIT_TEST(int1a_tcg_reports_a_call_that_never_returns)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    tcg_call(&p, 0);
    CHECK(drive("int1a-tcg", &p, f, &io, keeps) == 0);
    CHECK(!f->stopped);
    CHECK(f->nsnap == 3);
    CHECK_STR(f->snap[2], "int1a-end");
    int found = 0;
    char v[32];
    for (int i = 0; i < f->nev; i++) {
        if (!has_tag(f->ev[i], "no-return"))
            continue;
        found++;
        CHECK_STR(kv(f->ev[i], "caller", v, sizeof v), "0000:7c10");
        CHECK(strstr(f->ev[i], "trigger=\"int 0x1a\"") != NULL);
    }
    CHECK(found == 1);
    free(f);
}

UNIT_TEST(smi_follow_keeps_the_smm_window)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    add(&p, 0xf000, 0xe000, "90");
    add(&p, 0xf000, 0xe001, "ee")->st.f[HVT_RDX] = 0xb2;      /* out %al,(%dx) */
    add(&p, 0xf000, 0xe002, "f390");                            /* pause: SMI comes after */
    add(&p, 0xa000, 0x8000, "fa")->st.f[HVT_EFLAGS] = 2;      /* SDM table 34-4 */
    add(&p, 0xa000, 0x8001, "0faa");                            /* rsm */
    add(&p, 0xf000, 0x1234, "90");                              /* where rsm resumes */
    add(&p, 0xf000, 0x1235, "90");
    add(&p, 0xf000, 0x1236, "90");
    CHECK(drive("smi-follow", &p, f, &io, keeps) == 0);
    static const int want_keep[] = { 0, 1, 1, 1, 1, 1, 0, 0 };
    for (int i = 0; i < p.n; i++)
        if (keeps[i] != want_keep[i])
            UNIT_FAIL("step %d kept %d, want %d", i, keeps[i], want_keep[i]);
    char v[32];
    CHECK(f->nev == 3 && has_tag(f->ev[0], "smi-out") && has_tag(f->ev[1], "smm-entry") &&
          has_tag(f->ev[2], "rsm"));
    CHECK_STR(kv(f->ev[0], "next", v, sizeof v), "f000:e002");
    CHECK_STR(kv(f->ev[1], "at", v, sizeof v), "a000:8000");
    CHECK_STR(kv(f->ev[2], "next", v, sizeof v), "f000:1234");
    CHECK(f->nsnap == 1 && strcmp(f->snap[0], "smi") == 0);
    free(f);
}

UNIT_TEST(conditions_precedence_once_and_counted_windows)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    /* && binds tighter than ||; & before ==; `once` fires once. */
    const char *text = HEAD "keep windows\n"
        "on step if ax == 1 || bx == 2 && cx == 3 : log a ax bx cx\n"
        "on step if (flags & 0x200) == 0 && !(ax == 7) once : log b flags\n"
        "on addr 0000:0003 : record 2\n"
        "on addr 0000:0006 : record until addr 0000:0008 ; log c mode pc window\n";
    for (int i = 0; i < 10; i++) {
        struct hvt_step *s = add(&p, 0, (uint16_t)i, "90");
        s->st.f[HVT_RBX] = 2;
        s->st.f[HVT_RCX] = i == 1 ? 3 : 0;
        s->st.f[HVT_RAX] = i == 2 ? 1 : 7;
        s->st.f[HVT_EFLAGS] = i >= 4 ? 0x2 : 0x202;
    }
    p.s[5].st.f[HVT_RAX] = 0;
    CHECK(drive(text, &p, f, &io, keeps) == 0);
    CHECK(f->nev == 4);
    CHECK(has_tag(f->ev[0], "a") && f->ev_step[0] == 0 && kv_u64(f->ev[0], "cx") == 3);
    CHECK(has_tag(f->ev[1], "a") && kv_u64(f->ev[1], "ax") == 1);
    CHECK(has_tag(f->ev[2], "b") && kv_u64(f->ev[2], "flags") == 2);
    CHECK(has_tag(f->ev[3], "c") && kv_u64(f->ev[3], "mode") == 16 &&
          kv_u64(f->ev[3], "pc") == 6 && kv_u64(f->ev[3], "window") == 0);
    static const int want_keep[] = { 0, 0, 0, 1, 1, 0, 1, 1, 1, 0 };
    for (int i = 0; i < p.n; i++)
        if (keeps[i] != want_keep[i])
            UNIT_FAIL("step %d kept %d, want %d", i, keeps[i], want_keep[i]);
    free(f);
}

UNIT_TEST(byte_watch_and_memory_items)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    memcpy(f->mem + 0x500, "\x11\x22\x33\x44", 4);
    const char *text = HEAD
        "watch 0x500-0x5ff once : log w insn ; stop \"changed\"\n"
        "on addr 0000:7c00 : log m mem(ds:si,4) mem(0x503,1) e820(0xfffff) smm\n";
    struct hvt_step *s = add(&p, 0, 0x7c00, "8904");               /* mov %ax,(%si) */
    s->st.f[HVT_DS_SEL] = 0x50; s->st.f[HVT_RSI] = 1;
    writes(&p, 0x501, "\xaa\xbb", 2);
    add(&p, 0, 0x7c02, "90");
    CHECK(drive(text, &p, f, &io, keeps) == 0);
    char v[64];
    CHECK(f->nev == 2);
    CHECK_STR(kv(f->ev[0], "mem@0x501", v, sizeof v), "22334400");
    CHECK_STR(kv(f->ev[0], "mem@0x503", v, sizeof v), "44");
    CHECK_STR(kv(f->ev[0], "e820@0xfffff", v, sizeof v), "unreadable");
    CHECK_STR(kv(f->ev[0], "smm", v, sizeof v), "?");             /* not in `g` */
    CHECK(kv_u64(f->ev[1], "addr") == 0x501 && kv_u64(f->ev[1], "len") == 2);
    CHECK_STR(kv(f->ev[1], "old", v, sizeof v), "2233");
    CHECK_STR(kv(f->ev[1], "new", v, sizeof v), "aabb");
    CHECK(f->stopped && strcmp(f->stop, "changed") == 0);
    free(f);
}

UNIT_TEST(cs_base_tracked_alone_is_known)
{
    static struct prog p;
    struct recipe_io io;
    struct fake *f = fake_new(&io);
    int keeps[32];
    memset(&p, 0, sizeof p);
    memcpy(f->mem + 0xf0010, "\xab", 1);
    /* Protected mode right after setting CR0.PE: CS still holds the real-mode
     * base f0000 (the recorder's HVT_K_CSBASE); other bases are unknown. */
    struct hvt_step *s = add(&p, 0xf000, 0x10, "90");
    s->st.known |= HVT_K_CSBASE | HVT_K_CR;
    s->st.f[HVT_CR0] = 1; s->st.f[HVT_CS_BASE] = 0xf0000; s->st.f[HVT_RSI] = 0x10;
    CHECK(drive(HEAD "on step : log b cs.base mem(cs:si,1) es.base\n", &p, f, &io, keeps) == 0);
    char v[32];
    CHECK(f->nev == 1);
    CHECK_EQ_U64(kv_u64(f->ev[0], "cs.base"), 0xf0000);
    CHECK_STR(kv(f->ev[0], "mem@0xf0010", v, sizeof v), "ab");
    CHECK_STR(kv(f->ev[0], "es.base", v, sizeof v), "?");
    free(f);
}

UNIT_MAIN()
