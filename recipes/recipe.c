/*
 * recipe: the parser of the recipe language (docs/recipes.md is the grammar)
 * and recipe_load.  Text in, struct recipe out; no evaluation here
 * (recipe_eval.c) and no I/O except reading a recipe file in recipe_load.
 *
 * Each line is split into tokens (words, "strings", punctuation ; ( ) , :,
 * operators == != < <= > >= && || ! &), then parsed by the directive its first
 * word names.  A ':' ending a word is its own token ("rsm:" is "rsm" ":"),
 * inside a word it is part of it ("es:di", "0000:7c00").
 *
 * Invariant: a recipe is either returned complete and valid (every rule
 * checked against the restrictions the evaluator relies on: `return:` and
 * `record until return` only after int/in/out triggers, and so on) or not at
 * all, with one error line "ORIGIN:LINE: reason".
 */
#include "recipes/recipe_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_CHARS 1024
#define MAX_TOKENS     256
#define MAX_DEPTH      32           /* condition nesting */
#define MAX_FILE_BYTES (1u << 20)

struct tok { char kind; const char *s; };   /* kind: 'w' word, 's' string, 'p' punct */

struct pctx {
    struct recipe *r;
    const char *origin;
    int line;
    hvt_error *err;
    struct tok t[MAX_TOKENS];
    int nt, pos;
    char store[2 * LINE_MAX_CHARS + 2];
    int cond_nodes, depth;
};

static int perr(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pctx *p, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hvt_error_set(p->err, "%s:%d: %s", p->origin, p->line, msg);
}

/* ---- tokens ---- */

static int is_punct(char c) { return c && strchr(";(),", c) != NULL; }
static int is_opchar(char c) { return c && strchr("=!<>&|", c) != NULL; }

static int word_end(char c)
{
    return c == 0 || c == ' ' || c == '\t' || c == '"' || c == '#' || is_punct(c) ||
           is_opchar(c);
}

static int push_tok(struct pctx *p, char kind, const char *s, size_t n, char **w)
{
    if (p->nt == MAX_TOKENS)
        return perr(p, "too many words on one line (max %d)", MAX_TOKENS);
    memcpy(*w, s, n);
    (*w)[n] = 0;
    p->t[p->nt++] = (struct tok){ kind, *w };
    *w += n + 1;
    return 0;
}

/* Operators: two-character ones first; a lone '=' or '|' is a mistake. */
static int lex_op(struct pctx *p, const char *s, char **w, size_t *used)
{
    static const char *const two[] = { "==", "!=", "<=", ">=", "&&", "||" };
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
        if (s[0] == two[i][0] && s[1] == two[i][1])
            return *used = 2, push_tok(p, 'p', s, 2, w);
    if (s[0] == '=' || s[0] == '|')
        return perr(p, "'%c' is not an operator (use %s)", s[0], s[0] == '=' ? "==" : "||");
    return *used = 1, push_tok(p, 'p', s, 1, w);
}

static int lex_one(struct pctx *p, const char *s, char **w, size_t *used)
{
    if (*s == '"') {
        const char *e = strchr(s + 1, '"');
        if (!e)
            return perr(p, "unterminated string");
        *used = (size_t)(e - s) + 1;
        return push_tok(p, 's', s + 1, (size_t)(e - s) - 1, w);
    }
    if (is_punct(*s) || *s == ':')
        return *used = 1, push_tok(p, 'p', s, 1, w);
    if (is_opchar(*s))
        return lex_op(p, s, w, used);
    size_t n = 0;
    while (!word_end(s[n]) && !(s[n] == ':' && word_end(s[n + 1])))
        n++;
    return *used = n, push_tok(p, 'w', s, n, w);
}

static int lex_line(struct pctx *p, const char *line)
{
    char *w = p->store;
    p->nt = p->pos = 0;
    for (const char *s = line; *s;) {
        size_t used = 0;
        if (*s == ' ' || *s == '\t' || *s == '\r') {
            s++;
            continue;
        }
        if (*s == '#')
            break;
        if (lex_one(p, s, &w, &used))
            return -1;
        s += used;
    }
    return 0;
}

