#!/usr/bin/env bash
# The chain of causes (issue 10) on planted-cause guests, each recorded from
# 0000:7c00 without and with hv.  The root cause is known by construction:
# every guest marks the planted instruction with the symbol `planted` (its
# address read from the guest's ELF with nm, not from hvtrace), and the input
# that differs between the runs is hv's: IVT vector 15h hooked to 0040:00ac
# before 0000:7c00 (FACTS.md) or hv's own E820 answer.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 python3 nm
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)

sym() { printf '%d' "0x$(nm "$HVT_BUILD/guests/$1.elf" | awk -v s="$2" '$3 == s { print $1 }')"; }

pair() {   # GUEST: record both runs, diff them as JSON into $t/GUEST.json
    local img
    img=$(hvt_guest_img "$1") || return 1
    "$HVT" record --from 0000:7c00 --timeout 120 -o "$t/$1-a.db" "$img" > "$t/$1-a.out" 2>&1 &&
    "$HVT" record --from 0000:7c00 --timeout 120 --with-hv -o "$t/$1-b.db" "$img" \
        > "$t/$1-b.out" 2>&1 || return 1
    "$HVT" diff --json "$t/$1-a.db" "$t/$1-b.db" > "$t/$1.json" 2> "$t/$1.err"
    [ $? -le 1 ]
}

# check GUEST TEST PYTHON: run PYTHON with d (the diff), planted, the_call.
check() {
    local g=$1 name=$2 code=$3
    if ! pair "$g"; then
        hvt_fail "$name" "recording or diff failed: $(tail -1 "$t/$g-b.out") $(cat "$t/$g.err")"
        return
    fi
    if python3 - "$t/$g.json" "$(sym "$g" planted)" "$(sym "$g" the_call 2>/dev/null)" \
        > "$t/$g.check" 2>&1 <<PY
import json, sys
d = json.load(open(sys.argv[1]))
planted = int(sys.argv[2])
the_call = int(sys.argv[3] or 0)
def pcs(chain): return [l["insn"]["pc"] for l in chain]
$code
PY
    then hvt_ok "$name"
    else hvt_fail "$name" "$(tail -c 400 "$t/$g.check")"; fi
}

# The guest reads IVT vector 15h's segment and branches on it: the chain ends
# at the IVT entry no step wrote (F000 vs hv's 0040), through the load at planted.
check chain_ivt chain_ends_at_the_ivt_vector_hv_changed '
a, b = d["chain"]["a"], d["chain"]["b"]
ok = all(c[-1]["kind"] == "start" and c[-1]["addr"] == 0x56 and
         c[-2]["kind"] == "loaded" and c[-2]["insn"]["pc"] == planted for c in (a, b))
ok = ok and a[-1]["value"] == 0xf000 and b[-1]["value"] == 0x0040 and "by hv" in b[-1]["note"]
print(a[-2:], b[-2:]); sys.exit(0 if ok else 1)'

# The value reaches the branch through the stack: pop, then the push at planted.
check chain_stack chain_goes_through_the_stack '
a, b = d["chain"]["a"], d["chain"]["b"]
def ok(c):
    kinds = [(l["kind"], l["insn"]["pc"]) for l in c]
    return ("stored", planted) in kinds and any(k == "loaded" and "pop" in l["insn"]["disasm"]
                                                for (k, _), l in zip(kinds, c)) and \
           c[-1]["kind"] == "start" and c[-1]["addr"] == 0x56
print(a, b); sys.exit(0 if ok(a) and ok(b) else 1)'

# A flag set by a rep stosb that overwrote a variable: only under hv does the
# rep stosb at planted store into 0x648; without hv the variable keeps the 1
# the guest stored itself.  Past the store, B's chain follows where its
# address (DI) came from: IVT vector 15h's segment, hv's 0040.
check chain_stosb chain_names_the_rep_stosb '
a, b = d["chain"]["a"], d["chain"]["b"]
st_b = [l for l in b if l["kind"] == "stored"]
st_a = [l for l in a if l["kind"] == "stored"]
ok = st_b and st_b[0]["insn"]["pc"] == planted and st_b[0]["addr"] == 0x648 and \
     "stos" in st_b[0]["insn"]["disasm"] and st_a and st_a[0]["insn"]["pc"] != planted and \
     b[-1]["kind"] == "start" and b[-1]["addr"] == 0x56 and b[-1]["value"] == 0x40
