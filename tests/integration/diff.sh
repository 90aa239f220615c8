#!/usr/bin/env bash
# hvtrace diff on real recordings of the e820 test guest, with and without hv.
# Independent truth: FACTS.md (SeaBIOS's fixed int 15h entry is F000:F859; hv
# hooks int 15h through IVT entry 0x15 -> 0040:00AC, where its stub starts
# with VMMCALL 0f 01 d9), the guest's own code (its int 15h is `cd 15`), and
# determinism (two recordings of the same boot must diff empty).  The HTML
# page is rendered by headless Chromium: screenshot taken, verdict in the DOM.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 python3
HVT=$HVT_BUILD/hvtrace
export HVT
t=$(hvt_tmpdir)

if ! "$HVT" diff --help > /dev/null 2>&1; then
    hvt_skip diff_cli "hvtrace has no diff command in this build"
    exit 0
fi
img=$(hvt_guest_img e820) || { hvt_fail record_pair "e820 guest not built"; exit 0; }
for run in a1 a2; do
    "$HVT" record --from 0000:7c00 -o "$t/$run.db" "$img" > "$t/$run.out" 2>&1
done
"$HVT" record --from 0000:7c00 --with-hv -o "$t/b.db" "$img" > "$t/b.out" 2>&1
if [ ! -s "$t/a1.db" ] || [ ! -s "$t/a2.db" ] || [ ! -s "$t/b.db" ]; then
    hvt_fail record_pair "recording failed: $(tail -1 "$t/b.out")"
    exit 0
fi

"$HVT" diff "$t/a1.db" "$t/a1.db" > "$t/self.txt" 2>&1; rc=$?
if [ $rc = 0 ] && grep -q '^verdict: no meaningful difference' "$t/self.txt"; then
    hvt_ok self_diff_is_empty
else
    hvt_fail self_diff_is_empty "exit $rc: $(grep ^verdict "$t/self.txt")"
fi

# A run against itself, with interrupts in it: bxirq takes IRQ0 three times
# in its own 6-instruction handler (its serial line says IRQS=0003; the run
# file has an "interrupt" event each time).  Each excursion is taken at the
# same place in both (the same run), so the diff is one equal hunk over every
# recorded step (the run's own step count), no async hunk, exit 0.
irqimg=$(hvt_guest_img cases/bxirq) || hvt_fail self_diff_with_interrupts_is_one_equal_hunk "bxirq not built"
if [ -n "$irqimg" ]; then
    "$HVT" record --from 0000:7c00 -o "$t/irq.db" "$irqimg" > "$t/irq.out" 2>&1
    "$HVT" diff --json "$t/irq.db" "$t/irq.db" > "$t/irqself.json" 2> "$t/irqself.err"; rc=$?
    nsteps=$(sqlite3 "$t/irq.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT count(*) FROM hvt_steps" 2>/dev/null)
    nirq=$(sqlite3 "$t/irq.db" "SELECT count(*) FROM events WHERE kind = 'interrupt'" 2>/dev/null)
    irqs=$(sqlite3 "$t/irq.db" "SELECT line FROM serial_lines WHERE line LIKE 'IRQS=%'" 2>/dev/null)
    got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); h=d["hunks"]
print(len(h), ",".join(x["kind"] for x in h), h[0]["a"], h[0]["b"], d["stats"]["async"]["hunks"])' "$t/irqself.json" 2>&1)
    if [ $rc = 0 ] && [[ $irqs == IRQS=0003* ]] && [ "${nirq:-0}" -ge 3 ] &&
       [ "$got" = "1 equal [0, $nsteps] [0, $nsteps] 0" ]
    then hvt_ok self_diff_with_interrupts_is_one_equal_hunk
    else hvt_fail self_diff_with_interrupts_is_one_equal_hunk "exit $rc; $irqs; $nirq interrupt events; $nsteps steps; hunks: ${got:0:200}"; fi
fi

"$HVT" diff "$t/a1.db" "$t/a2.db" > "$t/twice.txt" 2>&1; rc=$?
if [ $rc = 0 ]; then hvt_ok deterministic_runs_diff_empty
else hvt_fail deterministic_runs_diff_empty "exit $rc: $(grep ^verdict "$t/twice.txt")"; fi

