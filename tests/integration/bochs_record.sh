#!/usr/bin/env bash
# bochs_record: `hvtrace record --emulator bochs` on the pmode guest from
# 0000:7c00 to its final hlt (real mode, rep movsb, the switch to 32-bit
# protected mode and back; no BIOS calls; ~12,000 steps, most of them Bochs'
# UART polling).  Independent truths:
#   bochs_own_netns           Bochs runs in a network namespace other than the test's
#   bochs_same_path_as_qemu   the linear PCs of every step equal those QEMU's log
#                             engine records for the same guest (the BIOSes differ:
#                             the THRE polling loop of the UART, whose iteration
#                             count is device timing, is dropped from both; QEMU
#                             ends at the guest's out to its exit port, Bochs, which
#                             has none, runs the cli; hlt after it), and
#                             SI/DI/CX (ESI/EDI/ECX in 32-bit code) agree at every
#                             rep movsb iteration
#   bochs_mem_rep_movsb       the 3 x 16 byte stores of the three rep movsb are the
#                             guest's text as it lies in the disk image, at 0x600,
#                             0x100000 and 0x700, one store per iteration; and the
#                             last store to 0x70f before the end is the text's last byte
#   bochs_run_file            status (halted at the guest's hlt), serial lines as QEMU's
#                             run has them, each stamped with the step after the
#                             guest's `out dx, al` of its last byte, start and end snapshots,
#                             provenance (Bochs version, BIOS hash, bochsrc)
#   bochs_end_from_stores     the end snapshot of the halted run (Bochs cannot be
#                             asked once halted: start + every recorded store)
#                             equals Bochs' own writemem at the hlt (a second run
#                             stopped by --until there), except bytes whose start
#                             snapshots already differ (two Bochs boots differ in
#                             the BIOS timer count at 0x46c)
. "$(dirname "$0")/../lib.sh"
hvt_need bochs qemu-system-x86_64 sqlite3 objdump
[ -f /usr/share/bochs/BIOS-bochs-latest ] || { hvt_skip bochs_record "needs bochsbios"; exit 0; }
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img pmode)
bin=$HVT_BUILD/guests/pmode.bin

"$HVT" record --emulator bochs --from 0000:7c00 --steps 100000 --timeout 600 -o "$t/bx.db" "$img" > "$t/bx.out" 2>&1 &
rec=$!
# While it records: Bochs (hvtrace's child) runs in a network namespace of its
# own, so its rfb display's TCP port 5900 is reachable from nowhere.
bx=""
for _ in $(seq 100); do
    bx=$(pgrep -P "$rec" bochs-bin || pgrep -P "$rec" bochs) && break
    sleep 0.1
done
if [ -z "$bx" ]; then hvt_fail bochs_own_netns "no Bochs child of hvtrace seen"
elif [ "$(readlink "/proc/$bx/ns/net")" != "$(readlink /proc/self/ns/net)" ]; then hvt_ok bochs_own_netns
else hvt_fail bochs_own_netns "Bochs $bx shares the test's network namespace"; fi
wait "$rec"
"$HVT" record --from 0000:7c00 --steps 40000 --timeout 120 -o "$t/q.db" "$img" > "$t/q.out" 2>&1

# The UART's transmit-ready poll (in al,dx; test al,20h; jz): its address from the guest.
poll=$(objdump -D -m i8086 -b binary --adjust-vma=0x7c00 "$bin" | awk '/\tin +\(%dx\),%al/ { sub(":", "", $1); print $1; exit }')
pcs() {   # RUN: one line per step: pc, and esi edi ecx at rep movsb
    sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
        "SELECT printf('%x', pc) || CASE WHEN pc IN (SELECT pc FROM insn WHERE hex(bytes) LIKE 'F3A4%')
                THEN printf(' %x %x %x', rsi & m, rdi & m, rcx & m) ELSE '' END
         FROM (SELECT *, CASE mode WHEN 16 THEN 0xffff ELSE 0xffffffff END AS m FROM hvt_steps) WHERE pc NOT IN (0x$poll, 0x$poll + 1, 0x$poll + 3) ORDER BY step"
}
pcs "$t/bx.db" > "$t/bx.pcs"; pcs "$t/q.db" > "$t/q.pcs"
nb=$(wc -l < "$t/bx.pcs"); nq=$(wc -l < "$t/q.pcs")
if grep -q 'HVT-DONE pmode' <(sqlite3 "$t/q.db" 'SELECT line FROM serial_lines') && [ "$nq" -gt 100 ] &&
   cmp -s "$t/q.pcs" <(head -n "$nq" "$t/bx.pcs") && [ "$(tail -n +$((nq + 1)) "$t/bx.pcs" | tr '\n' ' ')" = "7d2f 7d30 " ]; then
    hvt_ok bochs_same_path_as_qemu
    echo "    $nq steps compared (poll loop at $poll dropped); Bochs: $(tail -1 "$t/bx.out")"
