# tests/lib.sh: shell helpers sourced by tests/integration/*.sh.
#
# What it does: prints the result lines tests/run-tests.sh counts; gives each test a
# private temp dir that is removed on exit together with any QEMU it started; boots
# the test guests (build/guests/NAME.img) in plain QEMU, optionally with QEMU's own
# per-instruction log, and turns that log into a list of executed linear PCs: the
# independent truth that recording tests compare hvtrace against.
# What it does not: build anything (run `make` first) or judge guest output.
# Invariant: every QEMU started here runs under `timeout`, its pid is recorded, and
# the EXIT trap kills it: a failing or interrupted test never leaves QEMU behind.
# Do not replace the EXIT trap in a test; add cleanup with hvt_at_exit instead.
#
# QEMU facts used (7.2, TCG):
# - `-singlestep` makes every translation block one instruction; `-d exec,nochain`
#   then logs one "Trace N: HOST [CSBASE/PC/HFLAGS/CFLAGS] SYM" line per instruction
#   about to run, PC being linear (CS base + EIP).  `rep` prefixed instructions log
#   once per iteration.  When QEMU must leave the CPU loop before the block runs
#   (interrupt or I/O event pending) it logs "Stopped execution of TB chain before
#   HOST [PC]" right after that block's Trace line: that instruction did not run
#   and is traced again later.  HFLAGS bit 19 (0x80000) is HF_SMM_MASK.
# - A real-mode `int` has no line of its own (`-d int` describes software
#   interrupts and exceptions only in protected mode): the next Trace is the
#   handler.  Hardware interrupts add "Servicing hardware INT=0xNN" under `-d int`
#   only.  SMM entry (after `out 0xb2`) adds "SMM: enter" and RSM "SMM: after RSM"
#   (each with a register dump) under `-d int`; otherwise the next Trace simply
#   shows SMBASE+0x8000 (0xa8000 under SeaBIOS) with HFLAGS bit 19 set.
# - The log can be switched on at run time with the monitor command `log ITEMS`:
#   hvt_qemu_trace stops at a hardware breakpoint through a unix-socket gdbstub
#   and enables the log there, so SeaBIOS's ~6.1 M boot instructions (~400 MB of
#   exec log, ~14 s) are not logged.

: "${HVT_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${HVT_BUILD:=$HVT_ROOT/build}"
: "${HVT_QEMU:=qemu-system-i386}"
: "${HVT_QEMU_TIMEOUT:=30}"         # seconds of wall time allowed to one QEMU run
HVT_GUEST_EXIT_OK=65                # isa-debug-exit status of guests' GUEST_DONE
# Arguments every test boot shares: no display, no NIC (no iPXE option ROM in the
# boot), the exit device the guests write to, 32 MiB.
HVT_QEMU_ARGS=(-display none -no-reboot -net none -m 32
               -device isa-debug-exit,iobase=0xf4,iosize=0x04)
HVT_TEST=$(basename "$0" .sh)
HVT_TMPBASE=$(mktemp -d "${TMPDIR:-/tmp}/hvt-$HVT_TEST.XXXXXX")
hvt__exit_cmds=()

hvt_ok()   { echo "ok $1"; }
hvt_fail() { echo "FAIL $1: $2"; }
hvt_skip() { echo "skip $1: $2"; }

hvt_at_exit() { hvt__exit_cmds+=("$*"); }

hvt__cleanup() {
    local c p
    for c in "${hvt__exit_cmds[@]}"; do eval "$c"; done
    if [ -f "$HVT_TMPBASE/pids" ]; then
        while read -r p; do kill "$p" 2>/dev/null; done < "$HVT_TMPBASE/pids"
    fi
    rm -rf "$HVT_TMPBASE"
}
trap hvt__cleanup EXIT
trap 'exit 143' TERM INT HUP

