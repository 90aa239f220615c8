#!/usr/bin/env bash
# cases_serflood: issue 9's acceptance test (cases_lib.inc) on serflood.asm, which
# prints 200 numbered lines the way Linux's 8250 console does (LSR polled at most
# 200 times, then THR written anyway) and leaves QEMU through isa-debug-exit.  Every
# byte must reach the run file: recorded from 0000:7c00 in both engines, and with
# the log engine from 0000:7c2b (`done:`, after the last line: every line is written
# during the free run to --from).  Its own file: ~210,000 steps, the largest guest.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cases_lib.inc"

# serflood.asm's header: 200 lines "FLOOD line NNNN abc...789" (hex16, upper case),
# then FLOOD-END.
{ for i in $(seq 0 199); do printf '= FLOOD line %04X abcdefghijklmnopqrstuvwxyz0123456789\n' "$i"; done
  echo '= FLOOD-END'; } | expect serflood
# No rep string instruction and no BIOS call: QEMU's exec log alone (the register
# dump qemu_pcs reads would make it ~180 MB).
CASES_QEMU_ITEMS=exec,nochain case_run serflood

# From 0000:7c2b (done:): the free run before it must lose nothing.
if case_wanted serflood && [ -f "$ct/serflood/q/serial.lines" ]; then
    d=$ct/serflood
    "$HVT" record --from 0000:7c2b --timeout "$CASES_TIMEOUT" -o "$d/from.db" \
        "$HVT_BUILD/guests/cases/serflood.img" > "$d/from.out" 2>&1
    sqlite3 "$d/from.db" "SELECT line FROM serial_lines" > "$d/from.serial" 2>&1
    if cmp -s "$d/from.serial" "$d/q/serial.lines"; then hvt_ok cases.serflood.log.from_7c2b
    else
        hvt_fail cases.serflood.log.from_7c2b "$(wc -l < "$d/from.serial") lines, $(grep -cxFf "$d/q/serial.lines" "$d/from.serial") of them as QEMU printed them (QEMU: $(wc -l < "$d/q/serial.lines")); first difference: $(diff "$d/q/serial.lines" "$d/from.serial" | head -3 | tr '\n' ' ')"
    fi
fi