print(st_a, st_b); sys.exit(0 if ok else 1)'

# A rep whose count differs (IVT 15h's offset, low 6 bits: 0x19 bare, 0x2c
# under hv): the runs part inside the rep stosb at planted, where A's CX runs
# out, not at the instruction before it; the chain goes through CX to the
# load at `load` and ends at the IVT entry no step wrote.  Truths: the
# guest's symbols and the count each run's stores show: A's DI after the rep,
# as the guest printed it ("STORED TO 0619"), is 0x600 + the count.
check chain_repcount chain_follows_the_rep_count '
a, b = d["chain"]["a"], d["chain"]["b"]
load = planted - 12     # mov 0x54,%cx (4 bytes), and $0x3f,%cx (3), mov $0x600,%di (3), mov $0x5a,%al (2)

ok = all(c[0]["kind"] == "decides" and c[0]["insn"]["pc"] == planted and c[0]["loc"] == "cx"
         for c in (a, b))
ok = ok and a[0]["value"] == 1 and b[0]["value"] == 0x2c - 0x19 + 1
ok = ok and all(any(l["kind"] == "loaded" and l["from"] == "[0x54, 2 bytes]" and
                    l["insn"]["pc"] == load for l in c) for c in (a, b))
ok = ok and all(c[-1]["kind"] == "start" and c[-1]["addr"] == 0x54 for c in (a, b))
ok = ok and a[-1]["value"] & 0x3f == 0x19 and b[-1]["value"] & 0x3f == 0x2c
print(a, b); sys.exit(0 if ok else 1)'
if [ -s "$t/chain_repcount-a.db" ] &&
   [ "$(sqlite3 "$t/chain_repcount-a.db" "SELECT line FROM serial_lines WHERE line LIKE 'STORED%'")" = "STORED TO 0619" ] &&
   [ "$(sqlite3 "$t/chain_repcount-b.db" "SELECT line FROM serial_lines WHERE line LIKE 'STORED%'")" = "STORED TO 062c" ]
then hvt_ok repcount_guest_counts_as_planted
else hvt_fail repcount_guest_counts_as_planted "the guest did not print STORED TO 0619 / 062C"; fi

# A branch on a value computed three instructions after an E820 call: the
# chain behind that branch (a later meaningful divergence: the first is the
# int 15h itself) loads at planted from the buffer the call filled; under hv
# the last store into it was hv own code, during that E820 call.
check chain_e820 chain_reaches_the_e820_answer '
w = [c for c in d["chains"] if planted in pcs(c["a"]) and planted in pcs(c["b"])]
ok = False
if w:
    a, b = w[0]["a"], w[0]["b"]
    ld = [l for l in b if l["insn"]["pc"] == planted][0]
    ok = ld["kind"] == "loaded" and ld["from"].startswith("[0x608,") and \
         b[-1]["kind"] == "outside" and b[-1]["cause"] == "hv" and \
         any(l["kind"] == "stored" and l["insn"]["pc"] >= 0xf0000 for l in a) and \
         w[0]["b_bios_calls"][-1] and "E820 entry 3" in w[0]["b_bios_calls"][-1]["text"] and \
         w[0]["b_bios_calls"][-1]["step"] < b[-1]["step"]
    print(a, b)
sys.exit(0 if ok else 1)'

# A polling loop (rdtsc) that only differs in its count: timing, never the
# headline, and the diff says nothing meaningful differs (exit 0).
if pair chain_poll; then
    "$HVT" diff "$t/chain_poll-a.db" "$t/chain_poll-b.db" > "$t/poll.txt" 2>&1; rc=$?
    if python3 - "$t/chain_poll.json" "$(sym chain_poll planted)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
