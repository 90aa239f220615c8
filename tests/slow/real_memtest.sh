#!/usr/bin/env bash
# real_memtest: memtest86+ 6.10 from GRUB (build/images/grub.img, entry memtest,
# serial console), without hv and under both hv builds:
#   real_memtest_bare     memtest86+ starts testing and states the memory it tests
#   real_memtest_HOST     under hv it tests exactly hv's reserved range less (its
#                         "[.. of N.NMB]" status, in tenths of a MiB, against the
#                         size of the range hv's banner says it excludes)
# Truth: memtest86+'s own screen, which follows the E820 map it was handed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
pat=' of [0-9]+\.[0-9]MB\]'

bare=$(hvt_tmpdir)
rg_grub "$bare" "$pat" memtest none 64
base=$(rg_memtest_tenths "$bare/log.txt")
if grep -q 'Memtest86+ v' "$bare/log.txt" && [ -n "$base" ]; then
    hvt_ok real_memtest_bare
else
    hvt_fail real_memtest_bare "no memory size from memtest86+ (status $(cat "$bare/status"))"
fi
for h in $HV_HOSTS; do
    d=$(hvt_tmpdir)
    rg_grub "$d" "$pat" memtest "$h" 64
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    got=$(rg_memtest_tenths "$d/log.txt")
    if [ -z "$got" ] || [ -z "$lo" ] || [ -z "$base" ]; then
        hvt_fail "real_memtest_$h" "no memory size from memtest86+ under hv (status $(cat "$d/status"))"
        grep -a -E '^hv|HVT|error' "$d/log.txt" | tail -5 | sed 's/^/    /'
    elif [ $((base - got)) -ne $(( (hi - lo) * 10 / 1048576 )) ]; then
        hvt_fail "real_memtest_$h" "memtest86+ tests $got/10 MiB under hv, $base/10 without; hv hides $(( (hi - lo) / 1048576 )) MiB"
    else
        hvt_ok "real_memtest_$h"
    fi
done
