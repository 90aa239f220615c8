#!/usr/bin/env bash
# hv_vmx_boot: hv's VMX backend in Bochs (QEMU TCG has no VMX), on both hv builds,
# each guest compared with a bare Bochs run of the same guest (same BIOS: Bochs'
# rombios), never with QEMU.  hv is loaded by GRUB from an ISO (tests/bochs/).
#   hv_vmx_bare           control: the bare runs print their map, A20 answers, reach
#                         the poke target and answer the TPM probe
#   hv_vmx_HOST_e820_map  banner names the vmx backend; the guest's E820 map under hv
#                         = the bare map with hv's range (hv's banner) reserved
#   hv_vmx_HOST_e820_last every E820 call returns CF=0, the last with EBX=0, and the
#                         bare run's last entry is still last
#   hv_vmx_HOST_vmcall    one XMHF line "Intercept 18 @ 0x0040:0x000000ac" (VMCALL,
#                         exit reason 18) per int 15h call the guest reports making
#   hv_vmx_HOST_a20_bios  AX=2400h-2403h and E801h reach rombios through the hook:
#                         answers equal the bare run's, each call logged with its EAX
#   hv_vmx_HOST_peek/poke a read / write of hv's first byte ends in a logged EPT
#                         violation (exit 48) of that address, no POKE READ/WROTE,
#                         hv alive with its image intact
#   hv_vmx_HOST_triple    exit reason 2: "Unhandled intercept: 0x00000002" and the
#                         dump, CS:EIP where the guest says it faulted, its IDTR
#   hv_vmx_HOST_tpm_absent tpm=absent: hv answers int 1Ah AX=BB00h with EAX=23h CF=0
#                         (rombios has no TCG BIOS: the bare answer differs, so the
#                         0x23 can only be hv's) and the guest finishes
#   hv_vmx_HOST_tpm_bios  without tpm=absent the guest gets the bare answer (chained)
#   hv_vmx_HOST_noept     Bochs' Core 2 (VMX without EPT): hv says what is missing
#                         and halts before running the guest
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
. "$HVT_ROOT/tests/bochs/bochs.inc"
hvt_need bochs grub-mkrescue xorriso perl
[ -d /usr/lib/grub/i386-pc ] || { hvt_skip hv_vmx_boot "needs grub-pc-bin (/usr/lib/grub/i386-pc)"; exit 0; }
[ -f /usr/share/bochs/BIOS-bochs-latest ] || { hvt_skip hv_vmx_boot "needs bochsbios"; exit 0; }

# The guest's own answers, without hv's lines.
guest_answers() { hv_guest_lines "$1" | grep -E "^($2) "; }

check_bare() {
    local ok=1
    grep -q '^HVT-DONE e820' "$B_E820/log.txt" && [ -n "$(e820_entries "$B_E820/log.txt")" ] || ok=0
    [ -n "$(guest_answers "$B_E820/log.txt" 'A20|E801')" ] || ok=0
    grep -q '^POKE WROTE ' "$B_POKE/log.txt" || ok=0
    [ -n "$(guest_answers "$B_TPM/log.txt" TPM)" ] || ok=0
    if [ $ok = 1 ]; then
        hvt_ok hv_vmx_bare
    else
        hvt_fail hv_vmx_bare "bare Bochs runs incomplete: $(cat "$B_E820/log.txt" "$B_POKE/log.txt" "$B_TPM/log.txt" | tr '\n' '|')"
        exit 1
    fi
}

