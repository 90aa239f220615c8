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
# B: the same guest with one byte of the \x1b line changed, so diff names that line.
sed 's/back\\\\slash/back\\\\slosh/' "$HVT_ROOT/tests/guests/serbytes.S" > b.S
as --32 -I "$HVT_ROOT/tests/guests" -o b.o b.S && ld -m elf_i386 -Ttext 0x7c00 -e _start -o b.elf b.o &&
    objcopy -O binary b.elf b.img && truncate -s 65536 b.img
"$HVT" record --from 0000:7c00 -o b.db b.img > b.out 2>&1

# esc.py MODE < BYTES: the guest's line that holds \x1b, escaped for MODE
# (terminal: one line, LF/TAB escaped).
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
line = [l for l in data.split(b'\n') if b'lit ' in l][0]
if line.endswith(b'\r'):
    line = line[:-1]
print(esc(line))
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
