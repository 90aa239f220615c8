/*
 * test_rep_echo: the rep rule (qemu/rep_echo.h) on QEMU's own logs of the
 * repstr guest (tests/guests/repstr.S; capture in tests/unit/data/qemulog/README):
 * the same code once under -icount (QEMU runs each rep that ends on its count
 * once more at count 0) and once without.  Truth: the SDM's one step per
 * iteration, as listed in repstr.S's header, and the log without -icount,
 * which must equal the -icount log once the extra passes are dropped.
 */
#include "qemu/qemulog.h"
#include "qemu/rep_echo.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

#define MAXSTEPS 256

struct capture {
    struct hvt_step steps[MAXSTEPS];
    int n;
    struct { uint64_t pc; uint8_t bytes[16], len; } code[MAXSTEPS];
    int ncode;
};

static int cap_step(void *priv, const struct qemulog_cpu *cpu)
{
    struct capture *c = priv;
    if (c->n >= MAXSTEPS)
        return 1;
    struct hvt_step *s = &c->steps[c->n];
    memset(s, 0, sizeof *s);
    s->n = (uint64_t)c->n++;
    s->st = cpu->st;
    s->mode = (uint8_t)hvt_state_mode(&cpu->st);
    uint64_t pc = hvt_state_pc(&cpu->st);
    for (int i = c->ncode - 1; i >= 0; i--)
        if (c->code[i].pc == pc) {
            memcpy(s->insn, c->code[i].bytes, c->code[i].len);
            s->insn_len = c->code[i].len;
            break;
        }
    return 0;
}

static int cap_event(void *priv, const struct qemulog_event *ev)
{
    struct capture *c = priv;
    if (ev->kind != QEMULOG_EV_CODE || ev->code_more || c->ncode >= MAXSTEPS)
        return 0;
    c->code[c->ncode].pc = ev->eip;
    memcpy(c->code[c->ncode].bytes, ev->code, ev->code_len);
    c->code[c->ncode].len = ev->code_len;
    c->ncode++;
    return 0;
}

static struct capture *load(const char *name)
{
    FILE *f = unit_open_fixture("qemulog", name);
    if (!f)
        return NULL;
    struct capture *c = calloc(1, sizeof *c);
    struct qemulog *q = qemulog_new(cap_step, cap_event, c);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        qemulog_feed(q, buf, n);
    qemulog_finish(q);
    if (qemulog_stats(q)->errors)
        c->n = -1;
    qemulog_free(q);
    fclose(f);
    return c;
}

/* The steps a CPU single-stepping would report: extra passes dropped. */
static int filter(const struct capture *c, struct hvt_step *out)
{
    int n = 0;
    for (int i = 0; i < c->n; i++) {
        if (n && rep_echo_is_extra_pass(&out[n - 1], &c->steps[i]))
            continue;
        out[n++] = c->steps[i];
    }
    return n;
}

static int count_at(const struct hvt_step *s, int n, uint64_t pc)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += hvt_state_pc(&s[i].st) == pc;
    return k;
}

/* repstr.S's reps (addresses from build/guests/repstr.elf) and the steps the
 * SDM gives each: A 5, B 1, C 3, D 4, E 3, F 2, G 4, the final check 5. */
static const struct { uint64_t pc; int sdm_steps, extra_pass; } reps[] = {
    {0x7c36, 5, 1}, {0x7c44, 1, 0}, {0x7c53, 3, 0}, {0x7c64, 4, 0},
    {0x7c75, 3, 1}, {0x7c89, 2, 1}, {0x7c99, 4, 1}, {0x7cab, 5, 1},
};

UNIT_TEST(rep_icount_one_step_per_iteration)
{
    static struct hvt_step kept[MAXSTEPS];
    struct capture *c = load("i386_rep_icount.qemulog");
    CHECK(c && c->n > 0);
    int n = filter(c, kept);
    for (size_t i = 0; i < sizeof reps / sizeof reps[0]; i++) {
        int raw = count_at(c->steps, c->n, reps[i].pc);
        CHECK_EQ_U64(raw, reps[i].sdm_steps + reps[i].extra_pass);
        CHECK_EQ_U64(count_at(kept, n, reps[i].pc), reps[i].sdm_steps);
    }
    CHECK_EQ_U64(c->n - n, 5);
    free(c);
}

UNIT_TEST(rep_icount_filtered_equals_plain)
{
    static struct hvt_step kept[MAXSTEPS];
    struct capture *ic = load("i386_rep_icount.qemulog");
    struct capture *pl = load("i386_rep_plain.qemulog");
    CHECK(ic && pl && ic->n > 0 && pl->n > 0);
    int n = filter(ic, kept);
    CHECK_EQ_U64(n, pl->n);
    for (int i = 0; i < n; i++) {
        CHECK_EQ_U64(hvt_state_pc(&kept[i].st), hvt_state_pc(&pl->steps[i].st));
        for (int f = HVT_RAX; f <= HVT_RDI; f++)
            CHECK_EQ_U64(kept[i].st.f[f], pl->steps[i].st.f[f]);
        CHECK_EQ_U64(kept[i].st.f[HVT_EFLAGS], pl->steps[i].st.f[HVT_EFLAGS]);
    }
    free(ic);
    free(pl);
}

UNIT_TEST(rep_plain_nothing_dropped)
{
    static struct hvt_step kept[MAXSTEPS];
    struct capture *c = load("i386_rep_plain.qemulog");
    CHECK(c && c->n > 0);
    CHECK_EQ_U64(filter(c, kept), c->n);
    free(c);
}

/* The count register follows the address size (SDM vol 2B REP; 2.1.1 0x67). */
UNIT_TEST(rep_count_register_by_address_size)
{
    struct hvt_step s = { .insn_len = 3, .mode = HVT_MODE_16,
                          .insn = { 0x67, 0xf3, 0xaa } };
    uint64_t mask = 0;
    CHECK(rep_echo_is_rep_string(&s, &mask));
    CHECK_EQ_U64(mask, 0xffffffffu);
    s.mode = HVT_MODE_32;
    CHECK(rep_echo_is_rep_string(&s, &mask));
    CHECK_EQ_U64(mask, 0xffff);
    s.mode = HVT_MODE_64;
    s.insn[0] = 0x48;           /* REX.W: operand size only */
    CHECK(rep_echo_is_rep_string(&s, &mask));
    CHECK_EQ_U64(mask, UINT64_MAX);
    struct hvt_step movs = { .insn_len = 1, .mode = HVT_MODE_16, .insn = { 0xa4 } };
    CHECK(!rep_echo_is_rep_string(&movs, NULL));    /* no rep prefix */
    struct hvt_step add = { .insn_len = 3, .mode = HVT_MODE_16, .insn = { 0xf3, 0x01, 0xc0 } };
    CHECK(!rep_echo_is_rep_string(&add, NULL));     /* rep on a non-string op */
}

UNIT_MAIN()
