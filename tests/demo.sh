#!/usr/bin/env bash
# The demo (make demo): the seed's investigation, reproduced on this machine.
#
# The winlike guest does what the Windows 10 boot sector does as far as the
# firmware sees it: int 13h reads, int 1Ah AX=BB00h (TCG_StatusCheck, which
# SeaBIOS answers through an SMI: `out %al,$0xb2`), the E820 loop, A20.  It is
# recorded from 0000:7c00 without hv and under hv, the two runs are diffed, and
# the report says where they part.  That is done for four configurations:
#   smi=host    hv takes the SMI in host context (the seed's failure class)
#   smi=pass    hv leaves SMIs alone: SeaBIOS's SMM runs from guest mode
#   tpm=absent  hv answers int 1Ah AX=BB00h itself: no SMI at all
#   smm=off     both runs on a machine without SMM (the seed's fix: a SeaBIOS
#               without SMM), hv still in smi=host mode
# Then the same guest on the seed's real chain, from Debian's GRUB (build/images,
# `make images`): BIOS → GRUB → chainloader → winlike, against BIOS → GRUB →
# multiboot hv + module (hd0)+1 → hv → GRUB again → chainloader → winlike, each
# recorded from the chain-loaded sector's first instruction after its far jump
# (0000:7c06: GRUB's own sector keeps data there), with hv in smi=host and smi=pass.
# Nothing here knows the answer: every line of the summary is read from what
# hvtrace recorded and diffed.
#   usage: tests/demo.sh [BUILD_DIR] [OUT_DIR]
#   HVT_DEMO_PARTS=synthetic|real|all (default all) picks the parts to run.
set -u
B=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$root" && cd "$B" && pwd)
OUT=${2:-$root/out/demo}
HVT=$B/hvtrace
GUEST=$B/guests/winlike.img
mkdir -p "$OUT"

die() { echo "demo: $*" >&2; exit 2; }
[ -x "$HVT" ] && [ -f "$GUEST" ] || die "build first (make)"

record() {   # NAME [hvtrace record options]
    local name=$1; shift
    "$HVT" record --force --from 0000:7c00 --timeout 300 -o "$OUT/$name.db" "$@" "$GUEST" \
        > "$OUT/$name.record.txt" 2>&1 || die "recording $name failed: $(tail -1 "$OUT/$name.record.txt")"
}

# One configuration: record A (no hv) and B (hv), diff, keep text and HTML.
variant() {   # NAME "A options" "B options"
    local name=$1
    echo "== $name: recording without hv, then with hv ($3)" >&2
    # shellcheck disable=SC2086
    record "$name-nohv" $2
    # shellcheck disable=SC2086
    record "$name-hv" $3
    "$HVT" diff "$OUT/$name-nohv.db" "$OUT/$name-hv.db" --html "$OUT/$name.html" \
        > "$OUT/$name.diff.txt" 2> "$OUT/$name.diff.err"
    [ $? -le 1 ] || die "diff $name failed: $(cat "$OUT/$name.diff.err")"
}

PARTS=${HVT_DEMO_PARTS:-all}
synthetic() { [ "$PARTS" != real ]; }
if synthetic; then
variant smi-host   ""                   "--with-hv --hv-opts smi=host"
variant smi-pass   ""                   "--with-hv --hv-opts smi=pass"
variant tpm-absent ""                   "--with-hv --hv-opts tpm=absent"
variant smm-off    "--machine pc,smm=off" "--with-hv --hv-opts smi=host --machine pc,smm=off"
fi

