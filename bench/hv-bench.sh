#!/usr/bin/env bash
# hv-bench: wall time of a test guest from QEMU start to its final marker, bare and
# under each hv build, in the same run (a benchmark, not a test: it judges nothing).
#
# Each sample is one QEMU process, TCG, -cpu qemu64,+svm,+npt for all three (so the
# machine is the same), ended by the guest itself through isa-debug-exit right
# after it prints HVT-DONE; the time is from fork to exit.  Runs alternate bare /
# hv-i386 / hv-x86_64 so drift in machine load hits all three alike; the median
# of N is reported with the ratio to bare (issue 3's target: <= 1.3x).
#   usage: bench/hv-bench.sh [BUILD_DIR] [GUEST] [N]      (defaults: build e820 7)
set -u
B=${1:-build}; guest=${2:-e820}; n=${3:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
for f in "$B/guests/$guest.img" "$B/guests/$guest.bin" "$B/hv-i386.elf" "$B/hv-x86_64.elf"; do
    [ -f "$f" ] || { echo "hv-bench: no $f: run make" >&2; exit 2; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

qemu=(qemu-system-x86_64 -cpu qemu64,+svm,+npt -display none -no-reboot -net none -m 32
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -drive "file=$B/guests/$guest.img,format=raw,if=ide,snapshot=on")

sample() {   # CONFIG: one run, prints milliseconds; fails unless the guest finished
    local cfg=$1 extra=() t0 t1
    [ "$cfg" = bare ] || extra=(-kernel "$B/hv-$cfg.elf" -initrd "$B/guests/$guest.bin")
    t0=$(date +%s%N)
    timeout 60 "${qemu[@]}" -serial "file:$tmp/serial" "${extra[@]}" > /dev/null 2>&1
    local rc=$?
    t1=$(date +%s%N)
    [ $rc = 65 ] && grep -q "HVT-DONE $guest" "$tmp/serial" || { echo "hv-bench: $cfg run failed (status $rc)" >&2; return 1; }
    echo $(( (t1 - t0) / 1000000 ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

configs="bare i386 x86_64"
for ((i = 0; i < n; i++)); do
    for c in $configs; do
        sample "$c" >> "$tmp/$c" || exit 1
    done
done
base=$(median < "$tmp/bare")
printf 'guest %s, %d runs each, TCG, wall time from QEMU start to the guest'"'"'s exit after HVT-DONE\n' "$guest" "$n"
for c in $configs; do
    m=$(median < "$tmp/$c")
    printf '%-8s median %5d ms  (min %d, max %d)  %s x bare\n' "$c" "$m" \
        "$(sort -n "$tmp/$c" | head -1)" "$(sort -n "$tmp/$c" | tail -1)" \
        "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
done
