#!/usr/bin/env bash
# real_ipxe: iPXE (Debian's ipxe.lkrn) from grub.img's ipxe entry (GRUB linux16),
# bare and under both hv builds, on a machine without a NIC.  iPXE writes to the
# screen only (this build has no serial console), so the truth is the guest's own
# VGA text page: QEMU's monitor saves 0xb8000-0xb8f9f (80x25 cells, character
# then attribute) and the test reads the characters.
#   real_ipxe_bare        the screen shows iPXE's banner and "No more network
#                         devices" (its autoboot found nothing to boot from)
#   real_ipxe_HOST        the same through GRUB → hv → GRUB → linux16 ipxe.lkrn
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/hv_lib.inc"
. "$(dirname "$0")/real_lib.inc"
rg_need
hvt_need python3

# screen OUTDIR: the VGA text page as lines, through the monitor socket.
screen() {
    python3 - "$1/mon.sock" "$1/vga.bin" <<'PY' 2> /dev/null
import socket, sys, time, os
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
s.sendall(b'pmemsave 0xb8000 4000 "%s"\n' % sys.argv[2].encode())
time.sleep(0.5)
s.close()
b = open(sys.argv[2], "rb").read()
chars = bytes(c if 32 <= c < 127 else 32 for c in b[0::2])
for i in range(0, len(chars), 80):
    print(chars[i:i + 80].decode().rstrip())
PY
}

# ipxe OUTDIR HV: boot until the screen shows iPXE gave up, or RG_TIMEOUT.
ipxe() {
    local out=$1 hv=$2 smb="type=1,product=ipxe,version=$2" n=0
    [ "$hv" != none ] && smb="$smb,sku=$RG_HVOPTS"
    mkdir -p "$out"
    HVT_QEMU_TIMEOUT=$RG_TIMEOUT hvt__spawn "$out" "$HV_QEMU" -cpu "$HV_CPU" "${HVT_QEMU_ARGS[@]}" \
        -m 64 -smbios "$smb" -serial "file:$out/serial.txt" \
        -monitor "unix:$out/mon.sock,server=on,wait=off" \
        -drive "file=$RG_IMAGES/grub.img,format=raw,if=ide,snapshot=on"
    while kill -0 "$hvt__pid" 2> /dev/null && [ $n -lt $((RG_TIMEOUT / 2)) ]; do
        sleep 2; n=$((n + 1))
        [ -S "$out/mon.sock" ] || continue
        screen "$out" > "$out/screen.txt"
        grep -q 'No more network devices' "$out/screen.txt" && break
    done
    kill "$hvt__pid" 2> /dev/null
    hvt__wait "$out" > /dev/null 2>&1
    tr -d '\r' < "$out/serial.txt" > "$out/log.txt"
}
shows_ipxe() { grep -q 'iPXE' "$1/screen.txt" && grep -q 'No more network devices' "$1/screen.txt"; }

bare=$(hvt_tmpdir)
ipxe "$bare" none
if shows_ipxe "$bare"; then
    hvt_ok real_ipxe_bare
else
    hvt_fail real_ipxe_bare "iPXE's screen: $(grep -v '^$' "$bare/screen.txt" 2> /dev/null | head -3 | tr '\n' '|')"
fi
for h in $HV_HOSTS; do
    d=$(hvt_tmpdir)
    ipxe "$d" "$h"
    if grep -q "^hv: hvtrace hypervisor, $h host" "$d/log.txt" && shows_ipxe "$d"; then
        hvt_ok "real_ipxe_$h"
    else
        hvt_fail "real_ipxe_$h" "under hv, iPXE's screen: $(grep -v '^$' "$d/screen.txt" 2> /dev/null | head -3 | tr '\n' '|')"
        grep -a '^hv:' "$d/log.txt" | tail -2 | sed 's/^/    /'
    fi
done
