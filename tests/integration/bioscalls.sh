#!/usr/bin/env bash
# bioscalls: a BIOS call is a BIOS call however the guest reaches the vector (issue 9
# point 5): `int`, `pushf; call far [4n]` (farcall.asm, as syslinux/isolinux do) and
# `pushf; push cs; push ret; jmp far [4n]` (biosfar.S).  The truth is each guest's
# own serial output: the E820 entries it printed, and one line per call it made.
# Checked: the diff's "BIOS calls" list and the int15-e820 recipe name every call.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3 nm
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img() { echo "$HVT_BUILD/guests/cases/$1.img"; }
field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"; }
sym() { nm "$HVT_BUILD/guests/cases/$1.elf" | awk -v n="$2" '$3 == n { print "0000:" substr($1, 5) }'; }

"$HVT" record --from 0000:7c00 --timeout 60 -o "$t/farcall.db" "$(img farcall)" > "$t/farcall.out" 2>&1
"$HVT" record --from 0000:7c00 --timeout 60 -o "$t/biosfar.db" "$(img biosfar)" > "$t/biosfar.out" 2>&1

# farcall: the guest printed "VBR-E820 BASE LENGTH TYPE" (hex) for each entry.
sqlite3 "$t/farcall.db" "SELECT line FROM serial_lines WHERE line LIKE 'VBR-E820 %'" |
    while read -r _ base len type; do
        printf '%s %s %d\n' "$(echo "$base" | tr 'A-F' 'a-f')" "$(echo "$len" | tr 'A-F' 'a-f')" "$((16#$type))"
    done > "$t/want"
"$HVT" diff "$t/farcall.db" "$t/farcall.db" > "$t/farcall.diff" 2>&1
grep -E '^  A #[0-9]+ +int 15h E820 entry' "$t/farcall.diff" |
    sed -n 's/.*: \([0-9a-f]*\)-\([0-9a-f]*\) type \([0-9]*\).*/\1 \2 \3/p' |
    while read -r lo hi type; do printf '%s %016x %d\n' "$lo" $((16#$hi - 16#$lo + 1)) "$type"; done > "$t/got"
if [ "$(wc -l < "$t/want")" -ge 3 ] && cmp -s "$t/want" "$t/got"; then
    hvt_ok bioscalls.farcall_named_in_diff
else
    hvt_fail bioscalls.farcall_named_in_diff "guest printed $(wc -l < "$t/want") entries, diff names: $(grep -m1 '^BIOS calls' "$t/farcall.diff"); $(diff "$t/want" "$t/got" | head -3 | tr '\n' ' ')"
fi

# biosfar: three E820 calls (int, far call, far jump) and one int 13h AH=41h by far
# call, each printed by the guest as it returned.
"$HVT" diff "$t/biosfar.db" "$t/biosfar.db" > "$t/biosfar.diff" 2>&1
calls=$(grep -E '^  A #[0-9]+ +int ' "$t/biosfar.diff" | sed 's/^  A #[0-9]* *//')
want=$(sqlite3 "$t/biosfar.db" "SELECT line FROM serial_lines" | awk '
    $1 ~ /^(INT|CALLF|JMPF)$/ && $2 == "CF=0" && $3 == "EBX=00000001" && $4 == "T=00000001" {
        print "int 15h E820 entry 0: 0000000000000000-000000000009fbff type 1 (RAM), next 1" }
    $1 == "EXT" && $2 == "CF=0" && $3 == "BX=aa55" { print "int 13h AH=41h extensions check drive 80h: supported, version 30h" }')
if [ "$(echo "$want" | grep -c .)" = 4 ] && [ "$calls" = "$want" ]; then
    hvt_ok bioscalls.int_callf_jmpf_named_in_diff
else
    hvt_fail bioscalls.int_callf_jmpf_named_in_diff "want (from the guest's lines) [$(echo "$want" | tr '\n' '|')], diff names [$(echo "$calls" | tr '\n' '|')]"
fi

# The int15-e820 recipe: farcall's entries as the guest printed them; biosfar's three
# calls caught at the instruction that made them and back where each returns.
"$HVT" record --recipe int15-e820 --timeout 120 -o "$t/farcall-r.db" "$(img farcall)" > "$t/fr.out" 2>&1
sqlite3 "$t/farcall-r.db" "SELECT text FROM events WHERE kind = 'recipe' AND text LIKE 'tag=e820 %'" |
    while read -r line; do
        printf '%s %s %d\n' "$(echo "$line" | field base | sed 's/^0x//')" \
            "$(echo "$line" | field length | sed 's/^0x//')" "$(echo "$line" | field type)"
    done > "$t/rgot"
if [ -s "$t/want" ] && cmp -s "$t/want" "$t/rgot"; then hvt_ok bioscalls.farcall_recipe_entries
else hvt_fail bioscalls.farcall_recipe_entries "recipe logged [$(tr '\n' '|' < "$t/rgot")], guest printed [$(tr '\n' '|' < "$t/want")]: $(tail -1 "$t/fr.out")"; fi

"$HVT" record --recipe int15-e820 --timeout 120 -o "$t/biosfar-r.db" "$(img biosfar)" > "$t/br.out" 2>&1
got=$(sqlite3 "$t/biosfar-r.db" "SELECT text FROM events WHERE kind = 'recipe' AND text LIKE 'tag=e820 %'" |
      while read -r line; do echo "$(echo "$line" | field caller)>$(echo "$line" | field at) $(echo "$line" | field type)"; done | tr '\n' ' ')
want=""
for c in c_int:2 c_callf:4 c_jmpf:r_jmpf; do
    at=$(sym biosfar "${c%:*}")
    case ${c#*:} in r_jmpf) ret=$(sym biosfar r_jmpf) ;; *) ret=$(printf '0000:%04x' $((16#${at#0000:} + ${c#*:}))) ;; esac
    want="$want$at>$ret 1 "
done
if [ "$got" = "$want" ]; then hvt_ok bioscalls.int_callf_jmpf_recipe
else hvt_fail bioscalls.int_callf_jmpf_recipe "recipe: caller>return type [$got], want [$want]: $(tail -1 "$t/br.out")"; fi
