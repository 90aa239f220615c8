#!/usr/bin/env bash
# The log engine over a whole boot: from reset through SeaBIOS to the boot
# sector (several million instructions).  Truth: the boot sector file, which
# must be in memory at 0x7c00 when recording stops there.
#
# Then determinism: two recordings of one execution of the guest must be
# identical (same steps, same events, empty diff).  Two live boots need not
# be (README, Known limits): SeaBIOS reads the boot sector, and QEMU completes
# block I/O on host time even under -icount, so the instructions around that
# read shift by a few interrupts under load (issue 13 row 19: this test
# recorded three live whole boots and wanted two alike, flaky, and past the
# runner's 600 s under load).  So the whole boot is recorded on the replay of
# a free run (--from f000:fff0, its log kept with --keep-free-run), and the
# stretch around the disk read, from SeaBIOS's int 19h entry (f000:e6f2, the
# IBM-compatible address SeaBIOS keeps) to 0000:7c00, ~25,000 steps with the
# int 13h read of the boot sector in it, is recorded twice more from that one
# log (--replay): every input the guest read, the disk's completion included,
# comes from the log, so the two must agree step for step.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img hello)

start=$(date +%s.%N)
"$HVT" record --from f000:fff0 --until 0000:7c00 --keep-free-run "$t/free.rr" -o "$t/boot.db" "$img" > "$t/boot.out" 2>&1
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
steps=$(sqlite3 "$t/boot.db" "SELECT steps FROM run_info")
"$HVT" mem "$t/boot.db" end -o "$t/end.bin"
if grep -q 'complete: reached --until 0000:7c00' "$t/boot.out" && [ "${steps:-0}" -gt 3000000 ] &&
   cmp -s <(dd if="$t/end.bin" bs=512 skip=62 count=1 2>/dev/null) "$HVT_BUILD/guests/hello.bin"; then
    hvt_ok whole_boot_to_7c00_recorded
    echo "    reset -> 0000:7c00: $steps steps in $secs s (wall, whole command, on the replay)"
else
    hvt_fail whole_boot_to_7c00_recorded "$(tail -1 "$t/boot.out")"
fi

for i in 1 2; do
    "$HVT" record --from f000:e6f2 --until 0000:7c00 --replay "$t/free.rr" -o "$t/w$i.db" "$img" > "$t/w$i.out" 2>&1
done
steps_of() { sqlite3 "$t/w$1.db" "SELECT steps FROM run_info"; }
rows() { sqlite3 "$t/w$1.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT * FROM hvt_steps" | md5sum; }
events() { sqlite3 "$t/w$1.db" "SELECT step, kind, text FROM events" | md5sum; }
"$HVT" diff "$t/w1.db" "$t/w2.db" > "$t/diff.txt" 2>&1; rc=$?
why=
grep -q 'int 13h AH=0[24]h.* drive 80h' "$t/diff.txt" || why="$why no disk read in the stretch ($(tail -1 "$t/w1.out"));"
[ -n "$(steps_of 1)" ] && [ "$(steps_of 1)" = "$(steps_of 2)" ] || why="$why $(steps_of 1) vs $(steps_of 2) steps ($(tail -1 "$t/w2.out"));"
[ "$(events 1)" = "$(events 2)" ] || why="$why the events differ;"
[ $rc = 0 ] && grep -q '^verdict: no meaningful difference' "$t/diff.txt" || why="$why diff exit $rc: $(grep -m1 ^verdict "$t/diff.txt");"
if [ -z "$why" ]; then
    hvt_ok two_recordings_are_identical
    echo "    f000:e6f2 -> 0000:7c00 twice from one free run: $(steps_of 1) steps, $(grep -c 'int 13h' "$t/diff.txt") int 13h line(s) in the diff"
else
    hvt_fail two_recordings_are_identical "two recordings of one free run's replay:$why"
fi

# Same states, not only the same instructions: every step field by field.
if [ "$(rows 1)" = "$(rows 2)" ]; then hvt_ok identical_states_late_in_boot
else hvt_fail identical_states_late_in_boot "the two recordings' step states differ"; fi
