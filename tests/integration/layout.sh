#!/usr/bin/env bash
# layout: scripts/check-layout.sh on the real tree (every room includes only the
# rooms below it, every room has its README), and on small trees made here that
# break one rule each, so the check is shown to fail when it should: a lower room
# including a higher one (diffing/ -> record/, db/ -> reports/), hv/ including a
# tracer room, a relative include, an unknown room, a room without README.
# Needs no QEMU.
. "$(dirname "$0")/../lib.sh"

check=$HVT_ROOT/scripts/check-layout.sh
if out=$(bash "$check" "$HVT_ROOT" 2>&1); then
    hvt_ok "layout: the tree (${out#ok layout: })"
else
    hvt_fail "layout: the tree" "$(printf '%s' "$out" | head -5 | tr '\n' ';')"
fi

d=$(hvt_tmpdir)
# mini ROOM/FILE 'INCLUDE LINE': a tree with every room (README only) plus one file.
mini() {
    local t=$d/$1 r
    rm -rf "$t"; mkdir -p "$t"
    for r in common hv gdbstub qemu bochs recipes db record diffing compare reports cli; do
        mkdir -p "$t/$r"; echo "# $r" > "$t/$r/README.md"
    done
    mkdir -p "$t/$(dirname "$2")"
    printf '%s\n' "$3" > "$t/$2"
    echo "$t"
}
# expect NAME TREE PATTERN: the check fails on TREE and names the problem.
expect() {
    local out
    if out=$(bash "$check" "$2" 2>&1); then
        hvt_fail "layout: $1" "check passed a tree that breaks the rule"
    elif printf '%s' "$out" | grep -q -- "$3"; then
        hvt_ok "layout: $1"
    else
        hvt_fail "layout: $1" "check failed without naming it: $(printf '%s' "$out" | head -2 | tr '\n' ';')"
    fi
}

t=$(mini good record/x.c '#include "db/rundb.h"')
if bash "$check" "$t" > /dev/null; then hvt_ok "layout: record/ may include db/"
else hvt_fail "layout: record/ may include db/" "rejected an allowed include"; fi

expect "diffing/ including record/ rejected" \
    "$(mini diff-rec diffing/x.c '#include "record/recorder.h"')" 'diffing/x.c:1: diffing/ includes record/recorder.h'
expect "db/ including reports/ rejected" \
    "$(mini db-rep db/x.h '  #  include "reports/report.h"')" 'db/x.h:1: db/ includes reports/report.h'
expect "reports/ including cli/ rejected" \
    "$(mini rep-cli reports/x.c '#include "cli/cli.h"')" 'reports/ includes cli/cli.h'
expect "hv/ including common/ rejected" \
    "$(mini hv-common hv/svm/x.c '#include "common/cpu_state.h"')" 'hv/ includes common/cpu_state.h'
expect "relative include rejected" \
    "$(mini relative qemu/x.c '#include "qemulog.h"')" 'not a full path'
expect "unknown room rejected" \
    "$(mini unknown tracer/x.c '#include "common/addr.h"')" 'tracer/: not a known room'
t=$(mini noreadme compare/x.c '#include "diffing/align.h"'); rm "$t/compare/README.md"
expect "room without README rejected" "$t" 'compare/: no README.md'
