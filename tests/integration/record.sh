#!/usr/bin/env bash
# hvtrace record (RSP engine) against independent truth: QEMU's own exec log for
# the instruction sequence, the guest's serial output from a plain QEMU boot, the
# boot sector file for the snapshot, the guest's documented instruction count,
# and SQLite's integrity check after a kill -9.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 qemu-system-i386 sqlite3 gdb
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)

# With --no-deterministic the PIT's IRQ0 comes on host time: a recording (slower
# than QEMU's own run) can take one where the reference run took none, or the
# other way round (seen: a 410-step IRQ0 handler at f000:fea5 in the run only).
# hello.S's own 820 instructions are all at 0x7c00-0x7dff, so both sequences
# are compared on the guest's code, where every instruction must appear, in order.
guest_code() { grep -E '^0x7[cd][0-9a-f]{2}$'; }

# Linear PC of every recorded step (column 3 of `hvtrace show`).
run_pcs() { "$HVT" show "$1" --count 0 | awk '/^ *[0-9]+  /{ sub(/:$/, "", $3); sub(/^0+/, "", $3); print "0x" ($3 == "" ? "0" : $3) }'; }

check_against_qemu_log() {   # $1 qemu binary, $2 test name, $3 engine
    local q=$1 name=$2 run=$t/$2.db
    if ! "$HVT" record --engine "$3" --qemu "$q" --no-deterministic --from 0000:7c00 -o "$run" \
            "$(hvt_guest_img hello)" > "$t/$name.out" 2>&1; then
        hvt_fail "$name" "record failed: $(tail -1 "$t/$name.out")"; return
    fi
    HVT_QEMU=$q hvt_qemu_trace hello "$t/$name-q" -cpu qemu64,+svm,+npt > /dev/null 2>&1
    hvt_qemu_eips_from "$t/$name-q/qemu.log" 0x7c00 | guest_code > "$t/$name.want"
    run_pcs "$run" | guest_code > "$t/$name.got"
    local n_got n_want count
    n_got=$(wc -l < "$t/$name.got"); n_want=$(wc -l < "$t/$name.want")
    count=$(awk '/HELLO_COUNT,/{ gsub(/[^0-9]/, "", $3); print $3 }' "$HVT_ROOT/tests/guests/hello.S")
    if [ "$n_want" -lt 100 ]; then
        hvt_fail "$name" "QEMU's own log has only $n_want instructions from 0x7c00"
    elif ! diff -q "$t/$name.want" "$t/$name.got" > /dev/null; then
        hvt_fail "$name" "PC sequence differs from QEMU's exec log ($n_got vs $n_want steps): $(diff "$t/$name.want" "$t/$name.got" | head -3 | tr '\n' ' ')"
    elif [ "$n_got" != "$count" ]; then
        hvt_fail "$name" "recorded $n_got steps from 0x7c00, hello.S documents $count"
    else
        hvt_ok "$name"
    fi
}

check_against_qemu_log qemu-system-x86_64 pc_sequence_equals_qemu_log_x86_64 log
check_against_qemu_log qemu-system-i386 pc_sequence_equals_qemu_log_i386 log
check_against_qemu_log qemu-system-x86_64 rsp_pc_sequence_equals_qemu_log_x86_64 rsp
check_against_qemu_log qemu-system-i386 rsp_pc_sequence_equals_qemu_log_i386 rsp

# Both engines record the same truth: every step's CS:EIP and register values,
# over a guest whose BIOS calls run with interrupts on (e820).
state_rows() {
    sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT step, cs, rip, rax & 0xffffffff,
        rbx & 0xffffffff, rcx & 0xffffffff, rdx & 0xffffffff, rsi & 0xffffffff,
        rdi & 0xffffffff, rbp & 0xffffffff, rsp & 0xffffffff, eflags, ss, ds, es, fs, gs,
        cr0, cr3, cr4, efer FROM hvt_steps" 2>&1
    sqlite3 "$1" "SELECT pc, first_step, bytes, disasm FROM insns" 2>&1
}
for e in rsp log; do
    "$HVT" record --engine $e --from 0000:7c00 -o "$t/eng-$e.db" "$(hvt_guest_img e820)" > "$t/eng-$e.out" 2>&1