static const char *peek(struct pctx *p) { return p->pos < p->nt ? p->t[p->pos].s : NULL; }

static int peek_is(struct pctx *p, const char *s)
{
    return p->pos < p->nt && p->t[p->pos].kind != 's' && strcmp(p->t[p->pos].s, s) == 0;
}

static int accept(struct pctx *p, const char *s)
{
    if (!peek_is(p, s))
        return 0;
    p->pos++;
    return 1;
}

static const char *shown(struct pctx *p) { return peek(p) ? peek(p) : "end of line"; }

static int expect(struct pctx *p, const char *s, const char *what)
{
    return accept(p, s) ? 0 : perr(p, "expected '%s' %s, got '%s'", s, what, shown(p));
}

static const char *take_word(struct pctx *p)
{
    if (p->pos >= p->nt || p->t[p->pos].kind != 'w')
        return NULL;
    return p->t[p->pos++].s;
}

/* ---- numbers, names, addresses ---- */

/* C-style: 0x1f hex, 1fh hex, else decimal. */
static int parse_number(const char *s, uint64_t max, uint64_t *out)
{
    size_t n = strlen(s);
    int base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, n -= 2, base = 16;
    else if (n > 1 && (s[n - 1] == 'h' || s[n - 1] == 'H') && isdigit((unsigned char)s[0]))
        n--, base = 16;
    if (n == 0 || n > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)s[i]);
        int d = isdigit(c) ? c - '0' : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -1;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int number_arg(struct pctx *p, uint64_t max, const char *what, uint64_t *out)
{
    const char *w = take_word(p);
    if (!w || parse_number(w, max, out))
        return perr(p, "expected %s (a number up to 0x%llx), got '%s'", what,
                    (unsigned long long)max, w ? w : shown(p));
    return 0;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= RCP_NAME_MAX || !isalnum((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
            s[i] != '-' && s[i] != '_')
            return 0;
    return 1;
}

static int addr_arg(struct pctx *p, struct hvt_addr *a)
{
    const char *w = take_word(p);
    hvt_error e = { "" };
    if (!w)
        return perr(p, "expected an address (hex linear or SEG:OFF), got '%s'", shown(p));
    if (addr_parse(w, a, &e))
        return perr(p, "%s", e.msg);
    return 0;
}

/* ---- growing arrays ---- */

static int grow(struct pctx *p, void **arr, int *cap, int n, size_t elem)
{
    if (n < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 16;
    void *a = realloc(*arr, (size_t)ncap * elem);
    if (!a)
        return perr(p, "out of memory");
    *arr = a;
    *cap = ncap;
    return 0;
}

/* ---- triggers ---- */

static int parse_trigger(struct pctx *p, struct rcp_trigger *t, int in_until)
{
    static const char *const names[] = { "int", "out", "in", "addr", "rsm", "hlt",
                                         "step", "end", "return" };
    const char *w = take_word(p);
    uint64_t v = 0;
    int k = -1;
    for (int i = 0; w && i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(w, names[i]) == 0)
            k = i;
    if (k < 0 || (k == RCP_T_RETURN && !in_until) ||
        (in_until && (k == RCP_T_STEP || k == RCP_T_END)))
        return perr(p, "unknown trigger '%s' (want int N, out PORT, in PORT, addr ADDR, rsm, "
                    "hlt%s)", w ? w : shown(p), in_until ? ", return" : ", step, end");
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)k;
    if (k == RCP_T_INT && number_arg(p, 0xff, "an interrupt vector", &v))
        return -1;
    if ((k == RCP_T_OUT || k == RCP_T_IN) && number_arg(p, 0xffff, "a port", &v))
        return -1;
    if (k == RCP_T_ADDR && addr_arg(p, &t->addr))
        return -1;
    t->vector = (uint8_t)v;
    t->port = (uint16_t)v;
    return 0;
}

/* ---- conditions ---- */

static int new_node(struct pctx *p, uint8_t op, int a, int b)
{
    struct recipe *r = p->r;
    if (++p->cond_nodes > RCP_MAX_NODES)
        return perr(p, "condition too long (max %d terms)", RCP_MAX_NODES);
    if (grow(p, (void **)&r->nodes, &r->cap_nodes, r->nnodes, sizeof *r->nodes))
        return -1;
    r->nodes[r->nnodes] = (struct rcp_node){ .op = op, .a = (int16_t)a, .b = (int16_t)b };
    return r->nnodes++;
}

static int parse_or(struct pctx *p);

static int parse_primary(struct pctx *p)
{
    if (accept(p, "(")) {
        int n = parse_or(p);
        if (n < 0 || expect(p, ")", "to close '('"))
            return -1;
        return n;
    }
    const char *w = take_word(p);
    struct rcp_operand op;
    uint64_t v;
    int n;
    if (w && parse_number(w, UINT64_MAX, &v) == 0) {
        if ((n = new_node(p, RCP_N_CONST, -1, -1)) >= 0)
            p->r->nodes[n].value = v;
        return n;
    }
    if (!w || rcp_operand_lookup(w, &op))
        return perr(p, "expected a register, flag or number in the condition, got '%s'",
                    w ? w : shown(p));
    if ((n = new_node(p, RCP_N_OPND, -1, -1)) >= 0)
        p->r->nodes[n].opnd = op;
    return n;
}

static int parse_bitand(struct pctx *p)
{
    int a = parse_primary(p);
    while (a >= 0 && accept(p, "&")) {
        int b = parse_primary(p);
        a = b < 0 ? -1 : new_node(p, RCP_N_BITAND, a, b);
    }
    return a;
}

static int parse_cmp(struct pctx *p)
{
    static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
    int a = parse_bitand(p);
    for (int i = 0; a >= 0 && i < 6; i++) {
        if (accept(p, ops[i])) {
            int b = parse_bitand(p);
            return b < 0 ? -1 : new_node(p, (uint8_t)(RCP_N_EQ + i), a, b);
        }
    }
    return a;
}

static int parse_not(struct pctx *p)
{
    if (!accept(p, "!"))
        return parse_cmp(p);
    if (++p->depth > MAX_DEPTH)
        return perr(p, "condition nested too deeply");
    int a = parse_not(p);
    p->depth--;
    return a < 0 ? -1 : new_node(p, RCP_N_NOT, a, -1);
}

static int parse_and(struct pctx *p)
{
    int a = parse_not(p);
    while (a >= 0 && accept(p, "&&")) {
        int b = parse_not(p);
        a = b < 0 ? -1 : new_node(p, RCP_N_AND, a, b);
    }
    return a;
}

static int parse_or(struct pctx *p)
{
    if (++p->depth > MAX_DEPTH)
        return perr(p, "condition nested too deeply");
    int a = parse_and(p);
    while (a >= 0 && accept(p, "||")) {
        int b = parse_and(p);
        a = b < 0 ? -1 : new_node(p, RCP_N_OR, a, b);
    }
    p->depth--;
    return a;
}

/* ---- log items ---- */

/* es:di (a segment register and a register) or a literal address. */
static int parse_loc(struct pctx *p, struct rcp_loc *loc)
{
    const char *w = take_word(p);
    const char *colon = w ? strchr(w, ':') : NULL;
    char seg[16];
    memset(loc, 0, sizeof *loc);
    if (colon && (size_t)(colon - w) < sizeof seg) {
        memcpy(seg, w, (size_t)(colon - w));
        seg[colon - w] = 0;
        if (rcp_operand_lookup(seg, &loc->seg) == 0 &&
            rcp_operand_lookup(colon + 1, &loc->off) == 0) {
            if (loc->seg.kind != RCP_O_FIELD || loc->seg.field < HVT_ES_SEL ||
                loc->seg.field > HVT_GS_SEL)
                return perr(p, "'%s' is not a segment register", seg);
            return loc->regpair = 1, 0;
        }
    }
    hvt_error e = { "" };
    if (!w || addr_parse(w, &loc->lit, &e))
        return perr(p, "expected SEG:REG (es:di) or an address, got '%s'", w ? w : shown(p));
    return 0;
}

static int parse_mem_item(struct pctx *p, struct rcp_item *it)
{
    uint64_t len = 0;
    if (expect(p, "(", "after mem") || parse_loc(p, &it->loc) || expect(p, ",", "in mem(ADDR, LEN)") ||
        number_arg(p, RCP_MAX_MEMLOG, "a length", &len) || expect(p, ")", "to close mem("))
        return -1;
    if (len == 0)
        return perr(p, "mem() length must be at least 1");
    it->len = (uint16_t)len;
    return 0;
}

static int parse_item(struct pctx *p, struct rcp_item *it)
{
    const char *w = take_word(p);
    memset(it, 0, sizeof *it);
    if (!w)
        return perr(p, "expected a register or item to log, got '%s'", shown(p));
    if (strcmp(w, "insn") == 0)
        return it->kind = RCP_I_INSN, 0;
    if (strcmp(w, "next") == 0)
        return it->kind = RCP_I_NEXT, 0;
    if (strcmp(w, "mem") == 0)
        return it->kind = RCP_I_MEM, parse_mem_item(p, it);
    if (strcmp(w, "e820") == 0) {
        it->kind = RCP_I_E820;
        return expect(p, "(", "after e820") || parse_loc(p, &it->loc) ||
               expect(p, ")", "to close e820(") ? -1 : 0;
    }
    if (rcp_operand_lookup(w, &it->op))
        return perr(p, "unknown register or item '%s'", w);
    return it->kind = RCP_I_OPND, 0;
}

/* ---- actions ---- */

static int at_list_end(struct pctx *p)
{
    return p->pos >= p->nt || peek_is(p, ";") ||
           (peek_is(p, "return") && p->pos + 1 < p->nt && strcmp(p->t[p->pos + 1].s, ":") == 0);
}

static int parse_log(struct pctx *p, struct rcp_action *a)
{
    struct recipe *r = p->r;
    const char *tag = take_word(p);
    if (!tag || !valid_name(tag))
        return perr(p, "log needs a tag (lower-case letters, digits, '-'), got '%s'",
                    tag ? tag : shown(p));
    snprintf(a->text, sizeof a->text, "%s", tag);
    a->first_item = r->nitems;
    while (!at_list_end(p)) {
        if (a->nitems == RCP_MAX_ITEMS)
            return perr(p, "too many items in one log (max %d)", RCP_MAX_ITEMS);
        if (grow(p, (void **)&r->items, &r->cap_items, r->nitems, sizeof *r->items) ||
            parse_item(p, &r->items[r->nitems]))
            return -1;
        r->nitems++;
        a->nitems++;
    }
    return 0;
}

static int parse_text_arg(struct pctx *p, struct rcp_action *a, int required, const char *what)
{
    if (at_list_end(p)) {
        return required ? perr(p, "%s needs a label", what) : 0;
    }
    const struct tok *t = &p->t[p->pos++];
    if (t->kind == 'p' || !t->s[0] || strlen(t->s) >= sizeof a->text)
        return perr(p, "bad %s text '%s' (a word or \"string\" under %zu characters)", what,
                    t->s, sizeof a->text);
    snprintf(a->text, sizeof a->text, "%s", t->s);
    return 0;
}

static int parse_record(struct pctx *p, struct rcp_action *a)
{
    a->until.kind = RCP_T_END;
    if (at_list_end(p))
        return 0;
    if (!accept(p, "until"))
        return number_arg(p, 1000000000, "a step count or 'until'", &a->count) ? -1
               : a->count ? 0 : perr(p, "record needs at least 1 step");
    return parse_trigger(p, &a->until, 1);
}

static int parse_action(struct pctx *p, struct rcp_action *a)
{
    const char *w = take_word(p);
    memset(a, 0, sizeof *a);
    if (w && strcmp(w, "log") == 0)
        return a->kind = RCP_A_LOG, parse_log(p, a);
    if (w && strcmp(w, "snapshot") == 0)
        return a->kind = RCP_A_SNAPSHOT, parse_text_arg(p, a, 1, "snapshot");
    if (w && strcmp(w, "record") == 0)
        return a->kind = RCP_A_RECORD, parse_record(p, a);
    if (w && strcmp(w, "stop") == 0)
        return a->kind = RCP_A_STOP, parse_text_arg(p, a, 0, "stop");
    return perr(p, "unknown action '%s' (want log, snapshot, record, stop)", w ? w : shown(p));
}

/* ACTION {; ACTION}, up to the end or "return :". */
static int parse_actions(struct pctx *p, int *list, int *n)
{
    struct recipe *r = p->r;
    do {
        if (at_list_end(p))
            break;          /* empty list, or a trailing ';' */
        if (*n == RCP_MAX_ACTIONS)
            return perr(p, "too many actions (max %d)", RCP_MAX_ACTIONS);
        if (grow(p, (void **)&r->actions, &r->cap_actions, r->nactions, sizeof *r->actions))
            return -1;
        struct rcp_action a;
        if (parse_action(p, &a))
            return -1;
        r->actions[r->nactions] = a;
        list[(*n)++] = r->nactions++;
        if (!at_list_end(p))
            return perr(p, "unexpected '%s' after the action (missing ';'?)", shown(p));
    } while (accept(p, ";"));
    return 0;
}

/* ---- rules ---- */

static int returns_to_caller(const struct rcp_rule *ru)
{
    return ru->trig.kind == RCP_T_INT || ru->trig.kind == RCP_T_OUT || ru->trig.kind == RCP_T_IN;
}

/* The restrictions the evaluator relies on. */
static int check_rule(struct pctx *p, struct rcp_rule *ru)
{
    const struct recipe *r = p->r;
    if (ru->nret && !returns_to_caller(ru))
        return perr(p, "'return:' needs an int, in or out trigger");
    for (int i = 0; i < ru->nact + ru->nret; i++) {
        int in_ret = i >= ru->nact;
        const struct rcp_action *a = &r->actions[in_ret ? ru->ret[i - ru->nact] : ru->act[i]];
        if (a->kind == RCP_A_RECORD && ru->trig.kind == RCP_T_END)
            return perr(p, "'record' cannot start at the end of the recording");
        if (a->kind == RCP_A_RECORD && a->until.kind == RCP_T_RETURN) {
            if (in_ret || !returns_to_caller(ru))
                return perr(p, "'record until return' needs an int, in or out trigger");
            ru->frames = 1;
        }
        for (int j = 0; a->kind == RCP_A_LOG && j < a->nitems; j++)
            if (r->items[a->first_item + j].kind == RCP_I_NEXT && ru->trig.kind == RCP_T_END)
                return perr(p, "'next' is unknown at the end of the recording");
    }
    if (ru->nret)
        ru->frames = 1;
    return 0;
}

static int parse_body(struct pctx *p, struct rcp_rule *ru)
{
    if (accept(p, "once"))
        ru->once = 1;
    if (expect(p, ":", "before the actions") || parse_actions(p, ru->act, &ru->nact))
        return -1;
    if (accept(p, "return")) {
        if (expect(p, ":", "after return") || parse_actions(p, ru->ret, &ru->nret))
            return -1;
    }
    if (p->pos < p->nt)
        return perr(p, "unexpected '%s'", shown(p));
    if (ru->nact + ru->nret == 0)
        return perr(p, "rule has no actions");
    return check_rule(p, ru);
}

static struct rcp_rule *new_rule(struct pctx *p)
{
    struct recipe *r = p->r;
    if (r->nrules == RCP_MAX_RULES) {
        perr(p, "too many rules (max %d)", RCP_MAX_RULES);
        return NULL;
    }
    struct rcp_rule *ru = &r->rules[r->nrules++];
    memset(ru, 0, sizeof *ru);
    ru->line = p->line;
    ru->cond = -1;
    return ru;
}

/* The source words from `from` to the current token, for messages. */
static void describe_span(struct pctx *p, int from, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = from; i < p->pos && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i > from ? " " : "", p->t[i].s);
}

