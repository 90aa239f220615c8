# gdbstub/: the GDB remote serial protocol client (library code).
LIB_SRCS += $(wildcard gdbstub/*.c)