planted = int(sys.argv[2])
timing = [h for h in d["hunks"] if h["class"] == "timing"]
sys.exit(0 if timing and not d["differ"] and d["divergence"] is None else 1)
PY
    [ $? = 0 ] && [ $rc = 0 ] && grep -q '^verdict: no meaningful difference' "$t/poll.txt"
    then hvt_ok polling_loop_is_timing
    else hvt_fail polling_loop_is_timing "exit $rc: $(grep -m1 ^verdict "$t/poll.txt")"; fi
else
    hvt_fail polling_loop_is_timing "recording failed: $(tail -1 "$t/chain_poll-b.out")"
fi

# One run, one question: hvtrace why on the hv run of chain_ivt, at the
# compare after the planted load: AX came from [0x56], which hv wrote before
# the trace.  Bad input: one line on stderr, exit 2.
if [ -s "$t/chain_ivt-b.db" ]; then
    step=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain"]["b"][1]["step"])' "$t/chain_ivt.json")
    "$HVT" why "$t/chain_ivt-b.db" "$step" ax > "$t/why.txt" 2>&1; rc=$?
    "$HVT" why "$t/chain_ivt-b.db" 999999999 ax > /dev/null 2> "$t/why1.err"; rc1=$?
    "$HVT" why "$t/chain_ivt-b.db" 5 nosuchreg > /dev/null 2> "$t/why2.err"; rc2=$?
    if [ $rc = 0 ] && grep -q 'loaded ax = 0x40: mov loaded ax from \[0x56, 2 bytes\]' "$t/why.txt" &&
       grep -q 'start \[0x56, 2 bytes\] = 0x40.*by hv' "$t/why.txt" &&
       [ $rc1 = 2 ] && [ "$(wc -l < "$t/why1.err")" = 1 ] && [ $rc2 = 2 ] && [ "$(wc -l < "$t/why2.err")" = 1 ]
    then hvt_ok why_one_value_in_one_run
    else hvt_fail why_one_value_in_one_run "exit $rc/$rc1/$rc2: $(tail -2 "$t/why.txt")"; fi
fi

# Two different images (the handed ivtnohook / ivthook sectors): the runs part
# after a cld at 0000:7c11, and the call at 0000:7c12 has other bytes in each
# image.  The truth is the image files themselves (their bytes at offset
# pc - 0x7c00, their sha256), not hvtrace: the chain's last link says the
# code differs because the images differ, not that an interrupt came.
na=$(hvt_guest_img cases/ivtnohook) && nb=$(hvt_guest_img cases/ivthook) &&
"$HVT" record --from 0000:7c00 --timeout 120 -o "$t/ivn.db" "$na" > /dev/null 2>&1 &&
"$HVT" record --from 0000:7c00 --timeout 120 -o "$t/ivh.db" "$nb" > /dev/null 2>&1
"$HVT" diff --json "$t/ivn.db" "$t/ivh.db" > "$t/iv.json" 2>&1
if [ "$(sha256sum < "$na")" != "$(sha256sum < "$nb")" ] &&
   python3 - "$t/iv.json" "$na" "$nb" > "$t/iv.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
imgs = [open(p, "rb").read() for p in sys.argv[2:4]]
ok = True
for side, img, other in (("a", imgs[0], imgs[1]), ("b", imgs[1], imgs[0])):
    last = d["chain"][side][-1]
    off, n = last["addr"] - 0x7c00, last["len"]
    ok = ok and last["kind"] == "outside" and last["cause"] == "image" and \
         "the runs' images differ" in last["note"] and img[off:off + n] != other[off:off + n] \
         and bytes.fromhex(last["insn"]["bytes"].replace(" ", "")) == img[off:off + n] and \
         not any("interrupt" in l["note"] for l in d["chain"][side])
    print(side, last)
sys.exit(0 if ok else 1)
PY
then hvt_ok diff_of_two_images_ends_at_the_code
else hvt_fail diff_of_two_images_ends_at_the_code "$(tail -c 400 "$t/iv.check")"; fi