done
state_rows "$t/eng-rsp.db" > "$t/eng-rsp.txt"; state_rows "$t/eng-log.db" > "$t/eng-log.txt"
n=$(wc -l < "$t/eng-rsp.txt")
if [ "$n" -gt 1000 ] && cmp -s "$t/eng-rsp.txt" "$t/eng-log.txt"; then
    hvt_ok engines_record_the_same_states
else
    hvt_fail engines_record_the_same_states "$n rows; first difference: $(diff "$t/eng-rsp.txt" "$t/eng-log.txt" | head -3 | tr '\n' ' ')"
fi

# Serial text: what a plain QEMU boot of the guest printed.
run=$t/pc_sequence_equals_qemu_log_x86_64.db
hvt_qemu_run hello "$t/plain" > /dev/null 2>&1
hvt_serial_lines "$t/plain/serial.txt" > "$t/plain.serial"
sqlite3 "$run" "SELECT line FROM serial_lines" > "$t/rec.serial" 2>"$t/sqlerr"
if [ ! -s "$t/plain.serial" ]; then
    hvt_fail serial_matches_plain_boot "plain boot printed nothing"
elif diff -q "$t/plain.serial" "$t/rec.serial" > /dev/null; then
    hvt_ok serial_matches_plain_boot
else
    hvt_fail serial_matches_plain_boot "$(diff "$t/plain.serial" "$t/rec.serial" | head -4 | tr '\n' ' ') $(cat "$t/sqlerr")"
fi

# The start snapshot (taken at --from 0000:7c00) holds the boot sector at 0x7c00.
"$HVT" mem "$run" start -o "$t/start.bin"
if cmp -s <(dd if="$t/start.bin" bs=512 skip=62 count=1 2>/dev/null) "$HVT_BUILD/guests/hello.bin"; then
    hvt_ok snapshot_holds_boot_sector
else
    hvt_fail snapshot_holds_boot_sector "bytes at 0x7c00 of snapshot 'start' differ from hello.bin"
fi

# A guest that powers off ends the run complete, with the reason.
if "$HVT" info "$run" | grep -q '^status *complete: guest wrote 32 to isa-debug-exit'; then
    hvt_ok poweroff_is_complete
else
    hvt_fail poweroff_is_complete "$("$HVT" info "$run" | grep ^status)"
fi

# --until stops before the instruction; --steps exactly.
"$HVT" record --from 7c00 --until 0000:7c12 -o "$t/until.db" "$(hvt_guest_img hello)" > /dev/null 2>&1
"$HVT" record --steps 37 -o "$t/steps.db" "$(hvt_guest_img hello)" > /dev/null 2>&1
u=$(run_pcs "$t/until.db" | tail -1); s=$(run_pcs "$t/steps.db" | wc -l)
if [ "$u" = 0x7c11 ] && [ "$s" = 37 ]; then hvt_ok until_and_steps_are_exact
else hvt_fail until_and_steps_are_exact "last step before --until 7c12: $u (want 0x7c11); --steps 37 gave $s"; fi

# SEG:OFF breakpoints: 07c0:0000 is linear 0x7c00, where the guest runs as
# 0000:7c00; that hit is false, the run goes on, the guest powers off before
# 07c0:0000 ever executes: exit 2 saying so, and no run file.
"$HVT" record --engine rsp --from 07c0:0000 -o "$t/false.db" "$(hvt_guest_img hello)" > "$t/false.out" 2>&1
rc=$?
if [ "$rc" = 2 ] && [ ! -e "$t/false.db" ] && [ "$(wc -l < "$t/false.out")" = 1 ] &&
   grep -q '^hvtrace record: the guest ended before --from 07c0:0000: guest wrote 32 to isa-debug-exit' "$t/false.out"; then
    hvt_ok false_breakpoint_hit_is_resumed
else
    hvt_fail false_breakpoint_hit_is_resumed "exit $rc: $(cat "$t/false.out")"
fi

