#!/usr/bin/env bash
# Issue 13's table, row by row, as a user would hit it: for each input the exit
# code, the one stderr line (it must name the problem), and the files left
# (none that looks like a run; the old run intact under --force; no private
# directory in $TMPDIR).  Rows 6, 7, 14, 15 (escaping, hostile stubs) are in
# endings.sh and fakestub.sh; row 17 is `make sanitize`; row 19 the README.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
C=$HVT_BUILD/guests/cases
hvt_private_tmpdir
cd "$t"

# A boot sector that spins forever (jmp $) and one that is empty.
printf '\xeb\xfe' > spin.img; truncate -s 510 spin.img; printf '\x55\xaa' >> spin.img; truncate -s 65536 spin.img
: > empty.img
printf '#!/bin/sh\nkill -9 $$\n' > qemu-dies; chmod +x qemu-dies

# row NAME EXPECTED-EXIT STDERR-REGEX -- CMD...: run, then check exit, one line,
# no run file named out.db, nothing left in $TMPDIR.
row() {
    local name=$1 want_rc=$2 want=$3; shift 4
    rm -f out.db; timeout 120 "$@" > "$name.out" 2> "$name.err"; local rc=$?
    local lines; lines=$(grep -c . "$name.err")
    local left; left=$(ls "$TMPDIR"; ls | grep -E '^out\.db' )
    if [ "$rc" = "$want_rc" ] && [ "$lines" = 1 ] && grep -Eq "$want" "$name.err" && [ -z "$left" ]; then
        hvt_ok "badinput_$name"
    else
        hvt_fail "badinput_$name" "exit $rc (want $want_rc), $lines lines: $(head -c 300 "$name.err") | left: $left"
    fi
}

row 03_from_not_reached_timeout 2 '^hvtrace record: --from 0000:1234 not reached before the 5 s timeout$' -- \
    "$HVT" record --from 0000:1234 --timeout 5 -o out.db spin.img
row 04_guest_halts_before_from 2 '^hvtrace record: the guest ended before --from ffff:ffff: guest halted \(cli; hlt\) at 0000:7c' -- \
    "$HVT" record --from ffff:ffff --timeout 120 -o out.db "$C/ivthook.img"
row 04_hv_refuses_options 2 "^hvtrace record: the guest ended before --from 0000:7c00: hv stopped the guest: it could not start it: options: bad boot option 'smi=bogus'" -- \
    "$HVT" record --with-hv --hv-opts smi=bogus --from 0000:7c00 --timeout 120 -o out.db "$C/ivthook.img"
row 08_qemu_nonexistent 2 "^hvtrace record: cannot run QEMU '/nonexistent': No such file or directory$" -- \
    "$HVT" record --qemu /nonexistent -o out.db "$C/ivthook.img"
row 09_empty_disk 2 '^hvtrace record: empty.img: not a bootable disk' -- \
    "$HVT" record -o out.db empty.img
row 10_from_never_reached_guest_ends 2 '^hvtrace record: the guest ended before --from ffff:ffff: guest powered off \(ACPI\)$' -- \
    "$HVT" record --from ffff:ffff --timeout 120 -o out.db "$C/poweroff.img"
row 11_steps_negative 2 "^hvtrace record: bad --steps ' -1'" -- "$HVT" record --steps ' -1' -o out.db spin.img
row 11_timeout_suffix 2 "^hvtrace record: bad --timeout '5x'" -- "$HVT" record --timeout 5x -o out.db spin.img
row 11_memory_suffix 2 "^hvtrace record: bad --memory '32abc'" -- "$HVT" record -m 32abc -o out.db spin.img
row 11_exclude_junk 2 "^hvtrace diff: bad range" -- "$HVT" diff --exclude ' 1-2' a.db b.db
row 18_qemu_killed_at_start 2 '^hvtrace record: QEMU killed by signal 9 before the recording began$' -- \
    "$HVT" record --qemu "$t/qemu-dies" -o out.db "$C/ivthook.img"

# Row 3, second half: Ctrl-C during the free run.
"$HVT" record --from 0000:1234 -o out.db spin.img > sigint.out 2> sigint.err & rec=$!
sleep 2; kill -INT $rec; wait $rec; rc=$?
if [ $rc = 2 ] && [ ! -e out.db ] && grep -qx 'hvtrace record: interrupted by signal 2 before --from 0000:1234 was reached' sigint.err &&
   [ -z "$(ls "$TMPDIR")" ]; then
    hvt_ok badinput_03_sigint_before_from
else
    hvt_fail badinput_03_sigint_before_from "exit $rc: $(cat sigint.err)"
fi

