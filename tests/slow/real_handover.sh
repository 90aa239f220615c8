#!/usr/bin/env bash
# real_handover: the first divergence hvtrace found between GRUB chain-loading a
# partition's sector and GRUB multibooting hv with it (DS:SI), closed: grub.img's
# entry part, the handover guest in partition 1 of build/images/handover-part.img
# (hd1):
#   real_handover_grub    truth: GRUB's chainloader with root=(hd1,msdos1) hands
#                         DL=81h and DS:SI=0:07BE, the partition's entry, equal to
#                         bytes 446-461 of the disk file, ES=0
#   real_handover_HOST    GRUB → hv-HOST drive=0x81 part=1 (modules: the partition's
#                         sector, the disk's MBR) → the guest prints the same lines
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
disk=$RG_IMAGES/handover-part.img
hd1=(-drive "file=$disk,format=raw,if=ide,snapshot=on")
entry=$(od -A n -t x1 -j 446 -N 16 "$disk" | tr -d ' \n')
# DI is left out: GRUB's relocator16 state has no EDI (it hands over whatever is
# left, 8010h here); everything it does set is compared.
lines() { hv_guest_lines "$1" | grep -E '^(HANDOVER|PARTENTRY) ' | sed 's/ ES:DI=\(....\):..../ ES=\1/'; }

g=$(hvt_tmpdir)
rg_grub "$g" '^HVT-(DONE|FAIL) handover' part none 32 "${hd1[@]}"
if [ "$(lines "$g/log.txt")" = "HANDOVER DL=81 DS:SI=0000:07be ES=0000
PARTENTRY $entry" ]; then
    hvt_ok real_handover_grub
else
    hvt_fail real_handover_grub "GRUB's chainloader handed over: $(lines "$g/log.txt" | tr '\n' '|')"
fi
for h in $HV_HOSTS; do
    d=$(hvt_tmpdir)
    rg_grub "$d" '^HVT-(DONE|FAIL) handover|^hv: cannot start' part "$h" 32 "${hd1[@]}"
    if [ -n "$(lines "$d/log.txt")" ] && [ "$(lines "$d/log.txt")" = "$(lines "$g/log.txt")" ]; then
        hvt_ok "real_handover_$h"
    else
        hvt_fail "real_handover_$h" "under hv: $(lines "$d/log.txt" | tr '\n' '|')"
        grep -a -E '^hv|error' "$d/log.txt" | tail -3 | sed 's/^/    /'
    fi
done
