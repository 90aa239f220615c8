#!/usr/bin/env bash
# conventions: what a Unix tool is expected to keep, checked against truths
# outside hvtrace's own word where there is one:
#  - `hvtrace --version` / `hvtrace version`: git's own describe of this tree,
#    `qemu-system-x86_64 --version`, dpkg's Capstone package, the sqlite3 shell;
#  - the run file names the hvtrace that wrote it (schema 3, db/schema.sql's
#    user_version line), and a file of schema 2 (no such record) still opens;
#  - the manual page: `man --warnings` says nothing, every command of
#    `hvtrace --help` has a section, every option of every `CMD --help` is
#    described;
#  - `make install DESTDIR=...`: each file where hvtrace(1) FILES says, the
#    installed SQLite extension loads in the sqlite3 shell and counts the steps
#    run_info reports, the recipe files are the built-in recipes' text;
#  - bash completion (the installed file, sourced in bash): commands, options,
#    recipe names (README's list), --engine values;
#  - the progress line: drawn on a terminal (script(1) gives a pty), not with
#    TERM=dumb, not when stderr is a file; never a colour (SGR) sequence.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3 man git script
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img hello)

# ---- version
"$HVT" --version > "$t/v1" 2>&1; rc1=$?
"$HVT" version > "$t/v2" 2>&1; rc2=$?
first=$(head -1 "$t/v1")
qemu_line=$(qemu-system-x86_64 --version | head -1)
cs_pkg=$(dpkg-query -W -f '${Version}' libcapstone4 2>/dev/null | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
sqlite_lib=$(sqlite3 --version | awk '{ print $1 }')
why=""
[ $rc1 = 0 ] && [ $rc2 = 0 ] || why="$why exit $rc1/$rc2;"
cmp -s "$t/v1" "$t/v2" || why="$why --version and version differ;"
# The describe baked in must be git's own describe of the commit it names
# (not of HEAD: main may move on while a long `make check` runs).
baked=""
[[ $first =~ ^hvtrace\ [0-9]+\.[0-9]+\.[0-9]+\ \(git\ (.*)\)$ ]] && baked=${BASH_REMATCH[1]%-dirty}
commit=$baked
[[ $baked =~ -g([0-9a-f]+)$ ]] && commit=${BASH_REMATCH[1]}
[ -n "$baked" ] || why="$why first line '$first';"
describe=$(git -C "$HVT_ROOT" describe --always "$commit" 2>/dev/null)
[ -n "$baked" ] && [ "$baked" = "$describe" ] || why="$why baked git '$baked' vs git describe of it '$describe';"
grep -qxF "QEMU:     $qemu_line (qemu-system-x86_64)" "$t/v1" || why="$why no QEMU line '$qemu_line';"
[ -z "$cs_pkg" ] || grep -qx "Capstone: $cs_pkg" "$t/v1" || why="$why Capstone not $cs_pkg;"
grep -qx "SQLite:   $sqlite_lib" "$t/v1" || why="$why SQLite not $sqlite_lib;"
"$HVT" version --qemu "$t/no-such-qemu" | grep -q "^QEMU:     not found" || why="$why missing QEMU not named;"
if [ -z "$why" ]; then hvt_ok "version_names_build_qemu_capstone_sqlite ($first)"
else hvt_fail version_names_build_qemu_capstone_sqlite "$why"; fi

# ---- the run file records the hvtrace version (schema 3); schema 2 still reads
run=$t/run.db
schema=$(sed -n 's/^PRAGMA user_version = \([0-9]*\);.*/\1/p' "$HVT_ROOT/db/schema.sql")
if ! "$HVT" record --steps 40 -o "$run" "$img" > "$t/rec.out" 2>&1; then
    hvt_fail run_file_names_its_hvtrace "record: $(tail -1 "$t/rec.out")"
else
    why=""
    [ "$(sqlite3 "$run" 'PRAGMA user_version')" = "$schema" ] || why="$why user_version not $schema;"
    [ "$(sqlite3 "$run" 'SELECT hvtrace_version FROM run_info')" = "$first" ] ||
        why="$why run_info.hvtrace_version '$(sqlite3 "$run" 'SELECT hvtrace_version FROM run_info')';"
    "$HVT" info "$run" | grep -qxF "written by       $first" || why="$why info lacks 'written by';"
    cp "$run" "$t/old.db"
    sqlite3 "$t/old.db" "DELETE FROM meta WHERE key = 'hvtrace_version'; PRAGMA user_version = 2"
    "$HVT" info "$t/old.db" > "$t/old.out" 2>&1 || why="$why schema-2 file refused: $(tail -1 "$t/old.out");"
    grep -q "^written by .*not recorded" "$t/old.out" || why="$why schema-2 file not 'not recorded';"
    cp "$run" "$t/new.db"; sqlite3 "$t/new.db" "PRAGMA user_version = $((schema + 1))"
    "$HVT" info "$t/new.db" > "$t/new.out" 2>&1; rc=$?
    [ $rc = 2 ] && [ "$(wc -l < "$t/new.out")" = 1 ] && grep -q "schema version $((schema + 1))" "$t/new.out" ||
        why="$why newer file: exit $rc, '$(head -2 "$t/new.out" | tr '\n' ' ')';"
    if [ -z "$why" ]; then hvt_ok run_file_names_its_hvtrace
    else hvt_fail run_file_names_its_hvtrace "$why"; fi
fi

# ---- the manual page
page=$HVT_ROOT/docs/hvtrace.1
LC_ALL=C.UTF-8 man --warnings -l "$page" > "$t/man.txt" 2> "$t/man.err"
if [ -s "$t/man.err" ] || [ ! -s "$t/man.txt" ]; then
    hvt_fail man_page_renders_without_warnings "$(head -3 "$t/man.err" | tr '\n' ';')"
else
    hvt_ok man_page_renders_without_warnings
fi
why=""
cmds=$("$HVT" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ -n "$cmds" ] || why="no commands in hvtrace --help;"
for c in $cmds; do
    grep -q "^\.Ss hvtrace $c\b" "$page" || why="$why no section for $c;"
    for o in $("$HVT" "$c" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        [ "$o" = --help ] && continue
        grep -q -- "Fl \\\\-${o#--}\b" "$page" || why="$why $c $o;"
    done
done
for s in "EXIT STATUS" FILES EXAMPLES ENVIRONMENT; do grep -q "^\.Sh $s" "$page" || why="$why no $s;"; done
grep -q "^\.It Ev NO_COLOR" "$page" || why="$why NO_COLOR undocumented;"
if [ -z "$why" ]; then hvt_ok "man_page_covers_every_command_and_option ($(echo $cmds | wc -w) commands)"
else hvt_fail man_page_covers_every_command_and_option "$why"; fi

# ---- make install
dest=$t/dest
bdir=$(realpath --relative-to="$HVT_ROOT" "$HVT_BUILD")
# -o all: install what is built, rebuild nothing (a suite must not change the
# binaries the other tests run).
if ! make -s -o all -C "$HVT_ROOT" B="$bdir" DESTDIR="$dest" PREFIX=/usr install > "$t/install.out" 2>&1; then
    hvt_fail make_install_places_files "$(tail -3 "$t/install.out" | tr '\n' ';')"
else
    why=""
    for f in bin/hvtrace share/man/man1/hvtrace.1 lib/hvtrace/hvtrace-sqlite.so \
             share/hvtrace/schema.sql share/hvtrace/hv-i386.elf share/hvtrace/hv-x86_64.elf \
             share/hvtrace/gdb/realmode.gdb share/hvtrace/gdb/int15-e820.gdb \
             share/bash-completion/completions/hvtrace; do
        [ -s "$dest/usr/$f" ] || why="$why no $f;"
    done
    for r in int15-e820 int1a-tcg ivt-watch; do
        cmp -s <("$HVT" recipes "$r") "$dest/usr/share/hvtrace/recipes/$r.recipe" || why="$why recipe $r;"
    done
    LC_ALL=C.UTF-8 man --warnings -l "$dest/usr/share/man/man1/hvtrace.1" 2>&1 > /dev/null | grep -q . &&
        why="$why installed page warns;"
    if [ -s "$run" ]; then
        n=$(sqlite3 "$run" ".load $dest/usr/lib/hvtrace/hvtrace-sqlite" "SELECT count(*) FROM steps_hex" 2>&1)
        [ "$n" = "$(sqlite3 "$run" 'SELECT steps FROM run_info')" ] || why="$why extension counts '$n';"
    fi
    [ "$("$dest/usr/bin/hvtrace" --version | head -1)" = "$("$HVT" --version | head -1)" ] ||
        why="$why installed binary's version;"
    if [ -z "$why" ]; then hvt_ok make_install_places_files
    else hvt_fail make_install_places_files "$why"; fi
fi

# ---- bash completion, as installed
comp=$dest/usr/share/bash-completion/completions/hvtrace
[ -f "$comp" ] || comp=$HVT_ROOT/scripts/hvtrace-completion.bash
mkdir -p "$t/empty"       # file names complete too: none here
out=$(cd "$t/empty" && bash --norc -c '
    . "$1"; hvt=$2
    t() { COMP_WORDS=("$hvt" "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _hvtrace
          echo "${COMP_WORDS[*]:1}|$(printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd " ")"; }
    complete -p hvtrace
    t re; t ver; t record --snap; t record --recipe i; t recipes ""; t diff --js
    t record --engine ""; t show --c; t record --steps ""' _ "$comp" "$HVT" 2>&1)
why=""
want=( "complete -o filenames -F _hvtrace hvtrace"
       "re|recipes record" "ver|version"
       "record --snap|--snapshot-at --snapshot-every"
       "record --recipe i|int15-e820 int1a-tcg ivt-watch"
       "diff --js|--json" "record --engine |log rsp" "show --c|--count" "record --steps |" )
for w in "${want[@]}"; do printf '%s\n' "$out" | grep -qxF -- "$w" || why="$why want '$w';"; done
printf '%s\n' "$out" | grep -q "^recipes |.*int15-e820.*ivt-watch" || why="$why recipes NAME;"
if [ -z "$why" ]; then hvt_ok bash_completion_commands_options_recipes
else hvt_fail bash_completion_commands_options_recipes "$why got: $(printf '%s' "$out" | tr '\n' ';')"; fi

# ---- the progress line: terminal only, never coloured
# The RSP engine reports every 512 steps and steps at ~4,000/s at most, so
# 3000 steps take longer than the line's 0.25 s redraw interval.
rec=(record --engine rsp --steps 3000 -o "$t/p.db" "$img")
prog() {   # $1 TERM value, $2 output file; the recording's stderr is a pty
    rm -f "$t/p.db"
    TERM=$1 script -qec "$(printf '%q ' "$HVT" "${rec[@]}")" /dev/null > "$2" 2>&1
}
prog xterm "$t/tty.out"; prog dumb "$t/dumb.out"
rm -f "$t/p.db"; "$HVT" "${rec[@]}" > "$t/file.out" 2>&1
why=""
grep -q $'steps/s.*\e\[K' "$t/tty.out" || why="$why no progress line on a terminal;"
grep -q 'steps/s  ' "$t/dumb.out" && why="$why progress line with TERM=dumb;"
grep -q 'steps/s  ' "$t/file.out" && why="$why progress line in a file;"
grep -q $'\e\[[0-9;]*m' "$t/tty.out" && why="$why colour sequence;"
if [ -z "$why" ]; then hvt_ok progress_line_only_on_a_capable_terminal
else hvt_fail progress_line_only_on_a_capable_terminal "$why"; fi
