# qemu/: starting QEMU and reading its own log (library code).
LIB_SRCS += $(wildcard qemu/*.c)
