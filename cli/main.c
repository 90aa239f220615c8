/*
 * hvtrace: record x86 boots under QEMU instruction by instruction and find where
 * a boot with a hypervisor parts from the same boot without it.  This file only
 * dispatches to the subcommands (cli/cli_*.c), after removing what killed
 * recorders left behind (qemu_clean_stale).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "qemu/qemu_launch.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "record", cmd_record, "boot a guest in QEMU and record every instruction into a run file" },
    { "show",   cmd_show,   "print recorded steps like GDB's x/i, with changed registers" },
    { "info",   cmd_info,   "summarise a run file: provenance, status, steps, snapshots, serial" },
    { "mem",    cmd_mem,    "write a recorded memory snapshot out as a raw image" },
    { "diff",   cmd_diff,   "find where two runs part, and why" },
    { "why",    cmd_why,    "walk back one value of one run: who wrote it, from what" },
    { "recipes", cmd_recipes, "list the built-in investigation recipes (record --recipe)" },
    { "version", cmd_version, "hvtrace's version, and the QEMU, Capstone and SQLite it uses" },

};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: hvtrace COMMAND [OPTIONS] ...\n       hvtrace --version\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'hvtrace COMMAND --help' describes a command.  Typical session:\n"
               "  hvtrace record --with-hv -o with.db guest.img\n"
               "  hvtrace record -o without.db guest.img\n"
               "  hvtrace diff without.db with.db --html report.html\n"
               "The manual: man hvtrace.\n");
}

/* The end of every command: output that did not arrive is trouble (one line,
 * exit 2) unless the command already said its own; then flush and close. */
static int finish(const char *cmd, int rc)
{
    int werr = cli_stdout_error();
    if (werr && rc != CLI_TROUBLE)
        rc = cli_fail(cmd, "cannot write standard output: %s", strerror(werr));
    fclose(stdout);             /* flushes the escaping streams' last bytes */
    fclose(stderr);
    return rc;
}

int main(int argc, char **argv)
{
    cli_safe_streams();
    opterr = 0;                 /* each command names a bad option in its one line */
    if (argc < 2)
        return usage(stderr), CLI_TROUBLE;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout), finish(NULL, CLI_OK);
    if (!strcmp(argv[1], "--version"))
        argv[1] = "version";
    /* What recorders killed with -9 left in $TMPDIR goes first (row 1 of
     * issue 13): their private directories, boot sectors, unfinished runs. */
    qemu_clean_stale();
    int rc = -1;
    for (size_t i = 0; i < NCOMMANDS && rc < 0; i++)
        if (!strcmp(argv[1], commands[i].name))
            rc = commands[i].run(argc - 1, argv + 1);
    if (rc < 0)
        rc = cli_usage(NULL, "unknown command '%s'", argv[1]);
    return finish(argv[1], rc);
}
