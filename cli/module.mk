# cli/: the hvtrace program (main.c and the cli_*.c commands); everything else
# is library code in the rooms below it.
CLI_SRCS += $(wildcard cli/*.c)