"$HVT" diff "$t/a1.db" "$t/b.db" --html "$t/r.html" > "$t/hv.txt" 2>&1; rc=$?
last=$(grep '^  A last common' "$t/hv.txt"); a_then=$(grep '^  A then' "$t/hv.txt")
b_then=$(grep '^  B then' "$t/hv.txt")
if [ $rc = 1 ] && [[ $last == *" cd 15 "* ]] && [[ $a_then == *" f000:f859 "* ]] &&
   [[ $b_then == *" 0040:00ac  0f 01 d9 "*vmmcall* ]]; then
    hvt_ok first_divergence_is_int15_hook
else
    hvt_fail first_divergence_is_int15_hook "exit $rc; $last | $a_then | $b_then"
fi
if grep -q '^  int 15h: f000:f859 (BIOS int 15h entry) -> 0040:00ac (BDA reserved)$' "$t/hv.txt"
then hvt_ok ivt_difference_labelled
else hvt_fail ivt_difference_labelled "$(grep -m1 'int 15h:' "$t/hv.txt")"; fi

# BIOS calls named with their buffers: every E820 entry the diff lists for the
# no-hv run equals the entry the guest printed (base, length-1, type).
grep -E '^[*~ ] A #' "$t/hv.txt" | grep -o 'int 15h E820 entry [0-9]*: [0-9a-f]*-[0-9a-f]* type [0-9]*' |
    awk '{ print $6, $8 }' | sort -u > "$t/named"
sqlite3 "$t/a1.db" "SELECT line FROM serial_lines WHERE line LIKE 'E820 %'" |
    while read -r _ base len type _; do
        printf '%016x-%016x %d\n' $((0x$base)) $((0x$base + 0x$len - 1)) $((0x$type))
    done | sort -u > "$t/printed"
if [ "$(wc -l < "$t/printed")" -ge 3 ] && cmp -s "$t/named" "$t/printed"; then
    hvt_ok e820_calls_named_with_their_entries
else
    hvt_fail e820_calls_named_with_their_entries "diff: $(tr '\n' ';' < "$t/named") guest: $(tr '\n' ';' < "$t/printed")"
fi

# Why: the chain behind the int 15h divergence ends at IVT vector 15h, which
# no step of either trace wrote: f000:f859 (SeaBIOS's fixed entry, FACTS.md)
# without hv, 0040:00ac (hv's stub) with hv, set before 0000:7c00.
python3 - "$t/a1.db" "$t/b.db" > "$t/chain.txt" 2>&1 <<'PY' || true
import json, subprocess, sys, os
out = subprocess.run([os.environ.get("HVT", "hvtrace"), "diff", "--json", sys.argv[1], sys.argv[2]],
                     capture_output=True, text=True).stdout
c = json.loads(out)["chain"]
ends = [c[k][-1] for k in "ab"]
ok = all(e["kind"] == "start" and e["addr"] == 0x54 for e in ends) and \
     ends[0]["value"] == 0xf000f859 and ends[1]["value"] == 0x004000ac and \
     c["a"][0]["kind"] == "decides" and c["a"][0]["insn"]["bytes"] == "cd 15"
print("ok" if ok else "bad", json.dumps(ends)[:300])
PY
if grep -q '^ok' "$t/chain.txt"; then hvt_ok chain_ends_at_ivt_vector_15h
else hvt_fail chain_ends_at_ivt_vector_15h "$(head -c 300 "$t/chain.txt")"; fi
step=$(grep '^  B last common' "$t/hv.txt" | awk '{print substr($4,2)}')
if "$HVT" why "$t/b.db" "$step" 0000:0054 > "$t/why.txt" 2>&1 &&
   grep -q 'IVT vector 15h = 0040:00ac.*written before it, by hv' "$t/why.txt"
then hvt_ok why_names_who_changed_the_ivt
else hvt_fail why_names_who_changed_the_ivt "step $step: $(tail -1 "$t/why.txt")"; fi

# BIOS calls are paired by alignment and the differing ones come first: the
# first listed is an E820 entry, whose printed form differs between the runs
# in the guest's own serial output.
first_call=$(grep -m1 -E '^[*~ ] [AB] #' "$t/hv.txt")
if [[ $first_call == "* "*"int 15h E820 entry"* ]] &&
   ! cmp -s <(sqlite3 "$t/a1.db" "SELECT line FROM serial_lines WHERE line LIKE 'E820 %'") \
             <(sqlite3 "$t/b.db" "SELECT line FROM serial_lines WHERE line LIKE 'E820 %'")
then hvt_ok bios_calls_differing_first
else hvt_fail bios_calls_differing_first "first call line: $first_call"; fi