# --snapshot-every N: both engines, pages shared between snapshots.
for e in rsp log; do
    "$HVT" record --engine $e --from 0000:7c00 --snapshot-every 4000 -o "$t/every-$e.db" \
        "$(hvt_guest_img e820)" > /dev/null 2>&1
done
n_rsp=$(sqlite3 "$t/every-rsp.db" "SELECT group_concat(step) FROM snapshots WHERE label = 'every 4000'")
n_log=$(sqlite3 "$t/every-log.db" "SELECT count(*) FROM snapshots WHERE label = 'every 4000'")
pages=$(sqlite3 "$t/every-log.db" "SELECT count(*) FROM page")
if [ "$n_rsp" = 4000,8000,12000 ] && [ "$n_log" = 3 ] && [ "$pages" -lt 256 ]; then
    hvt_ok snapshot_every_n_steps
else
    hvt_fail snapshot_every_n_steps "rsp at $n_rsp, log $n_log snapshots, $pages pages stored"
fi

# --attach: a QEMU the user started (here on a unix socket, as one would on
# KVM with -gdb); the RSP engine records it like a launched one.  With -icount,
# as the README asks for TCG: on host time a step's stop feeds the guest's
# clock, and the PIT's IRQ0 may come at any step.
# users_qemu SOCK: start hello in a QEMU of "the user's" (stopped, gdbstub on the
# unix socket SOCK); its pid in qpid.
users_qemu() {
    rm -f "$1"
    timeout 60 qemu-system-x86_64 -S -display none -no-reboot -cpu qemu64,+svm,+npt -m 32 \
        -icount shift=5,sleep=off \
        -drive "file=$(hvt_guest_img hello),format=raw,snapshot=on" -serial none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -gdb "unix:$1,server=on,wait=off" &
    qpid=$!
    hvt_at_exit "kill $qpid 2>/dev/null"
    for _ in $(seq 50); do [ -S "$1" ] && break; sleep 0.1; done
}
users_qemu "$t/attach.sock"
"$HVT" record --attach "unix:$t/attach.sock" --from 0000:7c00 --steps 50 -o "$t/attach.db" > "$t/attach.out" 2>&1
kill $qpid 2>/dev/null
first=$(run_pcs "$t/attach.db" | head -3 | tr '\n' ' ')
if [ "$(sqlite3 "$t/attach.db" "SELECT value FROM meta WHERE key = 'engine'")" = rsp ] &&
   [ "$(run_pcs "$t/attach.db" | wc -l)" = 50 ] && [ "$first" = "0x7c00 0x7c01 0x7c06 " ] &&
   "$HVT" info "$t/attach.db" | grep -q '^snapshots *2'; then
    hvt_ok attach_records_a_users_qemu
else
    hvt_fail attach_records_a_users_qemu "$(tail -1 "$t/attach.out") / first PCs: $first"
fi

# --attach to the end: hello leaves through isa-debug-exit, which ends the
# user's QEMU inside the `out`; the end snapshot was read before it.  Truth:
# hello's own boot sector at 0x7c00 (hello.bin) and its documented count
# (820 instructions from 0x7c00 to the `out`, hello.S's header).
users_qemu "$t/attach2.sock"
"$HVT" record --attach "unix:$t/attach2.sock" --from 0000:7c00 --timeout 120 -o "$t/attach2.db" > "$t/attach2.out" 2>&1
kill $qpid 2>/dev/null
"$HVT" mem "$t/attach2.db" end -o "$t/attach2.end" > /dev/null 2>&1
n=$(sqlite3 "$t/attach2.db" "SELECT steps FROM run_info" 2>&1)
if [ "$n" = 820 ] && [ "$(sqlite3 "$t/attach2.db" "SELECT group_concat(label || '@' || step) FROM snapshots")" = "start@0,end@820" ] &&
   cmp -s <(tail -c +$((0x7c00 + 1)) "$t/attach2.end" | head -c 512) "$(dirname "$(hvt_guest_img hello)")/hello.bin"; then
    hvt_ok attach_to_isa_debug_exit_has_end_snapshot
