# record/: the recording session and its engines (library code).
LIB_SRCS += $(wildcard record/*.c)
