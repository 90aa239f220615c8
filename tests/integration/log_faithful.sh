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
# 1fe0:7c4e.
if cs_img=$(hvt_guest_img cases/csseg); then
    "$HVT" record --engine log --from 0000:7c00 --timeout 60 -o "$t/cs.db" "$cs_img" > "$t/cs.out" 2>&1
    want=$(objdump -d -m i8086 "${cs_img%.img}.elf" | awk -F"\t" '$1 ~ /^ *7c4e:/ { print $3 }' | awk '{ print $1, $2 }')
    got=$("$HVT" show "$t/cs.db" --count 0 | awk '$2 == "1fe0:00007c4e" { print $(NF-1), $NF }')
    if [ "$want" = "call 7c9f" ] && [ "$got" = "call 0x7c9f" ]; then
        hvt_ok log_near_targets_in_segment
    else
        hvt_fail log_near_targets_in_segment "show says '$got' at 1fe0:7c4e, objdump -m i8086 '$want'"
    fi
else
    hvt_fail log_near_targets_in_segment "no cases/csseg image: run make"
fi

# --steps N close to the end: the log engine stops the VM and single-steps the
# rest; no state may be recorded twice (a CPU cannot execute an instruction and
# leave every register as it was, `jmp $` aside), and the steps are the first
# N of QEMU's own exec log.  Several runs: the stop lands at a random point.
dup_steps() { sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT count(*) FROM hvt_steps a
    JOIN hvt_steps b ON b.step = a.step + 1 WHERE a.pc = b.pc AND a.rax = b.rax AND a.rbx = b.rbx
    AND a.rcx = b.rcx AND a.rdx = b.rdx AND a.rsi = b.rsi AND a.rdi = b.rdi AND a.rsp = b.rsp
    AND a.rbp = b.rbp AND a.eflags = b.eflags"; }
if d_img=$(hvt_guest_img cases/dis16); then
    hvt_qemu_trace cases/dis16 "$t/dq" > /dev/null 2>&1
    hvt_qemu_eips_from "$t/dq/qemu.log" 0x7c00 | head -600 > "$t/dq.pcs"
    why=""
    for i in 1 2 3 4 5 6; do
        "$HVT" record --engine log --from 0000:7c00 --steps 600 --timeout 60 -o "$t/s$i.db" "$d_img" > "$t/s$i.out" 2>&1
        pcs "$t/s$i.db" > "$t/s$i.pcs"
        d=$(dup_steps "$t/s$i.db")
        [ "$d" = 0 ] || why="$why run $i: $d states recorded twice;"
        cmp -s "$t/s$i.pcs" "$t/dq.pcs" || why="$why run $i: $(wc -l < "$t/s$i.pcs") steps, differ from QEMU's first 600 at $(diff "$t/dq.pcs" "$t/s$i.pcs" | head -1);"
    done
    [ "$(wc -l < "$t/dq.pcs")" = 600 ] || why="$why QEMU's log has $(wc -l < "$t/dq.pcs") steps"
    if [ -z "$why" ]; then hvt_ok log_steps_limit_no_state_twice
    else hvt_fail log_steps_limit_no_state_twice "$why"; fi
else
    hvt_fail log_steps_limit_no_state_twice "no cases/dis16 image: run make"
fi

# Serial during a free run: serflood prints 200 lines polling THRE at most 200
# times, as Linux's 8250 console does; recorded from its last instruction
# (--from 0000:7c2b), everything it printed came during the free run.  Truth:
# the same guest in plain QEMU with COM1 into a file.
if sf_img=$(hvt_guest_img cases/serflood); then
    hvt_qemu_run cases/serflood "$t/sfq" > /dev/null 2>&1
    hvt_serial_lines "$t/sfq/serial.txt" > "$t/sfq.lines"
    for e in log rsp; do
        "$HVT" record --engine $e --from 0000:7c2b --timeout 120 -o "$t/sf-$e.db" "$sf_img" > "$t/sf-$e.out" 2>&1
        serial "$t/sf-$e.db" > "$t/sf-$e.lines"
        intact=$(grep -c '^FLOOD line [0-9A-F]\{4\} abcdefghijklmnopqrstuvwxyz0123456789$' "$t/sf-$e.lines")
        if [ "$(wc -l < "$t/sfq.lines")" = 201 ] && cmp -s "$t/sfq.lines" "$t/sf-$e.lines"; then
            hvt_ok "serial_free_run_loses_nothing_$e"
        else
            hvt_fail "serial_free_run_loses_nothing_$e" "$(wc -l < "$t/sf-$e.lines") lines, $intact intact; plain QEMU: $(wc -l < "$t/sfq.lines")"
        fi
    done
else
    hvt_fail serial_free_run_loses_nothing "no cases/serflood image: run make"
fi

# Serial line stamps: the step of the `out` that sent the line's '\n'.  Truth:
# QEMU's own exec+cpu log from 0x7c00, counting instructions up to each
# `out %al,(%dx)` (address from the guest's ELF) with DX=3f8 and AL=0a.
nl_steps() {  # LOG ELF: the 0-based index of every '\n' sent, one a line
    local outs
    outs=$(objdump -d -m i8086 "$2" | awk -F'\t' '$3 ~ /^out +%al,\(%dx\)/ { sub(/^ */, "", $1); sub(/:$/, "", $1); printf "%s ", $1 }')
    awk -v outs="$outs" '
        BEGIN { split(outs, o, " "); for (i in o) isout[o[i]] = 1 }
        function commit() { if (pend == "") return
                            if (pend == "7c00") started = 1
                            if (started) { if (isout[pend] && edx == "3f8" && al == "0a") print n; n++ }
                            pend = "" }
        /^Trace / { commit(); split($0, f, /[][\/]/); pend = tolower(f[3]); sub(/^0+/, "", pend); next }
        /^Stopped execution of TB chain/ { pend = ""; next }
        /^EAX=/ { al = tolower(substr($1, 11, 2)); d = tolower(substr($4, 9, 4)); sub(/^0+/, "", d); edx = d }
        END { commit() }' "$1"
}
for g in hello cases/edd; do
    name=${g#cases/}
    HVT_TRACE_ITEMS=exec,cpu,nochain hvt_qemu_trace "$g" "$t/nl-$name" > /dev/null 2>&1
    want=$(nl_steps "$t/nl-$name/qemu.log" "$HVT_BUILD/guests/$g.elf" | head -n "$([ $name = edd ] && echo 1 || echo 3)" | tr '\n' ' ')
    for e in log rsp; do
        "$HVT" record --engine $e --from 0000:7c00 --timeout 60 -o "$t/nl-$name-$e.db" "$(hvt_guest_img "$g")" > /dev/null 2>&1
        got=$(sqlite3 "$t/nl-$name-$e.db" "SELECT step FROM serial_lines ORDER BY rowid" | head -n "$(echo $want | wc -w)" | tr '\n' ' ')
        if [ -n "$want" ] && [ "$got" = "$want" ]; then hvt_ok "serial_stamp_${name}_$e"; echo "    newlines at $want"
        else hvt_fail "serial_stamp_${name}_$e" "lines stamped at '$got', QEMU's log sends their newlines at '$want'"; fi
    done
done

# show marks an interrupt taken between two steps, before the handler's first
# instruction.  Truth: the IVT's vector 8 (read from the end snapshot: irqrep.S
# installs its own IRQ0 handler) is where that instruction is; irqrep.S
# programs the PIT to ~12 kHz and takes IRQ0 during its rep stosb.  (irqs.S
# takes none after 0x7c00 free-running: its 75k steps last 2.4 ms of -icount
# time, the BIOS timer ticks every 55 ms; the one a breakpoint stop's clock
# warp brought forward is gone now that --from records a replay.)
irq_img=$(hvt_guest_img cases/irqrep)
"$HVT" record --engine log --from 0000:7c00 --timeout 60 -o "$t/irq.db" "$irq_img" > /dev/null 2>&1
"$HVT" mem "$t/irq.db" end -o "$t/irq.mem" > /dev/null 2>&1
vec8=$(od -An -tx2 -j 32 -N 4 "$t/irq.mem" | awk '{ printf "%s:0000%s", $2, $1 }')
"$HVT" show "$t/irq.db" --count 30000 > "$t/irq.show"
after=$(grep -A1 -m1 -- '--- interrupt: vector 0x08' "$t/irq.show" | tail -1 | awk '{ print $2 }')
if [ -n "$vec8" ] && [ "$after" = "$vec8" ]; then hvt_ok show_marks_interrupt_before_handler
else hvt_fail show_marks_interrupt_before_handler "step after the mark at '$after', IVT vector 8 is '$vec8'"; fi

# ... and an SMI: after `out 0xb2` the next step is SMM's first instruction at
# SMBASE + 0x8000 (0xa8000 under SeaBIOS, FACTS.md), marked smm-enter.
"$HVT" record --engine log --from 0000:7c00 --timeout 60 -o "$t/smi.db" "$(hvt_guest_img cases/smi)" > /dev/null 2>&1
after=$("$HVT" show "$t/smi.db" --count 200 | grep -A1 -m1 -- '--- smm-enter' | tail -1 | awk '{ print $3 }')
if [ "$after" = "000a8000:" ]; then hvt_ok show_marks_smm_entry
else hvt_fail show_marks_smm_entry "step after the smm-enter mark at '$after', want SMBASE+0x8000 = 000a8000"; fi

# 64-bit RIPs whole: highhalf runs at 0xffffffff80000000 + its `high` label.
hh=$(hvt_guest_img highhalf)
"$HVT" record --engine log --qemu qemu-system-x86_64 --from 0000:7c00 --timeout 60 -o "$t/hh.db" "$hh" > /dev/null 2>&1
want=$(nm "${hh%.img}.elf" | awk '$3 == "high" { printf "0018:ffffffff8000%s", substr($1, 5) }')
if "$HVT" show "$t/hh.db" --count 0 | awk '{ print $2 }' | grep -qx "$want" &&
   [ "$(serial "$t/hh.db")" = 64 ]; then hvt_ok show_prints_64bit_rip_whole
else hvt_fail show_prints_64bit_rip_whole "no step at $want: $("$HVT" show "$t/hh.db" --count 0 | tail -2 | head -1)"; fi
