#!/usr/bin/env bash
# bochs_hv_diff: hv's VMX backend recorded under Bochs (QEMU's TCG has no VMX)
# with and without hv, from 0000:7c00, and diffed, as under QEMU.  The e820
# guest, bounded to its first int 15h E820 call and hv's handling of it (Bochs
# traces a few hundred steps/s on a loaded machine; the whole map under hv is
# ~60,000 steps, too long for a test: README shows that diff).
# Independent truths: hv's banner (the range it hides), XMHF's hook layout
# (FACTS.md: IVT 15h -> 0040:00ac, VMCALL 0f 01 c1 there), the bare run's own
# stores of the entry (rombios).
#   bochs_hv_diff_verdict  the headline (the first meaningful divergence, not
#                          any later verdict) parts the runs at the guest's int
#                          15h in e820_dump (objdump of e820.elf): A into the
#                          BIOS vector, B into hv's hook, as hv's own line says
#                          ("int 15h hooked at 0040:00ac (BIOS vector f000:f859)"),
#                          B's at a vmcall; the chain ends at IVT vector 15h,
#                          which no step wrote, holding those two vectors; and
#                          the IVT difference is named.  Bochs' UART makes the
#                          guest poll ~90 times a character, at another pace in
#                          each run: the printing before the call (HVT-BEGIN)
#                          must come out as timing, not as the headline.
#   bochs_hv_e820_stores   the 20-byte entry the guest gets at ES:DI (0x600) for
#                          its first call: under hv, stored by instructions inside
#                          hv's image (VMX root, recorded with their accesses),
#                          byte for byte what rombios stored in the bare run
#   bochs_hv_recorded      hv's exit handling is in the trace: steps at hv's
#                          addresses between the vmcall and the guest's return
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
hvt_need bochs grub-mkrescue xorriso sqlite3
[ -d /usr/lib/grub/i386-pc ] || { hvt_skip bochs_hv_diff "needs grub-pc-bin"; exit 0; }
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img e820)

"$HVT" record --emulator bochs --from 0000:7c00 --until 0000:7d5c --steps 4000 --timeout 400 \
    -o "$t/bare.db" "$img" > "$t/bare.out" 2>&1 &
"$HVT" record --emulator bochs --with-hv --from 0000:7c00 --until 0000:7d5c --steps 14000 --timeout 500 \
    -o "$t/hv.db" "$img" > "$t/hv.out" 2>&1
wait
sqlite3 "$t/hv.db" 'SELECT line FROM serial_lines' > "$t/hv.log"
read -r lo hi <<< "$(hv_hole "$t/hv.log")"

