/*
 * recipe_eval: runs a parsed recipe over a recording, one step at a time (see
 * recipe.h for the calling order and its memory invariant).  No I/O of its
 * own: memory, snapshots, events and stop go through struct recipe_io.
 *
 * State kept between steps:
 *   frames   calls waiting for their return: an int/in/out rule that has a
 *            `return:` list or `record until return` pushes {return CS:IP =
 *            CS:IP + instruction length, SS:SP and mode at the call}.  The call
 *            has returned when a later state sits at that CS:IP with the same
 *            SS:SP and mode (iret/retf 2 restore SP; a nested call of the same
 *            int from the handler has a lower SP, so it cannot be mistaken).
 *   windows  open `record` windows; a step is kept if a window is open for
 *            it.  Windows are inclusive: the step that closes one is kept.
 *   watches  the last contents seen of each watched range, re-read after an
 *            instruction that may write memory (recipe_insn.c): the cost is
 *            one read_mem of the range per such instruction (about a third
 *            of real-mode code; an IVT watch reads 1 KiB each time).
 *   deferred log events with a `next` item, completed on the following call
 *            (a watch checked by recipe_after_insn, before `next` is known).
 *
 * Evaluating a state X (the next instruction, memory as before X):
 *   1. calls returning at X run their `return:` actions, close their windows;
 *   2. windows whose `until` trigger is X (or whose step count runs out) close;
 *   3. rules whose trigger and condition match X fire, in file order;
 *   X is kept if a window was open at 1 or opened at 3, or with `keep all`.
 */
#include "recipes/recipe_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/disasm.h"
#include "diffing/bioscall.h"

#define RCP_MAX_FRAMES  32      /* calls in flight (nesting depth) */
#define RCP_MAX_WINDOWS 16
#define RCP_MAX_DEFER   8
#define EVENT_BYTES     4096
#define BYTES_SHOWN     32      /* a byte watch shows at most this much of a change */

struct frame {
    int used;
    int rule;
    uint64_t call;              /* 1, 2, ... in firing order */
    uint64_t cs, ip, ss, sp;    /* where and with which stack the caller resumes */
    uint8_t mode;
    uint64_t caller_cs, caller_ip;
};

struct window {
    int open;
    struct rcp_trigger until;
    uint64_t call;              /* until return: the frame it waits for */
    int counted;                /* record N */
    uint64_t left;
};

struct deferred {
    int used;
    uint64_t step;
    char text[EVENT_BYTES];
};

struct recipe_rt {
    const struct recipe *r;
    uint8_t *watch_mem;         /* last contents of every watch, at rule->watch_off */
    uint8_t *scratch;
    uint8_t watch_ok[RCP_MAX_RULES];
    uint8_t fired[RCP_MAX_RULES];
    struct frame frames[RCP_MAX_FRAMES];
    struct window windows[RCP_MAX_WINDOWS];
    struct deferred defer[RCP_MAX_DEFER];
    uint64_t ncalls;
    uint64_t n;                 /* step number of `last` */
    int keep;                   /* is `last` kept? */
    struct hvt_step last;       /* the state evaluated last */
    int have_last;
    int watched;                /* recipe_after_insn checked the watches of `last` */
};

/* Where one list of actions runs. */
struct ectx {
    struct recipe_rt *rt;
    const struct recipe_io *io;
    hvt_error *err;
    const struct hvt_step *s;   /* registers, instruction */
    uint64_t step;
    int window;                 /* the `window` pseudo-register */
    const struct rcp_rule *rule;
    const struct frame *fr;     /* the call this firing belongs to, or NULL */
    int returning;              /* running a `return:` list */
    const char *extra;          /* watch: what changed */
    int next_known;             /* watch: the next state is known now */
    const struct hvt_step *next;
};

struct text { char b[EVENT_BYTES]; size_t n; };

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    if (t->n >= sizeof t->b - 1)
        return;
    va_start(ap, fmt);
    int k = vsnprintf(t->b + t->n, sizeof t->b - t->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->n = t->n + (size_t)k < sizeof t->b ? t->n + (size_t)k : sizeof t->b - 1;
}

