/*
 * report_json: the whole diff for other tools, one JSON object: runs, verdict,
 * the divergence with both sides' steps, statistics, every hunk (not cut like
 * the text and HTML), registers, BIOS calls and memory differences.  Step
 * numbers are JSON numbers (exact below 2^53); strings pass report_json_string.
 */
#include "reports/report_fmt.h"

#include <inttypes.h>
#include <string.h>

static void jkey(FILE *f, const char *k, int first)
{
    fprintf(f, "%s\"%s\":", first ? "" : ",", k);
}

static void jstr(FILE *f, const char *k, const char *v, int first)
{
    jkey(f, k, first);
    report_json_string(f, v);
}

static void json_step(FILE *f, const struct hvt_step *s)
{
    char b[REPORT_LINE];
    fprintf(f, "{\"step\":%" PRIu64 ",\"pc\":%" PRIu64, s->n, hvt_state_pc(&s->st));
    report_fmt_addr(s, b, sizeof b);
    jstr(f, "addr", b, 0);
    report_fmt_bytes(s, b, sizeof b);
    jstr(f, "bytes", b, 0);
    report_fmt_disasm(s, b, sizeof b);
    jstr(f, "disasm", b, 0);
    fputc('}', f);
}

static void json_runs(FILE *f, const struct report_diff *d)
{
    fprintf(f, "\"runs\":[");
    for (int i = 0; i < 2; i++) {
        const struct report_side *s = &d->side[i];
        fprintf(f, "%s{", i ? "," : "");
        jstr(f, "name", s->name, 1);
        fprintf(f, ",\"steps\":%zu,\"anchor\":%" PRIu64, s->ntok, s->anchor);
        jstr(f, "status", s->info.status, 0);
        jstr(f, "reason", s->info.reason, 0);
        fputc('}', f);
    }
    fprintf(f, "],\"anchor_pc\":%" PRIu64 ",\"anchored\":%s,\"exclude\":[", d->anchor_pc,
            d->anchored ? "true" : "false");
    for (size_t i = 0; i < d->nexclude; i++)
        fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", d->exclude[i].lo,
                d->exclude[i].hi);
    fputc(']', f);
    char line[512];
    if (reloc_format(&d->reloc, line, sizeof line)) {
        fprintf(f, ",\"relocation\":{\"delta\":%" PRId64 ",\"code_steps\":%" PRIu64
                ",\"e820_entry\":%d,\"reserved_lo\":%" PRIu64 ",\"reserved_hi\":%" PRIu64,
                d->reloc.delta, d->reloc.code_steps, d->reloc.e820_index, d->reloc.res_lo,
                d->reloc.res_hi);
        jstr(f, "text", line, 0);
        fputc('}', f);
    }
}

static void json_hunk(FILE *f, const struct align_hunk *h, const struct hunk_verdict *v)
{
    fprintf(f, "{\"kind\":\"%s\",\"a\":[%" PRIu64 ",%" PRIu64 "],\"b\":[%" PRIu64 ",%" PRIu64
            "]", align_kind_name(h->kind), h->a_begin, h->a_end, h->b_begin, h->b_end);
    if (h->kind == ALIGN_LOOP)
        fprintf(f, ",\"body\":[%" PRIu64 ",%" PRIu64 "],\"count_a\":%" PRIu64
                ",\"count_b\":%" PRIu64, h->body_begin, h->body_begin + h->body_len,
                h->count_a, h->count_b);
    if (h->kind == ALIGN_ASYNC || h->kind == ALIGN_EXCLUDED)
        fprintf(f, ",\"side\":\"%c\"", h->flags & ALIGN_HF_SIDE_B ? 'b' : 'a');
    if (h->flags & ALIGN_HF_PEER)
        fprintf(f, ",\"peer\":[%" PRIu64 ",%" PRIu64 "],\"peer_equal\":%s", h->peer_begin,
                h->peer_end, h->flags & ALIGN_HF_PEER_EQUAL ? "true" : "false");
    fprintf(f, ",\"tail\":%s,\"nested\":%s", h->flags & ALIGN_HF_TAIL ? "true" : "false",
            h->flags & ALIGN_HF_NESTED ? "true" : "false");
    if (v) {
        jstr(f, "class", hunkclass_name((enum hunk_class)v->cls), 0);
        jstr(f, "reason", v->reason, 0);
    }
    fputc('}', f);
}

