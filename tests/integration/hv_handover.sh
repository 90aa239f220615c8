#!/usr/bin/env bash
# hv_handover: hv hands a boot sector what a real chain-loader hands it (hv/guest.c),
# checked with the handover guest (prints DL, DS:SI, ES:DI and the 16 bytes at
# DS:SI at its first instruction) on both hv builds (SVM under QEMU):
#   handover_mbr_bare     truth for a partition: SeaBIOS boots syslinux's mbr.bin,
#                         which boots partition 1's sector (the guest) with DL=80h and
#                         DS:SI at the partition's entry; the entry printed equals
#                         bytes 446-461 of the disk file
#   handover_HOST_part    hv part=1, the guest's sector and the disk's MBR as modules:
#                         the guest prints exactly what it printed after mbr.bin
#   handover_disk_bare    truth for a whole disk: SeaBIOS boots the guest's disk,
#                         DL=80h, DS:SI and ES:DI 0:0 (src/boot.c, call_boot_entry)
#   handover_HOST_disk    hv without part= (hvtrace's --with-hv form): the same lines
#   handover_part_needs_mbr  part=1 with one module: hv says what is missing, halts
# Needs sfdisk and syslinux's mbr.bin to build the partitioned disk here.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
hvt_need qemu-system-x86_64 sfdisk
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
[ -r "$MBR_BIN" ] || { hvt_skip hv_handover "needs syslinux-common ($MBR_BIN)"; exit 0; }
guest=$(hvt_guest_img handover) || { hvt_fail hv_handover "no handover guest: run make"; exit 0; }

t=$(hvt_tmpdir)
disk=$t/part.img
truncate -s 2M "$disk"
echo 'start=2048, type=da, bootable' | sfdisk -q --label dos "$disk"
dd if="$MBR_BIN" of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$guest" of="$disk" bs=512 seek=2048 count=1 conv=notrunc status=none
head -c 512 "$disk" > "$t/mbr.bin"
head -c 512 "$guest" > "$t/vbr.bin"
entry=$(od -A n -t x1 -j 446 -N 16 "$disk" | tr -d ' \n')

lines() { hv_guest_lines "$1" | grep -E '^(HANDOVER|PARTENTRY) '; }
boot() {   # OUTDIR DISK [QEMU ARGS]: HVT_QEMU's own run, serial in OUTDIR/log.txt
    local out=$1 img=$2; shift 2
    mkdir -p "$out"
    : > "$out/serial.txt"
    hvt__spawn "$out" "$HV_QEMU" -cpu "$HV_CPU" "${HVT_QEMU_ARGS[@]}" \
        -serial "file:$out/serial.txt" -drive "file=$img,format=raw,if=ide,snapshot=on" "$@"
    while kill -0 "$hvt__pid" 2> /dev/null; do     # hv halts after "cannot start"
        grep -Eaq "$HV_FINAL" "$out/serial.txt" && { kill "$hvt__pid"; break; }
        sleep 0.1
    done
    hvt__wait "$out"
    tr -d '\r' < "$out/serial.txt" > "$out/log.txt"
}

bare=$t/bare
boot "$bare" "$disk"
if [ "$(lines "$bare/log.txt")" = "HANDOVER DL=80 DS:SI=0000:07be ES:DI=0000:0000
PARTENTRY $entry" ]; then
    hvt_ok handover_mbr_bare
else
    hvt_fail handover_mbr_bare "mbr.bin did not hand partition 1's entry over: $(lines "$bare/log.txt" | tr '\n' '|')"
fi
wbare=$t/wbare
boot "$wbare" "$guest"
if lines "$wbare/log.txt" | grep -q '^HANDOVER DL=80 DS:SI=0000:0000 ES:DI=0000:0000$'; then
    hvt_ok handover_disk_bare
else
    hvt_fail handover_disk_bare "SeaBIOS handed over $(lines "$wbare/log.txt" | head -1)"
fi
for h in $HV_HOSTS; do
    d=$t/$h-part
    boot "$d" "$disk" -kernel "$HVT_BUILD/hv-$h.elf" -append "part=1" -initrd "$t/vbr.bin,$t/mbr.bin"
    if [ -n "$(lines "$d/log.txt")" ] && [ "$(lines "$d/log.txt")" = "$(lines "$bare/log.txt")" ]; then
        hvt_ok "handover_${h}_part"
    else
        hvt_fail "handover_${h}_part" "under hv: $(lines "$d/log.txt" | tr '\n' '|') after mbr.bin: $(lines "$bare/log.txt" | tr '\n' '|')"
        grep -a '^hv:' "$d/log.txt" | tail -3 | sed 's/^/    /'
    fi
    d=$t/$h-disk
    boot "$d" "$guest" -kernel "$HVT_BUILD/hv-$h.elf" -append "" -initrd "$t/vbr.bin"
    if [ -n "$(lines "$d/log.txt")" ] &&
       [ "$(lines "$d/log.txt" | head -1)" = "$(lines "$wbare/log.txt" | head -1)" ]; then
        hvt_ok "handover_${h}_disk"
    else
        hvt_fail "handover_${h}_disk" "under hv: $(lines "$d/log.txt" | head -1), SeaBIOS: $(lines "$wbare/log.txt" | head -1)"
    fi
done
d=$t/nombr
boot "$d" "$disk" -kernel "$HVT_BUILD/hv-i386.elf" -append "part=1" -initrd "$t/vbr.bin"
if grep -q "^hv: guest: part=1 needs the disk's MBR as a second module" "$d/log.txt" &&
   [ -z "$(lines "$d/log.txt")" ]; then
    hvt_ok handover_part_needs_mbr
else
    hvt_fail handover_part_needs_mbr "hv started part=1 without an MBR module: $(grep -a '^hv:' "$d/log.txt" | tail -2 | tr '\n' '|')"
fi