static int parse_on(struct pctx *p)
{
    struct rcp_rule *ru = new_rule(p);
    int start = p->pos;
    if (!ru || parse_trigger(p, &ru->trig, 0))
        return -1;
    describe_span(p, start, ru->what, sizeof ru->what);
    if (accept(p, "if")) {
        p->cond_nodes = p->depth = 0;
        if ((ru->cond = parse_or(p)) < 0)
            return -1;
    }
    return parse_body(p, ru);
}

static int parse_range(struct pctx *p, struct rcp_rule *ru)
{
    const char *w = take_word(p);
    const char *dash = w ? strchr(w, '-') : NULL;
    char lo[48];
    struct hvt_addr a, b;
    hvt_error e = { "" };
    if (!dash || (size_t)(dash - w) >= sizeof lo)
        return perr(p, "expected a range LO-HI (e.g. 0-3ff), got '%s'", w ? w : shown(p));
    memcpy(lo, w, (size_t)(dash - w));
    lo[dash - w] = 0;
    if (addr_parse(lo, &a, &e) || addr_parse(dash + 1, &b, &e))
        return perr(p, "%s", e.msg);
    if (b.linear < a.linear || b.linear - a.linear >= RCP_MAX_WATCH)
        return perr(p, "range %s must be ascending and at most 0x%x bytes", w, RCP_MAX_WATCH);
    ru->lo = a.linear;
    ru->hi = b.linear;
    snprintf(ru->what, sizeof ru->what, "watch %s", w);
    return 0;
}

