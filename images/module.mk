# images: real guests from Debian packages (`make images`, images/build.sh).
#   build/images/grub.img      GRUB 2 disk: chain / linux / memtest / ipxe entries,
#                              with or without hv first (images/grub.cfg says how
#                              QEMU's -smbios picks them)
#   build/images/syslinux.img  syslinux MBR disk booting memtest86+
#   build/images/handover-part.img  MBR disk, partition 1 = the handover guest
#   build/images/{vmlinuz,initrd.gz,memtest.bin,ipxe.lkrn}
# Not part of `make all` (32 MiB images, Debian packages): `make check` builds them
# for the slow tests.
IMAGES_OUT := $(B)/images/grub.img $(B)/images/syslinux.img $(B)/images/handover-part.img

.PHONY: images
images: $(IMAGES_OUT)

$(IMAGES_OUT) &: images/build.sh images/grub.cfg images/syslinux.cfg images/init \
                 $(B)/hv-i386.elf $(B)/hv-x86_64.elf $(B)/guests/handover.bin
	bash images/build.sh $(B)
