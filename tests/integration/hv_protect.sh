#!/usr/bin/env bash
# hv_protect: the guest cannot reach hv's memory, and guest deaths are dumped while
# hv survives, on both hv builds.
#   hv_peek_bare / hv_poke_bare   control: without hv the same guests do reach their
#                       target (first reserved E820 range above 1 MiB) and print what
#                       they read or wrote, so the guests' access path works
#   hv_HOST_peek        under hv the target is hv's range (hv's banner); the read
#                       ends in a logged nested page fault (a read of that address),
#                       no "POKE READ" line, and hv reports itself alive and intact
#   hv_HOST_poke        the same for a write; hv's image checksum is unchanged
#   hv_HOST_triple      a guest triple fault gives the full XMHF-style dump; CS:EIP is
#                       where the guest says it faulted and IDTR is what it loaded
# Protection is shown by behaviour: under TCG the nested page tables are silently
# ignored unless the host pages (FACTS.md), which reading the code cannot show.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
hvt_need qemu-system-x86_64 perl

check_bare() {   # GUEST WORD: the bare run reached its target and printed WORD
    local d; d=$(hvt_tmpdir)
    hv_bare "$1" "$d"
    if grep -q "^POKE target " "$d/log.txt" && grep -q "^POKE $2 " "$d/log.txt" &&
       grep -q "^HVT-DONE $1" "$d/log.txt"; then
        hvt_ok "${1}_bare"
    else
        hvt_fail "${1}_bare" "without hv the guest did not reach its target: $(grep POKE "$d/log.txt")"
    fi
}

check_poke() {   # HOST GUEST WORD ACCESS
    local h=$1 g=$2 word=$3 access=$4 d lo hi; d=$(hvt_tmpdir)
    hv_boot "$h" "$g" "$d" ""
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    local target=$(printf '%08x' $((lo)))
    local gpa=$(printf '0x%016x' $((lo)))
    if grep -q "^POKE target $target" "$d/log.txt" &&
       grep -q "^CPU(0x00): Intercept 1024 @ " "$d/log.txt" &&
       grep -q "^CPU(0x00): Nested page fault: $access of gpa $gpa" "$d/log.txt" &&
       ! grep -q "POKE $word" "$d/log.txt" &&
       grep -q '^hv: alive, image intact' "$d/log.txt"; then
        hvt_ok "hv_${h}_${g#hv_}"
    else
        hvt_fail "hv_${h}_${g#hv_}" "guest $access of hv memory at $target not stopped cleanly: $(grep -E 'POKE|Nested|^hv: (alive|IMAGE)' "$d/log.txt" | tr '\n' '|')"
    fi
}

check_triple() {
    local h=$1 d at; d=$(hvt_tmpdir)
    hv_boot "$h" hv_triple "$d" ""
    at=$(sed -n 's/^TRIPLE at \([0-9a-f]*\)$/\1/p' "$d/log.txt")
    if [ -n "$at" ] &&
       grep -q '^CPU(0x00): Unhandled intercept: 0x0000007f$' "$d/log.txt" &&
       grep -q $'^\tCPU(0x00): EFLAGS=0x[0-9a-f]\{8\}$' "$d/log.txt" &&
       grep -q $'^\tSS:ESP =0x0000:0x00007c00$' "$d/log.txt" &&
       grep -q $'^\tCS:EIP =0x0000:0x'"$at"'$' "$d/log.txt" &&
       grep -q $'^\tIDTR base:limit=0x00012340:0x0000$' "$d/log.txt" &&
       grep -q $'^\tGDTR base:limit=0x[0-9a-f]\{8\}:0x[0-9a-f]\{4\}$' "$d/log.txt" &&
       grep -q $'^\tEXITINFO1=0x[0-9a-f]\{16\} EXITINFO2=0x[0-9a-f]\{16\}$' "$d/log.txt" &&
       grep -q '^hv: guest stopped: triple fault' "$d/log.txt" &&
       grep -q '^hv: alive, image intact' "$d/log.txt"; then
        hvt_ok "hv_${h}_triple"
    else
        hvt_fail "hv_${h}_triple" "incomplete dump for the triple fault at $at"
        sed 's/^/    /' "$d/log.txt" | tail -12
    fi
}

check_bare hv_peek READ
check_bare hv_poke WROTE
for h in $HV_HOSTS; do
    check_poke "$h" hv_peek READ read
    check_poke "$h" hv_poke WROTE write
    check_triple "$h"
done
