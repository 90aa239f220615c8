#!/usr/bin/env bash
# --attach against a hostile or broken gdbstub (tests/integration/fakestub.py,
# the handed fake stub: close, garbage, silent, hugeframe, badsum, endless,
# xmlbomb, badxml, xinclude-loop, badg, shortg, badmem, exit, weirdstop).  Each
# must end within bounded time and memory with exit 2 and one stderr line
# naming the problem, and leave no run file (no step was recorded) - except
# `exit`, where the stub ends the session after a step: a run saying so.
# A SIGTERM while the stub stalls us is honoured at once.
. "$(dirname "$0")/../lib.sh"
hvt_need python3 sqlite3
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
export TMPDIR=$t
cd "$HVT_ROOT"                  # the stub reads tests/unit/data/qemu72-x86_64/
port=$((20000 + RANDOM % 20000))
MAX_KB=200000                   # 240 MB were seen with no limit (issue 13 row 7)

# start_stub MODE: the stub on 127.0.0.1:$port, pid in $stub.
start_stub() {
    port=$((port + 1))
    python3 tests/integration/fakestub.py "$port" "$1" 2> "$t/stub-$1.err" &
    stub=$!
    hvt_at_exit "kill $stub 2>/dev/null"
    for _ in $(seq 50); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close()" "$port" 2>/dev/null && break
        sleep 0.1
    done
}

# expect MODE REGEX: exit 2, one line matching REGEX, no run file, bounded.
expect() {
    local mode=$1 want=$2 rc
    start_stub "$mode"
    /usr/bin/time -f "%M" -o "$t/$mode.kb" timeout 60 "$HVT" record --attach "127.0.0.1:$port" \
        --steps 20 -o "$t/$mode.db" > "$t/$mode.out" 2> "$t/$mode.err"
    rc=$?
    kill "$stub" 2>/dev/null; wait "$stub" 2>/dev/null
    local kb lines
    kb=$(tail -1 "$t/$mode.kb"); lines=$(grep -c . "$t/$mode.err")
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -Eq "^hvtrace record: $want" "$t/$mode.err" &&
       [ ! -e "$t/$mode.db" ] && [ "${kb:-0}" -lt $MAX_KB ]; then
        hvt_ok "fakestub_$mode"
    else
        hvt_fail "fakestub_$mode" "exit $rc, $lines lines, ${kb} KB, file $([ -e "$t/$mode.db" ] && echo left || echo none): $(head -c 300 "$t/$mode.err")"
    fi
}

expect close         'gdbstub.*(closed|reset)'
expect garbage       'gdbstub: .*corrupted'
expect silent        'gdbstub: no (ack|reply)'
expect hugeframe     'gdbstub: '
expect badsum        'gdbstub: '
expect endless       'qXfer:features:read:target.xml: the stub sent more than'
expect xmlbomb       'target.xml.*(amplification|entit)'
expect badxml        'target.xml: register eax: bad bitsize'
expect xinclude-loop 'target.xml: includes nested deeper'
expect badg          'g reply: 27 hex digits'
expect shortg        'g reply: 40 hex digits'
expect badmem        'gdbstub: m 0x0,[0-9]+: GGGG'
expect weirdstop     'gdbstub: expected a stop reply'

# exit: the stub answers the first step with W00 (process exited).
start_stub exit
"$HVT" record --attach "127.0.0.1:$port" --steps 20 -o "$t/exit.db" > "$t/exit.out" 2>&1; rc=$?
kill "$stub" 2>/dev/null; wait "$stub" 2>/dev/null
if [ "$rc" = 0 ] && "$HVT" info "$t/exit.db" | grep -q '^status *incomplete: the gdbstub ended the session'; then
    hvt_ok fakestub_exit
else
    hvt_fail fakestub_exit "exit $rc: $(tail -1 "$t/exit.out")"
fi

# SIGTERM while the stub says nothing: ends within a second or two, one line.
start_stub silent
"$HVT" record --attach "127.0.0.1:$port" --steps 20 -o "$t/term.db" > /dev/null 2> "$t/term.err" &
rec=$!
sleep 1
start=$(date +%s)
kill -TERM "$rec"; wait "$rec"; rc=$?
took=$(( $(date +%s) - start ))
kill "$stub" 2>/dev/null; wait "$stub" 2>/dev/null
if [ "$rc" = 2 ] && [ "$took" -le 3 ] && [ ! -e "$t/term.db" ] &&
   grep -q '^hvtrace record: interrupted by signal 15 before the recording began' "$t/term.err"; then
    hvt_ok fakestub_sigterm_honoured
else
    hvt_fail fakestub_sigterm_honoured "exit $rc after ${took}s: $(cat "$t/term.err")"
fi