else
    hvt_fail bochs_same_path_as_qemu "paths differ: $(diff "$t/q.pcs" "$t/bx.pcs" | head -3 | tr '\n' '|') ($(tail -1 "$t/bx.out"))"
fi

# The text the guest copies, from the disk image (label `text`, 16 bytes, found
# by its content in sector 0).
text_hex=$(od -An -tx1 -v "$bin" | tr -d ' \n' | grep -o '4856542d504d4f44452d434f50592121')
stores() {   # BASE: the 16 byte values stored at BASE..BASE+15 by rep movsb steps
    sqlite3 "$t/bx.db" "SELECT group_concat(value, '') FROM (SELECT m.value FROM mem_accesses m
        JOIN mem r ON r.step = m.step AND r.seq = m.seq
        WHERE m.kind = 'write' AND m.len = 1 AND r.phys BETWEEN $1 AND $1 + 15 ORDER BY m.step)"
}
last=$(sqlite3 "$t/bx.db" "SELECT value FROM mem_accesses WHERE kind = 'write' AND phys = '0000070f' ORDER BY step DESC LIMIT 1")
if [ -n "$text_hex" ] && [ "$(stores $((0x600)))" = "$text_hex" ] && [ "$(stores $((0x100000)))" = "$text_hex" ] &&
   [ "$(stores $((0x700)))" = "$text_hex" ] && [ "$last" = 21 ]; then
    hvt_ok bochs_mem_rep_movsb
    echo "    $(sqlite3 "$t/bx.db" 'SELECT count(*) FROM mem') accesses recorded over $(sqlite3 "$t/bx.db" 'SELECT steps FROM run_info') steps"
else
    hvt_fail bochs_mem_rep_movsb "stores 0x600: $(stores $((0x600))) 0x100000: $(stores $((0x100000))) want $text_hex"
fi

meta() { sqlite3 "$t/bx.db" "SELECT value FROM meta WHERE key = '$1'"; }
guest_lines='^(HVT-|RM HVT|PM HVT)'   # the lines without CR0 (the BIOSes leave it differently)
stamp_insn() {   # the step before HVT-DONE's stamp: the guest's out dx,al of its '\n'
    sqlite3 "$t/bx.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT lower(hex(substr(i.bytes, 1, i.len))) || ' ' || (s.rax & 255)
        FROM hvt_steps s JOIN insn i ON i.pc = s.pc
        WHERE s.step = (SELECT step - 1 FROM serial_lines WHERE line = 'HVT-DONE pmode')"
}
if [ "$(sqlite3 "$t/bx.db" 'SELECT status || reason FROM run')" = "completeguest halted (cli; hlt) at 0000:7d30" ] &&
   cmp -s <(sqlite3 "$t/bx.db" 'SELECT line FROM serial_lines' | grep -E "$guest_lines") \
          <(sqlite3 "$t/q.db" 'SELECT line FROM serial_lines' | grep -E "$guest_lines") &&
   [ "$(stamp_insn)" = "ee 10" ] &&
   [ "$(sqlite3 "$t/bx.db" "SELECT group_concat(label) FROM snapshots")" = "start,end" ] &&
   [ "$(meta bochs_version)" = "Bochs x86 Emulator 2.7" ] &&
   [ "$(meta firmware_sha256)" = "$(sha256sum /usr/share/bochs/BIOS-bochs-latest | cut -d' ' -f1)" ] &&
   meta bochsrc | grep -q '^cpu: model=corei7_haswell_4770'; then
    hvt_ok bochs_run_file
else
    hvt_fail bochs_run_file "$(sqlite3 "$t/bx.db" 'SELECT status, reason FROM run_info')"
fi

"$HVT" record --emulator bochs --from 0000:7c00 --until 0000:7d30 --timeout 600 -o "$t/until.db" "$img" > "$t/until.out" 2>&1
for r in bx until; do for l in start end; do "$HVT" mem "$t/$r.db" "$l" -o "$t/$r.$l.bin" 2> /dev/null; done; done
ends=$(cmp -l "$t/bx.end.bin" "$t/until.end.bin" 2> /dev/null | awk '{ print $1 }')
starts=$(cmp -l "$t/bx.start.bin" "$t/until.start.bin" 2> /dev/null | awk '{ print $1 }')
stores=$(sqlite3 "$t/bx.db" "SELECT text FROM events WHERE kind = 'end-from-stores'")
if [ -n "$stores" ] && [ -s "$t/until.end.bin" ] && [ -s "$t/bx.end.bin" ] &&
   [ -z "$(comm -23 <(echo "$ends" | sort) <(echo "$starts" | sort) | grep .)" ] &&
   ! cmp -s "$t/until.start.bin" "$t/until.end.bin"; then
    hvt_ok bochs_end_from_stores
    echo "    $stores; $(echo "$ends" | grep -c .) bytes differ from writemem, all already at start"
else
    hvt_fail bochs_end_from_stores "'$stores'; end bytes differing: $(echo $ends | head -c 200); start: $(echo $starts | head -c 100)"
fi
