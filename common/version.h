/*
 * version: which hvtrace this is.  hvt_version is the release number (bumped
 * by hand in version.c); hvt_build_describe is `git describe --always --dirty`
 * of the tree it was built from, baked in by the Makefile at build time
 * ($(B)/gen/common/version_git.c, "unknown" outside a git checkout).  The run
 * file records both (meta hvtrace_version), so a run names the code that
 * wrote it.
 */
#ifndef HVT_VERSION_H
#define HVT_VERSION_H

const char *hvt_version(void);          /* "0.1.0" */
const char *hvt_build_describe(void);   /* "0e4ea83-dirty", "unknown" */
/* "hvtrace 0.1.0 (git 0e4ea83-dirty)": what --version prints first and the
 * run file's hvtrace_version. */
const char *hvt_version_line(void);

#endif