static int parse_watch(struct pctx *p)
{
    struct rcp_rule *ru = new_rule(p);
    if (!ru || parse_range(p, ru))
        return -1;
    ru->trig.kind = RCP_T_WATCH;
    if (accept(p, "ivt")) {
        ru->ivt = 1;
        if (ru->lo % 4 || (ru->hi + 1) % 4)
            return perr(p, "an ivt watch covers whole 4-byte entries (e.g. 0-3ff)");
    }
    ru->watch_off = p->r->watch_bytes;
    p->r->watch_bytes += ru->hi - ru->lo + 1;
    if (parse_body(p, ru))
        return -1;
    return ru->nret ? perr(p, "a watch has no 'return:'") : 0;
}

/* ---- directives ---- */

static int parse_describe(struct pctx *p, const char *rest)
{
    struct recipe *r = p->r;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    size_t n = strlen(rest);
    while (n && (rest[n - 1] == ' ' || rest[n - 1] == '\t' || rest[n - 1] == '\r'))
        n--;
    if (r->describe[0])
        return perr(p, "second 'describe' line");
    if (n == 0 || n >= sizeof r->describe)
        return perr(p, "describe needs one line of text (under %zu characters)",
                    sizeof r->describe);
    memcpy(r->describe, rest, n);
    r->describe[n] = 0;
    return 0;
}

