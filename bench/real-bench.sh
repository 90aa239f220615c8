#!/usr/bin/env bash
# real-bench: hvtrace and hv on the real guests of `make images` (a benchmark, not a
# test: it prints numbers and judges nothing).
#   GRUB   recording speed and bytes per step of Debian's GRUB from its boot sector
#          (0000:7c00, grub.img's chain entry) for BENCH_REAL_STEPS steps or until it
#          chain-loads the next sector (winlike's 0000:7c06), log engine
#   iPXE   the same for iPXE (ipxe.lkrn as QEMU's -kernel, from its real-mode setup
#          entry 1020:0000 where QEMU's linuxboot ROM jumps)
#   Linux  wall time of Debian's kernel from QEMU start to the initramfs's poweroff,
#          through grub.img's linux entry, bare and under hv-x86_64, alternating, in
#          the same run
#   usage: bench/real-bench.sh [BUILD_DIR]    env: BENCH_REAL_STEPS (1000000),
#          BENCH_LINUX_RUNS (2)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/bench_lib.sh"
bench_init "${1:-build}"
N=${BENCH_REAL_STEPS:-1000000}
RUNS=${BENCH_LINUX_RUNS:-2}
IMG=$B/images
[ -f "$IMG/grub.img" ] || { echo "real-bench: no $IMG/grub.img: run make images" >&2; exit 2; }

rec_row() {   # LABEL RUN [record options]: one recording, one table row
    local label=$1 run=$2 out steps rate; shift 2
    out=$("$B/hvtrace" record --steps "$N" -o "$run" "$@" 2>&1 | tail -1)
    steps=$(echo "$out" | sed -n 's/.*: \([0-9]*\) steps (.*/\1/p')
    rate=$(echo "$out" | sed -n 's/.*(\([0-9]*\) steps\/s).*/\1/p')
    [ -n "$steps" ] || { printf '%-44s failed: %s\n' "$label" "$out"; return; }
    printf '%-44s %10s %10s %10.2f  %s\n' "$label" "$steps" "$rate" "$(bench_bytes_per_step "$run" "$steps")" \
        "$(echo "$out" | sed -n 's/.*, \(complete\|incomplete\)/\1/p' | cut -c1-60)"
}

printf 'Real guests, %s cpus, load %s, %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(qemu-system-x86_64 --version | head -1)"
printf '%-44s %10s %10s %10s  %s\n' "recording (log engine)" "steps" "steps/s" "bytes/step" "ended"
rec_row "GRUB 2.06, 0000:7c00 -> chain-loaded sector" "$tmp/grub.db" --from 0000:7c00 \
    --until 0000:7c06 --qemu-arg -smbios --qemu-arg type=1,product=chain \
    --qemu-arg -drive --qemu-arg "file=$B/guests/winlike.img,format=raw,if=ide,snapshot=on" \
    "$IMG/grub.img"
rec_row "iPXE (ipxe.lkrn), from 1020:0000" "$tmp/ipxe.db" --from 1020:0000 \
    --qemu-arg -kernel --qemu-arg "$IMG/ipxe.lkrn" "$B/guests/hello.img"

linux_ms() {   # HV: one boot, milliseconds to QEMU's exit; fails unless it powered off
    local hv=$1 t0 t1
    : > "$tmp/serial"
    t0=$(date +%s%N)
    timeout 600 qemu-system-x86_64 -cpu qemu64,+svm,+npt -display none -no-reboot -net none \
        -m 256 -serial "file:$tmp/serial" -smbios "type=1,product=linux,version=$hv,sku=smi=pass" \
        -drive "file=$IMG/grub.img,format=raw,if=ide,snapshot=on" > /dev/null 2>&1
    t1=$(date +%s%N)
    grep -q 'HVT-LINUX done' "$tmp/serial" || { echo "real-bench: Linux ($hv) did not finish" >&2; return 1; }
    echo $(( (t1 - t0) / 1000000 ))
}
for ((i = 0; i < RUNS; i++)); do
    linux_ms none >> "$tmp/bare" && linux_ms x86_64 >> "$tmp/hv" || break
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
if [ -s "$tmp/bare" ] && [ -s "$tmp/hv" ]; then
    b=$(median < "$tmp/bare") h=$(median < "$tmp/hv")
    printf '\nDebian Linux via GRUB to its initramfs poweroff (-m 256), median of %s each:\n' "$(wc -l < "$tmp/bare")"
    printf '  bare        %6d ms\n  hv-x86_64   %6d ms  (%s x bare; GRUB runs twice under hv)\n' "$b" "$h" \
        "$(awk -v a="$h" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
fi
