# recipes/: the recipe language (library code).
LIB_SRCS += $(wildcard recipes/*.c)
