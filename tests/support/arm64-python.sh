#!/usr/bin/env bash
# Prepare an arm64 CPython that runs here under qemu-user: Debian's arm64 packages unpacked
# into DEST (no chroot, no root filesystem image). Idempotent: a finished DEST is reused.
# Needs root for apt-get (as on this project's machines and CI).
#   usage: arm64-python.sh DEST   then: qemu-aarch64-static -L DEST DEST/usr/bin/python3.11
set -euo pipefail
dest=$(realpath -m "$1")
if [ -x "$dest/usr/bin/python3.11" ] && command -v qemu-aarch64-static >/dev/null; then
  exit 0
fi
if ! command -v qemu-aarch64-static >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
apt-get update -qq
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt-get download runs as _apt
cd "$work"
apt-get download -qq libc6:arm64 python3.11-minimal:arm64 libpython3.11-minimal:arm64 \
  libpython3.11-stdlib:arm64 libffi8:arm64 zlib1g:arm64 libexpat1:arm64 libssl3:arm64
mkdir root
for deb in *.deb; do dpkg -x "$deb" root; done
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv root "$dest"
qemu-aarch64-static -L "$dest" "$dest/usr/bin/python3.11" -c 'import platform; print("arm64 python ready:", platform.machine())'
