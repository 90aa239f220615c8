/*
 * report_fmt: shared wording and escaping for the diff reports.
 *
 * Escaping rule: everything that came from the guest or a run file (bytes,
 * disassembly, serial text, names, labels) passes report_html_escape or
 * report_json_string on its way out; these functions only build plain text.
 */
#include "reports/report_fmt.h"
#include "common/disasm.h"
#include "common/textesc.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

size_t report_fmt_addr(const struct hvt_step *s, char *buf, size_t n)
{
    const struct hvt_state *st = &s->st;
    if (s->mode == HVT_MODE_16 && !(st->known & HVT_K_SEGDESC && st->f[HVT_CR0] & 1))
        return (size_t)snprintf(buf, n, "%04" PRIx64 ":%04" PRIx64, st->f[HVT_CS_SEL],
                                st->f[HVT_RIP] & 0xffff);
    return (size_t)snprintf(buf, n, "%04" PRIx64 ":%08" PRIx64, st->f[HVT_CS_SEL],
                            st->f[HVT_RIP]);
}

size_t report_fmt_bytes(const struct hvt_step *s, char *buf, size_t n)
{
    char dis[8];
    size_t len = hvt_disasm_step(s, dis, sizeof dis);
    if (!len)
        len = s->insn_len < 4 ? s->insn_len : 4;
    size_t o = 0;
    if (n)
        buf[0] = 0;
    for (size_t i = 0; i < len && o + 4 < n; i++)
        o += (size_t)snprintf(buf + o, n - o, i ? " %02x" : "%02x", s->insn[i]);
    return o;
}

size_t report_fmt_disasm(const struct hvt_step *s, char *buf, size_t n)
{
    hvt_disasm_step(s, buf, n);
    return strlen(buf);
}

size_t report_fmt_step(const struct hvt_step *s, char *buf, size_t n)
{
    char addr[32], bytes[64], dis[128];
    report_fmt_addr(s, addr, sizeof addr);
    report_fmt_bytes(s, bytes, sizeof bytes);
    report_fmt_disasm(s, dis, sizeof dis);
    return (size_t)snprintf(buf, n, "#%-9" PRIu64 " %s  %-20s  %s", s->n, addr, bytes, dis);
}

static size_t fmt_range(const char *side, uint64_t b, uint64_t e, char *buf, size_t n)
{
    if (b == e)
        return (size_t)snprintf(buf, n, "%s at #%" PRIu64 " (none)", side, b);
    return (size_t)snprintf(buf, n, "%s #%" PRIu64 "-#%" PRIu64 " (%" PRIu64 " step%s)", side,
                            b, e - 1, e - b, hvt_s(e - b));
}

size_t report_fmt_hunk(const struct align_hunk *h, char *buf, size_t n)
{
    char ra[64], rb[64];
    fmt_range("A", h->a_begin, h->a_end, ra, sizeof ra);
    fmt_range("B", h->b_begin, h->b_end, rb, sizeof rb);
    if (h->kind == ALIGN_LOOP)
        return (size_t)snprintf(buf, n, "loop: body of %" PRIu64 " step%s x %" PRIu64
                                " in A vs x %" PRIu64 " in B; %s, %s", h->body_len,
                                hvt_s(h->body_len),
                                h->count_a, h->count_b, ra, rb);
    if (h->kind == ALIGN_ASYNC || h->kind == ALIGN_EXCLUDED) {
        int sb = (h->flags & ALIGN_HF_SIDE_B) != 0;
        const char *peer = !(h->flags & ALIGN_HF_PEER) ? ", no counterpart"
                           : h->flags & ALIGN_HF_PEER_EQUAL ? ", same steps as the other's"
                                                           : ", differs from the other's";
        return (size_t)snprintf(buf, n, "%s%s: %s%s%s", align_kind_name(h->kind),
                                h->kind == ALIGN_ASYNC ? " interrupt" : "", sb ? rb : ra,
                                h->kind == ALIGN_ASYNC ? peer : "",
                                h->flags & ALIGN_HF_NESTED ? " (inside the hunk above)" : "");
    }
    return (size_t)snprintf(buf, n, "%s: %s, %s%s", align_kind_name(h->kind), ra, rb,
                            h->flags & ALIGN_HF_TAIL ? " (to the end: no later match)" : "");
}

/* The code ran alike but computed differently: the guest's output, the BIOS's
 * answers (compare/datadiff.c). */
static size_t fmt_data(const struct report_diff *d, char *buf, size_t n)
{
    const struct report_data *r = &d->data;
    size_t o = (size_t)snprintf(buf, n, "the instruction streams match, but the data differs:");
    if (r->serial && o < n)     /* guest text: escaped where it is printed */
        o += (size_t)snprintf(buf + o, n - o, " the guests' serial line %" PRIu64 " is \"%s\" "
                              "in A (#%" PRIu64 ") and \"%s\" in B (#%" PRIu64 ")%s", r->line,
                              r->text[0], r->step[0], r->text[1], r->step[1],
                              r->calls ? ";" : "");
    if (r->calls && o < n)
        o += (size_t)snprintf(buf + o, n - o, " %zu BIOS call%s answered differently (listed "
                              "below, '*')", r->calls, hvt_s(r->calls));
    return o;
}

