#!/usr/bin/env bash
# bochs_irq: the Bochs engine's trace around hardware interrupts, on the bxirq
# guest (tests/guests/cases/bxirq.S: its own IRQ0 handler of 6 instructions, 3
# timer interrupts taken in a 3-instruction wait loop, then cli and its counts
# on COM1).  Bochs 2.7 delivers an interrupt inside `s 1` and runs the
# handler's first instruction in the same command.  Independent truths: the
# guest's disassembly (objdump), its disk image and its own serial output.
#   bochs_irq_run          halted at the guest's hlt; COM1 "IRQS=n LOOPS=m", "DONE"
#   bochs_irq_excursions   one "interrupt" event (vector 08h) per handler entry
#                          the guest counted; from each, the next 6 steps are
#                          irq0's 6 instructions in objdump's order, the first
#                          with the bytes the image holds there, SP 6 lower than
#                          the step before the event and IF clear (SDM vol 3
#                          20.1.4), then the wait loop again
#   bochs_irq_count        the step of the `cli` at `done` is the number of
#                          instructions the guest executed before it by
#                          construction: PREFIX + 3 * LOOPS + 6 * IRQS (PREFIX
#                          counted in the disassembly: _start..wait and ser_init)
. "$(dirname "$0")/../lib.sh"
hvt_need bochs sqlite3 objdump
[ -f /usr/share/bochs/BIOS-bochs-latest ] || { hvt_skip bochs_irq "needs bochsbios"; exit 0; }
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img cases/bxirq)
elf=$HVT_BUILD/guests/cases/bxirq.elf
"$HVT" record --emulator bochs --from 0000:7c00 --steps 20000 --timeout 600 -o "$t/bx.db" "$img" > "$t/bx.out" 2>&1

q() { sqlite3 "$t/bx.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "$1"; }
sym() { printf '%d' "0x$(nm "$elf" | awk -v s="$1" '$3 == s { print $1 }')"; }
# The instruction addresses (decimal) objdump lists from symbol $1 up to symbol $2.
insns() {
    objdump -d -m i8086 --insn-width=16 --start-address="$(sym "$1")" --stop-address="$(sym "$2")" "$elf" |
        awk '/^ *7[0-9a-f]+:\t/ { sub(":", "", $1); print $1 }' | while read -r a; do echo $((16#$a)); done
}
counts=$(sqlite3 "$t/bx.db" "SELECT line FROM serial_lines WHERE line LIKE 'IRQS=%'")
irqs=$((16#$(echo "$counts" | sed -n 's/^IRQS=\([0-9a-f]*\) .*/\1/p')))
loops=$((16#$(echo "$counts" | sed -n 's/.*LOOPS=\([0-9a-f]*\)$/\1/p')))
status=$(sqlite3 "$t/bx.db" 'SELECT status || ": " || reason FROM run')
if [[ $status == "complete: guest halted (cli; hlt) at 0000:"* ]] && [ "$irqs" -ge 2 ] && [ "$loops" -gt 0 ] &&
   [ "$(sqlite3 "$t/bx.db" "SELECT count(*) FROM serial_lines WHERE line = 'DONE'")" = 1 ]; then
    hvt_ok bochs_irq_run
    echo "    $counts; $(tail -1 "$t/bx.out")"
else
    hvt_fail bochs_irq_run "'$status', COM1 '$counts' ($(tail -1 "$t/bx.out"))"
fi

handler=$(insns irq0 irq0_end | tr '\n' ' ')
wait_lo=$(sym wait); wait_hi=$(sym done)
irq0_hex=$(od -An -tx1 -v -j $(($(sym irq0) - 0x7c00)) -N5 "$img" | tr -d ' \n')
bad=""; n=0
while IFS='|' read -r step text; do
    n=$((n + 1))
    [[ $text == "vector 0x08 after "* ]] || bad="$bad event $step '$text';"
    got=$(q "SELECT pc FROM hvt_steps WHERE step BETWEEN $step AND $((step + 5)) ORDER BY step" | tr '\n' ' ')
    [ "$got" = "$handler" ] || bad="$bad steps from $step: $got;"
    next=$(q "SELECT pc FROM hvt_steps WHERE step = $((step + 6))")
    [ -n "$next" ] && [ "$next" -ge "$wait_lo" ] && [ "$next" -lt "$wait_hi" ] || bad="$bad after the iret at $step: $next;"
    first=$(q "SELECT lower(hex(substr(i.bytes, 1, i.len))) || ' ' || ((s.eflags >> 9) & 1) || ' ' ||
                      (p.rsp - s.rsp) FROM hvt_steps s JOIN insn i ON i.pc = s.pc
               JOIN hvt_steps p ON p.step = s.step - 1 WHERE s.step = $step")
    [ "$first" = "$irq0_hex 0 6" ] || bad="$bad first step at $step: '$first' (want '$irq0_hex 0 6');"
done < <(sqlite3 "$t/bx.db" "SELECT step, text FROM events WHERE kind = 'interrupt' ORDER BY step")
if [ -z "$bad" ] && [ "$n" = "$irqs" ] && [ -n "$handler" ]; then
    hvt_ok bochs_irq_excursions
    echo "    $n interrupts, each irq0's 6 instructions ($handler)"
else
    hvt_fail bochs_irq_excursions "$n events for IRQS=$irqs:$bad"
fi

prefix=$(( $(insns _start wait | wc -l) + $(insns ser_init putc | wc -l) ))
want=$((prefix + 3 * loops + 6 * irqs))
got=$(q "SELECT min(step) FROM hvt_steps WHERE pc = $(sym done)")
if [ "$got" = "$want" ]; then
    hvt_ok bochs_irq_count
    echo "    $got steps before the cli at done = $prefix + 3 x $loops + 6 x $irqs"
else
    hvt_fail bochs_irq_count "the cli at done is step '$got', the guest executed $want instructions before it ($prefix + 3 x $loops + 6 x $irqs)"
fi
