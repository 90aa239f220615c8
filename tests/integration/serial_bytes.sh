#!/usr/bin/env bash
# A guest's serial bytes, from the guest to the run file and to the screen
# (a new user's trial: a bare CR inside a line vanished; the four characters
# \x1b printed by a guest read exactly like its ESC byte).  The guest,
# tests/guests/serbytes.S, prints the awkward bytes; plain QEMU's
# -serial file: output is the truth, cut into lines and escaped here, in
# Python, by the rules the README states (independently of textesc.c):
#   escaped text: a backslash is \\, a control byte (C0 but TAB/LF where kept,
#   DEL, C1) or a byte that is not UTF-8 is \xNN, anything else itself.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3 python3
HVT=$HVT_BUILD/hvtrace
hvt_private_tmpdir
cd "$t"

hvt_qemu_run serbytes q > /dev/null || { hvt_fail serial_bytes "plain QEMU: status $(cat q/status)"; exit 0; }
img=$(hvt_guest_img serbytes)
"$HVT" record --from 0000:7c00 -o a.db "$img" > a.out 2>&1 || { hvt_fail serial_bytes "record: $(tail -1 a.out)"; exit 0; }
"$HVT" record --engine rsp --from 0000:7c00 -o r.db "$img" > r.out 2>&1
# B: the same guest with one byte of the \x1b line changed, so diff names that line.
sed 's/back\\\\slash/back\\\\slosh/' "$HVT_ROOT/tests/guests/serbytes.S" > b.S
as --32 -I "$HVT_ROOT/tests/guests" -o b.o b.S && ld -m elf_i386 -Ttext 0x7c00 -e _start -o b.elf b.o &&
    objcopy -O binary b.elf b.img && truncate -s 65536 b.img
"$HVT" record --from 0000:7c00 -o b.db b.img > b.out 2>&1

# esc.py FILE [lines|hex]: the guest's line that holds \x1b, escaped as on a
# terminal; with "lines" every line, escaped, with "hex" every line in hex.
# The line rule (README): LF ends a line, a CR right before or after it
# belongs to the end, every other byte (CR, NUL) to the line; output not
# ended by LF is a last line.
cat > esc.py <<'PY'
import sys
def esc(b):
    out, i = [], 0
    while i < len(b):
        c = b[i]
        n = 1 if c < 0x80 else 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else 4 if 0xf0 <= c <= 0xf4 else 0
        try:
            ch = b[i:i + n].decode('utf-8') if n else None
        except UnicodeDecodeError:
            ch = None
        if ch is None or len(ch) != 1 or ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f:
            k = 2 if ch is not None and 0x80 <= ord(ch) <= 0x9f else 1
            out += ['\\x%02x' % x for x in b[i:i + k]]
            i += k
        else:
            out.append('\\\\' if ch == '\\' else ch)
            i += n
    return ''.join(out)
data = open(sys.argv[1], 'rb').read()
pieces = data.split(b'\n')               # each but the last ended by LF
lines = []
for k, l in enumerate(pieces):
    if k > 0 and l.startswith(b'\r'):      # LF CR: the CR after the LF
        l = l[1:]
    if k < len(pieces) - 1:
        lines.append(l[:-1] if l.endswith(b'\r') else l)   # CR LF
    elif l:
        lines.append(l)
mode = sys.argv[2] if len(sys.argv) > 2 else ''
for l in lines:
    if mode == 'hex':
        print(l.hex().upper())
    elif mode == 'lines' or b'lit ' in l:
        print(esc(l))
PY
want=$(python3 esc.py q/serial.txt)

# ---- the escaping: info, diff (text, JSON, HTML) ----
"$HVT" info a.db > a.info 2>&1
if grep -qxF "$(printf '%12s  serial  %s' "$(sqlite3 a.db "SELECT step FROM serial_lines WHERE line LIKE 'lit %'")" "$want")" a.info &&
   grep -qF 'lit \\x1b and \x1b esc' a.info; then
    hvt_ok serial_bytes_info_escapes_backslash
else
    hvt_fail serial_bytes_info_escapes_backslash "want '$want', info: $(grep -a 'lit ' a.info)"
fi
"$HVT" diff a.db b.db > d.txt 2>&1
"$HVT" diff --json a.db b.db > d.json 2> /dev/null
"$HVT" diff --html d.html a.db b.db > /dev/null 2>&1
jv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' d.json 2>&1)
why=
grep -qF "\"$want\" in A" d.txt || why="$why text: $(grep -a verdict d.txt | head -1);"
[[ $jv == *"\"$want\" in A"* ]] || why="$why JSON verdict: $jv;"
grep -qF "&quot;$want&quot; in A" d.html || why="$why HTML: $(grep -ao 'lit [^&]*' d.html | head -1);"
[ -z "$why" ] && hvt_ok serial_bytes_diff_escapes_backslash || hvt_fail serial_bytes_diff_escapes_backslash "want '$want':$why"

# ---- the bytes: every line of the run file is the guest's, CR and NUL kept ----
python3 esc.py q/serial.txt hex > want.hex
for e in a r; do
    sqlite3 "$e.db" "SELECT hex(CAST(line AS BLOB)) FROM serial_lines" > "$e.hex" 2>&1
    name=serial_bytes_run_file_keeps_cr_and_nul_$([ $e = a ] && echo log || echo rsp)
    if [ -s want.hex ] && cmp -s want.hex "$e.hex"; then
        hvt_ok "$name"
    else
        hvt_fail "$name" "$(diff want.hex "$e.hex" | head -6 | tr '\n' ' ')"
    fi
done
# info shows each of them escaped (a CR as \x0d): the same lines, one each.
python3 esc.py q/serial.txt lines > want.lines
sed -n '/^serial lines/,/^events/p' a.info | sed '1d;$d' | sed -E 's/^ +[0-9]+  serial  //' > got.lines
if cmp -s want.lines got.lines; then
    hvt_ok serial_bytes_info_shows_every_byte
else
    hvt_fail serial_bytes_info_shows_every_byte "$(diff want.lines got.lines | head -6 | tr '\n' ' ')"
fi
