/*
 * pathres: the file an output path names.  Writing to a path that is a
 * symbolic link writes the file the link points to (as `cp x LINK` and a
 * shell's `> LINK` do); an atomic write must therefore put its temporary file
 * beside that target and rename it onto the target, not onto the link, which
 * would replace the link with a file (and a rename from the link's directory
 * to the target's fails across file systems).  Only the last component's
 * links matter here: a directory on the way is followed by the kernel alike
 * for the temporary file and for the rename.
 */
#ifndef HVT_PATHRES_H
#define HVT_PATHRES_H

#include <stddef.h>

/* Follow the symbolic links of path's last component (at most 40, as the
 * kernel's ELOOP limit) into out (cap bytes): path itself if it is no link or
 * does not exist; a dangling link's target, the file to create.  A relative
 * link is read from the link's directory.  0, or -1 with errno (ELOOP,
 * ENAMETOOLONG, a readlink error). */
int pathres_target(const char *path, char *out, size_t cap);

#endif