else
    hvt_fail attach_to_isa_debug_exit_has_end_snapshot "$n steps, snapshots $(sqlite3 "$t/attach2.db" "SELECT group_concat(label || '@' || step) FROM snapshots" 2>&1); $(tail -1 "$t/attach2.out")"
fi

# A triple fault ends the run incomplete, on the instruction the guest names
# (it prints "TRIPLE at <linear>"), in both engines; the log engine knows it
# was a triple fault from QEMU's own log.
for e in log rsp; do
    "$HVT" record --engine $e --from 0000:7c00 -o "$t/triple-$e.db" "$(hvt_guest_img hv_triple)" > /dev/null 2>&1
done
said=$(sqlite3 "$t/triple-log.db" "SELECT line FROM serial_lines WHERE line LIKE 'TRIPLE at %'" | awk '{ print "0x" $3 }' | sed 's/0x0*/0x/')
last_log=$(run_pcs "$t/triple-log.db" | tail -1); last_rsp=$(run_pcs "$t/triple-rsp.db" | tail -1)
if [ -n "$said" ] && [ "$last_log" = "$said" ] && [ "$last_rsp" = "$said" ] &&
   "$HVT" info "$t/triple-log.db" | grep -q '^status *incomplete: guest triple fault' &&
   "$HVT" info "$t/triple-rsp.db" | grep -q '^status *incomplete: guest reset (a triple fault or a reset request'; then
    hvt_ok triple_fault_ends_the_run_at_the_faulting_instruction
else
    hvt_fail triple_fault_ends_the_run_at_the_faulting_instruction "guest said $said; last steps $last_log / $last_rsp; $("$HVT" info "$t/triple-log.db" | grep ^status)"
fi

# kill -9 mid-recording: the file opens, passes integrity_check, keeps its steps.
"$HVT" record --qemu-arg -name --qemu-arg "hvt-killed-$$" -o "$t/killed.db" "$(hvt_guest_img hello)" > /dev/null 2>&1 &
pid=$!
sleep 3
kill -9 $pid; wait $pid 2>/dev/null
ic=$(sqlite3 "$t/killed.db" 'PRAGMA integrity_check' 2>&1)
info=$("$HVT" info "$t/killed.db" 2>&1)
steps=$(echo "$info" | awk '/^steps/{print $2}')
if [ "$ic" = ok ] && [ "${steps:-0}" -gt 0 ] && echo "$info" | grep -q '^status.*\(recording\|killed\)'; then
    hvt_ok kill_9_leaves_valid_file
else
    hvt_fail kill_9_leaves_valid_file "integrity: $ic; steps: $steps; $(echo "$info" | grep ^status)"
fi
sleep 0.5
pgrep -f "hvt-killed-$$" > /dev/null && hvt_fail qemu_dies_with_recorder "a QEMU outlived its killed recorder" || hvt_ok qemu_dies_with_recorder

# Bad input: one line, exit 2, and an existing run is not overwritten.
cp "$t/steps.db" "$t/keep.db"
"$HVT" record --steps 5 -o "$t/keep.db" "$(hvt_guest_img hello)" > "$t/o1" 2>&1; rc1=$?
"$HVT" record --steps 5 -o "$t/x.db" /nonexistent.img > "$t/o2" 2>&1; rc2=$?
"$HVT" record --from 12345:0 -o "$t/y.db" "$(hvt_guest_img hello)" > "$t/o3" 2>&1; rc3=$?
"$HVT" show /etc/passwd > "$t/o4" 2>&1; rc4=$?
if [ $rc1$rc2$rc3$rc4 = 2222 ] && cmp -s "$t/keep.db" "$t/steps.db" && [ ! -e "$t/x.db" ] &&
   [ "$(cat "$t/o1" "$t/o2" "$t/o3" "$t/o4" | wc -l)" = 4 ]; then
    hvt_ok bad_input_is_one_line_exit_2
else
    hvt_fail bad_input_is_one_line_exit_2 "statuses $rc1 $rc2 $rc3 $rc4: $(cat "$t/o1" "$t/o2" "$t/o3" "$t/o4" | tr '\n' '|')"
fi