"$HVT" diff "$t/bare.db" "$t/hv.db" > "$t/diff.txt" 2>&1
"$HVT" diff --json "$t/bare.db" "$t/hv.db" > "$t/diff.json" 2>&1
dump=$(nm "$HVT_BUILD/guests/e820.elf" | awk '$3 == "e820_dump" { print $1 }')
int15=""
for a in $(objdump -d -m i8086 "$HVT_BUILD/guests/e820.elf" | sed -n 's/^ *\([0-9a-f]*\):.*int  *\$0x15$/\1/p'); do
    [ -n "$dump" ] && [ $((16#$a)) -ge $((16#$dump)) ] && { int15=$((16#$a)); break; }
done
hook=$(sed -n 's/^hv: int 15h hooked at \([0-9a-f]*:[0-9a-f]*\) (BIOS vector \([0-9a-f]*:[0-9a-f]*\)).*/\1 \2/p' "$t/hv.log")
if [ -n "$int15" ] && [ -n "$hook" ] && python3 - "$t/diff.json" "$int15" $hook > "$t/verdict.check" 2>&1 <<'PY' &&
import json, sys
d = json.load(open(sys.argv[1]))
int15, hook, bios = int(sys.argv[2]), sys.argv[3], sys.argv[4]
def vec(v): return "%04x:%04x" % (v >> 16, v & 0xffff)
dv = d["divergence"] or {}
a, b = dv.get("a", {}), dv.get("b", {})
ok = a["last"]["pc"] == int15 == b["last"]["pc"] and a["next"]["addr"] == bios and \
     b["next"]["addr"] == hook and "vmcall" in b["next"]["disasm"]
for k, want in (("a", bios), ("b", hook)):
    last = d["chain"][k][-1]
    ok = ok and last["kind"] == "start" and last["addr"] == 0x54 and vec(last["value"]) == want
print(a, b, d["chain"]); sys.exit(0 if ok else 1)
PY
   grep -q "int 15h: $(echo $hook | cut -d' ' -f2) (BIOS int 15h entry) -> $(echo $hook | cut -d' ' -f1)" "$t/diff.txt"; then
    hvt_ok bochs_hv_diff_verdict
    grep -m1 -A5 '^verdict' "$t/diff.txt" | sed 's/^/    /'
else
    hvt_fail bochs_hv_diff_verdict "int 15h at '$int15', hv's hook/BIOS '$hook': $(grep -m1 -A4 '^verdict' "$t/diff.txt" | tr '\n' '|') ($(tail -1 "$t/hv.out"))"
fi

q() { sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "$2"; }
entry() {   # RUN: the 20 bytes at 0x600 as last stored, and the pcs of the storing steps
    local a
    for a in $(seq $((0x600)) $((0x613))); do
        q "$1" "SELECT printf('%02x', (m.value >> (8 * ($a - m.phys))) & 255), printf('%x', s.pc)
                FROM mem m JOIN hvt_steps s ON s.step = m.step
                WHERE m.rw IN (1, 3) AND m.phys <= $a AND m.phys + m.len > $a
                ORDER BY m.step DESC, m.seq DESC LIMIT 1"
    done
}
entry "$t/bare.db" > "$t/bare.entry"; entry "$t/hv.db" > "$t/hv.entry"
outside=$(cut -d'|' -f2 "$t/hv.entry" | while read -r pc; do
    [ $((16#$pc)) -ge $((lo)) ] && [ $((16#$pc)) -lt $((hi)) ] || echo "$pc"; done)
if [ -n "$lo" ] && [ "$(wc -l < "$t/hv.entry")" = 20 ] && [ -z "$outside" ] &&
   [ "$(cut -d'|' -f1 "$t/hv.entry")" = "$(cut -d'|' -f1 "$t/bare.entry")" ]; then
    hvt_ok bochs_hv_e820_stores
    echo "    entry 0: $(cut -d'|' -f1 "$t/hv.entry" | tr -d '\n'), stored by hv ($lo-$hi) as by rombios"
else
    hvt_fail bochs_hv_e820_stores "hv: $(tr '\n' ' ' < "$t/hv.entry") bare: $(tr '\n' ' ' < "$t/bare.entry") hole $lo-$hi"
fi

vmcall=$(q "$t/hv.db" "SELECT min(step) FROM hvt_steps WHERE pc = 0x4ac")
inhv=$(q "$t/hv.db" "SELECT count(*) FROM hvt_steps WHERE step > ${vmcall:-0} AND pc >= $((lo)) AND pc < $((hi))")
if [ -n "$vmcall" ] && [ "${inhv:-0}" -gt 100 ] &&
   [ "$(sqlite3 "$t/hv.db" 'SELECT status || reason FROM run')" = "completereached --until 0000:7d5c" ]; then
    hvt_ok bochs_hv_recorded
    echo "    $inhv of $(q "$t/hv.db" 'SELECT count(*) FROM hvt_steps') steps in hv ($lo-$hi) after the vmcall at step $vmcall"
else
    hvt_fail bochs_hv_recorded "vmcall at '$vmcall', ${inhv:-0} steps in hv's range; $(tail -1 "$t/hv.out")"
fi
