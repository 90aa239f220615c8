#!/usr/bin/env bash
# kill -9 at random moments, of hvtrace or of its QEMU, in both engines (issue
# 13 row 1, 18).  After each: the run file is absent (the recording had not
# begun) or valid (SQLite integrity_check ok) with an honest status ("recorder
# was killed" / "QEMU killed by signal 9"); no QEMU outlives its recorder; no
# private directory or unfinished file is left once any hvtrace command ran.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
C=$HVT_BUILD/guests/cases
hvt_private_tmpdir
ROUNDS=${HVT_KILL_ROUNDS:-8}

for i in $(seq 1 "$ROUNDS"); do
    engine=$([ $((i % 2)) = 0 ] && echo rsp || echo log)
    victim=$([ $((i % 4)) -lt 2 ] && echo hvtrace || echo qemu)
    ms=$((100 + RANDOM % 2900))         # 0.1-3 s: start, free run, recording
    run=$t/k$i.db
    "$HVT" record --engine $engine -o "$run" "$C/irqs.img" > "$t/k$i.out" 2> "$t/k$i.err" &
    rec=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    qpid=$(pgrep -P $rec qemu-system)
    if [ $victim = hvtrace ]; then kill -9 $rec; else kill -9 $qpid 2>/dev/null; fi
    wait $rec 2>/dev/null; rc=$?
    sleep 0.5
    what="round $i ($engine, kill -9 $victim after ${ms} ms)"
    why=
    # QEMU dies with its recorder (PR_SET_PDEATHSIG).
    # (A zombie waiting for init to reap it has ended: state Z.)
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null &&
       [ "$(ps -o stat= -p "$qpid" | cut -c1)" != Z ]; then
        why="$why QEMU $qpid still runs;"
    fi
    "$HVT" info "$run" > "$t/k$i.info" 2>&1    # any hvtrace command clears stale leftovers
    status=$(sed -n 's/^status *//p' "$t/k$i.info")
    if [ -e "$run" ]; then
        [ "$(sqlite3 "$run" 'PRAGMA integrity_check' 2>&1)" = ok ] || why="$why integrity_check failed;"
        if [ $victim = hvtrace ]; then
            [ "$status" = "recording: recorder was killed" ] || why="$why status '$status';"
        else
            [ "$status" = "incomplete: QEMU killed by signal 9" ] && [ $rc = 0 ] || why="$why exit $rc, status '$status';"
        fi
    elif [ $victim = qemu ]; then
        grep -qx 'hvtrace record: QEMU killed by signal 9 before the recording began' "$t/k$i.err" && [ $rc = 2 ] ||
            why="$why exit $rc, no file, stderr '$(cat "$t/k$i.err")';"
    fi
    left=$(ls "$TMPDIR"; ls "$t" | grep -E "^k$i\.db.+")
    [ -z "$left" ] || why="$why left: $(echo $left);"
    if [ -z "$why" ]; then
        hvt_ok "kill_round_$i"
    else
        hvt_fail "kill_round_$i" "$what:$why"
    fi
    echo "    $what: $([ -e "$run" ] && echo "file, $status" || echo 'no file')"
done

# A journal SQLite would not call hot (created, header not yet written: its
# first byte 0, or empty) next to the run of a recorder killed with -9: SQLite
# ignores it and never deletes it (pager.c, hasHotJournal), so the next
# hvtrace command does, as it removes the recorder's private directory.  Made
# here as the kill leaves it, deterministically: a dead PID's private
# directory whose `run` names a finished run with such a journal; a journal
# whose first byte is not 0 (hot: SQLite's to roll back) stays; the
# temporary file rundb_create makes (RUN.tmpPID, a kill while it creates the
# run) goes.
"$HVT" record --steps 5 -o "$t/cold.db" "$C/irqs.img" > /dev/null 2>&1   # before: it cleans up too
dead=$(sh -c 'echo $$')
for kind in empty zeroed hot; do
    d=$TMPDIR/hvtrace-$dead-cold$kind
    mkdir -p "$d"
    cp "$t/cold.db" "$t/cold-$kind.db"
    printf '%s' "$t/cold-$kind.db" > "$d/run"
    case $kind in
        empty) : > "$t/cold-$kind.db-journal" ;;
        zeroed) head -c 512 /dev/zero > "$t/cold-$kind.db-journal" ;;
        hot) printf '\331\325\005\371\040\241\143\327' > "$t/cold-$kind.db-journal" ;;
    esac
    # rundb_create's own temporary file, as a kill while it creates the run leaves it.
    cp "$t/cold.db" "$t/cold-$kind.db.tmp$dead"; : > "$t/cold-$kind.db.tmp$dead-journal"
done
"$HVT" info "$t/cold-empty.db" > /dev/null 2>&1
why=
for kind in empty zeroed; do
    [ ! -e "$t/cold-$kind.db-journal" ] || why="$why the $kind journal is still there;"
    [ "$(sqlite3 "$t/cold-$kind.db" 'PRAGMA integrity_check' 2>&1)" = ok ] || why="$why cold-$kind.db does not read back;"
done
[ -e "$t/cold-hot.db-journal" ] || why="$why the hot journal was deleted;"
left=$(ls "$t" | grep "\.tmp$dead")
[ -z "$left" ] || why="$why left: $left;"
left=$(ls "$TMPDIR" | grep "^hvtrace-$dead-")
[ -z "$left" ] || why="$why left: $left;"
[ -z "$why" ] && hvt_ok kill_stale_leftovers_removed || hvt_fail kill_stale_leftovers_removed "$why"