static uint64_t rd_le(const uint8_t *b, int n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | b[n];
    return v;
}

static uint64_t ip_mask(int mode)
{
    return mode == HVT_MODE_64 ? UINT64_MAX : mode == HVT_MODE_32 ? 0xffffffffu : 0xffffu;
}

static void put_cs_ip(struct text *t, const char *key, uint64_t cs, uint64_t ip, int mode)
{
    put(t, " %s=%04" PRIx64 ":%0*" PRIx64, key, cs, mode == HVT_MODE_16 ? 4 : 8, ip);
}

/* ---- log items ---- */

static uint64_t loc_linear(const struct rcp_loc *l, const struct hvt_state *st)
{
    if (!l->regpair)
        return l->lit.linear;
    return rcp_linear(st, (enum hvt_seg)(l->seg.field - HVT_ES_SEL),
                      rcp_operand_value(&l->off, st, 0));
}

static void put_mem(struct ectx *ec, struct text *t, const struct rcp_item *it)
{
    uint8_t buf[RCP_MAX_MEMLOG];
    uint64_t a = loc_linear(&it->loc, &ec->s->st);
    size_t len = it->kind == RCP_I_E820 ? 20 : it->len;
    int ok = ec->io->read_mem(ec->io->ctx, a, buf, len) == 0;
    if (it->kind == RCP_I_E820) {
        /* ACPI 6.4, 15.1 "INT 15H, E820H": u64 base, u64 length, u32 type */
        if (ok)
            put(t, " base=0x%016" PRIx64 " length=0x%016" PRIx64 " type=%" PRIu64,
                rd_le(buf, 8), rd_le(buf + 8, 8), rd_le(buf + 16, 4));
        else
            put(t, " e820@0x%" PRIx64 "=unreadable", a);
        return;
    }
    put(t, " mem@0x%" PRIx64 "=", a);
    for (size_t i = 0; ok && i < len; i++)
        put(t, "%02x", buf[i]);
    if (!ok)
        put(t, "unreadable");
}

static void put_insn(struct text *t, const struct hvt_step *s)
{
    char dis[128];
    if (!hvt_disasm_step(s, dis, sizeof dis)) {
        put(t, " insn=?");
        return;
    }
    put(t, " insn=\"%s\"", dis);
}

static void put_next(struct text *t, const struct hvt_step *next)
{
    if (!next)
        put(t, " next=none");
    else
        put_cs_ip(t, "next", next->st.f[HVT_CS_SEL], next->st.f[HVT_RIP] & ip_mask(next->mode),
                  next->mode);
}

/* Returns 1 if the event waits for `next`. */
static int put_items(struct ectx *ec, struct text *t, const struct rcp_action *a)
{
    int wants_next = 0;
    for (int i = 0; i < a->nitems; i++) {
        const struct rcp_item *it = &ec->rt->r->items[a->first_item + i];
        char buf[96];
        if (it->kind == RCP_I_OPND) {
            rcp_operand_format(&it->op, &ec->s->st, ec->window, buf, sizeof buf);
            put(t, " %s", buf);
        } else if (it->kind == RCP_I_INSN) {
            put_insn(t, ec->s);
        } else if (it->kind == RCP_I_NEXT) {
            wants_next = 1;
        } else {
            put_mem(ec, t, it);
        }
    }
    return wants_next;
}

/* ---- actions ---- */

static int emit(struct ectx *ec, uint64_t step, const char *text)
{
    return ec->io->event(ec->io->ctx, step, RECIPE_EVENT_KIND, text, ec->err);
}

static int defer_event(struct ectx *ec, const struct text *t)
{
    struct recipe_rt *rt = ec->rt;
    for (int i = 0; i < RCP_MAX_DEFER; i++) {
        if (!rt->defer[i].used) {
            rt->defer[i].used = 1;
            rt->defer[i].step = ec->step;
            memcpy(rt->defer[i].text, t->b, t->n + 1);
            return 0;
        }
    }
    struct text full = *t;
    put(&full, " next=?");          /* more pending than slots: said, not dropped */
    return emit(ec, ec->step, full.b);
}