static int parse_name(struct pctx *p)
{
    const char *w = take_word(p);
    if (p->r->name[0])
        return perr(p, "second 'name' line");
    if (!w || !valid_name(w) || p->pos < p->nt)
        return perr(p, "name must be one word of lower-case letters, digits and '-' "
                    "(under %d characters)", RCP_NAME_MAX);
    snprintf(p->r->name, sizeof p->r->name, "%s", w);
    return 0;
}

static int parse_keep(struct pctx *p, int *seen_keep)
{
    const char *w = take_word(p);
    if ((*seen_keep)++)
        return perr(p, "second 'keep' line");
    if (!w || (strcmp(w, "all") && strcmp(w, "windows")) || p->pos < p->nt)
        return perr(p, "keep takes 'all' or 'windows'");
    p->r->keep_all = strcmp(w, "all") == 0;
    return 0;
}

static int parse_from(struct pctx *p)
{
    if (p->r->has_from)
        return perr(p, "second 'from' line");
    if (addr_arg(p, &p->r->from))
        return -1;
    p->r->has_from = 1;
    return p->pos < p->nt ? perr(p, "unexpected '%s'", shown(p)) : 0;
}

static int parse_directive(struct pctx *p, int *seen_keep)
{
    const char *w = take_word(p);
    if (!w)
        return perr(p, "expected a directive, got '%s'", shown(p));
    if (strcmp(w, "name") == 0)
        return parse_name(p);
    if (strcmp(w, "from") == 0)
        return parse_from(p);
    if (strcmp(w, "keep") == 0)
        return parse_keep(p, seen_keep);
    if (strcmp(w, "on") == 0)
        return parse_on(p);
    if (strcmp(w, "watch") == 0)
        return parse_watch(p);
    return perr(p, "unknown directive '%s' (want name, describe, from, keep, on, watch)", w);
}

