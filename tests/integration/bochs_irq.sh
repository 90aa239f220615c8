#!/usr/bin/env bash
# bochs_irq: the Bochs engine's trace around hardware interrupts, on two guests
# with their own IRQ0 handler of 6 instructions that take 3 timer interrupts in
# a 3-instruction wait loop, then cli and print their counts on COM1:
# bxirq (real mode, IVT 08h) and bxirqpm (32-bit protected mode, IDT gate 20h;
# tests/guests/cases/).  Bochs 2.7 delivers an interrupt inside `s 1` and runs
# the handler's first instruction in the same command.  Independent truths: the
# guests' disassembly (objdump), their disk images and their own serial output.
#   bochs_irq_run[_pm]         halted at the guest's hlt; COM1 "IRQS=n LOOPS=m", "DONE"
#   bochs_irq_excursions[_pm]  one "interrupt" event (the vector the guest's
#                              handler is at) per handler entry the guest
#                              counted; from each, the next 6 steps are irq0's 6
#                              instructions in objdump's order, the first with the
#                              bytes the image holds there, the stack 6 (real
#                              mode: FLAGS, CS, IP; SDM vol 3 20.1.4) or 12 bytes
#                              (32-bit gate: EFLAGS, CS, EIP; 6.12.1) lower than
#                              at the step before the event and IF clear; then
#                              the wait loop again
#   bochs_irq_count[_pm]       the step of the `cli` at `done` is the number of
#                              instructions the guest executed before it by
#                              construction: PREFIX + 3 * LOOPS + 6 * IRQS (PREFIX
#                              counted in the disassembly: _start..wait and ser_init)
. "$(dirname "$0")/../lib.sh"
hvt_need bochs sqlite3 objdump
[ -f /usr/share/bochs/BIOS-bochs-latest ] || { hvt_skip bochs_irq "needs bochsbios"; exit 0; }
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)

sym() { printf '%d' "0x$(nm "$elf" | awk -v s="$1" '$3 == s { print $1 }')"; }
# The instruction addresses (decimal) objdump lists from symbol $1 up to symbol
# $2, decoded as machine $3 (i8086 or i386).
insns() {
    objdump -d -m "$3" --insn-width=16 --start-address="$(sym "$1")" --stop-address="$(sym "$2")" "$elf" |
        awk '/^ *7[0-9a-f]+:\t/ { sub(":", "", $1); print $1 }' | while read -r a; do echo $((16#$a)); done
}

# check GUEST SUFFIX VECTOR FRAME_BYTES MACHINE PREFIX-SPANS: PREFIX-SPANS are
# "from:to:machine" symbol ranges whose instructions run once before `wait`.
check() {
    local guest=$1 sfx=$2 vec=$3 frame=$4 mach=$5 spans=$6
    local img db=$t/$guest.db counts irqs loops status
    img=$(hvt_guest_img "cases/$guest"); elf=$HVT_BUILD/guests/cases/$guest.elf
    "$HVT" record --emulator bochs --from 0000:7c00 --steps 20000 --timeout 600 -o "$db" "$img" > "$t/$guest.out" 2>&1
    q() { sqlite3 "$db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "$1"; }
    counts=$(sqlite3 "$db" "SELECT line FROM serial_lines WHERE line LIKE 'IRQS=%'")
    irqs=$((16#$(echo "$counts" | sed -n 's/^IRQS=\([0-9a-f]*\) .*/\1/p')))
    loops=$((16#$(echo "$counts" | sed -n 's/.*LOOPS=\([0-9a-f]*\)$/\1/p')))
    status=$(sqlite3 "$db" 'SELECT status || ": " || reason FROM run')
    if [[ $status == "complete: guest halted (cli; hlt) at 00"* ]] && [ "$irqs" -ge 2 ] && [ "$loops" -gt 0 ] &&
       [ "$(sqlite3 "$db" "SELECT count(*) FROM serial_lines WHERE line = 'DONE'")" = 1 ]; then
        hvt_ok "bochs_irq_run$sfx"
        echo "    $guest: $counts; $(tail -1 "$t/$guest.out")"
    else
        hvt_fail "bochs_irq_run$sfx" "'$status', COM1 '$counts' ($(tail -1 "$t/$guest.out"))"
    fi

    local handler wait_lo wait_hi first_len irq0_hex bad="" n=0 step text got next first
    handler=$(insns irq0 irq0_end "$mach" | tr '\n' ' ')
    wait_lo=$(sym wait); wait_hi=$(sym done)
    first_len=$(( $(echo "$handler" | cut -d' ' -f2) - $(sym irq0) ))
    irq0_hex=$(od -An -tx1 -v -j $(($(sym irq0) - 0x7c00)) -N$first_len "$img" | tr -d ' \n')
    while IFS='|' read -r step text; do
        n=$((n + 1))
        [[ $text == "vector $vec after "* ]] || bad="$bad event $step '$text';"
        got=$(q "SELECT pc FROM hvt_steps WHERE step BETWEEN $step AND $((step + 5)) ORDER BY step" | tr '\n' ' ')
        [ "$got" = "$handler" ] || bad="$bad steps from $step: $got;"
        next=$(q "SELECT pc FROM hvt_steps WHERE step = $((step + 6))")
        [ -n "$next" ] && [ "$next" -ge "$wait_lo" ] && [ "$next" -lt "$wait_hi" ] || bad="$bad after the iret at $step: $next;"
        first=$(q "SELECT lower(hex(substr(i.bytes, 1, i.len))) || ' ' || ((s.eflags >> 9) & 1) || ' ' ||
                          (p.rsp - s.rsp) FROM hvt_steps s JOIN insn i ON i.pc = s.pc
                   JOIN hvt_steps p ON p.step = s.step - 1 WHERE s.step = $step")
        [ "$first" = "$irq0_hex 0 $frame" ] || bad="$bad first step at $step: '$first' (want '$irq0_hex 0 $frame');"
    done < <(sqlite3 "$db" "SELECT step, text FROM events WHERE kind = 'interrupt' ORDER BY step")
    if [ -z "$bad" ] && [ "$n" = "$irqs" ] && [ -n "$handler" ]; then
        hvt_ok "bochs_irq_excursions$sfx"
        echo "    $guest: $n interrupts, each irq0's 6 instructions ($handler)"
    else
        hvt_fail "bochs_irq_excursions$sfx" "$guest: $n events for IRQS=$irqs:$bad"
    fi

    local prefix=0 span want
    for span in $spans; do
        prefix=$((prefix + $(IFS=: read -r a b m <<< "$span"; insns "$a" "$b" "$m" | wc -l)))
    done
    want=$((prefix + 3 * loops + 6 * irqs))
    got=$(q "SELECT min(step) FROM hvt_steps WHERE pc = $(sym done)")
    if [ "$got" = "$want" ]; then
        hvt_ok "bochs_irq_count$sfx"
        echo "    $guest: $got steps before the cli at done = $prefix + 3 x $loops + 6 x $irqs"
    else
        hvt_fail "bochs_irq_count$sfx" "$guest: the cli at done is step '$got', the guest executed $want instructions before it ($prefix + 3 x $loops + 6 x $irqs)"
    fi
}

check bxirq "" 0x08 6 i8086 "_start:wait:i8086 ser_init:putc:i8086"
check bxirqpm _pm 0x20 12 i386 "_start:pm32:i8086 pm32:wait:i386 ser_init:putc:i8086"
