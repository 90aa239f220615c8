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

# Near branch targets as offsets in CS, as objdump -m i8086 prints them: the
# csseg case runs a copy of itself at 1fe0:7c00 and calls sub1fe0 from
# 1fe0:7c4e.  Needs the handed guest (../shared/cases/guests/csseg.S) built.
cs_src=$HVT_ROOT/tests/guests/csseg.S
[ -f "$cs_src" ] || cs_src=$HVT_ROOT/../shared/cases/guests/csseg.S
if [ ! -f "$cs_src" ]; then
    hvt_skip log_near_targets_in_segment "csseg.S not found"
else
    cp "$cs_src" "$(dirname "$cs_src")"/lib.inc "$t/" 2>/dev/null
    (cd "$t" && as --32 -I . -o csseg.o csseg.S && ld -m elf_i386 -Ttext 0x7c00 -e _start -o csseg.elf csseg.o &&
     objcopy -O binary csseg.elf csseg.img && truncate -s 65536 csseg.img) > "$t/cs.build" 2>&1
    "$HVT" record --engine log --from 0000:7c00 --timeout 60 -o "$t/cs.db" "$t/csseg.img" > "$t/cs.out" 2>&1
    want=$(objdump -d -m i8086 "$t/csseg.elf" | awk -F"\t" '$1 ~ /^ *7c4e:/ { print $3 }' | awk '{ print $1, $2 }')
    got=$("$HVT" show "$t/cs.db" --count 0 | awk '$2 == "1fe0:00007c4e" { print $(NF-1), $NF }')
    if [ "$want" = "call 7c9f" ] && [ "$got" = "call 0x7c9f" ]; then
        hvt_ok log_near_targets_in_segment
    else
        hvt_fail log_near_targets_in_segment "show says '$got' at 1fe0:7c4e, objdump -m i8086 '$want' $(head -c 200 "$t/cs.build")"
    fi
fi