# hvt_need CMD...: skip the whole test file (one skip line, exit 0) if a tool is missing.
hvt_need() {
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null 2>&1 && continue
        hvt_skip "$HVT_TEST" "needs $c, not installed"
        exit 0
    done
}

# hvt_tmpdir: print the path of a new empty directory removed when the test exits.
hvt_tmpdir() { mktemp -d "$HVT_TMPBASE/t.XXXXXX"; }
# hvt_private_tmpdir: sets t to a new test directory whose tmp/ is TMPDIR, so a
# test can see what hvtrace leaves in it (private directories, unfinished files).
hvt_private_tmpdir() { t=$(hvt_tmpdir); export TMPDIR=$t/tmp; mkdir -p "$TMPDIR"; }

# hvt_serial_lines FILE: a guest's COM1 bytes (plain QEMU's -serial file:) cut
# into the run file's lines by the README's rule: LF ends a line, a CR right
# before or after it belongs to the end, every other byte (CR, NUL) to the line.
hvt_serial_lines() { perl -0777 -pe 's/\r?\n\r?/\n/g' "$1"; }

# hvt_guest_img GUEST: path of a built guest image; fails (message on stderr) if absent.
hvt_guest_img() {
    local img=$HVT_BUILD/guests/$1.img
    [ -f "$img" ] || { echo "no $img: run make" >&2; return 2; }
    echo "$img"
}

# hvt__spawn OUTDIR CMD...: run CMD in the background under `timeout`, record its
# pid for the EXIT trap, and leave it in $hvt__pid.
hvt__spawn() {
    local out=$1; shift
    timeout "$HVT_QEMU_TIMEOUT" "$@" >> "$out/qemu.out" 2>&1 &
    hvt__pid=$!
    echo "$hvt__pid" >> "$HVT_TMPBASE/pids"
}

# hvt__wait OUTDIR: wait for $hvt__pid, store its status in OUTDIR/status; return 0
# if the guest ended through GUEST_DONE, else the status (124 = timed out).
hvt__wait() {
    local rc=0
    wait "$hvt__pid" || rc=$?
    echo "$rc" > "$1/status"
    [ "$rc" = "$HVT_GUEST_EXIT_OK" ] && return 0
    [ "$rc" = 0 ] && return 1     # QEMU's own exit, e.g. -no-reboot after a triple fault
    return "$rc"
}

# hvt_qemu_run GUEST OUTDIR [QEMU ARGS...]: boot build/guests/GUEST.img in plain QEMU.
# Serial output goes to OUTDIR/serial.txt, QEMU's stderr to OUTDIR/qemu.out, its exit
# status to OUTDIR/status.  Returns 0 iff the guest reached GUEST_DONE.
hvt_qemu_run() {
    local guest=$1 out=$2 img; shift 2
    img=$(hvt_guest_img "$guest") || return 2
    mkdir -p "$out"
    hvt__spawn "$out" "$HVT_QEMU" "${HVT_QEMU_ARGS[@]}" \
        -serial "file:$out/serial.txt" \
        -drive "file=$img,format=raw,if=ide,snapshot=on" "$@"
    hvt__wait "$out"
}