# A recording that stops early is not a divergence: a 3000-step prefix of the
# same boot diffs with exit 0, saying A ends and B goes on identically as far
# as A was recorded; the steps of B past A's end were not compared, and the
# verdict says so: A was cut by --steps 3000, and B's last (its recorded step
# count, from the run file, minus 3000) steps were not compared.
"$HVT" record --from 0000:7c00 --steps 3000 -o "$t/prefix.db" "$img" > "$t/prefix.out" 2>&1
"$HVT" diff "$t/prefix.db" "$t/a1.db" > "$t/prefix.txt" 2>&1; rc=$?
steps=$(sqlite3 "$t/a1.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" "SELECT count(*) FROM hvt_steps" 2>/dev/null)
want="^verdict: no meaningful difference: A ends here; B goes on identically; A was cut by --steps 3000: B's last $((steps - 3000)) steps were not compared"
if [ $rc = 0 ] && [ "${steps:-0}" -gt 3000 ] && grep -q "$want" "$t/prefix.txt"
then hvt_ok prefix_ends_is_no_divergence
else hvt_fail prefix_ends_is_no_divergence "exit $rc: $(grep -m1 ^verdict "$t/prefix.txt") ($steps steps in the full run)"; fi

# The full run's BIOS calls after the prefix's last step (#2999: steps of the
# run files) have nothing in A to be compared with: each is said to be past
# A's end, none to lack "a call at the aligned step".
late=$(grep -E '^[*~] B #[0-9]+ ' "$t/prefix.txt" | awk '{ s = substr($3, 2) + 0; if (s >= 3000) n++ } END { print n + 0 }')
past=$(grep -c "^[*~]   (past A's end: A's recording stops before it, not compared)" "$t/prefix.txt")
if [ "$late" -ge 1 ] && [ "$past" = "$late" ] && ! grep -q 'no call at the aligned step in A' "$t/prefix.txt"
then hvt_ok calls_past_the_end_not_compared
else hvt_fail calls_past_the_end_not_compared "$late B calls after #2999, $past said past A's end"; fi

# Snapshots are compared where each run took them: the prefix's "end" at its
# last step (#3000, the run's own snapshot row) and the full run's at its own
# end, which are not aligned moments (B ran on past A's end by the steps the
# verdict says were not compared); text, JSON and HTML say so, and the two
# runs' "start" snapshots (both at 0000:7c00) are aligned.
"$HVT" diff "$t/prefix.db" "$t/a1.db" --json > "$t/prefix.json" 2>/dev/null
"$HVT" diff "$t/prefix.db" "$t/a1.db" --html "$t/prefix.html" > /dev/null 2>&1
a_end=$(sqlite3 "$t/prefix.db" "SELECT step FROM snapshots WHERE label = 'end'" 2>/dev/null)
b_end=$(sqlite3 "$t/a1.db" "SELECT step FROM snapshots WHERE label = 'end'" 2>/dev/null)
line="snapshot \"end\": A at #$a_end, B at #$b_end (not aligned: B ran on $((steps - 3000)) steps)"
jsnap=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={x["label"]: x for x in d["snapshots"]}
e=s["end"]; print(s["start"]["aligned"], e["a_step"], e["b_step"], e["aligned"], e["why"],
      all(not m["aligned"] for m in d["memory"] if m["snapshot"] == "end"))' "$t/prefix.json" 2>&1)
if [ "$a_end" = 3000 ] && grep -qF " $line" "$t/prefix.txt" &&
   grep -qF "snapshot &quot;end&quot;: ${line#snapshot \"end\": }" "$t/prefix.html" &&
   [ "$jsnap" = "True $a_end $b_end False B ran on $((steps - 3000)) steps True" ]
then hvt_ok snapshots_say_where_each_run_took_them
else hvt_fail snapshots_say_where_each_run_took_them "want '$line'; text: $(grep -m1 'snapshot "end"' "$t/prefix.txt"); json: ${jsnap:0:200}"; fi

