# hvtrace top-level Makefile.
#
# One non-recursive build: every directory contributes a module.mk fragment that
# appends to the variables below, so helpers of one directory never edit another's
# rules.  Outputs go to build/ only.
#
#   make              build hvtrace, hv (both hosts) and the test guests
#   make check        build and run unit, integration and slow tests (tests/run-tests.sh)
#   make images       real guests from Debian packages into build/images (images/)
#   make check-layout fail if a room includes a room above it (scripts/check-layout.sh)
#   make bench        benchmarks (not tests)
#   make deps         install missing Debian packages (needs root)
#   make install      PREFIX=/usr/local DESTDIR=
#   make sanitize     build with ASan+UBSan into build-san/, run unit and integration tests

PREFIX  ?= /usr/local
DESTDIR ?=
DATADIR ?= $(PREFIX)/share/hvtrace
LIBDIR  ?= $(PREFIX)/lib/hvtrace
MANDIR  ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
B       ?= build

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wvla
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -I. -MMD -MP
LDLIBS  := -lsqlite3 -lexpat -lcapstone -lz -lm

# Appended to by module.mk fragments.
LIB_SRCS   :=           # library code linked into hvtrace and every unit test
CLI_SRCS   :=           # hvtrace main + commands
UNIT_TESTS :=           # tests/unit/test_*.c, each a standalone main()
FUZZ_TARGETS :=         # tests/fuzz/fuzz_*.c, LLVMFuzzerTestOneInput
ALL_TARGETS :=          # extra artefacts (hv images, guests)

.DEFAULT_GOAL := all
# Keep intermediate objects (unit-test .o files): make would delete them after
# `make check` and print that as the last line, after the test summary.
.SECONDARY:

include common/module.mk
include gdbstub/module.mk
include qemu/module.mk
include bochs/module.mk
include recipes/module.mk
include db/module.mk
include record/module.mk
include diffing/module.mk
include compare/module.mk
include reports/module.mk
include cli/module.mk
include hv/module.mk
include tests/module.mk
include images/module.mk

LIB_OBJS  = $(LIB_SRCS:%.c=$(B)/obj/%.o)
CLI_OBJS  = $(CLI_SRCS:%.c=$(B)/obj/%.o)
UNIT_BINS = $(UNIT_TESTS:tests/unit/%.c=$(B)/tests/%)

.PHONY: all check check-layout unit bench deps install sanitize fuzz clean demo
all: $(B)/hvtrace $(UNIT_BINS) $(ALL_TARGETS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libhvtrace.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/hvtrace: $(CLI_OBJS) $(B)/libhvtrace.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(B)/libhvtrace.a $(LDLIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(B)/libhvtrace.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libhvtrace.a $(LDLIBS)

# The README's demo command (tests/demo.sh does the work and prints the verdict).
demo: deps all images
	bash tests/demo.sh $(B)

# The README's test command.  Installs what is missing, builds, runs everything.
check: deps all images
	bash tests/run-tests.sh $(B)

# Which room may include which: README.md "Layout"; also run by make check
# (tests/integration/layout.sh).
check-layout:
	@bash scripts/check-layout.sh

unit: all
	bash tests/run-tests.sh $(B) unit

# The unit tests, then the integration tests, against the ASan+UBSan+LSan build:
# every hvtrace the integration tests run is the sanitized one, and a finding
# makes it exit non-zero (so its test fails).  HVT_FILTER limits the integration
# tests (e.g. make sanitize HVT_FILTER=endings).
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize:
	$(MAKE) B=build-san CC=clang CFLAGS="$(SAN_FLAGS)" EXT_CFLAGS="-O1 -g" all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    bash tests/run-tests.sh build-san unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    bash tests/run-tests.sh build-san integration $(HVT_FILTER)

fuzz:
	$(MAKE) B=build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libhvtrace.a
	bash tests/fuzz/run-fuzz.sh build-fuzz

bench: all images
	bash bench/run-bench.sh $(B)
	bash bench/hv-bench.sh $(B)
	bash bench/real-bench.sh $(B)
	bash bench/bochs-bench.sh $(B)

deps:
	@bash scripts/install-deps.sh

# What goes where (README "Installing", hvtrace(1) FILES): the program; hv's
# images beside the schema in share/hvtrace (record --with-hv looks there); the
# SQLite extension in lib/hvtrace; the GDB command files; the built-in recipes
# as text files to copy and change; the manual page; bash completion.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR) $(DESTDIR)$(DATADIR)/gdb \
	    $(DESTDIR)$(DATADIR)/recipes $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(B)/hvtrace $(DESTDIR)$(PREFIX)/bin/hvtrace
	install -m 644 db/schema.sql $(B)/hv-i386.elf $(B)/hv-x86_64.elf $(DESTDIR)$(DATADIR)/
	install -m 755 $(B)/hvtrace-sqlite.so $(DESTDIR)$(LIBDIR)/
	install -m 644 scripts/gdb/*.gdb $(DESTDIR)$(DATADIR)/gdb/
	for r in $$($(B)/hvtrace recipes | awk '{ print $$1 }'); do \
	    $(B)/hvtrace recipes $$r > $(DESTDIR)$(DATADIR)/recipes/$$r.recipe || exit 1; done
	install -m 644 docs/hvtrace.1 $(DESTDIR)$(MANDIR)/man1/hvtrace.1
	install -m 644 scripts/hvtrace-completion.bash $(DESTDIR)$(COMPLETIONDIR)/hvtrace

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
