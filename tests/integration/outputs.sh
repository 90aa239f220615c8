#!/usr/bin/env bash
# Outputs a user can point at the wrong place (a new user's report): an output
# that is one of the command's own inputs is refused in one line, exit 2, with
# the input unchanged (its sha256 before and after is the truth), whatever the
# spelling (./, a symlink, a hard link: st_dev/st_ino).
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
C=$HVT_BUILD/guests/cases
hvt_private_tmpdir
cd "$t"

cp "$C/irqs.img" disk.img
ln -s disk.img disk-link.img
"$HVT" record --steps 5 -o ra.db disk.img > /dev/null 2>&1
"$HVT" record --steps 6 -o rb.db disk.img > /dev/null 2>&1
ln rb.db rb-hard.db

# same NAME FILE STDERR-REGEX -- CMD...: exit 2, one stderr line matching, FILE
# unchanged.
same() {
    local name=$1 file=$2 want=$3; shift 4
    local before; before=$(sha256sum < "$file")
    timeout 120 "$@" > "$name.out" 2> "$name.err"; local rc=$?
    local why=
    [ "$rc" = 2 ] || why="$why exit $rc;"
    [ "$(grep -c . "$name.err")" = 1 ] && grep -Eq "$want" "$name.err" || why="$why stderr '$(head -c 300 "$name.err")';"
    [ "$(sha256sum < "$file")" = "$before" ] || why="$why $file changed;"
    [ -z "$why" ] && hvt_ok "outputs_$name" || hvt_fail "outputs_$name" "$why"
}

same diff_html_is_run_a ra.db '^hvtrace diff: --html \./ra\.db is the run file ra\.db' -- \
    "$HVT" diff ra.db rb.db --html ./ra.db
same diff_html_is_run_b_hardlink rb.db '^hvtrace diff: --html rb-hard\.db is the run file rb\.db' -- \
    "$HVT" diff ra.db rb.db --html rb-hard.db
same mem_out_is_run ra.db '^hvtrace mem: -o ra\.db is the run file ra\.db' -- \
    "$HVT" mem ra.db start -o ra.db
same record_out_is_disk disk.img '^hvtrace record: -o disk\.img is the guest image disk-link\.img' -- \
    "$HVT" record --force --steps 5 -o disk.img disk-link.img
cp "$HVT_BUILD/hv-i386.elf" hv.elf
same record_out_is_hv hv.elf '^hvtrace record: -o hv\.elf is the hv image hv\.elf' -- \
    "$HVT" record --force --steps 5 --with-hv=hv.elf -o hv.elf disk.img

# Standard output that cannot be written (/dev/full: every write fails with
# ENOSPC) is trouble: exit 2 and one line saying so, for every command, also
# diff, whose 1 would otherwise say "they differ".
if [ -w /dev/full ]; then
    for cmd in "show ra.db --count 0" "show ra.db" "info ra.db" "why ra.db 3 eax" \
               "diff --json ra.db rb.db" "diff ra.db rb.db" "recipes" "--help"; do
        "$HVT" $cmd > /dev/full 2> full.err; rc=$?
        name=stdout_full_$(echo "$cmd" | tr -c 'a-z0-9\n' _)
        if [ $rc = 2 ] && [ "$(grep -c . full.err)" = 1 ] &&
           grep -Eq '^hvtrace( [a-z]+)?: cannot write standard output: No space left on device$' full.err; then
            hvt_ok "outputs_$name"
        else
            hvt_fail "outputs_$name" "exit $rc: $(head -c 300 full.err)"
        fi
    done
else
    hvt_skip outputs_stdout_full "no writable /dev/full"
fi

# A newline from the command line or a run file never splits a line: errors
# stay one line and info's fields one line each, the LF shown as \x0a.
oneline() {  # NAME WANT-STDERR -- CMD...
    local name=$1 want=$2; shift 3
    "$@" > "$name.out" 2> "$name.err"; local rc=$?
    if [ $rc = 2 ] && [ "$(wc -l < "$name.err")" = 1 ] && grep -qxF "$want" "$name.err"; then
        hvt_ok "outputs_$name"
    else
        hvt_fail "outputs_$name" "exit $rc: $(head -c 300 "$name.err")"
    fi
}
oneline newline_in_file_name 'hvtrace info: a\x0ab.db: cannot open: No such file or directory' -- \
    "$HVT" info $'a\nb.db'
oneline newline_in_number "hvtrace show: bad number '1\\x0a2' (see 'hvtrace show --help')" -- \
    "$HVT" show ra.db --from $'1\n2'
# Numbers are decimal, a leading 0 included (C's octal made --steps 010 eight
# steps and --from 08 a bad number), or hex after 0x (a new user's report).
"$HVT" record --steps 010 -o r10.db disk.img > /dev/null 2>&1
n10=$(sqlite3 r10.db "SELECT steps FROM run_info" 2>&1)
f04=$("$HVT" show ra.db --from 04 --count 1 2>&1 | awk 'NR == 1 { print $1 }')
fx4=$("$HVT" show ra.db --from 0x4 --count 1 2>&1 | awk 'NR == 1 { print $1 }')
"$HVT" show ra.db --from 0x --count 1 > /dev/null 2> x.err; rcx=$?
if [ "$n10" = 10 ] && [ "$f04" = 4 ] && [ "$fx4" = 4 ] && [ $rcx = 2 ] && grep -q "bad number '0x'" x.err; then
    hvt_ok outputs_numbers_decimal_or_hex
