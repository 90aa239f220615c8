/*
 * tdesc: parse a GDB target description with expat, following <xi:include>
 * through the caller's fetch function, and map its registers onto hvt_state.
 *
 * Does not talk to the stub (rsp.c fetches annexes with qXfer) and does not
 * validate against gdb-target.dtd: only <architecture>, <reg> and <xi:include>
 * matter.  QEMU writes `xi:include` without declaring the xi namespace, so the
 * parser runs without namespace processing and matches the qualified name.
 *
 * Invariant after a successful tdesc_parse: registers have distinct numbers,
 * offsets follow number order without gaps, and g_size is their total; a group
 * bit is in td->known only if every register that group needs was found.
 */
#include "gdbstub/tdesc.h"

#include <expat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/rsp_codec.h"

#define TDESC_MAX_BITSIZE 4096      /* AVX-512's zmm is 512; anything huge is junk */

struct tdesc_parser {
    struct tdesc *td;
    tdesc_fetch_fn fetch;
    void *priv;
    hvt_error *err;
    int depth;
    int nannexes;
    int failed;
    int in_arch;
    size_t arch_len;
    unsigned next_regnum;
};

/* One document being parsed; expat's user data. */
struct tdesc_doc {
    struct tdesc_parser *tp;
    XML_Parser xp;
    const char *annex;
};

static int parse_annex(struct tdesc_parser *tp, const char *annex);

