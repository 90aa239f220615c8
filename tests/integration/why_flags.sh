#!/usr/bin/env bash
# why_flags: `hvtrace why RUN STEP eflags` answers flag by flag (issue 10).
# EFLAGS is not one value with one writer: each flag keeps what the last
# instruction affecting it left (Intel SDM vol 1, 3.4.3; vol 2 INC leaves CF
# alone).  The chain_flags guest plants the writers: `std` (DF), `stc` (CF)
# after an `xor` that wrote CF too, `inc` (OF SF ZF AF PF), the entry's `cli`
# (IF); nothing writes TF.  Truths: the planted instructions' addresses from
# the guest's ELF (nm), and the flags the guest itself pushed and printed
# (FLAGS=xxxx on COM1), not hvtrace's own state.
#   why_eflags_per_flag   each flag's group names its planted writer, and the
#                         values the groups give are the guest's printed FLAGS
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 python3 nm sqlite3
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img chain_flags) || exit 0
sym() { printf '%d' "0x$(nm "$HVT_BUILD/guests/chain_flags.elf" | awk -v s="$1" '$3 == s { print $1 }')"; }

if ! "$HVT" record --from 0000:7c00 --timeout 120 -o "$t/f.db" "$img" > "$t/rec.out" 2>&1; then
    hvt_fail why_eflags_per_flag "recording failed: $(tail -1 "$t/rec.out")"
    exit 0
fi
printed=$(sqlite3 "$t/f.db" "SELECT line FROM serial_lines WHERE line LIKE 'FLAGS=%'")
# The step of the pushf at flags_here: the flags it pushes are those before it.
step=$(sqlite3 "$t/f.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
       "SELECT min(step) FROM hvt_steps WHERE pc = $(sym flags_here)")
"$HVT" why --json "$t/f.db" "$step" eflags > "$t/why.json" 2> "$t/why.err"; rc=$?
"$HVT" why "$t/f.db" "$step" eflags > "$t/why.txt" 2>&1
if [ $rc = 0 ] && python3 - "$t/why.json" "${printed#FLAGS=}" "$(sym planted_std)" \
       "$(sym planted_stc)" "$(sym planted_inc)" "$(sym _start)" > "$t/check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
printed = int(sys.argv[2], 16)
std, stc, inc, start = (int(x) for x in sys.argv[3:7])
bit = {"cf": 0, "pf": 2, "af": 4, "zf": 6, "sf": 7, "tf": 8, "if": 9, "df": 10, "of": 11}
want = {"cf": ("constant", stc), "pf|af|zf|sf|of": ("produced", inc),
        "df": ("constant", std), "if": ("constant", start), "tf": ("start", None)}
got = {g["flags"]: g for g in d["groups"]}
ok = set(got) == set(want)
for flags, (kind, pc) in want.items():
    g = got.get(flags)
    if not g:
        continue
    first = g["chain"][0]
    ok = ok and first["kind"] == kind and (pc is None or first["insn"]["pc"] == pc)
    for fv in g["values"].split():
        name, v = fv.split("=")
        ok = ok and int(v) == (printed >> bit[name] & 1)
ok = ok and d["value"] & 0xfd5 == printed & 0xfd5
print(json.dumps(d["groups"])[:600]); sys.exit(0 if ok else 1)
PY
then
    hvt_ok why_eflags_per_flag
    grep -v '^     ' "$t/why.txt" | sed 's/^/    /'
else
    hvt_fail why_eflags_per_flag "exit $rc, guest printed '$printed': $(tail -c 300 "$t/check") $(cat "$t/why.err")"
fi