# BIOS calls before the anchor, where nothing is aligned, are paired in order:
# anchored after the guest's E820 loop (the instruction after its `call
# e820_dump`, objdump), two bare runs of the same guest make the same calls
# (their printed E820 lines are equal): none differs.  Against the run under
# hv, the E820 calls listed as the same are exactly those whose printed lines
# are equal in both runs (the guest's own serial output), in its order.
after=$(objdump -d -m i8086 "$HVT_BUILD/guests/e820.elf" | grep -A1 'call.*<e820_dump>' | sed -n '2s/^ *\([0-9a-f]*\):.*/\1/p')
"$HVT" diff --anchor "$after" "$t/a1.db" "$t/a2.db" > "$t/early.txt" 2>&1
"$HVT" diff --anchor "$after" "$t/a1.db" "$t/b.db" > "$t/earlyhv.txt" 2>&1
ncalls=$(grep -cE '^[*~ ] A #[0-9]+ +int 15h E820 entry' "$t/early.txt")
same_hv=$(grep -E '^  A #[0-9]+ +int 15h E820 entry' "$t/earlyhv.txt" | sed 's/.*E820 entry \([0-9]*\):.*/\1/' | paste -sd,)
printed_same=$(paste -d'|' <(sqlite3 "$t/a1.db" "SELECT line FROM serial_lines WHERE line LIKE 'E820 %'") \
                          <(sqlite3 "$t/b.db" "SELECT line FROM serial_lines WHERE line LIKE 'E820 %'") |
               awk -F'|' '$1 == $2 { print NR - 1 }' | paste -sd,)
if [ -n "$after" ] && grep -q "^anchor: pc 0x$after at A #[1-9]" "$t/early.txt" && [ "$ncalls" -ge 3 ] &&
   grep -q '^BIOS calls: .*; 0 differ,' "$t/early.txt" && [ -n "$printed_same" ] &&
   [ "$same_hv" = "$printed_same" ]
then hvt_ok calls_before_the_anchor_paired_in_order
else hvt_fail calls_before_the_anchor_paired_in_order "anchor $after; $(grep -m1 '^BIOS calls' "$t/early.txt"); same under hv: $same_hv, printed alike: $printed_same"; fi

"$HVT" diff "$t/a1.db" "$t/b.db" --json > "$t/r.json" 2>/dev/null
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["differ"] and d["divergence"]["b"]["next"]["addr"] == "0040:00ac" else 1)' "$t/r.json"
then hvt_ok json_parses_and_agrees
else hvt_fail json_parses_and_agrees "$(head -c 200 "$t/r.json")"; fi

# The first differing guest line the report names is the guest's: under hv,
# COM1 also carries hv's XMHF-style log ("CPU(0x00): Intercept 129 @ ..."),
# sent by hv's code, with no "hv: " prefix.  Truth: the guest's own E820 lines
# (its format, e820.S), the first pair that differs.
python3 - "$t" > "$t/dataline.txt" 2>&1 <<'PY' || true
import json, sqlite3, sys
t = sys.argv[1]
d = json.load(open(t + "/r.json"))
def lines(r):
    return [x[0] for x in sqlite3.connect(f"{t}/{r}.db").execute(
        "SELECT line FROM serial_lines WHERE line LIKE 'E820 %' ORDER BY step")]
a, b = lines("a1"), lines("b")
first = next(((x, y) for x, y in zip(a, b) if x != y), None)
got = d.get("data", {}).get("serial")
ok = first is not None and got is not None and (got["a"], got["b"]) == first
print("ok" if ok else "bad", "want", first, "got", got)
PY
if grep -q '^ok' "$t/dataline.txt"; then hvt_ok first_differing_line_is_the_guests
else hvt_fail first_differing_line_is_the_guests "$(head -c 400 "$t/dataline.txt")"; fi

# B goes round the guest's E820 loop more often than A (hv's map has more
# entries: the guest's own serial output says how many each run got).  The
# stretch B runs alone making those calls prints each entry with a putc that
# polls the UART, yet it is not timing: it makes an int 15h (the guest's `cd
# 15`, objdump) whose answer A never got.
objdump -d -m i8086 "$HVT_BUILD/guests/e820.elf" | sed -n 's/^ *\([0-9a-f]*\):.*int  *\$0x15$/\1/p' > "$t/int15"
sqlite3 "$t/b.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
    "SELECT step FROM hvt_steps WHERE pc IN ($(sed 's/^/0x/' "$t/int15" | paste -sd,))" > "$t/int15.steps"
python3 - "$t" > "$t/extra.txt" 2>&1 <<'PY' || true
import json, sqlite3, sys
t = sys.argv[1]
d = json.load(open(t + "/r.json"))
steps = [int(x) for x in open(t + "/int15.steps").read().split()]
def e820_lines(r):
    return sqlite3.connect(f"{t}/{r}.db").execute(
        "SELECT count(*) FROM serial_lines WHERE line LIKE 'E820 %'").fetchone()[0]
