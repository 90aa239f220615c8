#!/usr/bin/env bash
# hv_vmx_handover: hv's hand-over registers on the VMX backend (Bochs; QEMU TCG has
# no VMX), both hv builds, against a bare Bochs run of the same disk: syslinux's
# mbr.bin in sector 0, the handover test guest as partition 1's sector (one
# cylinder, as Bochs' rombios geometry wants it).
#   hv_vmx_handover_bare   truth: rombios → mbr.bin → the guest, DL=80h and DS:SI at
#                          partition 1's entry (0:07BE), the entry equal to bytes
#                          446-461 of the disk file
#   hv_vmx_HOST_handover   GRUB → hv part=1 (modules: (hd0,msdos1)+1, (hd0)+1): the
#                          guest prints the same DL, DS:SI and entry (ES:DI are the
#                          BIOS's business: mbr.bin passes them through)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
. "$HVT_ROOT/tests/bochs/bochs.inc"
hvt_need bochs grub-mkrescue xorriso perl sfdisk
[ -d /usr/lib/grub/i386-pc ] || { hvt_skip hv_vmx_handover "needs grub-pc-bin"; exit 0; }
[ -f /usr/share/bochs/BIOS-bochs-latest ] || { hvt_skip hv_vmx_handover "needs bochsbios"; exit 0; }
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
[ -r "$MBR_BIN" ] || { hvt_skip hv_vmx_handover "needs syslinux-common ($MBR_BIN)"; exit 0; }
guest=$(hvt_guest_img handover) || { hvt_fail hv_vmx_handover "no handover guest: run make"; exit 0; }

HVT_QEMU_TIMEOUT=${HVT_QEMU_TIMEOUT_BOCHS:-180}   # GRUB from an ISO in Bochs, on a loaded machine
t=$(hvt_tmpdir)
disk=$t/part.img
truncate -s "$BOCHS_DISK_BYTES" "$disk"
echo 'start=63, type=da, bootable' | sfdisk -q --label dos "$disk"
dd if="$MBR_BIN" of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$guest" of="$disk" bs=512 seek=63 count=1 conv=notrunc status=none
entry=$(od -A n -t x1 -j 446 -N 16 "$disk" | tr -d ' \n')
lines() { hv_guest_lines "$1" | grep -E '^(HANDOVER|PARTENTRY) ' | sed 's/ ES:DI=.*//'; }

bochs_boot "$disk" "$t/bare"
if [ "$(lines "$t/bare/log.txt")" = "HANDOVER DL=80 DS:SI=0000:07be
PARTENTRY $entry" ]; then
    hvt_ok hv_vmx_handover_bare
else
    hvt_fail hv_vmx_handover_bare "mbr.bin under rombios handed over: $(lines "$t/bare/log.txt" | tr '\n' '|')"
fi
for h in $HV_HOSTS; do
    iso=$t/$h.iso
    bochs_iso "$h" "part=1" "$iso" "(hd0,msdos1)+1 (hd0)+1" ||
        { hvt_fail "hv_vmx_${h}_handover" "no ISO"; continue; }
    bochs_boot "$disk" "$t/$h" "$iso"
    if grep -q "^hv: hvtrace hypervisor, $h host, vmx backend" "$t/$h/log.txt" &&
       [ -n "$(lines "$t/$h/log.txt")" ] && [ "$(lines "$t/$h/log.txt")" = "$(lines "$t/bare/log.txt")" ]; then
        hvt_ok "hv_vmx_${h}_handover"
    else
        hvt_fail "hv_vmx_${h}_handover" "under hv: $(lines "$t/$h/log.txt" | tr '\n' '|')"
        grep -a '^hv:' "$t/$h/log.txt" | tail -3 | sed 's/^/    /'
    fi
done
