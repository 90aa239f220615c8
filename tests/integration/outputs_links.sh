#!/usr/bin/env bash
# An output path that is a symbolic link is written through, as `cp x LINK`
# and a shell's `> LINK` do: the file the link points to gets the new
# contents (atomically: a temporary file beside the target, renamed onto it),
# the link stays a link.  Checked for `mem -o`, `diff --html`, `record -o`
# with --force over a run and `record -o` to a dangling link, with the target
# in another directory and, where /dev/shm is another file system, there (a
# rename from the link's directory would fail across file systems).  Truths:
# readlink before and after, the guest image's boot sector in the snapshot
# written, the target's permissions, `hvtrace info` of the target, and the
# directories: no temporary file left in either.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
hvt_private_tmpdir
cd "$t"
img=$(hvt_guest_img hello)
mkdir links targets
far=targets
if [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d .)" ]; then
    far=$(mktemp -d /dev/shm/hvt-links.XXXXXX)
    hvt_at_exit "rm -rf '$far'"
fi
"$HVT" record --from 0000:7c00 --steps 5 -o ra.db "$img" > /dev/null 2>&1
"$HVT" record --from 0000:7c00 --steps 6 -o rb.db "$img" > /dev/null 2>&1

# linked NAME LINK TARGET: LINK still points to TARGET; no temporary file
# beside either; prints why not.
linked() {
    local why=
    [ -L "$2" ] && [ "$(readlink "$2")" = "$3" ] || why="$why $2 is no longer a link to $3 ($(ls -l "$2" | cut -c1-60));"
    local tp=$3; [[ $tp == /* ]] || tp=$(dirname "$2")/$3     # a relative link: from its directory
    local junk; junk=$(ls -a "$(dirname "$2")" "$(dirname "$tp")" | grep -E '\.tmp[0-9]|hvtrace-new' | tr '\n' ' ')
    [ -z "$junk" ] || why="$why left: $junk;"
    echo "$why"
}

# mem -o LINK, the target on another file system, mode 0640 kept.
echo old > "$far/mem.bin"; chmod 640 "$far/mem.bin"
ln -s "$far/mem.bin" links/mem.bin
"$HVT" mem ra.db start -o links/mem.bin > mem.out 2>&1; rc=$?
why=$(linked mem links/mem.bin "$far/mem.bin")
cmp -s <(head -c 512 "$img") <(tail -c +$((0x7c00 + 1)) "$far/mem.bin" | head -c 512) || why="$why the target does not hold the boot sector at 0x7c00;"
[ "$(stat -c %a "$far/mem.bin")" = 640 ] || why="$why mode $(stat -c %a "$far/mem.bin");"
[ "$rc" = 0 ] || why="$why exit $rc: $(cat mem.out);"
[ -z "$why" ] && hvt_ok links_mem_out_writes_through || hvt_fail links_mem_out_writes_through "$why"

# mem -o a dangling link (relative, into another directory): creates its target.
ln -s ../targets/new.bin links/new.bin
"$HVT" mem ra.db start -o links/new.bin > new.out 2>&1; rc=$?
why=$(linked new links/new.bin ../targets/new.bin)
cmp -s <(head -c 512 "$img") <(tail -c +$((0x7c00 + 1)) targets/new.bin | head -c 512) || why="$why targets/new.bin does not hold the boot sector;"
[ "$rc" = 0 ] || why="$why exit $rc: $(cat new.out);"
[ -z "$why" ] && hvt_ok links_mem_out_dangling_link_creates_target || hvt_fail links_mem_out_dangling_link_creates_target "$why"

# diff --html LINK.
echo old > "$far/r.html"
ln -s "$far/r.html" links/r.html
"$HVT" diff --html links/r.html ra.db rb.db > html.out 2>&1; rc=$?
why=$(linked html links/r.html "$far/r.html")
grep -q '</html>' "$far/r.html" && grep -q 'ra\.db' "$far/r.html" || why="$why the target holds no report ($(head -c 60 "$far/r.html"));"
[ "$rc" -le 1 ] || why="$why exit $rc: $(cat html.out);"
[ -z "$why" ] && hvt_ok links_diff_html_writes_through || hvt_fail links_diff_html_writes_through "$why"

# record --force -o LINK over a run; record -o a dangling link.
cp ra.db "$far/run.db"
ln -s "$far/run.db" links/run.db
"$HVT" record --force --from 0000:7c00 --steps 7 -o links/run.db "$img" > rec.out 2>&1; rc=$?
why=$(linked record links/run.db "$far/run.db")
[ "$(sqlite3 "$far/run.db" 'SELECT reason FROM run')" = 'recorded --steps 7' ] || why="$why the target is not the new run: $(sqlite3 "$far/run.db" 'SELECT reason FROM run' 2>&1);"
[ "$rc" = 0 ] || why="$why exit $rc: $(tail -1 rec.out);"
[ -z "$why" ] && hvt_ok links_record_force_writes_through || hvt_fail links_record_force_writes_through "$why"
ln -s ../targets/fresh.db links/fresh.db
"$HVT" record --from 0000:7c00 --steps 7 -o links/fresh.db "$img" > fresh.out 2>&1; rc=$?
why=$(linked fresh links/fresh.db ../targets/fresh.db)
[ "$(sqlite3 targets/fresh.db 'SELECT reason FROM run' 2>&1)" = 'recorded --steps 7' ] || why="$why targets/fresh.db is no run;"
[ "$rc" = 0 ] || why="$why exit $rc: $(tail -1 fresh.out);"
[ -z "$why" ] && hvt_ok links_record_dangling_link_creates_target || hvt_fail links_record_dangling_link_creates_target "$why"
