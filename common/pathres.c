/*
 * pathres: symbolic links of an output path followed to the file they name
 * (pathres.h).  Does not canonicalise (no realpath: the target need not exist
 * and "." or ".." in it stay as written).  Invariant: out is a path that
 * lstat finds to be no symbolic link, or that does not exist.
 */
#include "common/pathres.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATHRES_MAX_LINKS 40    /* Linux's MAXSYMLINKS (path_resolution(7)) */

/* The link at path (cap bytes) replaced by its target, which if relative is
 * relative to the directory holding the link. */
static int follow(char *path, size_t cap, const char *target)
{
    const char *slash = strrchr(path, '/');
    size_t dir = target[0] == '/' || !slash ? 0 : (size_t)(slash - path) + 1;
    if (dir + strlen(target) + 1 > cap)
        return errno = ENAMETOOLONG, -1;
    memcpy(path + dir, target, strlen(target) + 1);
    return 0;
}

int pathres_target(const char *path, char *out, size_t cap)
{
    char target[4096];
    if (strlen(path) + 1 > cap)
        return errno = ENAMETOOLONG, -1;
    memmove(out, path, strlen(path) + 1);
    for (int hops = 0; hops <= PATHRES_MAX_LINKS; hops++) {
        struct stat st;
        if (lstat(out, &st) || !S_ISLNK(st.st_mode))
            return 0;           /* the file itself, or one to create */
        ssize_t n = readlink(out, target, sizeof target - 1);
        if (n < 0)
            return -1;
        target[n] = 0;
        if (follow(out, cap, target))
            return -1;
    }
    return errno = ELOOP, -1;
}
