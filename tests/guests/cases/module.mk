# tests/guests/cases: the issue-9 acceptance guests (situations a trace must get
# right: interrupts, SMIs, rep strings, mode switches, BIOS calls reached without
# `int`, ...), each a boot sector whose header states its expected values and
# their source, and which prints its own results on COM1.
#   NAME.S    GNU as, .code16, helpers from lib.inc (hostile.S uses ../guest.inc)
#   NAME.asm  NASM, `nasm -f bin`, org 0x7c00
# Output: build/guests/cases/NAME.img (64 KiB raw disk), NAME.elf for the .S ones
# (symbols name the addresses the integration test checks: tests/integration/cases.sh).
# The generic build/guests/%.img and %.bin rules of tests/guests/module.mk apply;
# the rules here are preferred for these files because their stem is shorter.
CASE_S_NAMES   := $(patsubst tests/guests/cases/%.S,%,$(wildcard tests/guests/cases/*.S))
CASE_ASM_NAMES := $(patsubst tests/guests/cases/%.asm,%,$(wildcard tests/guests/cases/*.asm))
CASE_IMGS      := $(CASE_S_NAMES:%=$(B)/guests/cases/%.img) $(CASE_ASM_NAMES:%=$(B)/guests/cases/%.img)
ALL_TARGETS    += $(CASE_IMGS)

.PRECIOUS: $(B)/guests/cases/%.elf $(B)/guests/cases/%.o

.PHONY: case-guests
case-guests: $(CASE_IMGS)

$(B)/guests/cases/%.o: tests/guests/cases/%.S $(wildcard tests/guests/cases/*.inc) tests/guests/guest.inc
	@mkdir -p $(dir $@)
	as --32 -I tests/guests/cases -I tests/guests -o $@.$$$$ $< && mv $@.$$$$ $@

# NASM guests are flat binaries already; pad them like the others.
$(B)/guests/cases/%.img: tests/guests/cases/%.asm $(wildcard tests/guests/cases/*.inc)
	@mkdir -p $(dir $@)
	nasm -f bin -i tests/guests/cases/ -o $@.$$$$ $< && \
	test $$(stat -c %s $@.$$$$) -le $(GUEST_IMG_SIZE) && \
	truncate -s $(GUEST_IMG_SIZE) $@.$$$$ && chmod 644 $@.$$$$ && mv $@.$$$$ $@ || \
	{ rm -f $@.$$$$; exit 1; }
