#!/usr/bin/env bash
# The log engine records what the CPU executes, checked against truths outside
# hvtrace: QEMU's own exec log (without -icount, where QEMU runs no extra pass of
# rep string instructions), the guests' serial output and the counts in their
# headers (tests/guests/*.S, ../shared cases).
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 qemu-system-i386 sqlite3 gdb
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)

pcs() { sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
            "SELECT printf('0x%x', pc) FROM hvt_steps ORDER BY step"; }
serial() { sqlite3 "$1" "SELECT line FROM serial_lines"; }

# rep: one step per iteration (SDM), also under -icount (the recorder's default).
img=$(hvt_guest_img repstr)
"$HVT" record --engine log --from 0000:7c00 --timeout 60 -o "$t/rep.db" "$img" > "$t/rep.out" 2>&1
hvt_qemu_trace repstr "$t/q"
hvt_qemu_eips_from "$t/q/qemu.log" 0x7c00 > "$t/q.pcs"
pcs "$t/rep.db" > "$t/rep.pcs"
want_line=$(grep '^REP ' "$t/q/serial.txt" | tr -d '\r')
if [ "$want_line" = "REP 0000 9000 0002 0002 0000 0000 0001 0000 01011" ] &&
   serial "$t/rep.db" | grep -qxF "$want_line" && cmp -s "$t/q.pcs" "$t/rep.pcs" &&
   [ "$(grep -c '^0x7c36$' "$t/rep.pcs")" = 5 ]; then
    hvt_ok log_rep_one_step_per_iteration
else
    hvt_fail log_rep_one_step_per_iteration "$(wc -l < "$t/rep.pcs") steps vs QEMU's $(wc -l < "$t/q.pcs"); first difference: $(diff "$t/q.pcs" "$t/rep.pcs" | head -3 | tr '\n' ' '); serial '$want_line'"
fi

# build_case NAME: a handed case guest (tests/guests/NAME.S if it was copied
# there, else ../shared/cases/guests/NAME.S) built into $t/NAME.{elf,img};
# $t/guests/NAME.img for the tests/lib.sh helpers (HVT_BUILD=$t).  Fails if
# it is not there.
build_case() {
    local src=$HVT_ROOT/tests/guests/$1.S
    [ -f "$src" ] || src=$HVT_ROOT/../shared/cases/guests/$1.S
    [ -f "$src" ] || return 1
    cp "$src" "$(dirname "$src")"/*.inc "$t/" 2>/dev/null
    (cd "$t" && as --32 -I . -o "$1.o" "$1.S" && ld -m elf_i386 -Ttext 0x7c00 -e _start -o "$1.elf" "$1.o" &&
     objcopy -O binary "$1.elf" "$1.img" && truncate -s 65536 "$1.img" &&
     mkdir -p guests && cp "$1.img" guests/) > "$t/$1.build" 2>&1
}

# Near branch targets as offsets in CS, as objdump -m i8086 prints them: the
# csseg case runs a copy of itself at 1fe0:7c00 and calls sub1fe0 from
# 1fe0:7c4e.
if ! build_case csseg; then
    hvt_skip log_near_targets_in_segment "csseg.S not found (../shared/cases/guests)"
else
    "$HVT" record --engine log --from 0000:7c00 --timeout 60 -o "$t/cs.db" "$t/csseg.img" > "$t/cs.out" 2>&1
    want=$(objdump -d -m i8086 "$t/csseg.elf" | awk -F"\t" '$1 ~ /^ *7c4e:/ { print $3 }' | awk '{ print $1, $2 }')
    got=$("$HVT" show "$t/cs.db" --count 0 | awk '$2 == "1fe0:00007c4e" { print $(NF-1), $NF }')
    if [ "$want" = "call 7c9f" ] && [ "$got" = "call 0x7c9f" ]; then
        hvt_ok log_near_targets_in_segment
    else
        hvt_fail log_near_targets_in_segment "show says '$got' at 1fe0:7c4e, objdump -m i8086 '$want' $(head -c 200 "$t/csseg.build")"
    fi
fi

# --steps N close to the end: the log engine stops the VM and single-steps the
# rest; no state may be recorded twice (a CPU cannot execute an instruction and
# leave every register as it was, `jmp $` aside), and the steps are the first
# N of QEMU's own exec log.  Several runs: the stop lands at a random point.
dup_steps() { sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT count(*) FROM hvt_steps a
    JOIN hvt_steps b ON b.step = a.step + 1 WHERE a.pc = b.pc AND a.rax = b.rax AND a.rbx = b.rbx
    AND a.rcx = b.rcx AND a.rdx = b.rdx AND a.rsi = b.rsi AND a.rdi = b.rdi AND a.rsp = b.rsp
    AND a.rbp = b.rbp AND a.eflags = b.eflags"; }
if ! build_case dis16; then
    hvt_skip log_steps_limit_no_state_twice "dis16.S not found (../shared/cases/guests)"
else
    HVT_BUILD=$t hvt_qemu_trace dis16 "$t/dq" > /dev/null 2>&1
    hvt_qemu_eips_from "$t/dq/qemu.log" 0x7c00 | head -600 > "$t/dq.pcs"
    why=""
    for i in 1 2 3 4 5 6; do
        "$HVT" record --engine log --from 0000:7c00 --steps 600 --timeout 60 -o "$t/s$i.db" "$t/dis16.img" > "$t/s$i.out" 2>&1
        pcs "$t/s$i.db" > "$t/s$i.pcs"
        d=$(dup_steps "$t/s$i.db")
        [ "$d" = 0 ] || why="$why run $i: $d states recorded twice;"
        cmp -s "$t/s$i.pcs" "$t/dq.pcs" || why="$why run $i: $(wc -l < "$t/s$i.pcs") steps, differ from QEMU's first 600 at $(diff "$t/dq.pcs" "$t/s$i.pcs" | head -1);"
    done
    [ "$(wc -l < "$t/dq.pcs")" = 600 ] || why="$why QEMU's log has $(wc -l < "$t/dq.pcs") steps"
    if [ -z "$why" ]; then hvt_ok log_steps_limit_no_state_twice
    else hvt_fail log_steps_limit_no_state_twice "$why"; fi
fi
