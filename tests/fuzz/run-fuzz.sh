#!/usr/bin/env bash
# Build every tests/fuzz/fuzz_*.c as a libFuzzer target against BUILD_DIR's
# libhvtrace.a (built with -fsanitize=fuzzer-no-link,address,undefined by
# `make fuzz`) and run each for FUZZ_SECONDS (default 20).  Seeds come from the
# unit-test fixtures (QEMU's XML, recorded RSP frames); corpora and crash files
# stay in BUILD_DIR/fuzz/.  Prints "ok NAME" or "FAIL NAME: ..." per target.
#   usage: tests/fuzz/run-fuzz.sh BUILD_DIR [NAME-FILTER]
set -u
B=${1:?usage: run-fuzz.sh BUILD_DIR [NAME-FILTER]}
filter=${2:-}
secs=${FUZZ_SECONDS:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
out=$B/fuzz
mkdir -p "$out"
[ -f "$B/libhvtrace.a" ] || { echo "FAIL fuzz: $B/libhvtrace.a missing (run make fuzz)"; exit 1; }

seed() {   # $1 target name, $2 corpus dir
    case $1 in
    fuzz_tdesc)
        for f in tests/unit/data/qemu72-*/*.xml; do cp "$f" "$2/$(basename "$(dirname "$f")")-$(basename "$f")"; done ;;
    fuzz_rsp_codec)
        # Stub-side lines of the recorded sessions, one seed each (escaped text,
        # but the frames in them are intact).
        grep -h '^< ' tests/unit/data/qemu72-*/session.txt | cut -c3- | head -40 |
            while IFS= read -r line; do printf '%s' "$line" > "$2/seed-$(printf '%s' "$line" | cksum | cut -d' ' -f1)"; done ;;
    fuzz_qemulog)
        cp tests/unit/data/qemulog/*.qemulog "$2"/ ;;
    fuzz_bochslog)
        cp tests/unit/data/bochslog/*.bochslog "$2"/ ;;
    fuzz_recipe)
        # The built-in recipes' text, as `hvtrace recipes NAME` prints it (the
        # fuzz build has no hvtrace binary: the normal build's, if there is one).
        local hvt=$root/build/hvtrace
        [ -x "$hvt" ] || return 0
        for r in $("$hvt" recipes | awk '{ print $1 }'); do "$hvt" recipes "$r" > "$2/$r"; done ;;
    esac
}

fail=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    case $name in *"$filter"*) ;; *) continue ;; esac
    bin=$out/$name
    if ! clang -std=c11 -D_GNU_SOURCE -O1 -g -I. -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=undefined -o "$bin" "$src" "$B/libhvtrace.a" \
            -lsqlite3 -lexpat -lcapstone -lz -lm 2> "$out/$name.build.log"; then
        echo "FAIL $name: does not build (see $out/$name.build.log)"; fail=1; continue
    fi
    corpus=$out/corpus-$name
    mkdir -p "$corpus"
    seed "$name" "$corpus"
    if (cd "$out" && "./$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 "corpus-$name") > "$out/$name.log" 2>&1; then
        echo "ok $name ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs in ${secs}s)"
    else
        echo "FAIL $name: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$out/$name.log") (log: $out/$name.log)"
        fail=1
    fi
done
exit $fail
