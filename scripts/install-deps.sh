#!/usr/bin/env bash
# Installs the Debian packages hvtrace needs, only those missing.  Run as root
# (CI and the README's commands are); as another user it says what to install.
set -eu
pkgs="build-essential clang libexpat1-dev libcapstone-dev libsqlite3-dev sqlite3 zlib1g-dev
      qemu-system-x86 seabios grub-pc-bin xorriso mtools bochs bochsbios vgabios gdb
      binutils nasm python3 chromium
      linux-image-amd64 busybox-static memtest86+ syslinux syslinux-common ipxe
      dosfstools fdisk cpio"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$missing (run 'make deps' as root)" >&2
  exit 2
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
