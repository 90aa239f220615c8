#!/usr/bin/env bash
# images/build.sh: real guests from Debian packages, built without root, loop
# devices or network (`make images`).  Writes into OUT (build/images):
#   grub.img      DOS-labelled disk: GRUB 2 (grub-pc-bin) in the MBR gap, one FAT16
#                 partition holding grub.cfg (images/grub.cfg: entries picked by
#                 QEMU's -smbios type=1), Debian's kernel, a busybox initramfs,
#                 memtest86+, iPXE and both hv builds
#   syslinux.img  DOS-labelled disk: syslinux's mbr.bin, a FAT16 partition with
#                 syslinux (ldlinux.sys by `syslinux --install --offset`) booting
#                 memtest86+ (images/syslinux.cfg)
#   handover-part.img  2 MiB MBR disk: syslinux's mbr.bin, partition 1's sector
#                 the handover test guest (build/guests/handover.bin), for the
#                 hand-over registers GRUB, an MBR and hv give a partition's sector
#   vmlinuz initrd.gz memtest.bin ipxe.lkrn   the payloads, for QEMU -kernel runs
# How (FACTS.md, "Real guests from Debian packages"): sfdisk writes the label into
# an image file, mkfs.fat --offset formats the partition in place, mtools fills it
# (MTOOLS_SKIP_CHECK=1: the image has no CHS geometry mtools likes), grub-mkimage
# builds core.img for that partition and dd puts boot.img's code (440 bytes, the
# partition table stays) in sector 0 and core.img from sector 1 (boot.img points at
# LBA 1 as shipped; grub-bios-setup refuses image files).
# Invariant: every output is written to a temporary name and renamed, so a reader
# never sees half an image; a failure leaves no output newer than its inputs.
#   usage: images/build.sh BUILD_DIR
set -euo pipefail
B=${1:?usage: images/build.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out=$B/images
mkdir -p "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1
PART_LBA=2048                # first partition at 1 MiB, as fdisk puts it

die() { echo "images: $*" >&2; exit 2; }

# Debian's files, found where their packages put them.
pick_kernel() {
    local k
    k=$(ls /boot/vmlinuz-*-amd64 2> /dev/null | sort -V | tail -1)
    [ -n "$k" ] && [ -r "$k" ] || die "no readable /boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)"
    echo "$k"
}
need_file() { [ -r "$1" ] || die "missing $1 (apt-get install $2)"; echo "$1"; }
KERNEL=$(pick_kernel)
MEMTEST=$(need_file /boot/memtest86+x64.bin memtest86+)
IPXE=$(need_file /usr/lib/ipxe/ipxe.lkrn ipxe)
BUSYBOX=$(need_file /bin/busybox busybox-static)
GRUB_DIR=/usr/lib/grub/i386-pc
need_file "$GRUB_DIR/boot.img" grub-pc-bin > /dev/null
SYSLINUX_MBR=$(need_file /usr/lib/syslinux/mbr/mbr.bin syslinux-common)
for t in sfdisk mkfs.fat mcopy mmd grub-mkimage syslinux cpio gzip; do
    command -v "$t" > /dev/null || die "missing $t (make deps)"
done
! readelf -l "$BUSYBOX" 2> /dev/null | grep -q 'program interpreter' ||
    die "$BUSYBOX is not statically linked (apt-get install busybox-static)"

# initrd.gz: busybox-static and images/init, owned by root inside the archive.
make_initrd() {
    local d=$tmp/initrd
    mkdir -p "$d/bin" "$d/dev" "$d/proc"
    cp "$BUSYBOX" "$d/bin/busybox"
    install -m 755 "$here/init" "$d/init"
    (cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$tmp/initrd.gz"
}

# new_disk IMG MIB: an image of MIB MiB with one FAT16 partition from 1 MiB,
# bootable (active), empty.
new_disk() {
    local img=$1 mib=$2
    truncate -s "${mib}M" "$img"
    echo "start=$PART_LBA, type=6, bootable" | sfdisk -q --label dos "$img"
    mkfs.fat -F 16 -n HVTRACE -i 4876740e --offset=$PART_LBA "$img" \
        $(( (mib - 1) * 1024 )) > /dev/null
}

# put IMG SRC... DIR: copy files into the partition's DIR (created as needed).
put() {
    local img=$1; shift
    local dir=${*: -1} part="$img@@$((PART_LBA * 512))"
    mmd -i "$part" -D s "::$dir" 2> /dev/null || true
    mcopy -o -i "$part" "${@:1:$#-1}" "::$dir/"
}

make_grub() {
    local img=$tmp/grub.img
    new_disk "$img" 32
    mmd -i "$img@@$((PART_LBA * 512))" ::/boot ::/boot/grub
    cp "$KERNEL" "$tmp/vmlinuz"; cp "$MEMTEST" "$tmp/memtest.bin"; cp "$IPXE" "$tmp/ipxe.lkrn"
    put "$img" "$tmp/vmlinuz" "$tmp/initrd.gz" "$tmp/memtest.bin" "$tmp/ipxe.lkrn" \
        "$B/hv-i386.elf" "$B/hv-x86_64.elf" /boot
    put "$img" "$here/grub.cfg" /boot/grub
    grub-mkimage -O i386-pc -d "$GRUB_DIR" -o "$tmp/core.img" -p '(hd0,msdos1)/boot/grub' \
        biosdisk part_msdos fat normal configfile echo test serial terminal \
        multiboot linux linux16 chain gzio smbios memrw
    [ "$(stat -c %s "$tmp/core.img")" -le $(( (PART_LBA - 1) * 512 )) ] ||
        die "core.img does not fit before the partition"
    dd if="$GRUB_DIR/boot.img" of="$img" bs=440 count=1 conv=notrunc status=none
    dd if="$tmp/core.img" of="$img" bs=512 seek=1 conv=notrunc status=none
}

make_syslinux() {
    local img=$tmp/syslinux.img
    new_disk "$img" 16
    put "$img" "$tmp/memtest.bin" "$here/syslinux.cfg" /
    syslinux --install --offset $((PART_LBA * 512)) "$img"
    dd if="$SYSLINUX_MBR" of="$img" bs=440 count=1 conv=notrunc status=none
}

make_handover() {
    local img=$tmp/handover-part.img
    truncate -s 2M "$img"
    echo "start=$PART_LBA, type=da, bootable" | sfdisk -q --label dos "$img"
    dd if="$SYSLINUX_MBR" of="$img" bs=440 count=1 conv=notrunc status=none
    dd if="$B/guests/handover.bin" of="$img" bs=512 seek=$PART_LBA conv=notrunc status=none
}

make_initrd
make_grub
make_syslinux
make_handover
chmod 644 "$tmp"/*.img "$tmp"/vmlinuz "$tmp"/initrd.gz "$tmp"/memtest.bin "$tmp"/ipxe.lkrn
for f in vmlinuz initrd.gz memtest.bin ipxe.lkrn grub.img syslinux.img handover-part.img; do
    mv "$tmp/$f" "$out/$f"
done
