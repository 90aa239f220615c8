# tracer/: every .c is library code except the CLI (main.c and cli_*.c).
CLI_SRCS += tracer/main.c $(wildcard tracer/cli_*.c)
LIB_SRCS += $(filter-out tracer/main.c tracer/cli_%.c,$(wildcard tracer/*.c))
