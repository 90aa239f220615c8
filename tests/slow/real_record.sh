#!/usr/bin/env bash
# real_record: hvtrace on the seed's real chain.  grub.img's chain entry boots the
# winlike guest (hd1) through Debian's GRUB, bare (A) and through GRUB → hv-i386 →
# GRUB (B); each run is recorded from the chain-loaded sector's first instruction
# after its far jump (winlike's guest_entry, 0000:7c06: GRUB's boot.img keeps data
# there, so neither GRUB nor hv executes it) --until its A20 call (a20_call, after
# the E820 loop; address from winlike.elf's symbols), and diffed.  Every claim of
# the diff's JSON is checked against a source that is not hvtrace:
#   real_record_runs      both recordings end at --until: their last step is the
#                         guest's `call a20_call` (objdump), a20_call about to run
#   real_record_ivt       IVT vector 15h differs (in every snapshot pair the diff
#                         compares), f000:f859 in A and 0040:00ac in B:
#                         the two vectors hv's log (in B's serial) says it replaced
#                         and installed
#   real_record_part      the runs part right after an `int $0x15` of the guest
#                         (objdump of build/guests/winlike.elf), A entering the BIOS
#                         vector, B hv's stub at 0040:00ac
#   real_record_e820      the E820 entries the diff names, per run, are exactly the
#                         ones the guest printed on its serial line; B's list has
#                         hv's range (hv's banner) as reserved and the differing
#                         entries are the ones at and after it
# Recording GRUB itself from 0000:7c00 (millions of steps) is `make bench`'s
# (bench/real-bench.sh), not a test's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
hvt_need sqlite3 python3 objdump
winlike=$(hvt_guest_img winlike) || { hvt_fail real_record "no winlike guest: run make"; exit 0; }
t=$(hvt_tmpdir)
until=$(nm "$HVT_BUILD/guests/winlike.elf" | sed -n 's/^0*\([0-9a-f]*\) t a20_call$/\1/p')
[ -n "$until" ] || { hvt_fail real_record "no a20_call in winlike.elf"; exit 0; }
rec() {   # RUN SMBIOS [--timeout S: no --until]
    local stop=(--until "0000:$until")
    [ $# -gt 2 ] && stop=("$3" "$4")
    timeout "$RG_TIMEOUT" "$HVT_BUILD/hvtrace" record --from 0000:7c06 "${stop[@]}" \
        --qemu-arg -smbios --qemu-arg "$2" \
        --qemu-arg -drive --qemu-arg "file=$winlike,format=raw,if=ide,snapshot=on" \
        -o "$t/$1.db" "$RG_IMAGES/grub.img" > "$t/$1.out" 2>&1
}
rec a type=1,product=chain
rec b "type=1,product=chain,version=i386,sku=$RG_HVOPTS"
last_pc() { sqlite3 "$1" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
               "SELECT printf('%x', pc) FROM hvt_steps ORDER BY step DESC LIMIT 1"; }
caller=$(objdump -d -m i8086 "$HVT_BUILD/guests/winlike.elf" |
         sed -n "s/^ *\([0-9a-f]*\):.*call *0*$until .*/\1/p" | head -1)
if grep -q "reached --until 0000:$until" "$t/a.out" && grep -q "reached --until 0000:$until" "$t/b.out" &&
   [ -n "$caller" ] && [ "$(last_pc "$t/a.db")" = "$caller" ] && [ "$(last_pc "$t/b.db")" = "$caller" ]; then
    hvt_ok real_record_runs
else
    hvt_fail real_record_runs "recordings did not end at a20_call ($until): $(tail -1 "$t/a.out") / $(tail -1 "$t/b.out"), last pcs $(last_pc "$t/a.db") / $(last_pc "$t/b.db"), call a20_call at $caller"
    exit 0
fi
rc=0
"$HVT_BUILD/hvtrace" diff --json "$t/a.db" "$t/b.db" > "$t/diff.json" 2> "$t/diff.err" || rc=$?
[ "$rc" = 1 ] || { hvt_fail real_record "diff exited $rc: $(head -1 "$t/diff.err")"; exit 0; }
for r in a b; do
    sqlite3 "$t/$r.db" 'SELECT line FROM serial_lines' | tr -d '\r' > "$t/$r.serial"
done
objdump -d -m i8086 "$HVT_BUILD/guests/winlike.elf" |
    sed -n 's/^ *\([0-9a-f]*\):.*int  *\$0x15$/\1/p' > "$t/int15.txt"

# One python3 pass reads the JSON and the truths and prints ok/FAIL lines.
python3 - "$t" <<'PY'
import json, re, sys
t = sys.argv[1]
d = json.load(open(t + "/diff.json"))
ser = {r: open(f"{t}/{r}.serial").read() for r in "ab"}
def res(name, ok, why):
    print(f"ok {name}" if ok else f"FAIL {name}: {why}")

m = re.search(r"int 15h hooked at (\S+) \(BIOS vector (\S+)\)", ser["b"])
hook, bios = (m.group(1), m.group(2)) if m else (None, None)
ivt = [x for x in d["memory"] if x.get("kind") == "ivt" and x.get("vector") == 0x15]
res("real_record_ivt", m and ivt and all(x["a"] == bios and x["b"] == hook for x in ivt),
    f"diff's IVT 15h {ivt} vs hv's log hook={hook} bios={bios}")

dv = d.get("divergence") or {}
int15 = {int(x, 16) for x in open(t + "/int15.txt").read().split()}
a, b = dv.get("a", {}), dv.get("b", {})
ok = (a.get("last", {}).get("pc") in int15 and b.get("last", {}).get("pc") in int15
      and a.get("next", {}).get("addr") == bios and b.get("next", {}).get("addr") == hook)
res("real_record_part", ok, f"diff parts at A {a.get('last')} -> {a.get('next')}, "
    f"B {b.get('last')} -> {b.get('next')}; guest int 15h at {sorted(hex(x) for x in int15)}")

def diff_entries(r):
    out = []
    for c in d["bios_calls"][r]:
        m = re.match(r"int 15h E820 entry \d+: ([0-9a-f]+)-([0-9a-f]+) type (\d+)", c["text"])
        if m:
            lo, hi = int(m.group(1), 16), int(m.group(2), 16)
            out.append(((lo, hi + 1 - lo, int(m.group(3))), c["same"]))
    return out
def guest_entries(r):
    return [(int(x, 16), int(y, 16), int(z, 16)) for x, y, z in
            re.findall(r"^E820 ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ", ser[r], re.M)]
m = re.search(r"excludes (0x[0-9a-f]+)-(0x[0-9a-f]+)", ser["b"])
hole = (int(m.group(1), 16), int(m.group(2), 16) - int(m.group(1), 16), 2) if m else None
da, db = diff_entries("a"), diff_entries("b")
ok = [e for e, _ in da] == guest_entries("a") and [e for e, _ in db] == guest_entries("b")
ok = ok and hole in [e for e, _ in db]
first_diff = next((i for i, (_, same) in enumerate(db) if not same), None)
ok = ok and first_diff is not None and all(not s for _, s in db[first_diff:])
ok = ok and first_diff <= [e for e, _ in db].index(hole)
res("real_record_e820", ok, f"diff's E820 entries A {da} B {db}; guest printed "
    f"A {guest_entries('a')} B {guest_entries('b')}; hv's range {hole}")
PY

# GRUB loaded hv, not hvtrace: the run file learns hv from its banner.  Truth:
# hv's ELF symbols (nm) for its range, the options given through SMBIOS
# ($RG_HVOPTS) among the ones it runs with.
lo=$(nm "$HVT_BUILD/hv-i386.elf" | sed -n 's/^0*\([0-9a-f]*\) . hv_image_start$/\1/p')
end=$(nm "$HVT_BUILD/hv-i386.elf" | sed -n 's/^0*\([0-9a-f]*\) . hv_image_end$/\1/p')
range=$(printf '%x-%x' $((0x$lo)) $((0x$end - 1)))
info=$("$HVT_BUILD/hvtrace" info "$t/b.db")
if echo "$info" | grep -q "^hv  *loaded by the guest's boot loader" &&
   echo "$info" | grep -q "^hv_range  *$range " && echo "$info" | grep -q "^hv_options  *.*$RG_HVOPTS"; then
    hvt_ok real_record_hv_from_its_banner
else
    hvt_fail real_record_hv_from_its_banner "want $range, $RG_HVOPTS: $(echo "$info" | grep '^hv' | tr '\n' ';')"
fi

# smi=host: the guest's BIOS call never returns and hv halts in its own code.
# The run must not read "complete: guest halted": hv said why on COM1 ("hv:
# guest stopped: ..."), and the CPU halted inside hv's image (nm).
rec h "type=1,product=chain,version=i386,sku=smi=host" --timeout 200
status=$("$HVT_BUILD/hvtrace" info "$t/h.db" | grep '^status')
said=$(sqlite3 "$t/h.db" "SELECT substr(line, 20) FROM serial_lines WHERE line LIKE 'hv: guest stopped: %'")
if [ -n "$said" ] && [[ $status == *"incomplete: hv stopped the guest: $said"* ]]; then
    hvt_ok real_record_halt_in_hv_is_not_the_guests
else
    hvt_fail real_record_halt_in_hv_is_not_the_guests "$status (hv said: $said; $(tail -1 "$t/h.out"))"
fi
