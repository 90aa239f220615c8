/*
 * unit.h: the whole unit-test harness, header-only.  A test file defines
 * functions registered with UNIT_TEST and ends with UNIT_MAIN().  Each case
 * prints "ok NAME" or "FAIL NAME: file:line: expr"; tests/run-tests.sh counts
 * those lines.  A failed CHECK ends its case, not the program.
 */
#ifndef HVT_UNIT_H
#define HVT_UNIT_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_case { const char *name; void (*fn)(void); };
static struct unit_case unit_cases[256];
static int unit_ncases;
static jmp_buf unit_jmp;
static int unit_failed;

#define UNIT_TEST(name)                                                     \
    static void name(void);                                                 \
    __attribute__((constructor)) static void unit_reg_##name(void)          \
    { unit_cases[unit_ncases++] = (struct unit_case){ #name, name }; }      \
    static void name(void)

#define UNIT_FAIL(...)                                                      \
    do { printf("FAIL %s: %s:%d: ", unit_current, __FILE__, __LINE__);      \
         printf(__VA_ARGS__); printf("\n"); unit_failed++;                  \
         longjmp(unit_jmp, 1); } while (0)

#define CHECK(expr)                                                         \
    do { if (!(expr)) UNIT_FAIL("%s", #expr); } while (0)
#define CHECK_EQ_U64(a, b)                                                  \
    do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                   \
         if (a_ != b_) UNIT_FAIL("%s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")", \
                                 #a, #b, a_, b_); } while (0)
#define CHECK_STR(a, b)                                                     \
    do { const char *a_ = (a), *b_ = (b);                                   \
         if (!a_ || !b_ || strcmp(a_, b_))                                  \
             UNIT_FAIL("%s == %s (\"%s\" != \"%s\")", #a, #b,               \
                       a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)

/* unit_open_fixture: tests/unit/data/SUBDIR/NAME under $HVT_ROOT (or "."),
 * opened for reading; NULL if absent. */
static inline FILE *unit_open_fixture(const char *subdir, const char *name)
{
    char path[512];
    const char *root = getenv("HVT_ROOT");
    snprintf(path, sizeof path, "%s/tests/unit/data/%s/%s", root ? root : ".", subdir, name);
    return fopen(path, "rb");
}

/* unit_read_fixture: the whole fixture in a malloc'd NUL-terminated buffer,
 * its length in *len; NULL if absent. */
static inline char *unit_read_fixture(const char *subdir, const char *name, size_t *len)
{
    FILE *f = unit_open_fixture(subdir, name);
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
    if (buf)
        buf[*len] = 0;
    fclose(f);
    return buf;
}

static const char *unit_current = "";

#define UNIT_MAIN()                                                         \
    int main(int argc, char **argv)                                         \
    {                                                                       \
        static int i;  /* static: survives the longjmp of a failed CHECK */  \
        for (i = 0; i < unit_ncases; i++) {                                 \
            if (argc > 1 && strcmp(argv[1], unit_cases[i].name)) continue;  \
            unit_current = unit_cases[i].name;                              \
            static int before;                                              \
            before = unit_failed;                                           \
            if (!setjmp(unit_jmp)) unit_cases[i].fn();                      \
            if (unit_failed == before) printf("ok %s\n", unit_current);     \
            fflush(stdout);                                                 \
        }                                                                   \
        return unit_failed ? 1 : 0;                                         \
    }

#endif