static void json_point(FILE *f, const struct report_point *pt)
{
    char b[REPORT_LINE * 4] = "";
    fprintf(f, "{\"hunk\":");
    json_hunk(f, &pt->hunk, NULL);
    for (int i = 0; i < 2; i++) {
        fprintf(f, ",\"%c\":{\"last\":", 'a' + i);
        pt->has_last[i] ? json_step(f, &pt->last[i]) : (void)fprintf(f, "null");
        fprintf(f, ",\"next\":");
        pt->has_next[i] ? json_step(f, &pt->next[i]) : (void)fprintf(f, "null");
        fprintf(f, ",\"last_smi\":");
        pt->has_smi[i] ? json_step(f, &pt->smi[i]) : (void)fprintf(f, "null");
        fputc('}', f);
    }
    if (pt->has_next[0] && pt->has_next[1])
        report_fmt_state_diff(&pt->next[0].st, &pt->next[1].st, b, sizeof b);
    jstr(f, "registers", b, 0);
    fputc('}', f);
}

static void json_divergence(FILE *f, const struct report_diff *d)
{
    char b[REPORT_LINE * 4];
    report_fmt_verdict(d, b, sizeof b);
    fprintf(f, ",\"differ\":%s", report_diff_status(d) ? "true" : "false");
    fprintf(f, ",\"data\":{\"bios_calls_answered_differently\":%zu,\"serial\":", d->data.calls);
    if (d->data.serial) {
        fprintf(f, "{\"line\":%" PRIu64 ",\"a_step\":%" PRIu64 ",\"b_step\":%" PRIu64,
                d->data.line, d->data.step[0], d->data.step[1]);
        jstr(f, "a", d->data.text[0], 0);
        jstr(f, "b", d->data.text[1], 0);
        fputc('}', f);
    } else {
        fprintf(f, "null");
    }
    fputc('}', f);
    fprintf(f, ",\"ends\":");
    d->has_ends ? report_json_string(f, d->ends.reason) : (void)fprintf(f, "null");
    jstr(f, "verdict", b, 0);
    fprintf(f, ",\"divergence\":");
    d->has_div ? json_point(f, &d->div) : (void)fprintf(f, "null");
    fprintf(f, ",\"final\":");
    d->has_final ? json_point(f, &d->final) : (void)fprintf(f, "null");
}

static void json_stats(FILE *f, const struct report_diff *d)
{
    fprintf(f, ",\"stats\":{");
    for (int k = 0; k < ALIGN_NKINDS; k++)
        fprintf(f, "%s\"%s\":{\"hunks\":%" PRIu64 ",\"a_steps\":%" PRIu64 ",\"b_steps\":%"
                PRIu64 "}", k ? "," : "", align_kind_name((enum align_kind)k),
                d->res.hunks[k], d->res.steps[k][0], d->res.steps[k][1]);
    fprintf(f, ",\"resyncs\":%" PRIu64 ",\"async_unpaired\":%" PRIu64 "}", d->res.resyncs,
            d->res.async_unpaired);
}

static void json_regs(FILE *f, const struct report_diff *d)
{
    static const char *const kinds[] = { "same", "persistent", "offset", "transient" };
    int first = 1;
    fprintf(f, ",\"aligned_pairs\":%" PRIu64 ",\"registers\":[", d->regs.pairs);
    for (int i = 0; i < HVT_NFIELDS; i++) {
        const struct regdiff_field *r = &d->regs.f[i];
        enum regdiff_kind k = regdiff_classify(r);
        if (k == REGDIFF_SAME)
            continue;
        char bits[128];
        regdiff_bits_change((enum hvt_field)i, r->a, r->b, bits, sizeof bits);
        fprintf(f, "%s{\"field\":\"%s\",\"kind\":\"%s\",\"a\":%" PRIu64 ",\"b\":%" PRIu64
                ",\"first_a\":%" PRIu64 ",\"first_b\":%" PRIu64 ",\"differ\":%" PRIu64
                ",\"compared\":%" PRIu64, first ? "" : ",", hvt_field_name((enum hvt_field)i),
                kinds[k], r->a, r->b, r->first_a, r->first_b, r->differ, r->compared);
        jstr(f, "bits", bits, 0);
        fputc('}', f);
        first = 0;
    }
    fputc(']', f);
}