static int act_log(struct ectx *ec, const struct rcp_action *a)
{
    struct text t = { .n = 0 };
    const struct hvt_state *st = &ec->s->st;
    put(&t, "tag=%s", a->text);
    put_cs_ip(&t, "at", st->f[HVT_CS_SEL], st->f[HVT_RIP] & ip_mask(ec->s->mode), ec->s->mode);
    if (ec->fr) {
        put(&t, " call=%" PRIu64, ec->fr->call);
        if (ec->returning)
            put_cs_ip(&t, "caller", ec->fr->caller_cs, ec->fr->caller_ip, ec->fr->mode);
    }
    if (ec->extra)
        put(&t, " %s", ec->extra);
    if (!put_items(ec, &t, a))
        return emit(ec, ec->step, t.b);
    if (!ec->next_known)
        return defer_event(ec, &t);
    put_next(&t, ec->next);
    return emit(ec, ec->step, t.b);
}

static int act_record(struct ectx *ec, const struct rcp_action *a)
{
    struct recipe_rt *rt = ec->rt;
    for (int i = 0; i < RCP_MAX_WINDOWS; i++) {
        struct window *w = &rt->windows[i];
        if (w->open)
            continue;
        *w = (struct window){ .open = 1, .until = a->until, .counted = a->count != 0,
                              .left = a->count ? a->count - 1 : 0 };
        if (a->until.kind == RCP_T_RETURN && ec->fr)
            w->call = ec->fr->call;
        if (w->counted && w->left == 0)
            w->open = 0;            /* record 1: this step only */
        return 1;
    }
    char text[160];
    snprintf(text, sizeof text, "tag=recipe-limit what=\"more than %d record windows open\" "
             "rule=%d", RCP_MAX_WINDOWS, ec->rule->line);
    return emit(ec, ec->step, text) ? -1 : 1;
}

static void act_stop(struct ectx *ec, const struct rcp_action *a)
{
    char reason[160];
    if (a->text[0])
        snprintf(reason, sizeof reason, "%s", a->text);
    else
        snprintf(reason, sizeof reason, "recipe %s: stop at %s (line %d)", ec->rt->r->name,
                 ec->rule->what, ec->rule->line);
    ec->io->request_stop(ec->io->ctx, reason);
}

enum { RUN_ALL, RUN_LOGS, RUN_OTHERS };

/* Returns 1 if a record window was opened, 0, or -1 on error. */
static int run_actions(struct ectx *ec, const int *list, int n, int which)
{
    int opened = 0;
    for (int i = 0; i < n; i++) {
        const struct rcp_action *a = &ec->rt->r->actions[list[i]];
        int rc = 0;
        if ((which == RUN_LOGS) != (a->kind == RCP_A_LOG) && which != RUN_ALL)
            continue;
        if (a->kind == RCP_A_LOG)
            rc = act_log(ec, a);
        else if (a->kind == RCP_A_SNAPSHOT)
            rc = ec->io->snapshot(ec->io->ctx, ec->step, a->text, ec->err);
        else if (a->kind == RCP_A_RECORD)
            rc = act_record(ec, a);
        else
            act_stop(ec, a);
        if (rc < 0)
            return -1;
        opened |= rc;
    }
    return opened;
}

/* ---- conditions and triggers ---- */

static uint64_t eval_node(const struct recipe *r, int i, const struct hvt_state *st, int window)
{
    const struct rcp_node *n = &r->nodes[i];
    if (n->op == RCP_N_CONST)
        return n->value;
    if (n->op == RCP_N_OPND)
        return rcp_operand_value(&n->opnd, st, window);
    uint64_t a = eval_node(r, n->a, st, window);
    if (n->op == RCP_N_NOT)
        return !a;
    if (n->op == RCP_N_AND)
        return a && eval_node(r, n->b, st, window);
    if (n->op == RCP_N_OR)
        return a || eval_node(r, n->b, st, window);
    uint64_t b = eval_node(r, n->b, st, window);
    switch (n->op) {
    case RCP_N_BITAND: return a & b;
    case RCP_N_EQ: return a == b;
    case RCP_N_NE: return a != b;
    case RCP_N_LT: return a < b;
    case RCP_N_LE: return a <= b;
    case RCP_N_GT: return a > b;
    default: return a >= b;
    }
}

