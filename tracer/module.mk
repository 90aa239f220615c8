# tracer: filled in by its owner
CLI_SRCS += tracer/main.c