check_e820() {   # HOST ISO
    local h=$1 d lo hi; d=$(hvt_tmpdir)
    bochs_boot e820 "$d" "$2"
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    if grep -q "^hv: hvtrace hypervisor, $h host, vmx backend" "$d/log.txt" && [ -n "$lo" ] &&
       [ "$(e820_entries "$d/log.txt")" = "$(e820_entries "$B_E820/log.txt" | e820_expected "$lo" "$hi")" ]; then
        hvt_ok "hv_vmx_${h}_e820_map"
    else
        hvt_fail "hv_vmx_${h}_e820_map" "map under hv is not the bare map with $lo-$hi reserved"
        diff <(e820_entries "$B_E820/log.txt") <(e820_entries "$d/log.txt") | sed 's/^/    /'
        tail -5 "$d/log.txt" | sed 's/^/    /'
    fi

    local lines last; lines=$(guest_answers "$d/log.txt" E820)
    last=$(echo "$lines" | tail -1)
    if [ -n "$lines" ] && ! echo "$lines" | grep -qv ' CF=0 ' && echo "$last" | grep -q 'EBX=00000000$' &&
       [ "$(echo "$last" | cut -d' ' -f2-4)" = "$(e820_entries "$B_E820/log.txt" | tail -1)" ]; then
        hvt_ok "hv_vmx_${h}_e820_last"
    else
        hvt_fail "hv_vmx_${h}_e820_last" "CF set or last entry lost: $last"
    fi

    local calls stubs; calls=$(guest_answers "$d/log.txt" 'E820|A20|E801' | wc -l)
    stubs=$(grep -c 'CPU(0x00): Intercept 18 @ 0x0040:0x000000ac$' "$d/log.txt")   # may start mid-line
    if [ "$calls" -gt 0 ] && [ "$calls" = "$stubs" ]; then
        hvt_ok "hv_vmx_${h}_vmcall"
    else
        hvt_fail "hv_vmx_${h}_vmcall" "$stubs VMCALL intercept lines for $calls int 15h calls"
    fi

    local ok=1 ax
    for ax in 2403 2402 2401 2400 e801; do
        grep -q "CPU(0x00): Intercept 18 @ 0x0000:0x[0-9a-f]* 0x0000$ax\$" "$d/log.txt" || ok=0
    done
    if [ $ok = 1 ] && [ "$(guest_answers "$d/log.txt" 'A20|E801')" = "$(guest_answers "$B_E820/log.txt" 'A20|E801')" ]; then
        hvt_ok "hv_vmx_${h}_a20_bios"
    else
        hvt_fail "hv_vmx_${h}_a20_bios" "A20/E801 answers differ from the bare run or were not hooked"
    fi
}

check_poke() {   # HOST ISO GUEST WORD ACCESS
    local h=$1 g=$3 word=$4 access=$5 d lo hi; d=$(hvt_tmpdir)
    bochs_boot "$g" "$d" "$2"
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    local target=$(printf '%08x' $((lo))) gpa=$(printf '0x%016x' $((lo)))
    if [ -n "$lo" ] && grep -q "^POKE target $target" "$d/log.txt" &&
       grep -q "^CPU(0x00): Intercept 48 @ " "$d/log.txt" &&
       grep -q "^CPU(0x00): EPT violation: $access of gpa $gpa" "$d/log.txt" &&
       ! grep -q "POKE $word" "$d/log.txt" &&
       grep -q '^hv: alive, image intact' "$d/log.txt"; then
        hvt_ok "hv_vmx_${h}_${g#hv_}"
    else
        hvt_fail "hv_vmx_${h}_${g#hv_}" "guest $access of hv memory at $target not stopped cleanly: $(grep -aE 'POKE|EPT|^hv: (alive|IMAGE|guest)' "$d/log.txt" | tr '\n' '|')"
    fi
}

check_triple() {   # HOST ISO
    local h=$1 d at; d=$(hvt_tmpdir)
    bochs_boot hv_triple "$d" "$2"
    at=$(sed -n 's/^TRIPLE at \([0-9a-f]*\)$/\1/p' "$d/log.txt")
    if [ -n "$at" ] &&
       grep -q '^CPU(0x00): Unhandled intercept: 0x00000002$' "$d/log.txt" &&
       grep -q $'^\tCPU(0x00): EFLAGS=0x[0-9a-f]\{8\}$' "$d/log.txt" &&
       grep -q $'^\tSS:ESP =0x0000:0x00007c00$' "$d/log.txt" &&
       grep -q $'^\tCS:EIP =0x0000:0x'"$at"'$' "$d/log.txt" &&
       grep -q $'^\tIDTR base:limit=0x00012340:0x0000$' "$d/log.txt" &&
       grep -q $'^\tGDTR base:limit=0x[0-9a-f]\{8\}:0x[0-9a-f]\{4\}$' "$d/log.txt" &&
       grep -q '^hv: guest stopped: triple fault' "$d/log.txt" &&
       grep -q '^hv: alive, image intact' "$d/log.txt"; then
        hvt_ok "hv_vmx_${h}_triple"
    else
        hvt_fail "hv_vmx_${h}_triple" "incomplete dump for the triple fault at $at"
        tail -12 "$d/log.txt" | sed 's/^/    /'
    fi
}

