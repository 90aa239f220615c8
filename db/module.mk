LIB_SRCS += $(wildcard db/*.c)
