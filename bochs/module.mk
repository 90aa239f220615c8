# bochs/: the Bochs emulator side (its debugger's text, launching and driving it).
# Library code only; the engine that records from it lives in the record room.
LIB_SRCS += $(wildcard bochs/*.c)
