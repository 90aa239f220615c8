#!/usr/bin/env bash
# The case tests (cases_*.sh) run tests/guests/cases/, the project's copies of
# the guests handed with issue 9 (../shared/cases/guests, ../shared/cases/
# guests-nasm), some sharing include files since.  Truth: the handed sources,
# built by their own build.sh (GNU as) and by nasm as their README says, must
# give the very images the tests boot: byte for byte for the 64 KiB .S disks;
# the 512-byte NASM sectors followed only by the zeros that make them a disk.
# hostile.S includes the project's guest.inc (its header says so).  Skipped
# where the handed cases are not next to the repository (a clone elsewhere).
. "$(dirname "$0")/../lib.sh"
hvt_need as ld objcopy nasm
handed=$HVT_ROOT/../shared/cases
if [ ! -d "$handed/guests" ] || [ ! -d "$handed/guests-nasm" ]; then
    hvt_skip cases_sources "no handed cases at $handed"
    exit 0
fi
t=$(hvt_tmpdir)
cp -r "$handed/guests" "$t/gas"
cp "$HVT_ROOT/tests/guests/guest.inc" "$t/gas/"
for src in "$t"/gas/*.S; do
    g=$(basename "$src" .S)
    ours=$HVT_BUILD/guests/cases/$g.img
    if ! (cd "$t/gas" && ./build.sh "$g") > "$t/$g.build" 2>&1; then
        hvt_fail "cases_sources.$g" "the handed source does not build: $(tail -1 "$t/$g.build")"
    elif cmp -s "$t/gas/$g.img" "$ours"; then
        hvt_ok "cases_sources.$g"
    else
        hvt_fail "cases_sources.$g" "$ours is not the handed $g.S's image: $(cmp "$t/gas/$g.img" "$ours" 2>&1)"
    fi
done
for src in "$handed"/guests-nasm/*.asm; do
    g=$(basename "$src" .asm)
    ours=$HVT_BUILD/guests/cases/$g.img
    if ! nasm -f bin -o "$t/$g.img" "$src" > "$t/$g.build" 2>&1; then
        hvt_fail "cases_sources.$g" "the handed source does not build: $(tail -1 "$t/$g.build")"
        continue
    fi
    n=$(stat -c %s "$t/$g.img")
    if cmp -s -n "$n" "$t/$g.img" "$ours" &&
       [ "$(tail -c +$((n + 1)) "$ours" | tr -d '\0' | wc -c)" = 0 ]; then
        hvt_ok "cases_sources.$g"
    else
        hvt_fail "cases_sources.$g" "$ours is not the handed $g.asm's sector plus zeros"
    fi
done