static int trigger_matches(const struct rcp_trigger *t, const struct hvt_step *s,
                           const struct recipe_insn *in)
{
    switch (t->kind) {
    case RCP_T_INT: {       /* `int N`, or a far call / far jump through IVT[N] */
        struct bioscall_entry e;
        if (in->kind == RECIPE_INSN_INT)
            return in->vector == t->vector;
        return bioscall_entry_decode(s->insn, s->insn_len, &s->st, &e) && e.vector == t->vector;
    }
    case RCP_T_OUT: case RCP_T_IN:
        if (in->kind != (t->kind == RCP_T_OUT ? RECIPE_INSN_OUT : RECIPE_INSN_IN))
            return 0;
        return (in->port_in_dx ? (s->st.f[HVT_RDX] & 0xffff) : in->port) == t->port;
    case RCP_T_ADDR:
        return addr_matches(&t->addr, &s->st);
    case RCP_T_RSM:
        return in->kind == RECIPE_INSN_RSM;
    case RCP_T_HLT:
        return in->kind == RECIPE_INSN_HLT;
    case RCP_T_STEP:
        return 1;
    default:
        return 0;
    }
}

static void decode(const struct hvt_step *s, struct recipe_insn *in)
{
    recipe_insn_decode(s->insn, s->insn_len, s->mode ? s->mode : HVT_MODE_16, in);
}

/* ---- calls in flight ---- */

/* Where a call reached through IVT[N] without `int` returns (diffing/bioscall.h):
 * after a far call, to the next instruction with SP + 2 (IRET pops FLAGS too);
 * after a far jump, to the CS:IP the caller pushed at SS:SP, with SP + 6. */
static void far_return(const struct ectx *ec, struct frame *fr)
{
    const struct hvt_step *s = ec->s;
    struct bioscall_entry e;
    uint8_t ret[4];
    if (!bioscall_entry_decode(s->insn, s->insn_len, &s->st, &e) || e.how == BIOSCALL_INT)
        return;
    fr->sp = e.ret_sp;
    if (e.ret_known) {
        fr->ip = e.ret_ip;
    } else if (ec->io->read_mem(ec->io->ctx, bioscall_linear((uint16_t)s->st.f[HVT_SS_SEL],
                                                             (uint16_t)s->st.f[HVT_RSP]),
                                ret, sizeof ret) == 0) {
        fr->ip = (uint64_t)(ret[0] | ret[1] << 8);
        fr->cs = (uint64_t)(ret[2] | ret[3] << 8);
    }
}

static struct frame *push_frame(struct recipe_rt *rt, int rule, const struct hvt_step *s,
                                const struct recipe_insn *in)
{
    struct frame *slot = &rt->frames[0];
    for (int i = 0; i < RCP_MAX_FRAMES; i++) {
        if (!rt->frames[i].used) {
            slot = &rt->frames[i];
            break;
        }
        if (rt->frames[i].call < slot->call)
            slot = &rt->frames[i];  /* all in use: the oldest gives way */
    }
    uint64_t m = ip_mask(s->mode);
    const uint64_t *f = s->st.f;
    *slot = (struct frame){ .used = 1, .rule = rule, .call = ++rt->ncalls,
                            .cs = f[HVT_CS_SEL], .ip = (f[HVT_RIP] + in->len) & m,
                            .ss = f[HVT_SS_SEL], .sp = f[HVT_RSP] & m, .mode = s->mode,
                            .caller_cs = f[HVT_CS_SEL], .caller_ip = f[HVT_RIP] & m };
    return slot;
}

static int frame_returns(const struct frame *fr, const struct hvt_step *s)
{
    uint64_t m = ip_mask(fr->mode);
    const uint64_t *f = s->st.f;
    return fr->used && s->mode == fr->mode && f[HVT_CS_SEL] == fr->cs &&
           (f[HVT_RIP] & m) == fr->ip && f[HVT_SS_SEL] == fr->ss && (f[HVT_RSP] & m) == fr->sp;
}

