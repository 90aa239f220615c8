/* Unit tests for common/textesc (the one escaper of guest and file text) and
 * the JSON/HTML strings built on it (reports/report_fmt.c).  The truth is the
 * input itself: a decoder written here from the rule in textesc.h (\\ is one
 * backslash, \xNN one byte) must give the input back for any bytes, so no two
 * inputs print alike; JSON strings are decoded with the rules of RFC 8259 7. */
#include "common/textesc.h"
#include "reports/report_fmt.h"
#include "tests/unit/unit.h"

static size_t esc(const char *in, size_t n, int flags, char *out, size_t cap)
{
    size_t used;
    size_t len = textesc_escape((const unsigned char *)in, n, flags | TEXTESC_FINAL, out,
                                cap, &used);
    return used == n ? len : (size_t)-1;
}

/* Undo the escaping: \\ -> \, \xNN -> byte; anything else after a backslash
 * is not escaped text (-1). */
static long unesc(const char *s, char *out)
{
    long n = 0;
    for (; *s; s++) {
        if (*s != '\\') {
            out[n++] = *s;
            continue;
        }
        if (s[1] == '\\') {
            out[n++] = '\\', s++;
            continue;
        }
        unsigned v;
        if (s[1] != 'x' || sscanf(s + 2, "%2x", &v) != 1)
            return -1;
        out[n++] = (char)v, s += 3;
    }
    return n;
}

UNIT_TEST(esc_byte_and_its_printed_text_differ)
{
    char a[64], b[64];
    CHECK(esc("\x1b[2J", 4, 0, a, sizeof a) != (size_t)-1);
    CHECK(esc("\\x1b[2J", 7, 0, b, sizeof b) != (size_t)-1);
    CHECK_STR(a, "\\x1b[2J");
    CHECK_STR(b, "\\\\x1b[2J");
    CHECK(esc("a\\b", 3, TEXTESC_RAW_BACKSLASH, a, sizeof a) != (size_t)-1);
    CHECK_STR(a, "a\\b");           /* escaped text passing the stream's net */
    CHECK(esc("\x1b", 1, TEXTESC_RAW_BACKSLASH, a, sizeof a) != (size_t)-1);
    CHECK_STR(a, "\\x1b");          /* the net still catches a control */
}

UNIT_TEST(escaping_reads_back_for_any_bytes)
{
    unsigned seed = 12345;
    char in[40], out[TEXTESC_MAX_PER_BYTE * sizeof in + 1], back[sizeof in];
    static const char alphabet[] = "\\x1b\x1b\r\n\t\0\xc2\x9b\xe2\x82\xac\xff" "aZ";
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % (int)sizeof in);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        int flags = round & 1 ? TEXTESC_KEEP_NEWLINES : 0;
        size_t len = esc(in, n, flags, out, sizeof out);
        CHECK(len != (size_t)-1 && strlen(out) == len);
        long m = unesc(out, back);
        if (m != (long)n || memcmp(in, back, n))
            UNIT_FAIL("round %d: %zu bytes escaped to \"%s\" read back as %ld", round, n,
                      out, m);
    }
}

/* RFC 8259 7: the string between the quotes with \" and \\ undone (the only
 * escapes report_json_string writes). */
static char *json_decode(const char *j)
{
    static char out[256];
    size_t n = 0;
    if (*j++ != '"')
        return NULL;
    for (; *j && *j != '"'; j++) {
        if (*j == '\\')
            j++;
        out[n++] = *j;
    }
    out[n] = 0;
    return *j == '"' && !j[1] ? out : NULL;
}

static char *render(void (*fn)(FILE *, const char *), const char *s)
{
    static char buf[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    fn(f, s);
    fclose(f);
    return buf;
}

UNIT_TEST(json_and_html_keep_esc_and_backslash_apart)
{
    CHECK_STR(json_decode(render(report_json_string, "A\x1b" "B")), "A\\x1bB");
    CHECK_STR(json_decode(render(report_json_string, "A\\x1bB")), "A\\\\x1bB");
    CHECK_STR(json_decode(render(report_json_string, "q\"\n")), "q\"\\x0a");
    CHECK_STR(render(report_html_escape, "<\x1b>\\x1b&\n"), "&lt;\\x1b&gt;\\\\x1b&amp;\n");
}

UNIT_MAIN()