# hvt_qemu_trace GUEST OUTDIR [QEMU ARGS...]: like hvt_qemu_run, with QEMU's own
# per-instruction log in OUTDIR/qemu.log.  Environment:
#   HVT_TRACE_ITEMS  -d items (default exec,nochain; exec,cpu,nochain adds a full
#                    register dump per instruction, ~830 bytes each; add int to
#                    see SMM entry/exit; keep exec, hvt_qemu_eips_from needs it)
#   HVT_TRACE_FROM   linear address where logging starts (default 0x7c00), or
#                    "reset" to log from the first instruction (hundreds of MB)
#   HVT_TRACE_LATE   1: run normally (translation blocks of many instructions) up to
#                    HVT_TRACE_FROM and switch to one instruction per block there
#                    (monitor `singlestep on`), as hvtrace's log engine does; under
#                    -icount the timer then fires where it does in a free run
#   HVT_TRACE_UNTIL  linear address (e.g. a guest's final hlt) where QEMU is
#                    stopped and killed before that instruction runs: the log
#                    ends with the instruction before it and the return status
#                    is 0 if it was reached (QEMU's gdbstub exits on `kill`)
#   HVT_TRACE_NODISK 1: no -drive of GUEST's image (the arguments bring the disk,
#                    e.g. through blkreplay for a record/replay log)
# Logging from an address uses gdb on a unix socket: hbreak, `monitor log`, continue.
hvt_qemu_trace() {
    local guest=$1 out=$2 img; shift 2
    local items=${HVT_TRACE_ITEMS:-exec,nochain} from=${HVT_TRACE_FROM:-0x7c00}
    img=$(hvt_guest_img "$guest") || return 2
    mkdir -p "$out"
    local qargs=("${HVT_QEMU_ARGS[@]}" -serial "file:$out/serial.txt" -D "$out/qemu.log" "$@")
    [ "${HVT_TRACE_NODISK:-}" = 1 ] || qargs+=(-drive "file=$img,format=raw,if=ide,snapshot=on")
    local late=()
    if [ "${HVT_TRACE_LATE:-}" = 1 ] && [ "$from" != reset ]; then late=(-ex "monitor singlestep on")
    else qargs+=(-singlestep); fi
    if [ "$from" = reset ]; then
        hvt__spawn "$out" "$HVT_QEMU" "${qargs[@]}" -d "$items"
        hvt__wait "$out"
        return
    fi
    hvt__spawn "$out" "$HVT_QEMU" "${qargs[@]}" -S \
        -gdb "unix:$out/gdb.sock,server=on,wait=off"
    local qpid=$hvt__pid n=0
    while [ ! -S "$out/gdb.sock" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    local until=(-ex continue)
    [ -n "${HVT_TRACE_UNTIL:-}" ] &&
        until=(-ex delete -ex "hbreak *$HVT_TRACE_UNTIL" -ex continue -ex 'printf "hvt-until %x\n", $pc' -ex kill)
    hvt__spawn "$out" gdb -q -batch -nx -ex "target remote $out/gdb.sock" \
        -ex "hbreak *$from" -ex continue "${late[@]}" -ex "monitor log $items" "${until[@]}"
    wait "$hvt__pid"
    hvt__pid=$qpid
    hvt__wait "$out"
    local rc=$?
    [ -n "${HVT_TRACE_UNTIL:-}" ] && grep -qi "^hvt-until ${HVT_TRACE_UNTIL#0x}\$" "$out/qemu.out" && return 0
    return $rc
}

# hvt_qemu_eips_from LOG ADDR: print the linear PC of every executed instruction in
# a QEMU -singlestep log with exec lines, starting at the first execution of ADDR,
# one per line as 0x%x (lowercase).  Blocks traced but stopped (see above) are
# dropped.  Fails if the log has no exec lines: cpu dumps alone cannot tell a
# stopped block from an instruction that really ran twice (QEMU logs the "Stopped"
# line only under -d exec).
hvt_qemu_eips_from() {
    local want
    want=$(echo "${2#0x}" | tr 'A-F' 'a-f' | sed 's/^0*//')
    awk -v want="$want" '
        function emit(pc) { sub(/^0+/, "", pc); if (pc == "") pc = "0"
                            if (!started && pc == want) started = 1
                            if (started) print "0x" pc }
        /^Trace / { if (pend != "") emit(pend)
                    split($0, f, /[][\/]/); pend = tolower(f[3]); n++; next }
        /^Stopped execution of TB chain/ { pend = ""; next }
        END { if (pend != "") emit(pend)
              if (!n) { print "hvt_qemu_eips_from: no exec lines in " FILENAME > "/dev/stderr"
                        exit 2 } }
    ' "$1"
}