static int check_line_chars(struct pctx *p, const char *line, size_t n)
{
    if (n > LINE_MAX_CHARS)
        return perr(p, "line too long (max %d characters)", LINE_MAX_CHARS);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && c != '\r') || c > 0x7e)
            return perr(p, "unexpected byte 0x%02x (recipes are printable ASCII)", c);
    }
    return 0;
}

static int parse_line(struct pctx *p, const char *line, size_t n, int *seen_keep)
{
    char buf[LINE_MAX_CHARS + 1];
    if (check_line_chars(p, line, n))
        return -1;
    memcpy(buf, line, n);
    buf[n] = 0;
    const char *s = buf + strspn(buf, " \t");
    if (strncmp(s, "describe", 8) == 0 && (s[8] == 0 || s[8] == ' ' || s[8] == '\t'))
        return parse_describe(p, s + 8);
    if (lex_line(p, buf))
        return -1;
    return p->nt ? parse_directive(p, seen_keep) : 0;
}

static int parse_all(struct pctx *p, const char *text, size_t len)
{
    int seen_keep = 0;
    p->r->keep_all = 1;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        p->line++;
        if (parse_line(p, text + at, n, &seen_keep))
            return -1;
        at += n + 1;
    }
    if (p->line == 0)
        p->line = 1;            /* an empty recipe: its errors are on line 1 */
    if (!p->r->name[0])
        return perr(p, "recipe has no 'name' line");
    if (!p->r->describe[0])
        return perr(p, "recipe has no 'describe' line");
    return p->r->nrules ? 0 : perr(p, "recipe has no 'on' or 'watch' rule");
}

