#!/usr/bin/env bash
# real_linux: Debian's kernel with the busybox initramfs (build/images/grub.img,
# entry linux, 256 MiB: GRUB needs the kernel's 64 MiB init_size in one piece above
# hv's range), without hv and under both hv builds:
#   real_linux_bare       the kernel prints its BIOS-e820 map and the initramfs's
#                         marker, then powers off
#   real_linux_HOST       the same under hv; the kernel's BIOS-e820 map equals the
#                         bare map with hv's range (hv's banner) reserved, and
#                         /proc/meminfo's MemTotal is smaller
#   real_linux_HOST_placed  the kernel's own /proc/iomem ("Kernel code" ..
#                         "Kernel bss") lies outside hv's range under hv
# Truth: the kernel's own boot log (an independent consumer of hv's E820 answers).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
done_pat='^HVT-LINUX done|Kernel panic'
memtotal() { sed -n 's/^HVT-LINUX meminfo MemTotal: *\([0-9]*\) kB/\1/p' "$1"; }

bare=$(hvt_tmpdir)
if rg_grub "$bare" "$done_pat" linux none 256 && grep -q '^HVT-LINUX done' "$bare/log.txt" &&
   [ -n "$(rg_linux_e820 "$bare/log.txt")" ]; then
    hvt_ok real_linux_bare
else
    hvt_fail real_linux_bare "Linux did not reach its initramfs (status $(cat "$bare/status"))"
    grep -a -E 'HVT|panic|error' "$bare/log.txt" | tail -5 | sed 's/^/    /'
fi
# kernel_span LOG: "LO HI" (hex, inclusive) from the first Kernel code to the last
# Kernel bss line of /proc/iomem as the initramfs printed it.
kernel_span() {
    sed -n 's/^HVT-LINUX iomem *\([0-9a-f]*\)-\([0-9a-f]*\) : Kernel .*/\1 \2/p' "$1" |
        awk 'NR == 1 { lo = $1 } { hi = $2 } END { if (NR) print lo, hi }'
}

check_hv() {   # HOST
    local h=$1 d lo hi want got klo khi
    d=$(hvt_tmpdir)
    rg_grub "$d" "$done_pat" linux "$h" 256
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    want=$(rg_linux_e820 "$bare/log.txt" | e820_expected "${lo:-0}" "${hi:-0}")
    got=$(rg_linux_e820 "$d/log.txt")
    if ! grep -q '^HVT-LINUX done' "$d/log.txt" || [ -z "$lo" ]; then
        hvt_fail "real_linux_$h" "Linux under hv did not reach its initramfs (status $(cat "$d/status"))"
        grep -a -E '^hv|HVT|panic|error' "$d/log.txt" | tail -8 | sed 's/^/    /'
        return
    elif [ "$got" != "$want" ]; then
        hvt_fail "real_linux_$h" "the kernel's BIOS-e820 map is not the bare map with $lo-$hi reserved"
        diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
    elif [ "$(memtotal "$d/log.txt")" -ge "$(memtotal "$bare/log.txt")" ]; then
        hvt_fail "real_linux_$h" "MemTotal under hv $(memtotal "$d/log.txt") kB, not below bare $(memtotal "$bare/log.txt") kB"
    else
        hvt_ok "real_linux_$h"
    fi
    read -r klo khi <<< "$(kernel_span "$d/log.txt")"
    if [ -z "$klo" ]; then
        hvt_fail "real_linux_${h}_placed" "no Kernel lines in /proc/iomem under hv"
    elif [ $((16#$khi)) -lt $((lo)) ] || [ $((16#$klo)) -ge $((hi)) ]; then
        hvt_ok "real_linux_${h}_placed"
    else
        hvt_fail "real_linux_${h}_placed" "kernel at $klo-$khi overlaps hv's range $lo-$hi"
    fi
}
for h in $HV_HOSTS; do check_hv "$h"; done
