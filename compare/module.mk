# compare/: `hvtrace diff`'s orchestration (read two runs, align, collect) (library code).
LIB_SRCS += $(wildcard compare/*.c)
