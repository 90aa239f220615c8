#!/usr/bin/env bash
# hv_smi: the seed's TPM probe (int 1Ah AX=BB00h, answered by SeaBIOS through an
# SMI) under each smi= mode and tpm=absent, on both hv builds.  The reference answer
# is the bare run's "TPM ..." line (no TPM: EAX=00000023, CF=0).
#   hv_HOST_smi_pass     SMI not intercepted: the guest gets the bare answer, finishes,
#                        hv logs no SMI intercept (98)
#   hv_HOST_smi_reflect  hv logs the SMI intercept, re-delivers it: bare answer, finishes
#   hv_HOST_smi_host     hv logs the SMI, takes it in host context, survives (image
#                        intact) and reports the guest stuck; the guest never answers
#   hv_HOST_tpm_absent   hv answers EAX=23h itself: bare answer, finishes, and QEMU's
#                        own interrupt log (-d int) shows no SMM entry beyond the
#                        firmware's POST ones (counted in a hello run), while the
#                        smi=pass run shows more (so the count can tell)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
hvt_need qemu-system-x86_64 perl

tpm_line() { hv_guest_lines "$1" | grep '^TPM '; }
smm_entries() { grep -c 'SMM: enter' "$1"; }

check_finishes() {   # DIR REF: the guest printed the reference answer and finished
    [ "$(cat "$1/status")" = "$HVT_GUEST_EXIT_OK" ] && [ "$(tpm_line "$1/log.txt")" = "$2" ]
}

check_host() {   # HOST REF
    local h=$1 d; d=$(hvt_tmpdir)
    hv_boot "$h" tpm "$d" "smi=host"
    if grep -q '^CPU(0x00): Intercept 98 @ ' "$d/log.txt" &&
       grep -q '^hv: smi=host: SMI taken in host context' "$d/log.txt" &&
       grep -q '^hv: guest stopped: guest stuck: hlt with interrupts off' "$d/log.txt" &&
       grep -q '^hv: alive, image intact' "$d/log.txt" &&
       [ -z "$(tpm_line "$d/log.txt")" ]; then
        hvt_ok "hv_${h}_smi_host"
    else
        hvt_fail "hv_${h}_smi_host" "expected a logged SMI, a stuck guest and a live hv"
        sed 's/^/    /' "$d/log.txt" | tail -8
    fi
}

check_modes() {   # HOST REF
    local h=$1 ref=$2 dp dr da dh
    dp=$(hvt_tmpdir); dr=$(hvt_tmpdir); da=$(hvt_tmpdir); dh=$(hvt_tmpdir)
    hv_boot "$h" tpm "$dp" "smi=pass" -d int -D "$dp/int.log"
    if check_finishes "$dp" "$ref" && ! grep -q 'Intercept 98 ' "$dp/log.txt"; then
        hvt_ok "hv_${h}_smi_pass"
    else
        hvt_fail "hv_${h}_smi_pass" "got '$(tpm_line "$dp/log.txt")', want '$ref' and no SMI intercept"
    fi

    hv_boot "$h" tpm "$dr" "smi=reflect"
    if check_finishes "$dr" "$ref" && grep -q '^CPU(0x00): Intercept 98 @ ' "$dr/log.txt" &&
       grep -q '^hv: smi=reflect: SMI re-delivered' "$dr/log.txt"; then
        hvt_ok "hv_${h}_smi_reflect"
    else
        hvt_fail "hv_${h}_smi_reflect" "got '$(tpm_line "$dr/log.txt")', want '$ref' after a logged SMI"
    fi

    check_host "$h"

    hv_boot "$h" hello "$dh" "" -d int -D "$dh/int.log"
    hv_boot "$h" tpm "$da" "tpm=absent" -d int -D "$da/int.log"
    local post=$(smm_entries "$dh/int.log") absent=$(smm_entries "$da/int.log") pass=$(smm_entries "$dp/int.log")
    if check_finishes "$da" "$ref" && [ "$absent" = "$post" ] && [ "$pass" -gt "$post" ] &&
       grep -q '^hv: tpm=absent: int 1Ah AX=bb00h answered EAX=0x00000023' "$da/log.txt"; then
        hvt_ok "hv_${h}_tpm_absent"
    else
        hvt_fail "hv_${h}_tpm_absent" "got '$(tpm_line "$da/log.txt")'; SMM entries: POST $post, tpm=absent $absent, smi=pass $pass"
    fi
}

bare=$(hvt_tmpdir)
hv_bare tpm "$bare"
ref=$(tpm_line "$bare/log.txt")
if [ "$ref" != "TPM EAX=00000023 EBX=5a5a5a5a CF=0" ]; then
    hvt_fail hv_tpm_bare "bare SeaBIOS answered '$ref', expected TPM not present (0x23)"
    exit 1
fi
for h in $HV_HOSTS; do
    check_modes "$h" "$ref"
done