int recipe_parse(const char *text, size_t len, const char *origin, struct recipe **out,
                 hvt_error *err)
{
    struct pctx *p = calloc(1, sizeof *p);
    struct recipe *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!p || !r) {
        free(p);
        free(r);
        return hvt_error_set(err, "%s: out of memory", origin);
    }
    p->r = r;
    p->origin = origin;
    p->err = err;
    int rc = parse_all(p, text, len);
    free(p);
    if (rc) {
        recipe_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void recipe_free(struct recipe *r)
{
    if (!r)
        return;
    free(r->actions);
    free(r->items);
    free(r->nodes);
    free(r);
}

const char *recipe_name(const struct recipe *r) { return r->name; }
const char *recipe_describe(const struct recipe *r) { return r->describe; }
const struct hvt_addr *recipe_from(const struct recipe *r) { return r->has_from ? &r->from : NULL; }

/* ---- loading ---- */

static int read_file(const char *path, char **text, size_t *len, hvt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hvt_error_errno(err, "%s", path);
    *text = malloc(MAX_FILE_BYTES + 1);
    *len = *text ? fread(*text, 1, MAX_FILE_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!*text)
        return hvt_error_set(err, "%s: out of memory", path);
    if (bad || *len > MAX_FILE_BYTES) {
        free(*text);
        return hvt_error_set(err, "%s: %s", path, bad ? "read error" : "larger than 1 MiB");
    }
    return 0;
}

int recipe_load(const char *name_or_path, struct recipe **out, hvt_error *err)
{
    const struct recipe_builtin *b = recipe_builtin_find(name_or_path);
    char origin[300];
    if (b) {
        snprintf(origin, sizeof origin, "builtin:%s", b->name);
        return recipe_parse(b->text, strlen(b->text), origin, out, err);
    }
    char *text = NULL;
    size_t len = 0;
    if (!strchr(name_or_path, '/') && access(name_or_path, F_OK) && errno == ENOENT)
        return hvt_error_set(err, "%s: no such built-in recipe or file (`hvtrace recipes` "
                             "lists the built-ins)", name_or_path);
    if (read_file(name_or_path, &text, &len, err))
        return -1;
    int rc = recipe_parse(text, len, name_or_path, out, err);
    free(text);
    return rc;
}
