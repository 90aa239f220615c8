LIB_SRCS += $(wildcard reports/*.c)
