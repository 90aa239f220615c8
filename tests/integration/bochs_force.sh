#!/usr/bin/env bash
# bochs_force: `record --emulator bochs --force` over an existing run follows
# the pending-file convention of the QEMU engines (README, "--force writes the
# new run beside the old one"): the new run is OUT.hvtrace-new-PID until it is
# finished.  A Bochs recording is started over an existing run and, once it
# is recording (its run row says 'recording', its start snapshot is taken),
# interrupted (SIGINT) or killed
# (SIGKILL).  Truths: the old run's bytes (sha256 before and after), SQLite's
# own integrity_check, `hvtrace info` reading it, and the directory: no
# OUT.hvtrace-new-*, journal or private directory left once the next hvtrace
# command ran.
. "$(dirname "$0")/../lib.sh"
hvt_need bochs qemu-system-x86_64 sqlite3
[ -f /usr/share/bochs/BIOS-bochs-latest ] || { hvt_skip bochs_force "needs bochsbios"; exit 0; }
HVT=$HVT_BUILD/hvtrace
hvt_private_tmpdir
cd "$t"
img=$(hvt_guest_img pmode)

"$HVT" record --from 0000:7c00 --steps 50 -o old.db "$(hvt_guest_img hello)" > old.out 2>&1
sum=$(sha256sum < old.db)

# recording RUN...: is one of the files a run being recorded now (status
# 'recording', its start snapshot taken)?
recording() {
    local f
    for f in "$@"; do
        [ -e "$f" ] && [ "$(sqlite3 "$f" "SELECT status || count(s.id) FROM run, snapshot s" 2> /dev/null)" = recording1 ] && return 0
    done
    return 1
}

for sig in INT KILL; do
    "$HVT" record --emulator bochs --force --from 0000:7c00 --steps 100000 --timeout 300 \
        -o old.db "$img" > "b$sig.out" 2>&1 &
    rec=$!
    began=
    for _ in $(seq 600); do
        recording old.db old.db.hvtrace-new-* && { began=1; break; }
        kill -0 "$rec" 2> /dev/null || break
        sleep 0.2
    done
    kill -"$sig" "$rec" 2> /dev/null
    { wait "$rec"; } 2> /dev/null; rc=$?
    "$HVT" info old.db > "info$sig.out" 2>&1; irc=$?       # the next hvtrace command
    left=$(ls -a | grep -E '^old\.db.+' | tr '\n' ' ')
    left="$left$(ls "$TMPDIR" | grep '^hvtrace-' | tr '\n' ' ')"
    why=
    [ -n "$began" ] || why="$why the recording never began ($(tail -1 "b$sig.out"));"
    [ "$(sha256sum < old.db)" = "$sum" ] || why="$why old.db changed ($(grep '^status' "info$sig.out"));"
    [ "$(sqlite3 old.db 'PRAGMA integrity_check' 2>&1)" = ok ] && [ "$irc" = 0 ] || why="$why old.db does not read back;"
    [ -z "$left" ] || why="$why left behind: $left;"
    if [ "$sig" = INT ]; then
        [ "$rc" = 2 ] && grep -qx 'hvtrace record: interrupted by signal 2: the new run was discarded, old.db left as it was' "b$sig.out" ||
            why="$why exit $rc, '$(tail -1 "b$sig.out")';"
    fi
    [ -z "$why" ] && hvt_ok "bochs_force_sig${sig,,}_keeps_old_run" || hvt_fail "bochs_force_sig${sig,,}_keeps_old_run" "$why"
done
