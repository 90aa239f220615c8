#!/usr/bin/env bash
# Signals to the recorder (README, How a recording ends).  Ctrl-C during
# `record --force -o OLD` must leave OLD as it was (it is replaced only once the
# new run is finished), with one line and exit 2, and no unfinished file left.
# SIGHUP (a closed terminal) ends the recording like SIGINT/SIGTERM: the steps so
# far are kept, with an end snapshot and "incomplete: interrupted by signal 1".
# The truth for "as it was": the old file's sha256 before and after.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
C=$HVT_BUILD/guests/cases
hvt_private_tmpdir

# Wait (at most 10 s) until a file matching the glob $1 exists, then 1 s more:
# the recording has begun.
began() {
    local i
    for i in $(seq 1 100); do
        compgen -G "$1" > /dev/null && break
        sleep 0.1
    done
    sleep 1
}

# 1. Ctrl-C during --force keeps the old run.
old=$t/keep.db
"$HVT" record --steps 50 -o "$old" "$C/irqs.img" > /dev/null 2>&1
before=$(sha256sum < "$old")
"$HVT" record --force -o "$old" "$C/irqs.img" > "$t/out" 2> "$t/err" &
rec=$!
began "$old.hvtrace-new-*"
kill -INT $rec
wait $rec; rc=$?
why=
[ "$(sha256sum < "$old")" = "$before" ] || why="$why the old run changed (now: $("$HVT" info "$old" 2>&1 | grep '^status'));"
[ $rc = 2 ] || why="$why exit $rc;"
[ "$(wc -l < "$t/err")" = 1 ] && grep -q "interrupted by signal 2.*keep.db" "$t/err" || why="$why stderr '$(cat "$t/err")';"
left=$(ls "$TMPDIR"; ls "$t" | grep -E '^keep\.db.+')
[ -z "$left" ] || why="$why left: $(echo $left);"
[ -z "$why" ] && hvt_ok force_sigint_keeps_old_run || hvt_fail force_sigint_keeps_old_run "$why"

# 1b. The same the moment the new file appears, before its first step (a CI
# run: "interrupted by signal 2 before --from  was reached", no --from given):
# the line says the recording had not begun, or that it was discarded, and
# names the old run, left as it was.
"$HVT" record --force -o "$old" "$C/irqs.img" > "$t/out" 2> "$t/err" &
rec=$!
for i in $(seq 1 200); do compgen -G "$old.hvtrace-new-*" > /dev/null && break; sleep 0.05; done
kill -INT $rec
wait $rec; rc=$?
why=
[ "$(sha256sum < "$old")" = "$before" ] || why="$why the old run changed;"
[ $rc = 2 ] || why="$why exit $rc;"
[ "$(wc -l < "$t/err")" = 1 ] && grep -Eq "^hvtrace record: interrupted by signal 2(: the new run was discarded,| before the recording began:) .*keep\.db left as it was\$" "$t/err" ||
    why="$why stderr '$(cat "$t/err")';"
left=$(ls "$TMPDIR"; ls "$t" | grep -E '^keep\.db.+')
[ -z "$left" ] || why="$why left: $(echo $left);"
[ -z "$why" ] && hvt_ok force_sigint_early_names_old_run || hvt_fail force_sigint_early_names_old_run "$why"

# 2. SIGHUP ends the recording cleanly.
run=$t/hup.db
"$HVT" record -o "$run" "$C/irqs.img" > "$t/out" 2> "$t/err" &
rec=$!
began "$run"
kill -HUP $rec
wait $rec; rc=$?
"$HVT" info "$run" > "$t/info" 2>&1
status=$(sed -n 's/^status *//p' "$t/info")
why=
[ $rc = 0 ] || why="$why exit $rc;"
[ "$status" = "incomplete: interrupted by signal 1" ] || why="$why status '$status';"
grep -Eq '^ +#[0-9]+ +step [0-9]+ +end ' "$t/info" || why="$why no end snapshot;"
[ -z "$why" ] && hvt_ok sighup_ends_recording || hvt_fail sighup_ends_recording "$why"

# 3. SIGTERM to QEMU under the RSP engine: QEMU's gdbstub sends W00 as it
# exits, sometimes where the ack of our `s` belongs.  The run ends as QEMU's
# own exit status says (killed by signal 15) with an end snapshot, every time.
for i in 1 2 3 4; do
    run=$t/term$i.db
    "$HVT" record --engine rsp --from 0000:7c00 -o "$run" "$C/serflood.img" > "$t/out" 2> "$t/err" &
    rec=$!
    began "$run"
    kill -TERM $(pgrep -P $rec qemu-system) 2>/dev/null
    wait $rec; rc=$?
    status=$("$HVT" info "$run" 2>&1 | sed -n 's/^status *//p')
    why=
    [ $rc = 0 ] || why="$why exit $rc: $(cat "$t/err");"
    [ "$status" = "incomplete: QEMU killed by signal 15" ] || why="$why status '$status';"
    "$HVT" info "$run" 2>&1 | grep -Eq '^ +#[0-9]+ +step [0-9]+ +end ' || why="$why no end snapshot;"
    [ -z "$why" ] && hvt_ok "rsp_qemu_sigterm_$i" || hvt_fail "rsp_qemu_sigterm_$i" "$why"
done
