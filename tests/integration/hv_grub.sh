#!/usr/bin/env bash
# hv_grub: hv loaded by GRUB the way XMHF is (FACTS.md): a grub-mkrescue ISO whose
# menu entry is `multiboot /boot/hv.elf` + `module --nounzip (hd0)+1`, the guest's
# disk as hd0, on both hv builds.
#   hv_HOST_grub   the e820 guest, chain-loaded from its disk's first sector by hv,
#                  runs to its final marker and receives the bare run's map with hv's
#                  range reserved (GRUB's own loader, not QEMU's, built hv's input)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/hv_lib.inc"
hvt_need qemu-system-x86_64 grub-mkrescue xorriso perl
[ -d /usr/lib/grub/i386-pc ] || { hvt_skip hv_grub "needs grub-pc-bin (/usr/lib/grub/i386-pc)"; exit 0; }

make_iso() {   # HOST DIR: DIR/hv.iso with build/hv-HOST.elf
    local h=$1 d=$2
    mkdir -p "$d/iso/boot/grub"
    cp "$HVT_BUILD/hv-$h.elf" "$d/iso/boot/hv.elf"
    cat > "$d/iso/boot/grub/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "hv" {
    multiboot /boot/hv.elf smi=pass
    module --nounzip (hd0)+1
    boot
}
CFG
    grub-mkrescue -o "$d/hv.iso" "$d/iso" > "$d/mkrescue.out" 2>&1
}

bare=$(hvt_tmpdir)
hv_bare e820 "$bare"
for h in $HV_HOSTS; do
    d=$(hvt_tmpdir)
    if ! make_iso "$h" "$d"; then
        hvt_fail "hv_${h}_grub" "grub-mkrescue failed: $(tail -1 "$d/mkrescue.out")"
        continue
    fi
    mkdir -p "$d/run"
    : > "$d/run/serial.txt"
    hvt__spawn "$d/run" "$HV_QEMU" -cpu "$HV_CPU" "${HVT_QEMU_ARGS[@]}" \
        -serial "file:$d/run/serial.txt" -cdrom "$d/hv.iso" -boot d \
        -drive "file=$(hvt_guest_img e820),format=raw,if=ide,snapshot=on"
    hvt__wait "$d/run"
    tr -d '\r' < "$d/run/serial.txt" > "$d/run/log.txt"
    read -r lo hi <<< "$(hv_hole "$d/run/log.txt")"
    if grep -q "^hv: hvtrace hypervisor, $h host" "$d/run/log.txt" &&
       grep -q '^HVT-DONE e820' "$d/run/log.txt" && [ -n "$lo" ] &&
       [ "$(e820_entries "$d/run/log.txt")" = "$(e820_entries "$bare/log.txt" | e820_expected "$lo" "$hi")" ]; then
        hvt_ok "hv_${h}_grub"
    else
        hvt_fail "hv_${h}_grub" "guest did not run with hv's map under GRUB (status $(cat "$d/run/status"))"
        grep -a -E '^(hv|E820|HVT)' "$d/run/log.txt" | tail -8 | sed 's/^/    /'
    fi
done