size_t recipe_return_pcs(const struct recipe_rt *rt, uint64_t *pc, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < RCP_MAX_FRAMES && n < max; i++) {
        const struct frame *fr = &rt->frames[i];
        if (fr->used && fr->mode == HVT_MODE_16)
            pc[n++] = ((fr->cs & 0xffff) << 4) + (fr->ip & 0xffff);
    }
    return n;
}

static int any_window(const struct recipe_rt *rt)
{
    for (int i = 0; i < RCP_MAX_WINDOWS; i++)
        if (rt->windows[i].open)
            return 1;
    return 0;
}

/* Step 1: calls returning at the state in ec->s. */
static int returns(struct ectx *ec)
{
    struct recipe_rt *rt = ec->rt;
    for (int i = 0; i < RCP_MAX_FRAMES; i++) {
        struct frame *fr = &rt->frames[i];
        if (!frame_returns(fr, ec->s))
            continue;
        const struct rcp_rule *ru = &rt->r->rules[fr->rule];
        ec->rule = ru;
        ec->fr = fr;
        ec->returning = 1;
        if (run_actions(ec, ru->ret, ru->nret, RUN_ALL) < 0)
            return -1;
        for (int w = 0; w < RCP_MAX_WINDOWS; w++)
            if (rt->windows[w].open && rt->windows[w].until.kind == RCP_T_RETURN &&
                rt->windows[w].call == fr->call)
                rt->windows[w].open = 0;
        fr->used = 0;
    }
    ec->fr = NULL;
    ec->returning = 0;
    return 0;
}

/* Step 2: windows that end at this state (inclusive). */
static void close_windows(struct recipe_rt *rt, const struct hvt_step *s,
                          const struct recipe_insn *in)
{
    for (int i = 0; i < RCP_MAX_WINDOWS; i++) {
        struct window *w = &rt->windows[i];
        if (!w->open)
            continue;
        if (w->counted)
            w->open = --w->left > 0;
        else if (trigger_matches(&w->until, s, in))
            w->open = 0;
    }
}

/* Step 3: rules firing at this state.  Returns 1 if a window opened. */
static int fire_rules(struct ectx *ec, const struct recipe_insn *in, int end)
{
    struct recipe_rt *rt = ec->rt;
    int opened = 0;
    for (int i = 0; i < rt->r->nrules; i++) {
        const struct rcp_rule *ru = &rt->r->rules[i];
        if ((ru->trig.kind == RCP_T_END) != end || ru->trig.kind == RCP_T_WATCH ||
            (ru->once && rt->fired[i]))
            continue;
        if (!end && !trigger_matches(&ru->trig, ec->s, in))
            continue;
        if (ru->cond >= 0 && !eval_node(rt->r, ru->cond, &ec->s->st, ec->window))
            continue;
        rt->fired[i] = 1;
        ec->rule = ru;
        struct frame *fr = ru->frames ? push_frame(rt, i, ec->s, in) : NULL;
        if (fr && ru->trig.kind == RCP_T_INT && in->kind != RECIPE_INSN_INT)
            far_return(ec, fr);
        ec->fr = fr;
        int rc = run_actions(ec, ru->act, ru->nact, RUN_ALL);
        if (rc < 0)
            return -1;
        opened |= rc;
    }
    ec->fr = NULL;
    return opened;
}

/* Evaluate state s (about to execute, memory as before it), numbered n. */
static int eval_state(struct recipe_rt *rt, const struct hvt_step *s, uint64_t n,
                      const struct recipe_io *io, hvt_error *err)
{
    struct recipe_insn in;
    int was_open = any_window(rt);
    struct ectx ec = { .rt = rt, .io = io, .err = err, .s = s, .step = n, .window = was_open };
    decode(s, &in);
    if (returns(&ec))
        return -1;
    close_windows(rt, s, &in);
    int opened = fire_rules(&ec, &in, 0);
    if (opened < 0)
        return -1;
    rt->last = *s;
    rt->have_last = 1;
    rt->watched = 0;
    rt->n = n;
    rt->keep = rt->r->keep_all || was_open || opened;
    return 0;
}

/* ---- watches ---- */

