/*
 * cli_version: `hvtrace version` and `hvtrace --version` — this hvtrace
 * (release and the git describe it was built from) and the versions of what it
 * runs with: the QEMU it would start (`QEMU --version`'s first line), and the
 * Capstone and SQLite libraries it is linked against, as they report
 * themselves at run time.  A missing QEMU is a line saying so, not an error:
 * diff, show and info need none.
 */
#include <capstone/capstone.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "common/version.h"
#include "qemu/qemu_launch.h"

#define VERSION_DEFAULT_QEMU "qemu-system-x86_64"

static void version_help(void)
{
    printf(
"usage: hvtrace version [--qemu BIN]\n"
"       hvtrace --version\n"
"Print hvtrace's version and the git describe it was built from, then the\n"
"versions of the QEMU it starts and of the Capstone and SQLite libraries.\n\n"
"      --qemu BIN          QEMU binary to ask (default qemu-system-x86_64)\n"
"\nExit status: 0.\n");
}

static void print_versions(const char *qemu)
{
    int major = 0, minor = 0;
    char *qv = qemu_version(qemu);
    printf("%s\n", hvt_version_line());
    if (qv)
        printf("QEMU:     %s (%s)\n", qv, qemu);
    else
        printf("QEMU:     not found (%s)\n", qemu);
    cs_version(&major, &minor);
    printf("Capstone: %d.%d\n", major, minor);
    printf("SQLite:   %s\n", sqlite3_libversion());
    free(qv);
}

int cmd_version(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "qemu", required_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 }
    };
    const char *qemu = VERSION_DEFAULT_QEMU;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'q': qemu = optarg; break;
        case 'h': version_help(); return CLI_OK;
        default: return cli_bad_option("version", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage("version", "unexpected argument '%s'", argv[optind]);
    print_versions(qemu);
    return CLI_OK;
}
