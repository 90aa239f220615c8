#!/usr/bin/env bash
# hv_boot: hv boots a guest and answers its int 15h calls, on both hv builds.
#   hv_HOST_hello       the guest runs under hv to its final marker, hv names its host
#   hv_HOST_e820_map    the guest's E820 map under hv = the bare run's map with hv's
#                       range (from hv's banner) carved out of RAM as type 2, nothing
#                       else changed
#   hv_HOST_e820_last   every E820 call returns CF=0, the last one with EBX=0, and the
#                       bare run's last entry is still last (XMHF's SVM path lost it)
#   hv_HOST_e820_caller hv logs each E820 hypercall at the caller's CS:IP taken from
#                       the IRET frame: a return address of an `int $0x15` in the
#                       guest's own ELF (objdump)
#   hv_HOST_a20_bios    int 15h AX=2400h-2403h and E801h reach the BIOS through the
#                       hook: hv logs each, and the guest's answers equal the bare run's
#   hv_HOST_nosvm       -cpu qemu64,-svm: hv says SVM is missing and halts; -cpu qemu64
#                       (SVM but no NPT under TCG): hv says nested paging is missing
# The bare run uses the same QEMU binary and -cpu, so the firmware's map is the same.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
hvt_need qemu-system-x86_64 objdump perl

check_hello() {
    local h=$1 d; d=$(hvt_tmpdir)
    hv_boot "$h" hello "$d" ""
    if [ "$(cat "$d/status")" = "$HVT_GUEST_EXIT_OK" ] &&
       grep -q "^hv: hvtrace hypervisor, $h host, svm backend" "$d/log.txt" &&
       hv_guest_lines "$d/log.txt" | grep -qx 'SUM 0037' &&
       hv_guest_lines "$d/log.txt" | grep -qx 'HVT-DONE hello'; then
        hvt_ok "hv_${h}_hello"
    else
        hvt_fail "hv_${h}_hello" "guest did not reach HVT-DONE under hv (status $(cat "$d/status"))"
    fi
}

check_e820() {
    local h=$1 bare=$2 d lo hi; d=$(hvt_tmpdir)
    hv_boot "$h" e820 "$d" ""
    read -r lo hi <<< "$(hv_hole "$d/log.txt")"
    if [ -n "$lo" ] && [ "$(e820_entries "$d/log.txt")" = "$(e820_entries "$bare/log.txt" | e820_expected "$lo" "$hi")" ]; then
        hvt_ok "hv_${h}_e820_map"
    else
        hvt_fail "hv_${h}_e820_map" "map under hv is not the bare map with $lo-$hi reserved"
        diff <(e820_entries "$bare/log.txt") <(e820_entries "$d/log.txt") | sed 's/^/    /'
    fi

    local lines last; lines=$(hv_guest_lines "$d/log.txt" | grep '^E820 ')
    last=$(echo "$lines" | tail -1)
    if ! echo "$lines" | grep -qv ' CF=0 ' && echo "$last" | grep -q 'EBX=00000000$' &&
       [ "$(echo "$last" | cut -d' ' -f2-4)" = "$(e820_entries "$bare/log.txt" | tail -1)" ]; then
        hvt_ok "hv_${h}_e820_last"
    else
        hvt_fail "hv_${h}_e820_last" "CF set or last entry lost: $last"
    fi

    local rets ips ip bad=0
    rets=$(objdump -d -m i8086 "$HVT_BUILD/guests/e820.elf" |
           sed -n 's/^ *\([0-9a-f]*\):.*int *\$0x15.*/\1/p' |
           while read -r a; do printf '%08x\n' $((16#$a + 2)); done)
    ips=$(sed -n 's/.*CPU(0x00): Intercept 129 @ 0x0000:0x\([0-9a-f]*\) 0x0000e820$/\1/p' "$d/log.txt")
    for ip in $ips; do echo "$rets" | grep -qx "$ip" || bad=1; done
    if [ -n "$ips" ] && [ $bad = 0 ]; then
        hvt_ok "hv_${h}_e820_caller"
    else
        hvt_fail "hv_${h}_e820_caller" "logged E820 callers [$ips] are not int 15h return addresses [$rets]"
    fi

    local ok=1 ax
    for ax in 2403 2402 2401 2400 e801; do
        grep -q "CPU(0x00): Intercept 129 @ 0x0000:0x[0-9a-f]* 0x0000$ax\$" "$d/log.txt" || ok=0
    done
    if [ $ok = 1 ] && [ -n "$(hv_guest_lines "$bare/log.txt" | grep -E '^(A20|E801) ')" ] &&
       [ "$(hv_guest_lines "$d/log.txt" | grep -E '^(A20|E801) ')" = "$(hv_guest_lines "$bare/log.txt" | grep -E '^(A20|E801) ')" ]; then
        hvt_ok "hv_${h}_a20_bios"
    else
        hvt_fail "hv_${h}_a20_bios" "A20/E801 answers differ from the bare run or were not hooked"
    fi
}

check_nosvm() {
    local h=$1 d1 d2; d1=$(hvt_tmpdir); d2=$(hvt_tmpdir)
    HV_CPU=qemu64,-svm hv_boot "$h" hello "$d1" ""
    HV_CPU=qemu64 hv_boot "$h" hello "$d2" ""
    if grep -q '^hv: svm: no AMD SVM: CPUID 8000_0001h ECX bit 2 is clear' "$d1/log.txt" &&
       grep -q '^hv: svm: no nested paging: CPUID 8000_000Ah EDX bit 0 is clear' "$d2/log.txt" &&
       grep -q '^hv: cannot start the guest; halting' "$d1/log.txt" &&
       ! grep -q 'HVT-BEGIN' "$d1/log.txt" "$d2/log.txt"; then
        hvt_ok "hv_${h}_nosvm"
    else
        hvt_fail "hv_${h}_nosvm" "no clear message without SVM/NPT: $(grep '^hv: svm' "$d1/log.txt" "$d2/log.txt")"
    fi
}

bare=$(hvt_tmpdir)
hv_bare e820 "$bare"
if ! grep -q '^HVT-DONE e820' "$bare/log.txt"; then
    hvt_fail hv_e820_bare "the e820 guest did not finish without hv"
    exit 1
fi
for h in $HV_HOSTS; do
    if [ ! -f "$HVT_BUILD/hv-$h.elf" ]; then
        hvt_fail "hv_${h}_hello" "no $HVT_BUILD/hv-$h.elf: run make"
        continue
    fi
    check_hello "$h"
    check_e820 "$h" "$bare"
    check_nosvm "$h"
done