static void describe_change(const struct rcp_rule *ru, const uint8_t *old, const uint8_t *new,
                            size_t at, size_t end, struct text *t)
{
    t->n = 0;
    t->b[0] = 0;
    if (ru->ivt) {
        put(t, "vector=0x%02" PRIx64 " old=%04x:%04x new=%04x:%04x",
            (ru->lo + at) / 4, (unsigned)rd_le(old + at + 2, 2),
            (unsigned)rd_le(old + at, 2), (unsigned)rd_le(new + at + 2, 2),
            (unsigned)rd_le(new + at, 2));
        return;
    }
    size_t shown = end - at < BYTES_SHOWN ? end - at : BYTES_SHOWN;
    put(t, "addr=0x%" PRIx64 " len=%zu old=", ru->lo + at, end - at);
    for (size_t i = 0; i < shown; i++)
        put(t, "%02x", old[at + i]);
    put(t, " new=");
    for (size_t i = 0; i < shown; i++)
        put(t, "%02x", new[at + i]);
}

/* One log per changed IVT entry, or one for the changed span of a byte watch;
 * snapshot/record/stop once. */
static int watch_fire(struct ectx *ec, const struct rcp_rule *ru, const uint8_t *old,
                      const uint8_t *new, size_t len)
{
    struct text what;
    size_t unit = ru->ivt ? 4 : 1, first = len, last = 0;
    for (size_t at = 0; at < len; at += unit) {
        if (memcmp(old + at, new + at, unit) == 0)
            continue;
        if (first == len)
            first = at;
        last = at + unit;
        if (!ru->ivt)
            continue;
        describe_change(ru, old, new, at, at + unit, &what);
        ec->extra = what.b;
        if (run_actions(ec, ru->act, ru->nact, RUN_LOGS) < 0)
            return -1;
    }
    if (!ru->ivt) {
        describe_change(ru, old, new, first, last, &what);
        ec->extra = what.b;
        if (run_actions(ec, ru->act, ru->nact, RUN_LOGS) < 0)
            return -1;
    }
    ec->extra = NULL;
    return run_actions(ec, ru->act, ru->nact, RUN_OTHERS) < 0 ? -1 : 0;
}

static int check_watch(struct ectx *ec, int i)
{
    struct recipe_rt *rt = ec->rt;
    const struct rcp_rule *ru = &rt->r->rules[i];
    size_t len = ru->hi - ru->lo + 1;
    uint8_t *seen = rt->watch_mem + ru->watch_off;
    if (ec->io->read_mem(ec->io->ctx, ru->lo, rt->scratch, len)) {
        rt->watch_ok[i] = 0;        /* unreadable now: compare from the next good read */
        return 0;
    }
    int changed = rt->watch_ok[i] && memcmp(seen, rt->scratch, len) != 0;
    if (changed) {
        rt->fired[i] = 1;
        ec->rule = ru;
        if (watch_fire(ec, ru, seen, rt->scratch, len))
            return -1;
    }
    memcpy(seen, rt->scratch, len);
    rt->watch_ok[i] = 1;
    return 0;
}

static int check_watches(struct ectx *ec, int baseline)
{
    struct recipe_rt *rt = ec->rt;
    for (int i = 0; i < rt->r->nrules; i++) {
        const struct rcp_rule *ru = &rt->r->rules[i];
        if (ru->trig.kind != RCP_T_WATCH || (ru->once && rt->fired[i]))
            continue;
        if (baseline)
            rt->watch_ok[i] = 0;
        if (check_watch(ec, i))
            return -1;
    }
    return 0;
}

/* ---- deferred `next` ---- */

static int flush_deferred(struct recipe_rt *rt, const struct hvt_step *next,
                          const struct recipe_io *io, hvt_error *err)
{
    for (int i = 0; i < RCP_MAX_DEFER; i++) {
        struct deferred *d = &rt->defer[i];
        if (!d->used)
            continue;
        struct text t = { .n = strlen(d->text) };
        memcpy(t.b, d->text, t.n + 1);
        put_next(&t, next);
        d->used = 0;
        if (io->event(io->ctx, d->step, RECIPE_EVENT_KIND, t.b, err))
            return -1;
    }
    return 0;
}

/* ---- public ---- */