static void json_calls(FILE *f, const struct report_diff *d)
{
    fprintf(f, ",\"bios_calls\":{");
    for (int i = 0; i < 2; i++) {
        const struct report_side *s = &d->side[i];
        fprintf(f, "%s\"%c\":[", i ? "," : "", 'a' + i);
        for (size_t k = 0; k < s->ncalls; k++) {
            fprintf(f, "%s{\"step\":%" PRIu64 ",\"peer\":%" PRId64 ",\"same\":%s",
                    k ? "," : "", s->calls[k].step, s->calls[k].peer,
                    s->calls[k].same ? "true" : "false");
            jstr(f, "text", s->calls[k].text, 0);
            if (s->calls[k].noise)
                jstr(f, "noise", s->calls[k].noise, 0);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fputc('}', f);
}

static void json_hex(FILE *f, const char *k, const uint8_t *p, uint32_t len)
{
    fprintf(f, ",\"%s\":\"", k);
    for (uint32_t i = 0; i < len && i < 16; i++)
        fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

static void json_mem_item(FILE *f, const struct report_diff *d, const struct report_mem *m)
{
    const struct memdiff_item *it = &m->it;
    char b[32];
    jstr(f, "snapshot", m->snapshot, 1);
    fprintf(f, ",\"aligned\":%s,\"addr\":%u,\"len\":%u",
            m->snap < d->nsnaps && d->snaps[m->snap].aligned ? "true" : "false", it->addr,
            it->len);
    jstr(f, "region", memlabel_region_name(it->region), 0);
    if (it->kind == MEMDIFF_IVT) {
        fprintf(f, ",\"kind\":\"ivt\",\"vector\":%d", it->vector);
        snprintf(b, sizeof b, "%04x:%04x", it->a_seg, it->a_off);
        jstr(f, "a", b, 0);
        snprintf(b, sizeof b, "%04x:%04x", it->b_seg, it->b_off);
        jstr(f, "b", b, 0);
        jstr(f, "a_target", it->a_desc, 0);
        jstr(f, "b_target", it->b_desc, 0);
    } else if (it->kind == MEMDIFF_BDA) {
        fprintf(f, ",\"kind\":\"bda\",\"a\":%" PRIu64 ",\"b\":%" PRIu64, it->a_val, it->b_val);
        jstr(f, "field", it->field->name, 0);
    } else {
        fprintf(f, ",\"kind\":\"range\"");
        json_hex(f, "a_hex", m->a, it->len);
        json_hex(f, "b_hex", m->b, it->len);
    }
}

int report_json_chain(FILE *f, rundb *db, const struct chain *c, hvt_error *err)
{
    char b[REPORT_LINE];
    fputc('[', f);
    for (size_t i = 0; i < c->n; i++) {
        const struct chain_link *lk = &c->link[i];
        struct hvt_step st;
        size_t got;
        if (report_read_steps(db, lk->step, 1, &st, &got, err) < 0)
            return -1;
        fprintf(f, "%s{\"step\":%" PRIu64, i ? "," : "", lk->step);
        jstr(f, "kind", chain_kind_name((enum chain_link_kind)lk->kind), 0);
        jstr(f, "cause", chain_cause_name((enum chain_cause)lk->cause), 0);
        chain_loc_format(&lk->loc, b, sizeof b);
        jstr(f, "loc", b, 0);
        if (lk->loc.kind == CHAIN_LOC_MEM)
            fprintf(f, ",\"addr\":%" PRIu64 ",\"len\":%u", lk->loc.addr, lk->loc.len);
        fprintf(f, ",\"value\":");
        lk->has_value ? (void)fprintf(f, "%" PRIu64, lk->value) : (void)fprintf(f, "null");
        chain_loc_format(&lk->from, b, sizeof b);
        jstr(f, "from", lk->from.kind ? b : "", 0);
        fprintf(f, ",\"related\":");
        lk->has_related ? (void)fprintf(f, "%" PRIu64, lk->related) : (void)fprintf(f, "null");
        jstr(f, "note", lk->note, 0);
        fprintf(f, ",\"insn\":");
        got ? json_step(f, &st) : (void)fprintf(f, "null");
        fputc('}', f);
    }
    fputc(']', f);
    return 0;
}

static void json_calls_of(FILE *f, const struct report_diff *d, const struct report_why *w,
                          int k)
{
    fprintf(f, ",\"%c_bios_calls\":[", 'a' + k);
    for (size_t i = 0; i < w->c[k].n; i++) {
        int64_t c = w->call[k][i];
        fprintf(f, "%s", i ? "," : "");
        if (c < 0) {
            fprintf(f, "null");
            continue;
        }
        fprintf(f, "{\"step\":%" PRIu64, d->side[k].calls[c].step);
        jstr(f, "text", d->side[k].calls[c].text, 0);
        fputc('}', f);
    }
    fputc(']', f);
}

static int json_why(FILE *f, rundb *a, rundb *b, const struct report_diff *d,
                    const struct report_why *w, hvt_error *err)
{
    fprintf(f, "{\"hunk\":%zu,\"a\":", w->hunk);
    if (report_json_chain(f, a, &w->c[0], err) < 0)
        return -1;
    fprintf(f, ",\"b\":");
    if (report_json_chain(f, b, &w->c[1], err) < 0)
        return -1;
    json_calls_of(f, d, w, 0);
    json_calls_of(f, d, w, 1);
    fputc('}', f);
    return 0;
}

int report_json(FILE *f, rundb *a, rundb *b, const struct report_diff *d, hvt_error *err)
{
    fputc('{', f);
    json_runs(f, d);
    json_divergence(f, d);
    fprintf(f, ",\"chain\":");          /* the headline's; "chains": every one made */
    if (!d->nwhy)
        fprintf(f, "null");
    else if (json_why(f, a, b, d, &d->why[0], err) < 0)
        return -1;
    fprintf(f, ",\"chains\":[");
    for (size_t i = 0; i < d->nwhy; i++)
        if ((i && fputc(',', f) == EOF) || json_why(f, a, b, d, &d->why[i], err) < 0)
            return -1;
    fputc(']', f);
    json_stats(f, d);
    fprintf(f, ",\"hunks\":[");
    for (size_t i = 0; i < d->nhunks; i++) {
        if (i)
            fputc(',', f);
        json_hunk(f, &d->hunks[i], &d->verdicts[i]);
    }
    fputc(']', f);
    json_regs(f, d);
    json_calls(f, d);
    fprintf(f, ",\"memory\":[");
    for (size_t i = 0; i < d->nmem; i++) {
        fprintf(f, "%s{", i ? "," : "");
        json_mem_item(f, d, &d->mem[i]);
        fputc('}', f);
    }
    fprintf(f, "],\"snapshots\":[");
    for (size_t i = 0; i < d->nsnaps; i++) {
        const struct report_snap *p = &d->snaps[i];
        fprintf(f, "%s{", i ? "," : "");
        jstr(f, "label", p->label, 1);
        fprintf(f, ",\"a_step\":%" PRIu64 ",\"b_step\":%" PRIu64 ",\"aligned\":%s,"
                "\"differences\":%zu", p->step[0], p->step[1], p->aligned ? "true" : "false",
                p->ndiff);
        jstr(f, "why", p->why, 0);
        fputc('}', f);
    }
    fprintf(f, "]}\n");
    return ferror(f) ? hvt_error_set(err, "write error") : 0;
}
