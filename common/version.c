/*
 * version: the release number and the build's git describe (see version.h).
 * hvt_build_git is defined in the file the Makefile generates at build time.
 */
#include "common/version.h"

#include <stdio.h>

#define HVT_VERSION "0.1.0"

extern const char hvt_build_git[];

const char *hvt_version(void)
{
    return HVT_VERSION;
}

const char *hvt_build_describe(void)
{
    return hvt_build_git[0] ? hvt_build_git : "unknown";
}

const char *hvt_version_line(void)
{
    static char line[128];
    if (!line[0])
        snprintf(line, sizeof line, "hvtrace %s (git %s)", hvt_version(),
                 hvt_build_describe());
    return line;
}
