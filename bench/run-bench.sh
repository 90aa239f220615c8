#!/usr/bin/env bash
# make bench: recording speed, measured in one run on one guest so the ratios
# mean something.  Not a test: it prints a table and never fails on a number.
#
#   GDB 13 scripted `si` + $pc/$cs + 16 bytes   the seed's way
#   minimal RSP client (`s` + `g`)              the gdbstub's limit
#   hvtrace --engine rsp                        ours, through the gdbstub
#   hvtrace --engine log                        ours, from QEMU's own log
#   QEMU -singlestep -d cpu,nochain, no storage the emulator's limit
#   QEMU with the log engine's -d items, -icount the same, as the engine asks
# plus the wall time of a whole boot (reset -> 0000:7c00, ~6.8M steps) recorded
# by the log engine, and the diff of two such ~6M-step traces and of a 35M
# against a 67M-step pair (bench/diff_bench.c), and `hvtrace diff` on a real
# pair when BENCH_DIFF_REAL="A.db B.db" names one.
#
# Every row steps SeaBIOS from reset on the hello guest (same code, same state).
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/bench_lib.sh"
bench_init "${1:-build}"
N=${BENCH_STEPS:-20000}
NGDB=${BENCH_GDB_STEPS:-3000}
IMG=$B/guests/hello.img
QEMU=${BENCH_QEMU:-qemu-system-x86_64}
QARGS=(-display none -no-reboot -net none -m 32 -cpu qemu64,+svm,+npt
       -drive "file=$IMG,format=raw,snapshot=on" -device isa-debug-exit,iobase=0xf4,iosize=0x04)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/rsp_minimal" "$root/bench/rsp_minimal.c" || exit 2

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }

start_stub() {   # QEMU stopped at reset with its gdbstub on $tmp/g.sock; $@: more args
    rm -f "$tmp/g.sock"
    "$QEMU" "${QARGS[@]}" "$@" -S -gdb "unix:$tmp/g.sock,server=on,wait=off" 2>/dev/null &
    stub=$!
    while [ ! -S "$tmp/g.sock" ]; do sleep 0.05; done
}
stop_stub() { kill "$stub" 2>/dev/null; wait "$stub" 2>/dev/null; }

# GDB: the seed's loop, scripted.
start_stub
cat > "$tmp/gdb.cmds" <<GDB
set pagination off
set confirm off
target remote $tmp/g.sock
set \$i = 0
while \$i < $NGDB
  si
  p/x \$pc
  p/x \$cs
  x/16xb \$cs * 16 + \$pc
  set \$i = \$i + 1
end
GDB
t0=$(now); gdb -q -batch -nx -x "$tmp/gdb.cmds" > /dev/null 2>&1; t1=$(now)
stop_stub
gdb_rate=$(awk -v a="$t0" -v b="$t1" -v n="$NGDB" 'BEGIN { printf "%.0f", n / (b - a) }')

# Minimal RSP client and hvtrace's RSP engine, each on the same QEMU config:
# hvtrace's default (-icount and a fixed RTC, deterministic) and plain TCG.
DET=(-icount shift=5,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm)
minimal() {
    start_stub "$@"
    "$tmp/rsp_minimal" "$tmp/g.sock" "$N" 2>&1 | sed -n 's/.*: \([0-9]*\) steps\/s.*/\1/p'
    stop_stub
}
hvtrace_rsp() {   # prints the step-loop rate; leaves the run in $tmp/rsp.db
    rm -f "$tmp/rsp.db"
    "$B/hvtrace" record --engine rsp --steps "$N" "$@" -o "$tmp/rsp.db" "$IMG" 2>&1 |
        sed -n 's/.*(\([0-9]*\) steps\/s).*/\1/p'
}
min_det=$(minimal "${DET[@]}");  rsp_det=$(hvtrace_rsp)
min_rate=$(minimal);             rsp_rate=$(hvtrace_rsp --no-deterministic)
rsp_bytes=$(bench_bytes_per_step "$tmp/rsp.db" "$N")
rsp_file=$(stat -c %s "$tmp/rsp.db")