int recipe_rt_new(const struct recipe *r, struct recipe_rt **out, hvt_error *err)
{
    struct recipe_rt *rt = calloc(1, sizeof *rt);
    size_t biggest = 0;
    for (int i = 0; i < r->nrules; i++)
        if (r->rules[i].trig.kind == RCP_T_WATCH && r->rules[i].hi - r->rules[i].lo + 1 > biggest)
            biggest = r->rules[i].hi - r->rules[i].lo + 1;
    if (rt) {
        rt->watch_mem = malloc(r->watch_bytes + 1);
        rt->scratch = malloc(biggest + 1);
    }
    if (!rt || !rt->watch_mem || !rt->scratch) {
        recipe_rt_free(rt);
        return hvt_error_set(err, "recipe %s: out of memory", r->name);
    }
    rt->r = r;
    *out = rt;
    return 0;
}

void recipe_rt_free(struct recipe_rt *rt)
{
    if (!rt)
        return;
    free(rt->watch_mem);
    free(rt->scratch);
    free(rt);
}

int recipe_begin(struct recipe_rt *rt, const struct hvt_step *first,
                 const struct recipe_io *io, hvt_error *err)
{
    struct ectx ec = { .rt = rt, .io = io, .err = err, .s = first, .step = first->n };
    if (check_watches(&ec, 1))
        return -1;
    return eval_state(rt, first, first->n, io, err);
}

/* The watches after `done` ran (next: its successor, NULL if not known yet). */
static int watch_after(struct recipe_rt *rt, const struct hvt_step *done,
                       const struct hvt_step *next, int next_known,
                       const struct recipe_io *io, hvt_error *err)
{
    struct recipe_insn in;
    decode(done, &in);
    if (!rt->r->watch_bytes || !in.may_write)
        return 0;
    struct ectx ec = { .rt = rt, .io = io, .err = err, .s = done, .step = rt->n,
                       .window = any_window(rt), .next_known = next_known, .next = next };
    return check_watches(&ec, 0);
}

int recipe_after_insn(struct recipe_rt *rt, const struct hvt_step *done,
                      const struct recipe_io *io, hvt_error *err)
{
    rt->watched = 1;
    return watch_after(rt, done, NULL, 0, io, err);
}

int recipe_on_step(struct recipe_rt *rt, const struct hvt_step *done,
                   const struct hvt_step *next, const struct recipe_io *io, hvt_error *err)
{
    int keep = rt->keep;
    uint64_t n = rt->n;
    if (flush_deferred(rt, next, io, err))
        return -1;
    if (!rt->watched && watch_after(rt, done, next, 1, io, err))
        return -1;
    /* Without a next state, `last` stays `done`: `on end` sees the final state. */
    if (next && eval_state(rt, next, n + (uint64_t)keep, io, err))
        return -1;
    return keep;
}

static int report_pending(struct recipe_rt *rt, const struct recipe_io *io, hvt_error *err)
{
    for (int i = 0; i < RCP_MAX_FRAMES; i++) {
        const struct frame *fr = &rt->frames[i];
        if (!fr->used)
            continue;
        const struct rcp_rule *ru = &rt->r->rules[fr->rule];
        struct text t = { .n = 0 };
        put(&t, "tag=no-return call=%" PRIu64, fr->call);
        put_cs_ip(&t, "caller", fr->caller_cs, fr->caller_ip, fr->mode);
        put(&t, " trigger=\"%s\" rule=%d", ru->what, ru->line);
        if (io->event(io->ctx, rt->n, RECIPE_EVENT_KIND, t.b, err))
            return -1;
    }
    return 0;
}

int recipe_end(struct recipe_rt *rt, const struct recipe_io *io, hvt_error *err)
{
    static const struct hvt_step none;
    const struct hvt_step *s = rt->have_last ? &rt->last : &none;
    struct ectx ec = { .rt = rt, .io = io, .err = err, .s = s, .step = rt->n,
                       .window = any_window(rt), .next_known = 1 };
    if (flush_deferred(rt, NULL, io, err) || report_pending(rt, io, err))
        return -1;
    return fire_rules(&ec, NULL, 1) < 0 ? -1 : 0;
}