alone = [h for h in d["hunks"] if h["kind"] == "b-only" and not h["nested"] and
         any(h["b"][0] <= k < h["b"][1] for k in steps)]
na, nb = e820_lines("a1"), e820_lines("b")
ok = nb > na and alone and all(h["class"] == "meaningful" for h in alone)
print("ok" if ok else "bad", f"E820 lines A {na} B {nb}; {len(steps)} int 15h in B;",
      [(h["b"], h["class"], h["reason"][:60]) for h in alone])
PY
if grep -q '^ok' "$t/extra.txt"; then hvt_ok extra_e820_calls_are_not_timing
else hvt_fail extra_e820_calls_are_not_timing "$(head -c 400 "$t/extra.txt")"; fi

browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
    hvt_skip html_verdict_visible "chromium not installed"
elif [ ! -s "$t/r.html" ]; then
    hvt_fail html_verdict_visible "no HTML written"
else
    flags=(--headless --no-sandbox --disable-gpu --window-size=1200,900)
    timeout 60 "$browser" "${flags[@]}" --screenshot="$t/shot.png" "file://$t/r.html" \
        > /dev/null 2>&1
    timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$t/r.html" 2> /dev/null > "$t/dom.html"
    if [ -s "$t/shot.png" ] && grep -q 'id="verdict" class="verdict differ"><h2>Verdict</h2><p><b>the runs part at' "$t/dom.html" &&
       ! grep -qi '<script' "$t/r.html"; then
        hvt_ok html_verdict_visible
    else
        hvt_fail html_verdict_visible "screenshot $(stat -c %s "$t/shot.png" 2>/dev/null) bytes; verdict not in DOM"
    fi
fi
# The chain drawn as a path on the two timelines, each circle a link to its
# row (the steps of both runs): as Chromium parsed the page.
if [ -n "$browser" ] && [ -s "$t/dom.html" ]; then
    circles=$(grep -o '<a href="#chain[0-9]*"><circle' "$t/dom.html" | wc -l)
    rows=$(grep -o '<tr id="chain[0-9]*">' "$t/dom.html" | wc -l)
    if grep -q '<div id="chain"><h2>Why: the chain of causes</h2>' "$t/dom.html" &&
       [ "$circles" -ge 4 ] && [ "$rows" -ge 2 ] && grep -q 'IVT vector 15h = 0040:00ac' "$t/dom.html"
    then hvt_ok html_chain_drawn
    else hvt_fail html_chain_drawn "$circles circles, $rows rows"; fi
fi

# Two runs that execute the same instructions but compute differently: hello
# with one letter of its "HVT-BEGIN hello" line changed (the code is the same,
# only the data it prints is not).  Truth: plain QEMU's serial output of the two
# images (their first differing line).  The diff must exit 1 and name that line
# in its verdict, though no hunk differs.
hb=$t/hello-x.img
python3 - "$(hvt_guest_img hello)" "$hb" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'HVT-BEGIN hello')
d[i + 10] = ord('j')
open(sys.argv[2], 'wb').write(d)
PY
for s in a b; do
    mkdir -p "$t/q$s"
    hvt__spawn "$t/q$s" "$HVT_QEMU" "${HVT_QEMU_ARGS[@]}" -serial "file:$t/q$s/serial.txt" \
        -drive "file=$([ $s = a ] && hvt_guest_img hello || echo "$hb"),format=raw,if=ide,snapshot=on"
    hvt__wait "$t/q$s"
done
want=$(diff <(hvt_serial_lines "$t/qa/serial.txt") <(hvt_serial_lines "$t/qb/serial.txt") | sed -n 's/^> //p' | head -1)
"$HVT" record --from 0000:7c00 -o "$t/ha.db" "$(hvt_guest_img hello)" > /dev/null 2>&1
"$HVT" record --from 0000:7c00 -o "$t/hb.db" "$hb" > /dev/null 2>&1
"$HVT" diff "$t/ha.db" "$t/hb.db" > "$t/data.txt" 2>&1; rc=$?
if [ $rc = 1 ] && [ -n "$want" ] && grep -q '^ *equal  *1 ' "$t/data.txt" &&
   grep -F "verdict: the instruction streams match, but the data differs" "$t/data.txt" |
       grep -qF "\"$want\" in B"
then hvt_ok same_code_different_data_differs
else hvt_fail same_code_different_data_differs "exit $rc, QEMU's B line '$want': $(grep -m1 ^verdict "$t/data.txt")"; fi