# hvtrace, log engine: a million steps, then a whole boot to the boot sector.
log_out=$("$B/hvtrace" record --steps 1000000 -o "$tmp/log.db" "$IMG" 2>&1)
log_rate=$(echo "$log_out" | sed -n 's/.*(\([0-9]*\) steps\/s).*/\1/p')
log_bytes=$(bench_bytes_per_step "$tmp/log.db" 1000000)
t0=$(now); "$B/hvtrace" record --until 0000:7c00 -o "$tmp/boot.db" "$IMG" > /dev/null 2>&1; t1=$(now)
boot_steps=$(sqlite3 "$tmp/boot.db" "SELECT steps FROM run_info")
boot_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
boot_file=$(stat -c %s "$tmp/boot.db")

# QEMU's own full-state log, counted and thrown away: 5 s of SeaBIOS.  Once
# bare (-d cpu), once as the log engine asks for it (its -d items, -icount and
# clock: record/engine_log.c, the engine's default flags), the fair counterpart.
qemu_log_rate() {   # ITEMS [QEMU ARGS...]: states/s
    rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
    grep -c '^EIP=\|^RIP=' < "$tmp/fifo" > "$tmp/count" &
    local counter=$!
    timeout 5 "$QEMU" "${QARGS[@]}" -singlestep -d "$1" "${@:2}" -D "$tmp/fifo" 2>/dev/null
    wait "$counter"
    echo $(( $(cat "$tmp/count") / 5 ))
}
qemu_rate=$(qemu_log_rate cpu,nochain)
qemu_same_rate=$(qemu_log_rate in_asm,cpu,int,cpu_reset,exec,nochain "${DET[@]}")

est() { awk -v n="$boot_steps" -v r="$1" 'BEGIN { if (r > 0) printf "%.0f min (est.)", n / r / 60 }'; }
printf '\nRecording speed, %s, %s, SeaBIOS from reset (hello guest)\n' "$(nproc) cpus" "$("$QEMU" --version | head -1)"
printf '%-40s %10s %8s %12s  %s\n' "engine" "steps/s" "x GDB" "bytes/step" "reset -> 0x7c00"
row() { printf '%-40s %10s %8s %12s  %s\n' "$1" "$2" "$(awk -v a="$2" -v g="$gdb_rate" 'BEGIN { printf "%.1f", a / g }')" "$3" "$4"; }
row "GDB 13 si + \$pc/\$cs + 16 bytes ($NGDB)" "$gdb_rate" "-" "$(est "$gdb_rate")"
row "minimal RSP client (s + g), -icount" "$min_det" "-" "$(est "$min_det")"
row "hvtrace --engine rsp (default flags)" "$rsp_det" "-" "$(est "$rsp_det")"
row "minimal RSP client (s + g)" "$min_rate" "-" "$(est "$min_rate")"
row "hvtrace --engine rsp --no-deterministic" "$rsp_rate" "$(printf '%.2f' "$rsp_bytes")" "$(est "$rsp_rate")"
row "hvtrace --engine log (default)" "$log_rate" "$(printf '%.2f' "$log_bytes")" "$boot_wall s, $boot_steps steps, file $(( boot_file / 1024 )) KiB"
row "QEMU -singlestep -d cpu (no storage)" "$qemu_rate" "~830 text" "$(est "$qemu_rate")"
row "QEMU, the log engine's -d items, -icount" "$qemu_same_rate" "~900 text" "$(est "$qemu_same_rate")"
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }
printf '\nrsp engine / minimal client: %s%% with -icount, %s%% without   (goal >= 90%%)\n' \
    "$(pct "$rsp_det" "$min_det")" "$(pct "$rsp_rate" "$min_rate")"
printf 'log engine: %sx GDB (goal >= 70x), %s%% of QEMU'"'"'s bare log (goal >= 70%%), %s bytes/step (goal <= 16)\n' \
    "$(awk -v a="$log_rate" -v g="$gdb_rate" 'BEGIN { printf "%.0f", a / g }')" "$(pct "$log_rate" "$qemu_rate")" \
    "$(printf '%.2f' "$log_bytes")"
printf 'log engine: %s%% of QEMU logging what the engine asks for (-d in_asm,cpu,int,cpu_reset,exec,nochain, -icount)\n' \
    "$(pct "$log_rate" "$qemu_same_rate")"

