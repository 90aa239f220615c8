# hv: the hypervisor, two freestanding multiboot images from the same sources.
#   build/hv-i386.elf    i386 host, PAE paging, 3-level nested page tables
#   build/hv-x86_64.elf  x86_64 host (32-bit multiboot entry, switches to long mode),
#                        4-level nested page tables; linked as x86-64, then
#                        converted to ELF32 because QEMU -kernel refuses ELF64
# The core is hv/*.c, the backends hv/svm/*.{c,S} and hv/vmx/*.{c,S} (both in every
# image, picked at boot); each image adds its entry_*.S.
# hv never gets the project's CFLAGS (sanitizers, -O levels): it has its own.
#   make hv-run GUEST=e820 HV=i386 HVOPTS="smi=pass"   boot a guest under hv, serial on stdout
HV_CC      ?= gcc
HV_SRCS    := $(wildcard hv/*.c hv/svm/*.c hv/svm/*.S hv/vmx/*.c hv/vmx/*.S)
HV_CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -Wshadow -Wvla -Wno-unused-parameter -I. -MMD -MP \
              -ffreestanding -nostdlib -fno-pic -fno-pie -fno-stack-protector \
              -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks \
              -fno-tree-loop-distribute-patterns -mgeneral-regs-only
HV_CFLAGS_i386   := -m32 -march=i686
HV_CFLAGS_x86_64 := -m64 -mno-red-zone -mcmodel=small
HV_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T hv/hv.ld
HV_LDEMU_i386   := elf_i386
HV_LDEMU_x86_64 := elf_x86_64

HV_OBJS_i386   := $(patsubst %,$(B)/hv-i386/%.o,$(basename $(HV_SRCS)) hv/entry_i386)
HV_OBJS_x86_64 := $(patsubst %,$(B)/hv-x86_64/%.o,$(basename $(HV_SRCS)) hv/entry_x86_64)

ALL_TARGETS += $(B)/hv-i386.elf $(B)/hv-x86_64.elf

define HV_ARCH_RULES
$(B)/hv-$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$(HV_CC) $(HV_CFLAGS) $(HV_CFLAGS_$(1)) -c -o $$@ $$<

$(B)/hv-$(1)/%.o: %.S
	@mkdir -p $$(dir $$@)
	$(HV_CC) $(HV_CFLAGS) $(HV_CFLAGS_$(1)) -c -o $$@ $$<
endef
$(eval $(call HV_ARCH_RULES,i386))
$(eval $(call HV_ARCH_RULES,x86_64))

$(B)/hv-i386.elf: $(HV_OBJS_i386) hv/hv.ld
	ld -m $(HV_LDEMU_i386) $(HV_LDFLAGS) -o $@ $(HV_OBJS_i386)

$(B)/hv-x86_64.elf: $(HV_OBJS_x86_64) hv/hv.ld
	ld -m $(HV_LDEMU_x86_64) $(HV_LDFLAGS) -o $@.elf64 $(HV_OBJS_x86_64)
	objcopy -O elf32-i386 $@.elf64 $@
	rm -f $@.elf64

-include $(wildcard $(B)/hv-*/hv/*.d $(B)/hv-*/hv/svm/*.d $(B)/hv-*/hv/vmx/*.d)

# Boot GUEST (build/guests/GUEST.{bin,img}) under hv in QEMU TCG; COM1 is shared by
# hv's log and the guest's output.  Ends when the guest leaves through isa-debug-exit,
# or after HV_RUN_TIMEOUT seconds (hv halts after stopping a guest).  -m 32 as the
# tests and hvtrace record use: hv is linked at 24 MiB (hv/hv.ld).
GUEST ?= hello
HV ?= i386
HVOPTS ?=
HV_RUN_TIMEOUT ?= 30
HV_QEMU_CPU ?= qemu64,+svm,+npt
.PHONY: hv-run
hv-run: $(B)/hv-$(HV).elf $(B)/guests/$(GUEST).bin $(B)/guests/$(GUEST).img
	@timeout $(HV_RUN_TIMEOUT) qemu-system-x86_64 -cpu $(HV_QEMU_CPU) -m 32 \
	    -display none -no-reboot -net none -serial stdio \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	    -kernel $(B)/hv-$(HV).elf -append "$(HVOPTS)" -initrd $(B)/guests/$(GUEST).bin \
	    -drive file=$(B)/guests/$(GUEST).img,format=raw,snapshot=on; \
	rc=$$?; case $$rc in 65) ;; 124) echo "hv-run: stopped after $(HV_RUN_TIMEOUT) s" ;; *) exit $$rc ;; esac
