# tests/guests: boot-sector test guests, one per tests/guests/NAME.S.
#   build/guests/NAME.img  raw disk image: the linked guest (sector 0 = boot sector
#                          with 55 AA, then any sectors it loads itself), padded to
#                          GUEST_IMG_SIZE so BIOS disk geometry guesses stay sane
#   build/guests/NAME.bin  the 512-byte boot sector alone: hv's multiboot module
# The guests are 16-bit code assembled with the host binutils in 32-bit ELF mode and
# linked flat at 0x7c00, where the BIOS (or hv) places sector 0.
GUEST_NAMES    := $(patsubst tests/guests/%.S,%,$(wildcard tests/guests/*.S))
GUEST_IMGS     := $(GUEST_NAMES:%=$(B)/guests/%.img)
GUEST_BINS     := $(GUEST_NAMES:%=$(B)/guests/%.bin)
GUEST_IMG_SIZE := 65536
ALL_TARGETS    += $(GUEST_IMGS) $(GUEST_BINS)

# Keep the ELF: its symbols name guest addresses for anyone reading a trace.
.PRECIOUS: $(B)/guests/%.elf $(B)/guests/%.o

.PHONY: guests
guests: $(GUEST_IMGS) $(GUEST_BINS)

# Several people run make in this tree at once: every step writes a temp file named
# after its shell's pid and renames it, so a concurrent build never sees half a file.
$(B)/guests/%.o: tests/guests/%.S $(wildcard tests/guests/*.inc)
	@mkdir -p $(dir $@)
	as --32 -I tests/guests -o $@.$$$$ $< && mv $@.$$$$ $@

$(B)/guests/%.elf: $(B)/guests/%.o
	ld -m elf_i386 -Ttext 0x7c00 -e _start -o $@.$$$$ $< && mv $@.$$$$ $@

# objcopy to a flat image; refuse images that would not fit the padded disk.
$(B)/guests/%.img: $(B)/guests/%.elf
	objcopy -O binary $< $@.$$$$ && \
	test $$(stat -c %s $@.$$$$) -le $(GUEST_IMG_SIZE) && \
	truncate -s $(GUEST_IMG_SIZE) $@.$$$$ && chmod 644 $@.$$$$ && mv $@.$$$$ $@ || \
	{ rm -f $@.$$$$; exit 1; }

$(B)/guests/%.bin: $(B)/guests/%.img
	head -c 512 $< > $@.$$$$ && mv $@.$$$$ $@