# Row 5: SIGTERM to hvtrace mid-recording: the steps so far are kept.
"$HVT" record -o term.db "$C/irqs.img" > term.out 2> term.err & rec=$!
sleep 3; kill -TERM $rec; wait $rec; rc=$?
if [ $rc = 0 ] && "$HVT" info term.db | grep -q '^status *incomplete: interrupted by signal 15$' &&
   [ "$(sqlite3 term.db 'SELECT steps FROM run_info')" -gt 0 ]; then
    hvt_ok badinput_05_sigterm_keeps_steps
else
    hvt_fail badinput_05_sigterm_keeps_steps "exit $rc: $("$HVT" info term.db 2>&1 | grep status) $(cat term.err)"
fi

# Row 2: --force keeps the old run when the new one fails, and when it is killed.
"$HVT" record --from 0000:7c00 -o old.db "$C/ivthook.img" > /dev/null 2>&1
before=$(sha256sum < old.db)
"$HVT" record --force --from ffff:ffff --timeout 120 -o old.db "$C/poweroff.img" > force1.out 2>&1; rc1=$?
"$HVT" record --force -o old.db "$C/irqs.img" > /dev/null 2>&1 & rec=$!
sleep 3; kill -9 $rec; wait $rec 2>/dev/null
"$HVT" info old.db > old.info 2>&1     # any later hvtrace removes the killed run's leftovers
after=$(sha256sum < old.db)
if [ $rc1 = 2 ] && [ "$before" = "$after" ] && grep -q '^status *complete: guest halted' old.info &&
   [ -z "$(ls | grep 'old\.db\.')" ] && [ -z "$(ls "$TMPDIR")" ]; then
    hvt_ok badinput_02_force_keeps_old_run
else
    hvt_fail badinput_02_force_keeps_old_run "exit $rc1, old file $([ "$before" = "$after" ] && echo kept || echo CHANGED), left: $(ls | grep 'old\.db\.') $(ls "$TMPDIR")"
fi
# ... and replaces it once the new one is finished.
"$HVT" record --force --from 0000:7c00 -o old.db "$C/poweroff.img" > /dev/null 2>&1
if "$HVT" info old.db | grep -q '^status *complete: guest powered off (ACPI)'; then
    hvt_ok badinput_02_force_replaces_when_finished
else
    hvt_fail badinput_02_force_replaces_when_finished "$("$HVT" info old.db 2>&1 | grep status)"
fi

# Row 16: info on a run still being recorded.
"$HVT" record -o live.db "$C/irqs.img" > /dev/null 2>&1 & rec=$!
sleep 3
live=$("$HVT" info live.db 2>&1 | grep '^status')
kill -INT $rec; wait $rec
if [ "$live" = "status           recording: being recorded (pid $rec)" ]; then
    hvt_ok badinput_16_info_on_live_run
else
    hvt_fail badinput_16_info_on_live_run "$live"
fi

# Row 12: a diff of an x86_64 run and an i386 run.
"$HVT" record --from 0000:7c00 -o i386.db --qemu qemu-system-i386 "$C/ivthook.img" > /dev/null 2>&1
"$HVT" diff old.db i386.db > arch.out 2> arch.err; rc=$?
if [ $rc = 2 ] && [ "$(grep -c . arch.err)" = 1 ] &&
   grep -q 'old.db was recorded on a x86_64 target, i386.db on a i386 target' arch.err; then
    hvt_ok badinput_12_diff_across_architectures
else
    hvt_fail badinput_12_diff_across_architectures "exit $rc: $(cat arch.err)"
fi

# Row 13: a run file whose insn table was emptied.
cp old.db damaged.db; sqlite3 damaged.db 'DELETE FROM insn'
for cmd in "diff damaged.db old.db" "show damaged.db --count 5"; do
    "$HVT" $cmd > dmg.out 2> dmg.err; rc=$?
    if [ $rc = 2 ] && [ "$(grep -c . dmg.err)" = 1 ] && grep -q 'damaged.db: chunk at step 0: step 0 at pc 0x.* has no row in table insn: the run file is damaged' dmg.err; then
        hvt_ok "badinput_13_damaged_file_${cmd%% *}"
    else
        hvt_fail "badinput_13_damaged_file_${cmd%% *}" "exit $rc: $(cat dmg.err)"
    fi
done

# Row 14: a file name with byte 0xff, diff --json: still valid JSON.
cp old.db "$(printf 'bad\xffname.db')"
"$HVT" diff --json "$(printf 'bad\xffname.db')" old.db > ff.json 2> ff.err
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); assert "\\xff" in d["runs"][0]["name"]' ff.json 2> ff.py; then
    hvt_ok badinput_14_json_valid_utf8
else
    hvt_fail badinput_14_json_valid_utf8 "$(tail -1 ff.py) $(cat ff.err)"
fi