# ---- the real chain: Debian's GRUB chain-loads winlike, with and without hv ----
GRUB_IMG=$B/images/grub.img
real() {   # NAME SMBIOS: grub.img's chain entry (images/grub.cfg), winlike as hd1
    "$HVT" record --force --from 0000:7c06 --timeout 300 -o "$OUT/$1.db" \
        --qemu-arg -smbios --qemu-arg "$2" \
        --qemu-arg -drive --qemu-arg "file=$GUEST,format=raw,if=ide,snapshot=on" "$GRUB_IMG" \
        > "$OUT/$1.record.txt" 2>&1 || die "recording $1 failed: $(tail -1 "$OUT/$1.record.txt")"
}
real_variant() {   # NAME HVOPTS
    echo "== real-$1: BIOS → GRUB → hv ($2) → GRUB → winlike" >&2
    real "real-$1-hv" "type=1,product=chain,version=i386,sku=$2"
    "$HVT" diff "$OUT/real-nohv.db" "$OUT/real-$1-hv.db" --html "$OUT/real-$1.html" \
        > "$OUT/real-$1.diff.txt" 2> "$OUT/real-$1.diff.err"
    [ $? -le 1 ] || die "diff real-$1 failed: $(cat "$OUT/real-$1.diff.err")"
    cp "$OUT/real-nohv.db" "$OUT/real-$1-nohv.db"     # summarise reads NAME-nohv.db
}
REAL=0
[ "$PARTS" != synthetic ] && [ -f "$GRUB_IMG" ] && REAL=1
if [ $REAL = 1 ]; then
    echo "== real chain: BIOS → GRUB → winlike (no hv)" >&2
    real real-nohv type=1,product=chain
    real_variant smi-host smi=host
    real_variant smi-pass smi=pass
fi

# ---- the summary, read from the reports and run files ----

status() { "$HVT" info "$1" | sed -n 's/^status *//p'; }
finished() { sqlite3 "$1" "SELECT count(*) FROM serial_lines WHERE line LIKE 'HVT-DONE%'" 2>/dev/null; }

summarise() {   # NAME
    local name=$1 d=$OUT/$1.diff.txt final smi
    final=$(sed -n 's/^verdict: the runs part for good at \(.*\) (.*/\1/p' "$d")
    smi=$(grep -c "last SMI before it" "$d")
    printf '%-11s | guest without hv: %-8s | guest under hv: %-8s | ' "$name" \
        "$([ "$(finished "$OUT/$name-nohv.db")" -ge 1 ] && echo finished || echo "did not finish")" \
        "$([ "$(finished "$OUT/$name-hv.db")" -ge 1 ] && echo finished || echo "did not finish")"
    if [ -z "$final" ]; then
        echo "the runs meet again after every difference"
    elif [ "$smi" -gt 0 ]; then
        echo "the runs part for good at $final, after an SMI (out to port 0xb2)"
    else
        echo "the runs part for good at $final, with no SMI before it"
    fi
}

if synthetic; then
echo
echo "=== The seed's failure (hv smi=host): $OUT/smi-host.diff.txt, $OUT/smi-host.html"
sed -n '/^verdict/,/^statistics/p' "$OUT/smi-host.diff.txt" | sed '$d'
echo "under hv: $(status "$OUT/smi-host-hv.db")"
grep -m1 '^  int 15h:' "$OUT/smi-host.diff.txt" | sed 's/^  /IVT: /'
a_final=$(sed -n 's/^verdict: the runs part for good at A #\([0-9]*\).*/\1/p' "$OUT/smi-host.diff.txt")
if [ -n "$a_final" ]; then
    echo "without hv, SMM as recorded before A #$a_final:"
    sqlite3 "$OUT/smi-host-nohv.db" "SELECT '  #' || step || '  ' || kind || ' ' || text FROM events
        WHERE kind LIKE 'smm-%' AND step <= $a_final ORDER BY step DESC LIMIT 2" | sort -t'#' -k2 -n
fi
echo
echo "=== Which configurations make the divergence at the SMI disappear"
for v in smi-host smi-pass tpm-absent smm-off; do summarise "$v"; done
fi
if [ $REAL = 1 ]; then
    echo
    echo "=== The real chain: BIOS → Debian's GRUB → hv → GRUB → winlike ($OUT/real-smi-host.diff.txt)"
    sqlite3 "$OUT/real-smi-host-hv.db" "SELECT line FROM serial_lines" | tr -d '\r' |
        sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -E '^(HVT-GRUB|hv: (hvtrace|boot|int 15h))' | sed 's/^/  /'
    sed -n '/^verdict/,/^statistics/p' "$OUT/real-smi-host.diff.txt" | sed '$d'
    echo "under hv: $(status "$OUT/real-smi-host-hv.db")"
    for v in real-smi-host real-smi-pass; do summarise "$v"; done
elif [ "$PARTS" != synthetic ]; then
    echo
    echo "=== The real chain: skipped, no $GRUB_IMG (make images)"
fi
echo
echo "reports: $OUT/*.html   run files: $OUT/*.db"