check_tpm() {   # HOST ISO(tpm=absent) ISO(default)
    local h=$1 da db bare; da=$(hvt_tmpdir); db=$(hvt_tmpdir)
    bare=$(guest_answers "$B_TPM/log.txt" TPM)
    bochs_boot tpm "$da" "$2"
    if [ "$(guest_answers "$da/log.txt" TPM)" = "TPM EAX=00000023 EBX=5a5a5a5a CF=0" ] &&
       [ "$bare" != "TPM EAX=00000023 EBX=5a5a5a5a CF=0" ] &&
       grep -q '^HVT-DONE tpm' "$da/log.txt" &&
       grep -q '^hv: tpm=absent: int 1Ah AX=bb00h answered EAX=0x00000023' "$da/log.txt"; then
        hvt_ok "hv_vmx_${h}_tpm_absent"
    else
        hvt_fail "hv_vmx_${h}_tpm_absent" "got '$(guest_answers "$da/log.txt" TPM)' (bare: '$bare')"
    fi
    bochs_boot tpm "$db" "$3"
    if [ "$(guest_answers "$db/log.txt" TPM)" = "$bare" ] && grep -q '^HVT-DONE tpm' "$db/log.txt"; then
        hvt_ok "hv_vmx_${h}_tpm_bios"
    else
        hvt_fail "hv_vmx_${h}_tpm_bios" "got '$(guest_answers "$db/log.txt" TPM)', bare '$bare'"
    fi
}

check_noept() {   # HOST ISO
    local h=$1 d; d=$(hvt_tmpdir)
    BOCHS_CPU=core2_penryn_t9600 bochs_boot hello "$d" "$2"
    if grep -q "^hv: hvtrace hypervisor, $h host, vmx backend" "$d/log.txt" &&
       grep -Eq '^hv: vmx: no (secondary processor-based controls|EPT)' "$d/log.txt" &&
       grep -q '^hv: cannot start the guest; halting' "$d/log.txt" && ! grep -q 'HVT-BEGIN' "$d/log.txt"; then
        hvt_ok "hv_vmx_${h}_noept"
    else
        hvt_fail "hv_vmx_${h}_noept" "no clear message on a VMX CPU without EPT: $(grep -a '^hv: ' "$d/log.txt" | tail -2 | tr '\n' '|')"
    fi
}

B_E820=$(hvt_tmpdir); B_POKE=$(hvt_tmpdir); B_TPM=$(hvt_tmpdir)
bochs_boot e820 "$B_E820"
bochs_boot hv_poke "$B_POKE"
bochs_boot tpm "$B_TPM"
check_bare
for h in $HV_HOSTS; do
    if [ ! -f "$HVT_BUILD/hv-$h.elf" ]; then
        hvt_fail "hv_vmx_${h}_e820_map" "no $HVT_BUILD/hv-$h.elf: run make"
        continue
    fi
    iso=$(hvt_tmpdir)/hv.iso; iso_tpm=$(hvt_tmpdir)/hv.iso
    bochs_iso "$h" "" "$iso" && bochs_iso "$h" "tpm=absent" "$iso_tpm" ||
        { hvt_fail "hv_vmx_${h}_e820_map" "could not build the GRUB ISO"; continue; }
    check_e820 "$h" "$iso"
    check_poke "$h" "$iso" hv_peek READ read
    check_poke "$h" "$iso" hv_poke WROTE write
    check_triple "$h" "$iso"
    check_tpm "$h" "$iso_tpm" "$iso"
    check_noept "$h" "$iso"
done