size_t report_fmt_verdict(const struct report_diff *d, char *buf, size_t n)
{
    const struct align_hunk *h = &d->div.hunk;
    uint64_t noise = d->classes[HUNK_TIMING] + d->classes[HUNK_BY_DESIGN];
    if (!d->has_div && report_data_differs(d))
        return fmt_data(d, buf, n);
    if (!d->has_div && d->has_ends)
        return (size_t)snprintf(buf, n, "no meaningful difference: %s%s", d->ends.reason,
                                noise ? " (noise collapsed below)" : "");
    if (!d->has_div && noise)
        return (size_t)snprintf(buf, n, "no meaningful difference: %" PRIu64 " timing and %"
                                PRIu64 " by-design hunk%s (collapsed below)",
                                d->classes[HUNK_TIMING], d->classes[HUNK_BY_DESIGN],
                                hvt_s(noise));
    if (!d->has_div)
        return (size_t)snprintf(buf, n, "no meaningful difference: the instruction streams "
                                "match from the anchor to the end");
    return (size_t)snprintf(buf, n, "the runs part at A #%" PRIu64 " / B #%" PRIu64
                            " (%s)", h->a_begin, h->b_begin, align_kind_name(h->kind));
}

int report_past_end(const struct report_diff *d, int k, uint64_t step)
{
    for (size_t i = 0; i < d->nhunks; i++) {
        const struct align_hunk *h = &d->hunks[i];
        if (d->verdicts[i].cls == HUNK_ENDS && step >= (k ? h->b_begin : h->a_begin) &&
            step < (k ? h->b_end : h->a_end))
            return 1;
    }
    return 0;
}

size_t report_fmt_snap(const struct report_snap *p, char *buf, size_t n)
{
    return (size_t)snprintf(buf, n, "snapshot \"%s\": A at #%" PRIu64 ", B at #%" PRIu64
                            " (%s%s%s)", p->label, p->step[0], p->step[1],
                            p->aligned ? "aligned" : "not aligned", p->why[0] ? ": " : "",
                            p->why);
}

size_t report_fmt_class(const struct report_diff *d, size_t i, char *buf, size_t n)
{
    const struct hunk_verdict *v = &d->verdicts[i];
    return (size_t)snprintf(buf, n, "%s%s%s", hunkclass_name((enum hunk_class)v->cls),
                            v->reason[0] ? ": " : "", v->reason);
}

static int row_differs(const struct report_call_row *r)
{
    return r->i[0] < 0 || r->i[1] < 0 || !r->same;
}

static int row_rank(const struct report_call_row *r)
{
    return !row_differs(r) ? 2 : r->noise ? 1 : 0;
}

static int row_cmp(const void *x, const void *y)
{
    const struct report_call_row *a = x, *b = y;
    if (row_rank(a) != row_rank(b))
        return row_rank(a) - row_rank(b);
    return a->step < b->step ? -1 : a->step > b->step;
}

size_t report_call_rows(const struct report_diff *d, struct report_call_row *rows)
{
    size_t n = 0;
    const struct report_side *s = d->side;
    for (size_t i = 0; i < s[0].ncalls; i++)
        rows[n++] = (struct report_call_row){ { (int64_t)i, s[0].calls[i].peer },
                                              s[0].calls[i].same, s[0].calls[i].noise,
                                              s[0].calls[i].step };
    for (size_t j = 0; j < s[1].ncalls; j++)
        if (s[1].calls[j].peer < 0)
            rows[n++] = (struct report_call_row){ { -1, (int64_t)j }, 0, s[1].calls[j].noise,
                                                  s[1].calls[j].step };
    if (n > 1)
        qsort(rows, n, sizeof *rows, row_cmp);
    return n;
}

size_t report_fmt_final(const struct report_diff *d, char *buf, size_t n)
{
    const struct align_hunk *h = &d->final.hunk;
    return (size_t)snprintf(buf, n, "the runs part for good at A #%" PRIu64 " / B #%" PRIu64
                            " (%s; they never meet again)", h->a_begin, h->b_begin,
                            align_kind_name(h->kind));
}

size_t report_fmt_reg(const struct report_diff *d, enum hvt_field f, char *buf, size_t n)
{
    const struct regdiff_field *r = &d->regs.f[f];
    char bits[128] = "";
    regdiff_bits_change(f, r->a, r->b, bits, sizeof bits);
    const char *design = hunkclass_reg_by_design(f, r->a, r->b);
    switch (regdiff_classify(r)) {
    case REGDIFF_PERSISTENT:
        return (size_t)snprintf(buf, n, "%s: 0x%" PRIx64 " vs 0x%" PRIx64 "%s%s%s%s%s%s",
                                hvt_field_name(f), r->a, r->b, bits[0] ? " (B " : "", bits,
                                bits[0] ? ")" : "", design ? ": by design (" : "",
                                design ? design : "", design ? ")" : "");
    case REGDIFF_OFFSET:
        return (size_t)snprintf(buf, n, "%s: B = A %+" PRId64 " at every aligned step",
                                hvt_field_name(f), (int64_t)(r->b - r->a));
    case REGDIFF_TRANSIENT:
        return (size_t)snprintf(buf, n, "%s: first at A #%" PRIu64 " / B #%" PRIu64
                                " (0x%" PRIx64 " vs 0x%" PRIx64 "), %" PRIu64 " of %" PRIu64
                                " aligned steps", hvt_field_name(f), r->first_a, r->first_b,
                                r->a, r->b, r->differ, r->compared);
    default:
        return (size_t)snprintf(buf, n, "%s: same", hvt_field_name(f));
    }
}