static void doc_fail(struct tdesc_doc *doc)
{
    doc->tp->failed = 1;
    XML_StopParser(doc->xp, XML_FALSE);
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int add_reg(struct tdesc_parser *tp, const char *annex, const XML_Char **atts)
{
    struct tdesc *td = tp->td;
    const char *name = attr(atts, "name"), *regnum = attr(atts, "regnum");
    unsigned bits, num = tp->next_regnum;
    if (!name || !*name || strlen(name) >= sizeof td->regs[0].name)
        return hvt_error_set(tp->err, "%s: <reg> without a usable name", annex);
    if (parse_uint(attr(atts, "bitsize"), TDESC_MAX_BITSIZE, &bits) < 0 ||
        bits == 0 || bits % 8)
        return hvt_error_set(tp->err, "%s: register %s: bad bitsize", annex, name);
    if (regnum && parse_uint(regnum, TDESC_MAX_REGS * 4, &num) < 0)
        return hvt_error_set(tp->err, "%s: register %s: bad regnum", annex, name);
    if (td->nregs == TDESC_MAX_REGS)
        return hvt_error_set(tp->err, "%s: more than %d registers", annex,
                             TDESC_MAX_REGS);
    struct tdesc_reg *r = &td->regs[td->nregs++];
    strcpy(r->name, name);
    r->bitsize = bits;
    r->regnum = num;
    tp->next_regnum = num + 1;
    return 0;
}

static int follow_include(struct tdesc_parser *tp, const char *annex,
                          const XML_Char **atts)
{
    const char *href = attr(atts, "href");
    if (!href || !*href)
        return hvt_error_set(tp->err, "%s: <xi:include> without href", annex);
    if (tp->depth >= TDESC_MAX_DEPTH)
        return hvt_error_set(tp->err, "%s: includes nested deeper than %d "
                             "(a loop?)", annex, TDESC_MAX_DEPTH);
    /* Without a total, a document including itself k times costs k^depth. */
    if (tp->nannexes >= TDESC_MAX_ANNEXES)
        return hvt_error_set(tp->err, "%s: more than %d included documents",
                             annex, TDESC_MAX_ANNEXES);
    return parse_annex(tp, href);
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    struct tdesc_doc *doc = ud;
    struct tdesc_parser *tp = doc->tp;
    int rc = 0;
    if (strcmp(el, "reg") == 0)
        rc = add_reg(tp, doc->annex, atts);
    else if (strcmp(el, "xi:include") == 0)
        rc = follow_include(tp, doc->annex, atts);
    else if (strcmp(el, "architecture") == 0)
        tp->in_arch = 1;
    if (rc < 0)
        doc_fail(doc);
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
    struct tdesc_doc *doc = ud;
    if (strcmp(el, "architecture") == 0)
        doc->tp->in_arch = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct tdesc_parser *tp = ((struct tdesc_doc *)ud)->tp;
    struct tdesc *td = tp->td;
    if (!tp->in_arch)
        return;
    size_t room = sizeof td->arch - 1 - tp->arch_len;
    size_t n = (size_t)len < room ? (size_t)len : room;
    memcpy(td->arch + tp->arch_len, s, n);
    tp->arch_len += n;
    td->arch[tp->arch_len] = 0;
}

static int parse_annex(struct tdesc_parser *tp, const char *annex)
{
    char *data = NULL;
    size_t len = 0;
    tp->nannexes++;
    if (tp->fetch(tp->priv, annex, &data, &len, tp->err) < 0)
        return -1;
    struct tdesc_doc doc = { tp, XML_ParserCreate(NULL), annex };
    if (!doc.xp) {
        free(data);
        return hvt_error_set(tp->err, "out of memory");
    }
    XML_SetUserData(doc.xp, &doc);
    XML_SetElementHandler(doc.xp, on_start, on_end);
    XML_SetCharacterDataHandler(doc.xp, on_text);
    tp->depth++;
    enum XML_Status st = len > INT32_MAX ? XML_STATUS_ERROR
                         : XML_Parse(doc.xp, data, (int)len, XML_TRUE);
    tp->depth--;
    if (st != XML_STATUS_OK && !tp->failed) {
        hvt_error_set(tp->err, "%s:%lu: %s", annex,
                      (unsigned long)XML_GetCurrentLineNumber(doc.xp),
                      XML_ErrorString(XML_GetErrorCode(doc.xp)));
        tp->failed = 1;
    }
    XML_ParserFree(doc.xp);
    free(data);
    return tp->failed ? -1 : 0;
}

/* Offsets follow register numbers (GDB remote.c orders `g` by number); the
 * registers stay in document order.  Sorting <= TDESC_MAX_REGS indices by
 * insertion keeps equal numbers adjacent so duplicates are easy to spot. */
static int assign_offsets(struct tdesc *td, hvt_error *err)
{
    size_t order[TDESC_MAX_REGS];
    for (size_t i = 0; i < td->nregs; i++) {
        size_t j = i;
        for (; j > 0 && td->regs[order[j - 1]].regnum > td->regs[i].regnum; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    size_t off = 0;
    for (size_t k = 0; k < td->nregs; k++) {
        struct tdesc_reg *r = &td->regs[order[k]];
        if (k > 0 && td->regs[order[k - 1]].regnum == r->regnum)
            return hvt_error_set(err, "target description: registers %s and %s "
                                 "share number %u", td->regs[order[k - 1]].name,
                                 r->name, r->regnum);
        r->offset = (unsigned)off;
        off += r->bitsize / 8;
    }
    td->g_size = off;
    return 0;
}

/* QEMU's register names (gdb-xml/i386-32bit.xml, i386-64bit.xml) for the
 * hvt_state fields a `g` reply can fill.  Segment bases are absent from `g`
 * except fs_base/gs_base, so HVT_K_SEGDESC is never claimed. */
static const struct { const char *name; enum hvt_field f; } reg_names[] = {
    { "rax", HVT_RAX }, { "rbx", HVT_RBX }, { "rcx", HVT_RCX }, { "rdx", HVT_RDX },
    { "rsi", HVT_RSI }, { "rdi", HVT_RDI }, { "rbp", HVT_RBP }, { "rsp", HVT_RSP },
    { "eax", HVT_RAX }, { "ebx", HVT_RBX }, { "ecx", HVT_RCX }, { "edx", HVT_RDX },
    { "esi", HVT_RSI }, { "edi", HVT_RDI }, { "ebp", HVT_RBP }, { "esp", HVT_RSP },
    { "r8", HVT_R8 },   { "r9", HVT_R9 },   { "r10", HVT_R10 }, { "r11", HVT_R11 },
    { "r12", HVT_R12 }, { "r13", HVT_R13 }, { "r14", HVT_R14 }, { "r15", HVT_R15 },
    { "rip", HVT_RIP }, { "eip", HVT_RIP }, { "eflags", HVT_EFLAGS },
    { "es", HVT_ES_SEL }, { "cs", HVT_CS_SEL }, { "ss", HVT_SS_SEL },
    { "ds", HVT_DS_SEL }, { "fs", HVT_FS_SEL }, { "gs", HVT_GS_SEL },
    { "cr0", HVT_CR0 }, { "cr2", HVT_CR2 }, { "cr3", HVT_CR3 }, { "cr4", HVT_CR4 },
    { "efer", HVT_EFER },
};

/* A group is known when all its fields map; R8-R15 exist only in 64-bit
 * descriptions and are optional within HVT_K_GPR. */
static unsigned complete_groups(const struct tdesc *td)
{
    static const unsigned groups[] = { HVT_K_GPR, HVT_K_SEL, HVT_K_CR };
    unsigned known = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        int complete = 1;
        for (int f = 0; f < HVT_NFIELDS; f++) {
            int optional = f >= HVT_R8 && f <= HVT_R15;
            if ((unsigned)hvt_field_group(f) == groups[g] && !optional &&
                td->field_reg[f] < 0)
                complete = 0;
        }
        if (complete)
            known |= groups[g];
    }
    return known;
}

static void map_fields(struct tdesc *td)
{
    for (int f = 0; f < HVT_NFIELDS; f++)
        td->field_reg[f] = -1;
    for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++) {
        const struct tdesc_reg *r = tdesc_find(td, reg_names[i].name);
        if (r && r->bitsize <= 64 && td->field_reg[reg_names[i].f] < 0)
            td->field_reg[reg_names[i].f] = (int)(r - td->regs);
    }
    td->known = complete_groups(td);
}

int tdesc_parse(struct tdesc *td, const char *annex, tdesc_fetch_fn fetch,
                void *priv, hvt_error *err)
{
    memset(td, 0, sizeof *td);
    td->regs = calloc(TDESC_MAX_REGS, sizeof *td->regs);
    if (!td->regs)
        return hvt_error_set(err, "out of memory");
    struct tdesc_parser tp = { .td = td, .fetch = fetch, .priv = priv, .err = err };
    if (parse_annex(&tp, annex) < 0 || assign_offsets(td, err) < 0) {
        tdesc_free(td);
        return -1;
    }
    if (td->nregs == 0) {
        tdesc_free(td);
        return hvt_error_set(err, "%s: no registers", annex);
    }
    map_fields(td);
    return 0;
}

void tdesc_free(struct tdesc *td)
{
    free(td->regs);
    td->regs = NULL;
    td->nregs = 0;
}

const struct tdesc_reg *tdesc_find(const struct tdesc *td, const char *name)
{
    for (size_t i = 0; i < td->nregs; i++)
        if (strcmp(td->regs[i].name, name) == 0)
            return &td->regs[i];
    return NULL;
}

/* A little-endian register of nbytes from hex; -1 on a non-hex digit ("xx"). */
static int hex_le(const char *hex, unsigned nbytes, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = nbytes; i-- > 0;) {
        int hi = rsp_hex_digit((unsigned char)hex[2 * i]);
        int lo = rsp_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        v = v << 8 | (uint64_t)(hi << 4 | lo);
    }
    *out = v;
    return 0;
}

int tdesc_decode_g(const struct tdesc *td, const char *hex, size_t nhex,
                   struct hvt_state *st, hvt_error *err)
{
    if (nhex != 2 * td->g_size)
        return hvt_error_set(err, "g reply: %zu hex digits, the target description "
                             "says %zu", nhex, 2 * td->g_size);
    memset(st, 0, sizeof *st);
    st->known = td->known;
    for (int f = 0; f < HVT_NFIELDS; f++) {
        int i = td->field_reg[f];
        if (i < 0)
            continue;
        const struct tdesc_reg *r = &td->regs[i];
        if (hex_le(hex + 2 * (size_t)r->offset, r->bitsize / 8, &st->f[f]) < 0)
            st->known &= ~(unsigned)hvt_field_group(f);
    }
    for (int f = 0; f < HVT_NFIELDS; f++)
        if (!(st->known & (unsigned)hvt_field_group(f)))
            st->f[f] = 0;
    return 0;
}
