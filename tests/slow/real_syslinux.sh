#!/usr/bin/env bash
# real_syslinux: build/images/syslinux.img, an MBR disk (syslinux's mbr.bin → the
# active partition's boot sector → ldlinux → memtest86+), without hv and with hv
# chain-loading its MBR (hv-HOST.elf as QEMU's multiboot kernel, the disk's sector
# 0 as the module, as hvtrace record --with-hv boots it):
#   real_syslinux_bare   SYSLINUX's banner, then memtest86+ states the memory it tests
#   real_syslinux_HOST   the same under hv, testing exactly hv's range less
# Truth: SYSLINUX's and memtest86+'s own serial output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
pat=' of [0-9]+\.[0-9]MB\]'
disk=(-m 64 -drive "file=$RG_IMAGES/syslinux.img,format=raw,if=ide,snapshot=on")
mbr=$HVT_TMPBASE/mbr.bin
head -c 512 "$RG_IMAGES/syslinux.img" > "$mbr"

booted() { grep -q '^SYSLINUX ' "$1" && [ -n "$(rg_memtest_tenths "$1")" ]; }
bare=$(hvt_tmpdir)
rg_run "$bare" "$pat" "${disk[@]}"
base=$(rg_memtest_tenths "$bare/log.txt")
if booted "$bare/log.txt"; then
    hvt_ok real_syslinux_bare
else
    hvt_fail real_syslinux_bare "SYSLINUX did not start memtest86+ (status $(cat "$bare/status"))"
fi
for h in $HV_HOSTS; do
    d=$(hvt_tmpdir)
    rg_run "$d" "$pat" "${disk[@]}" -kernel "$HVT_BUILD/hv-$h.elf" -append "$RG_HVOPTS" -initrd "$mbr"
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    if ! booted "$d/log.txt" || [ -z "$lo" ]; then
        hvt_fail "real_syslinux_$h" "hv → syslinux MBR → memtest86+ did not start (status $(cat "$d/status"))"
        grep -a -E '^hv|SYSLINUX|error|Boot' "$d/log.txt" | tail -5 | sed 's/^/    /'
    elif [ $((base - $(rg_memtest_tenths "$d/log.txt"))) -ne $(( (hi - lo) * 10 / 1048576 )) ]; then
        hvt_fail "real_syslinux_$h" "memtest86+ under hv does not test exactly hv's range less"
    else
        hvt_ok "real_syslinux_$h"
    fi
done
