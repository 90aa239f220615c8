#!/usr/bin/env bash
# bochs_hv_tpm: the seed's TPM probe (int 1Ah AX=BB00h, tests/guests/tpm.S)
# under hv's VMX backend in Bochs, recorded bare and under hv, and diffed.
# Under QEMU, SeaBIOS answers it through call32_smm (out 0B2h raises an SMI,
# SMM runs, rsm); that is the seed's path.  Bochs takes a different one, and
# this test pins it down instead of hiding it:
#   bochs_tpm_recorded    both runs end at the guest's hlt with the same answer
#                         (hv's default tpm=bios chains the call to the BIOS)
#   bochs_tpm_no_smi      no step of any run executes `out 0B2h, al` (e6 b2) or
#                         `rsm` (0f aa): neither Bochs' rombios (no TCG BIOS: EAX
#                         comes back as bb00h) nor SeaBIOS run in Bochs (--bios
#                         /usr/share/seabios/bios.bin; its TPM code is QEMU-only)
#                         raise an SMI for it, so hv's Bochs RSM problem
#                         (hv/vmx/vmx_run.c) is not reached from this guest
#   bochs_tpm_diff        hvtrace diff of the two runs names the int 1Ah call and
#                         finds no meaningful difference (exit 0): both runs got
#                         the same answer (the guest's own TPM line, above), and
#                         what differs is the timer's IRQ0 taken at another step
#                         inside the call, which must come out as timing.  Bochs
#                         delivers an interrupt inside `s 1` instead of the
#                         instruction it was at: the recording has an
#                         "interrupt" event there, not a step of an instruction
#                         that did not run; the step after the event is the
#                         first instruction of the handler the IVT names (the
#                         run's start snapshot)
. "$(dirname "$0")/../lib.sh"
hvt_need bochs grub-mkrescue xorriso sqlite3
[ -d /usr/lib/grub/i386-pc ] || { hvt_skip bochs_hv_tpm "needs grub-pc-bin"; exit 0; }
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img tpm)
rec() { "$HVT" record --emulator bochs --from 0000:7c00 --steps 40000 --timeout 400 "$@" "$img" > /dev/null 2>&1; }

rec -o "$t/bare.db" &
sea=""
[ -f /usr/share/seabios/bios.bin ] && { rec --bios /usr/share/seabios/bios.bin -o "$t/sea.db" & sea=$t/sea.db; }
rec --with-hv -o "$t/hv.db"
wait

answer() { sqlite3 "$1" "SELECT line FROM serial_lines WHERE line LIKE 'TPM %'"; }
status() { sqlite3 "$1" "SELECT status || ': ' || reason FROM run"; }
if [ -n "$(answer "$t/bare.db")" ] && [ "$(answer "$t/bare.db")" = "$(answer "$t/hv.db")" ] &&
   status "$t/bare.db" | grep -q '^complete: guest halted' && status "$t/hv.db" | grep -q '^complete: guest halted'; then
    hvt_ok bochs_tpm_recorded
    echo "    bare and under hv: $(answer "$t/hv.db")${sea:+; SeaBIOS in Bochs: $(answer "$sea")}"
else
    hvt_fail bochs_tpm_recorded "bare '$(answer "$t/bare.db")' ($(status "$t/bare.db")), hv '$(answer "$t/hv.db")' ($(status "$t/hv.db"))"
fi

smi=0
for db in "$t/bare.db" "$t/hv.db" $sea; do
    n=$(sqlite3 "$db" "SELECT count(*) FROM insn WHERE hex(substr(bytes, 1, 2)) IN ('E6B2', '0FAA')")
    [ "$n" = 0 ] || smi=1
done
if [ $smi = 0 ] && [ -n "$(answer "$t/bare.db")" ]; then
    hvt_ok bochs_tpm_no_smi
else
    hvt_fail bochs_tpm_no_smi "an out 0B2h or rsm was recorded: Bochs now raises SMIs here (update README and this test)"
fi

"$HVT" diff "$t/bare.db" "$t/hv.db" > "$t/diff.txt" 2>&1; drc=$?
handlers_ok=1
for db in "$t/bare.db" "$t/hv.db"; do
    "$HVT" mem "$db" start -o "$t/start.bin" > /dev/null 2>&1 || handlers_ok=0
    while IFS='|' read -r step vec; do
        vec=$((16#$vec))
        ivt=$(od -An -tx2 -j $((vec * 4)) -N4 "$t/start.bin" | tr -s ' ')
        off=$((16#$(echo $ivt | cut -d' ' -f1))); seg=$((16#$(echo $ivt | cut -d' ' -f2)))
        pc=$(sqlite3 "$db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT pc FROM hvt_steps WHERE step = $step")
        [ -n "$pc" ] && [ "$pc" -eq $((seg * 16 + off)) ] ||
            handlers_ok=0
    done < <(sqlite3 "$db" "SELECT step, substr(text, 10, 2) FROM events
                            WHERE kind = 'interrupt' AND text GLOB 'vector 0x[0-7][0-9a-f] *'")
done
if [ $drc = 0 ] && grep -q '^verdict: no meaningful difference' "$t/diff.txt" &&
   grep -q 'int 1ah AX=bb00h TCG_StatusCheck' "$t/diff.txt" && [ $handlers_ok = 1 ]; then
    hvt_ok bochs_tpm_diff
    grep -m1 -A4 '^verdict' "$t/diff.txt" | sed 's/^/    /'
else
    hvt_fail bochs_tpm_diff "exit $drc, handlers_ok=$handlers_ok: $(head -8 "$t/diff.txt" | tr '\n' '|')"
fi
