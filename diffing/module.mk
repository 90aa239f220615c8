LIB_SRCS += $(wildcard diffing/*.c)