# Both engines on a guest that runs with interrupts on (irqs.S: 24 lines, IRQ0
# enabled), from 0000:7c00 to its final hlt after DONE: the RSP engine's whole
# cost with its events and descriptor-cache reads, against the log engine.
IRQS=$B/guests/cases/irqs.img
if [ -f "$IRQS" ]; then
    printf '\nirqs.S from 0000:7c00 to DONE (IF=1; default flags)\n'
    printf '%-24s %8s %10s %9s %8s  %s\n' engine steps steps/s "wall s" "IRQ0 in" "serial"
    for e in log rsp; do
        t0=$(now); "$B/hvtrace" record --engine $e --from 0000:7c00 --timeout 600 \
            -o "$tmp/irqs-$e.db" "$IRQS" > /dev/null 2>&1; t1=$(now)
        n=$(sqlite3 "$tmp/irqs-$e.db" "SELECT steps FROM run_info" 2>/dev/null)
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
        irq=$(sqlite3 "$tmp/irqs-$e.db" -cmd ".load $B/hvtrace-sqlite" \
              "SELECT count(*) FROM hvt_steps WHERE pc = 1048229" 2>/dev/null)   # f000:fea5
        lines=$(sqlite3 "$tmp/irqs-$e.db" "SELECT count(*) || ' lines, last: ' || (SELECT line FROM serial ORDER BY step DESC, id DESC LIMIT 1) FROM serial" 2>/dev/null)
        printf '%-24s %8s %10s %9s %8s  %s\n' "hvtrace --engine $e" "${n:-0}" "$(rate "${n:-0}" "$w")" "$w" "${irq:-?}" "$lines"
    done
fi

# Diff of two ~6M-step synthetic traces sharing a long prefix, then of a
# 34.9M against a 67.1M-step pair (about 0.5 GiB of memory, a minute of setup),
# then hvtrace diff's whole computation on the 6M pair written as run files
# (and on the big pair with BENCH_DIFF_RUNS_BIG=1).
if cc -O2 -I"$root" -o "$tmp/diff_bench" "$root/bench/diff_bench.c" "$B/libhvtrace.a" \
      -lsqlite3 -lexpat -lcapstone -lz -lm; then
    printf '\nDiff (bench/diff_bench.c, goal <= 5 s):\n'
    "$tmp/diff_bench"
    printf '\nDiff, 35M against 67M steps (diff_bench big, goal <= 60 s, <= 1 GiB peak):\n'
    "$tmp/diff_bench" big
    printf '\nhvtrace diff on run files of the ~6M pair (diff_bench runs):\n'
    "$tmp/diff_bench" runs
    if [ -n "${BENCH_DIFF_RUNS_BIG:-}" ]; then   # ~15 min, 0.7 GB in $TMPDIR
        printf '\nhvtrace diff on run files of the 35M/67M pair (diff_bench runs big):\n'
        "$tmp/diff_bench" runs big
    fi
fi

# hvtrace diff itself on a real pair you recorded (issue 10's 35M against 67M
# steps, e.g. grub.img's Linux entry from reset without and with hv, recorded
# with --steps 35000000 / 67000000), when BENCH_DIFF_REAL names the two
# run files: "A.db B.db".  Wall and CPU time, peak RSS and the load it ran at.
if [ -n "${BENCH_DIFF_REAL:-}" ]; then
    read -r real_a real_b <<< "$BENCH_DIFF_REAL"
    printf '\nhvtrace diff on a real pair (%s: %s against %s steps; goal <= 60 s, <= 1 GiB):\n' \
        "$BENCH_DIFF_REAL" "$(sqlite3 "$real_a" 'SELECT steps FROM run_info')" \
        "$(sqlite3 "$real_b" 'SELECT steps FROM run_info')"
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/real.time" "$B/hvtrace" diff "$real_a" "$real_b" \
        > "$tmp/real.txt" 2>&1
    rc=$?
    read -r wall user sys rss < <(tail -n 1 "$tmp/real.time")   # after "exited with 1"
    printf 'exit %s; %s s wall, %s s CPU, peak RSS %s MiB (load %s at the start, %s at the end)\n' \
        "$rc" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        "$(( rss / 1024 ))" "$load" "$(cut -d' ' -f1 /proc/loadavg)"
    grep -m1 -i 'verdict\|first meaningful\|no meaningful' "$tmp/real.txt"
fi
