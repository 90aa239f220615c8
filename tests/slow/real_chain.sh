#!/usr/bin/env bash
# real_chain: the seed's path from Debian's GRUB (build/images/grub.img, entry
# chain), with the winlike test guest's disk as hd1:
#   real_chain_bare       BIOS → GRUB → chainloader (hd1)+1 → winlike runs to its end
#   real_chain_HOST       BIOS → GRUB → multiboot hv-HOST.elf + module (hd0)+1 → hv
#                         boots GRUB's MBR → GRUB sees hv's int 15h hook, chain-loads
#                         winlike, which runs to its end and receives the bare run's
#                         E820 map with hv's range reserved (as hv's banner states)
# Truth: the guests' own serial output (winlike prints every E820 entry it got).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
winlike=$(hvt_guest_img winlike) || { hvt_fail real_chain "no winlike guest: run make"; exit 0; }
hd1=(-drive "file=$winlike,format=raw,if=ide,snapshot=on")
done_pat='^HVT-(DONE|FAIL) winlike'

bare=$(hvt_tmpdir)
if rg_grub "$bare" "$done_pat" chain none 32 "${hd1[@]}" &&
   grep -q '^HVT-DONE winlike' "$bare/log.txt" && [ -n "$(e820_entries "$bare/log.txt")" ]; then
    hvt_ok real_chain_bare
else
    hvt_fail real_chain_bare "GRUB did not chain-load winlike to its end (status $(cat "$bare/status"))"
    grep -a -E '^(HVT|error)' "$bare/log.txt" | tail -5 | sed 's/^/    /'
fi
for h in $HV_HOSTS; do
    d=$(hvt_tmpdir)
    rg_grub "$d" "$done_pat" chain "$h" 32 "${hd1[@]}"
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    if grep -q "^hv: hvtrace hypervisor, $h host" "$d/log.txt" &&
       grep -q '^HVT-GRUB under hv: int 15h at 0040:00ac' "$d/log.txt" &&
       grep -q '^HVT-DONE winlike' "$d/log.txt" && [ -n "$lo" ] &&
       [ "$(e820_entries "$d/log.txt")" = "$(e820_entries "$bare/log.txt" | e820_expected "$lo" "$hi")" ]; then
        hvt_ok "real_chain_$h"
    else
        hvt_fail "real_chain_$h" "GRUB → hv → GRUB → winlike did not end with hv's map (status $(cat "$d/status"))"
        grep -a -E '^(hv|HVT|E820|error)' "$d/log.txt" | tail -8 | sed 's/^/    /'
    fi
done