else
    hvt_fail outputs_numbers_decimal_or_hex "--steps 010: $n10 steps; --from 04: step $f04; --from 0x4: step $fx4; --from 0x: exit $rcx $(head -c 200 x.err)"
fi
# info shows how the recording ran (README "How --from stays faithful"): the
# replay's free run and its command line, the gdbstub's stepping flags; as the
# meta table holds them (a new user found them only with sqlite3).
"$HVT" record --engine rsp --from 0000:7c00 --steps 3 -o rr.db disk.img > /dev/null 2>&1
"$HVT" info rr.db > rr.info 2>&1
missing=
for k in qemu_replay qemu_free_cmdline gdbstub_sstep; do
    v=$(sqlite3 rr.db "SELECT value FROM meta WHERE key = '$k'")
    [ -n "$v" ] && grep -qxF "$(printf '%-16s %s' "$k" "$v")" rr.info || missing="$missing $k"
done
[ -z "$missing" ] && hvt_ok outputs_info_shows_replay_meta || hvt_fail outputs_info_shows_replay_meta "not shown:$missing"
cp ra.db meta.db
sqlite3 meta.db "UPDATE meta SET value = 'two' || char(10) || 'lines' || char(9) || 'tab' WHERE key = 'engine'"
"$HVT" info meta.db > meta.out 2>&1
if grep -qxF 'engine           two\x0alines\x09tab' meta.out && ! grep -qx 'lines.*' meta.out; then
    hvt_ok outputs_newline_in_meta_value
else
    hvt_fail outputs_newline_in_meta_value "$(grep -A1 '^engine' meta.out)"
fi

# Messages that name the real problem (a new user's report): exit 2, one line,
# exactly this text, no file left where -o pointed, nothing in $TMPDIR.
mkdir adir
says() {  # NAME WANT-STDERR -- CMD...
    local name=$1 want=$2; shift 3
    rm -f x.db
    timeout 120 "$@" > "$name.out" 2> "$name.err"; local rc=$?
    local left; left=$(ls "$TMPDIR"; ls | grep -E '^x\.db')
    if [ $rc = 2 ] && [ "$(wc -l < "$name.err")" = 1 ] && grep -qxF "$want" "$name.err" && [ -z "$left" ]; then
        hvt_ok "outputs_$name"
    else
        hvt_fail "outputs_$name" "exit $rc: $(head -c 300 "$name.err") | left: $left"
    fi
}
says out_is_directory "hvtrace record: -o adir: is a directory; give a run file name" -- \
    "$HVT" record --force -o adir disk.img
says out_dir_missing "hvtrace record: cannot create /nonexistent/x.db: No such file or directory" -- \
    "$HVT" record --force -o /nonexistent/x.db disk.img
says disk_is_directory "hvtrace record: adir: is a directory, not a disk image" -- \
    "$HVT" record -o x.db adir
says hv_not_multiboot "hvtrace record: /etc/passwd: not a multiboot ELF image (hv-i386.elf or hv-x86_64.elf)" -- \
    "$HVT" record -o x.db --with-hv=/etc/passwd disk.img
says timeout_range "hvtrace record: bad --timeout '1000000' (seconds, more than 0 and at most 604800: a week; e.g. 5 or 0.5) (see 'hvtrace record --help')" -- \
    "$HVT" record -o x.db --timeout 1000000 disk.img
says option_value_missing "hvtrace record: option '--from' needs a value (see 'hvtrace record --help')" -- \
    "$HVT" record -o x.db disk.img --from
says option_unknown "hvtrace show: unknown option '--bogus' (see 'hvtrace show --help')" -- \
    "$HVT" show ra.db --bogus

# mem -o and diff --html write under a temporary name renamed when complete;
# an output that exists and is not a regular file (a FIFO, /dev/full) is
# written in place, never replaced by a file.  The truth: the bytes `mem -o
# FILE` wrote.
"$HVT" mem ra.db start -o start.bin 2> mem.err
mkfifo fifo
cat fifo > from-fifo & reader=$!
"$HVT" mem ra.db start -o fifo 2> fifo.err; rc=$?
wait $reader
if [ $rc = 0 ] && [ -p fifo ] && [ -s start.bin ] && cmp -s start.bin from-fifo && [ -z "$(ls | grep '\.tmp')" ]; then
    hvt_ok outputs_mem_into_fifo
else
    hvt_fail outputs_mem_into_fifo "exit $rc: $(cat mem.err fifo.err) $(ls -l fifo from-fifo start.bin)"
fi
if [ -w /dev/full ]; then
    says mem_into_full_device "hvtrace mem: cannot write /dev/full: No space left on device" -- \
        "$HVT" mem ra.db start -o /dev/full
fi
mkfifo hfifo
timeout 60 cat hfifo > html-from-fifo & reader=$!
"$HVT" diff ra.db rb.db --html hfifo > /dev/null 2> hfifo.err; rc=$?
if [ -p hfifo ]; then wait $reader; else kill $reader; wait $reader; fi 2>/dev/null
if [ $rc -le 1 ] && [ -p hfifo ] && grep -q '</html>' html-from-fifo; then
    hvt_ok outputs_diff_html_into_fifo
else
    hvt_fail outputs_diff_html_into_fifo "exit $rc: $(cat hfifo.err); $(ls -l hfifo) $(wc -c < html-from-fifo) bytes read"
fi