size_t report_fmt_state_diff(const struct hvt_state *a, const struct hvt_state *b,
                             char *buf, size_t n)
{
    uint32_t known = a->known & b->known;
    size_t o = 0;
    if (n)
        buf[0] = 0;
    const char *design = NULL;
    int design_f = 0;
    for (int i = 0; i < HVT_NFIELDS && o < n; i++) {
        if (!(known & (uint32_t)hvt_field_group((enum hvt_field)i)) || a->f[i] == b->f[i])
            continue;
        const char *why = hunkclass_reg_by_design((enum hvt_field)i, a->f[i], b->f[i]);
        if (why) {                          /* named once, at the end */
            design = why;
            design_f = i;
            continue;
        }
        char bits[96] = "";
        regdiff_bits_change((enum hvt_field)i, a->f[i], b->f[i], bits, sizeof bits);
        o += (size_t)snprintf(buf + o, n - o, "%s%s 0x%" PRIx64 " vs 0x%" PRIx64 "%s%s%s",
                              o ? ", " : "", hvt_field_name((enum hvt_field)i), a->f[i],
                              b->f[i], bits[0] ? " (B " : "", bits, bits[0] ? ")" : "");
    }
    if (design && o < n)
        o += (size_t)snprintf(buf + o, n - o, "%s%s by design (%s)", o ? "; " : "",
                              hvt_field_name((enum hvt_field)design_f), design);
    return o < n ? o : n - 1;
}

/* Each byte of s through textesc (common/textesc.h), as on a terminal. */
static void fmt_textesc(FILE *f, const char *s, int flags, void (*put)(FILE *, char))
{
    char esc[TEXTESC_MAX_PER_BYTE * 4 + 1];
    size_t n = strlen(s), used;
    for (size_t i = 0; i < n; i += used) {
        int len = textesc_utf8_len((const unsigned char *)s + i, n - i);
        textesc_escape((const unsigned char *)s + i, len > 0 ? (size_t)len : 1,
                       flags | TEXTESC_FINAL, esc, sizeof esc, &used);
        for (const char *p = esc; *p; p++)
            put(f, *p);
    }
}

static void html_put(FILE *f, char c)
{
    if (c == '<') fputs("&lt;", f);
    else if (c == '>') fputs("&gt;", f);
    else if (c == '&') fputs("&amp;", f);
    else if (c == '"') fputs("&quot;", f);
    else if (c == '\'') fputs("&#39;", f);
    else fputc(c, f);
}

/* Text as on a terminal (controls, bytes that are not UTF-8 and the backslash
 * escaped, LF and TAB kept for <pre>), then HTML's five special characters. */
void report_html_escape(FILE *f, const char *s)
{
    fmt_textesc(f, s, TEXTESC_KEEP_NEWLINES, html_put);
}

static void json_put(FILE *f, char c)
{
    if (c == '"' || c == '\\')
        fputc('\\', f);
    fputc(c, f);
}

/* RFC 8259: a JSON text is UTF-8, controls are escaped.  The string holds the
 * text as a terminal shows it (common/textesc.h): valid UTF-8 passes; controls
 * (C0, DEL, C1) and bytes that are not UTF-8 (a guest's 0xff, a file name in
 * Latin-1) become the text \xNN and a backslash \\, so the JSON always parses,
 * says which byte it was, and a guest's own text "\x1b" (decoded: \\x1b) is
 * not its ESC byte (decoded: \x1b). */
void report_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    fmt_textesc(f, s, 0, json_put);
    fputc('"', f);
}

size_t report_fmt_link(const struct chain_link *lk, char *buf, size_t n)
{
    char loc[64] = "", val[40] = "";
    if (lk->loc.kind)
        chain_loc_format(&lk->loc, loc, sizeof loc);
    if (lk->has_value)
        snprintf(val, sizeof val, " = 0x%" PRIx64, lk->value);
    char rep[96] = "";
    if (lk->repeat)
        snprintf(rep, sizeof rep, " (round a loop: %u more time%s before this, the first at #%"
                 PRIu64 ")", lk->repeat, hvt_s(lk->repeat), lk->first);
    return (size_t)snprintf(buf, n, "%s%s%s%s: %s%s",
                            chain_kind_name((enum chain_link_kind)lk->kind), loc[0] ? " " : "",
                            loc, val, lk->note, rep);
}
