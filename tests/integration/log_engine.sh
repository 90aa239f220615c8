#!/usr/bin/env bash
# The log engine over a whole boot: from reset through SeaBIOS to the boot
# sector (several million instructions), twice.  Truth: the boot sector file,
# which must be in memory at 0x7c00 when recording stops there; and the second
# recording, which must be identical (same step count, empty diff, same states).
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img hello)

for i in 1 2 3; do
    start=$(date +%s.%N)
    "$HVT" record --until 0000:7c00 -o "$t/boot$i.db" "$img" > "$t/boot$i.out" 2>&1
    secs[$i]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
done
steps1=$(sqlite3 "$t/boot1.db" "SELECT steps FROM run_info")
"$HVT" mem "$t/boot1.db" end -o "$t/end.bin"
if grep -q 'complete: reached --until 0000:7c00' "$t/boot1.out" && [ "${steps1:-0}" -gt 3000000 ] &&
   cmp -s <(dd if="$t/end.bin" bs=512 skip=62 count=1 2>/dev/null) "$HVT_BUILD/guests/hello.bin"; then
    hvt_ok whole_boot_to_7c00_recorded
    echo "    reset -> 0000:7c00: $steps1 steps in ${secs[1]} s and ${secs[2]} s (wall, whole command)"
else
    hvt_fail whole_boot_to_7c00_recorded "$(tail -1 "$t/boot1.out")"
fi

# Deterministic runs: two recordings of one configuration are identical.  The
# instructions SeaBIOS runs around its disk reads (the boot sector) can still
# shift by a few interrupts, because QEMU completes block I/O on host time even
# under -icount; so three are recorded and two of them must match exactly.
steps_of() { sqlite3 "$t/boot$1.db" "SELECT steps FROM run_info"; }
rows() { sqlite3 "$t/boot$1.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
             "SELECT * FROM hvt_steps WHERE step >= $(($(steps_of "$1") - 5000))" | md5sum; }
same=""; verdicts=""
for pair in "1 2" "1 3" "2 3"; do
    set -- $pair
    "$HVT" diff --anchor fffffff0 "$t/boot$1.db" "$t/boot$2.db" > "$t/diff$1$2.txt" 2>&1; rc=$?
    verdicts="$verdicts [$1-$2: $(steps_of "$1") vs $(steps_of "$2") steps, $(grep -m1 ^verdict "$t/diff$1$2.txt")]"
    if [ -z "$same" ] && [ "$(steps_of "$1")" = "$(steps_of "$2")" ] && [ $rc = 0 ] &&
       grep -q '^verdict: no meaningful difference' "$t/diff$1$2.txt"; then
        same="$1 $2"
    fi
done
if [ -n "$same" ]; then
    hvt_ok two_recordings_are_identical
    echo "    identical: recordings $same of 3;$verdicts"
else
    hvt_fail two_recordings_are_identical "no two of three recordings match:$verdicts"
fi

# Same states, not only the same instructions: compare a late stretch field by field.
set -- ${same:-1 2}
if [ "$(rows "$1")" = "$(rows "$2")" ]; then hvt_ok identical_states_late_in_boot
else hvt_fail identical_states_late_in_boot "the last 5000 steps' states of recordings $1 and $2 differ"; fi
