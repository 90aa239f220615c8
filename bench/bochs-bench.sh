#!/usr/bin/env bash
# Bochs rows of make bench: `hvtrace record --emulator bochs` with and without
# trace-mem, against Bochs running free.  Not a test: prints a table.
#   recording: the pmode guest from 0000:7c00, BENCH_BOCHS_STEPS steps
#              (default 10000): steps/s of the step loop as hvtrace reports it,
#              bytes/step of what the steps and accesses occupy in the run file
#              (SQLite's dbstat: tables chunk, insn, mem and its index)
#   free:      Bochs from reset to the boot sector (lb 0x7c00; c) with its
#              debugger idle: ticks (instructions) per second of wall time,
#              Bochs' start-up (measured alone) subtracted
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/bench_lib.sh"
bench_init "${1:-build}"
N=${BENCH_BOCHS_STEPS:-10000}
command -v bochs > /dev/null || { echo "bochs rows skipped: no bochs"; exit 0; }
now() { date +%s.%N; }

rec() {   # NAME ARGS...: "steps/s bytes/step accesses/step"
    local db=$tmp/$1.db; shift
    "$B/hvtrace" record --emulator bochs --from 0000:7c00 --steps "$N" "$@" -o "$db" "$B/guests/pmode.img" > "$tmp/out" 2>&1
    local rate bytes steps acc
    rate=$(sed -n 's/.* (\([0-9]*\) steps\/s).*/\1/p' "$tmp/out")
    steps=$(sqlite3 "$db" 'SELECT steps FROM run_info')
    bytes=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name IN ('chunk', 'insn', 'mem', 'mem_store')")
    acc=$(sqlite3 "$db" 'SELECT count(*) FROM mem')
    awk -v r="$rate" -v b="$bytes" -v s="$steps" -v a="$acc" 'BEGIN { printf "%s %.1f %.2f", r, b / s, a / s }'
}
read -r mem_rate mem_bytes mem_acc <<< "$(rec mem)"
read -r nomem_rate nomem_bytes _ <<< "$(rec nomem --no-mem-trace)"

# Bochs alone: start-up, then start-up + reset -> 0x7c00.
mkdir -p "$tmp/free"
cp "$B/guests/pmode.img" "$tmp/free/disk.img"; truncate -s $((16 * 63 * 512)) "$tmp/free/disk.img"
sed -e "s|@CPU@|corei7_haswell_4770, ips=1000000|" -e "s|@DISK@|$tmp/free/disk.img|" -e "s|@CDROM@||" \
    -e "s|@BOOT@|disk|" -e "s|@SERIAL@|$tmp/free/serial.txt|" -e "s|@LOG@|$tmp/free/bochs.log|" \
    "$root/tests/bochs/bochsrc.in" > "$tmp/free/bochsrc"
t0=$(now); printf 'quit\n' | bochs -q -f "$tmp/free/bochsrc" -unlock > /dev/null 2>&1; t1=$(now)
printf 'lb 0x7c00\nc\nquit\n' | bochs -q -f "$tmp/free/bochsrc" -unlock > "$tmp/free/out" 2>&1; t2=$(now)
ticks=$(sed -n 's/^Next at t=\([1-9][0-9]*\)$/\1/p' "$tmp/free/out" | tail -1)
free_rate=$(awk -v n="${ticks:-0}" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { d = (c - b) - (b - a); printf "%.0f", (d > 0 ? n / d : 0) }')

printf '\nBochs (%s, %s cpus, load %s): VMX guests, through its debugger\n' "$(bochs --help 2>&1 | grep -o 'Bochs x86 Emulator [0-9.]*' | head -1)" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
printf '%-44s %12s %12s %14s\n' "what" "steps/s" "bytes/step" "accesses/step"
printf '%-44s %12s %12s %14s\n' "hvtrace --emulator bochs (trace-mem on)" "$mem_rate" "$mem_bytes" "$mem_acc"
printf '%-44s %12s %12s %14s\n' "hvtrace --emulator bochs --no-mem-trace" "$nomem_rate" "$nomem_bytes" "-"
printf '%-44s %12s %12s %14s\n' "Bochs running free (reset -> 0x7c00)" "$free_rate" "-" "-"
printf 'recording / free: 1 : %s (trace-mem on)\n' "$(awk -v a="$mem_rate" -v b="$free_rate" 'BEGIN { if (a > 0) printf "%.0f", (b / a) }')"
