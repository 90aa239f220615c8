#!/usr/bin/env bash
# wording: the small text a new user reads first, checked against what the
# text claims rather than against hvtrace's own output of yesterday:
#  - every "(see 'hvtrace ... --help')" a usage error prints names a command
#    line that, run as written (split by the shell), prints help and exits 0;
#    none has a doubled space;
#  - `record -o EXISTING` refuses in one line that names --force, exits 2,
#    starts no QEMU and leaves the old file byte for byte; --force replaces it;
#  - a run file that is not there says so in the system's words;
#  - a count of one reads "1 step", never "1 steps": in record's last line,
#    info, show past the end, why past the end, and a diff of the run with
#    itself (English, not hvtrace, decides).
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img hello)
cd "$t"

# ---- the help a usage error points to
why=""
for args in "bogus" "record --bogus" "show --bogus" "info" "mem" "diff" "why" \
            "recipes nosuchrecipe" "version --bogus"; do
    # shellcheck disable=SC2086
    "$HVT" $args > /dev/null 2> err; rc=$?
    see=$(sed -n "s/.*(see '\\(hvtrace[^']*\\)')\$/\\1/p" err)
    [ $rc = 2 ] && [ "$(grep -c . err)" = 1 ] || why="$why '$args': exit $rc, $(grep -c . err) lines;"
    [ -n "$see" ] || { why="$why '$args' names no help: $(cat err);"; continue; }
    case $see in *"  "*) why="$why '$args' says '$see' (double space);" ;; esac
    # shellcheck disable=SC2086
    "$HVT_BUILD"/$see > help.out 2>&1 || why="$why '$see' exits $?;"
    grep -q '^usage: hvtrace' help.out || why="$why '$see' prints no usage;"
done
"$HVT" --help 2>&1 | grep -n 'hvtrace  ' > dbl && why="$why --help: $(cat dbl);"
if [ -z "$why" ]; then hvt_ok usage_errors_name_a_help_that_runs
else hvt_fail usage_errors_name_a_help_that_runs "$why"; fi

# ---- a run file that is not there: the system's word for it (ENOENT's text),
# not SQLite's "unable to open database file"
"$HVT" info nosuch.db > /dev/null 2> noent.err; rc=$?
want="hvtrace info: nosuch.db: cannot open: $(python3 -c 'import os; print(os.strerror(2))')"
if [ $rc = 2 ] && [ "$(cat noent.err)" = "$want" ]; then hvt_ok missing_run_file_says_why
else hvt_fail missing_run_file_says_why "exit $rc: $(cat noent.err)"; fi

# ---- an existing run file
echo "an old run" > old.db
cp old.db old.copy
timeout 60 "$HVT" record --steps 1 -o old.db "$img" > exist.out 2> exist.err; rc=$?
if [ $rc = 2 ] && [ "$(grep -c . exist.err)" = 1 ] && grep -q -- '--force' exist.err &&
   grep -q '^hvtrace record: old.db: already exists' exist.err && cmp -s old.db old.copy; then
    hvt_ok record_over_an_existing_file_says_force
else
    hvt_fail record_over_an_existing_file_says_force "exit $rc: $(head -c 300 exist.err)"
fi

# ---- counts of one: a run of exactly one step (and its snapshots)
timeout 120 "$HVT" record --force --steps 1 -o old.db "$img" > one.out 2> one.err; rc=$?
{
    cat one.out
    "$HVT" info old.db
    "$HVT" show old.db --from 5 2>&1
    "$HVT" why old.db 5 eax 2>&1
    "$HVT" diff old.db old.db 2>&1
} > all.out
why=""
[ $rc = 0 ] || why="record exit $rc: $(cat one.err);"
grep -q '^old.db: 1 step (' one.out || why="$why record says '$(cat one.out)';"
grep -q '(1 step)' all.out || why="$why show past the end: $(grep -i 'past' all.out);"
grep -q 'has 1 step;' all.out || why="$why why past the end: $(grep 'no step' all.out);"
grep -q '^A: old.db: 1 step,' all.out || why="$why diff: $(grep '^A:' all.out);"
bad=$(grep -nE '(^|[^0-9.x#])1 (steps|snapshots|bytes|hunks|differences|times|resynchronisations)\b' all.out)
[ -z "$bad" ] || why="$why '$bad';"
if [ -z "$why" ]; then hvt_ok counts_of_one_read_singular
else hvt_fail counts_of_one_read_singular "$why"; fi
