/* Unit tests for common/pathres: links followed as the kernel follows them
 * (path_resolution(7)); the truth is the file system itself: after
 * pathres_target, the result is no link, and stat of the original path (when
 * the target exists) is the same file as stat of the result. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/pathres.h"
#include "tests/unit/unit.h"

static char dir[64];

static const char *at(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

UNIT_TEST(pathres_follows_chains_and_relative_links)
{
    char out[512];
    struct stat a, b;
    snprintf(dir, sizeof dir, "/tmp/hvt-pathres.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    CHECK(mkdir(at("sub"), 0700) == 0);
    FILE *f = fopen(at("sub/file"), "w");
    CHECK(f && fclose(f) == 0);
    CHECK(symlink("sub/file", at("rel")) == 0);          /* relative to dir */
    CHECK(symlink(at("rel"), at("abs")) == 0);           /* a chain */
    CHECK(pathres_target(at("abs"), out, sizeof out) == 0);
    CHECK_STR(out, at("sub/file"));
    CHECK(stat(at("abs"), &a) == 0 && stat(out, &b) == 0 && a.st_ino == b.st_ino);
    CHECK(pathres_target(at("sub/file"), out, sizeof out) == 0);
    CHECK_STR(out, at("sub/file"));                       /* no link: itself */
    CHECK(symlink("../new", at("sub/dangling")) == 0);
    CHECK(pathres_target(at("sub/dangling"), out, sizeof out) == 0);
    CHECK_STR(out, at("sub/../new"));                     /* the file to create */
    CHECK(symlink("loop", at("loop")) == 0);
    CHECK(pathres_target(at("loop"), out, sizeof out) == -1 && errno == ELOOP);
    CHECK(pathres_target(at("abs"), out, 8) == -1 && errno == ENAMETOOLONG);
    const char *names[] = { "loop", "sub/dangling", "abs", "rel", "sub/file" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(at(names[i]));
    rmdir(at("sub"));
    rmdir(dir);
}

UNIT_MAIN()
