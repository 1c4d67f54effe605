#!/bin/bash
# Regenerate data/aten-schemas.txt from torch 2.14 in the Debian sid chroot
# (created by maint/mkchroot.sh when missing; IRX_CHROOT_SID overrides where).
# Needs root (chroot, mount --bind).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
root=$("$top/maint/mkchroot.sh" sid ${IRX_CHROOT_SID:+"$IRX_CHROOT_SID"})
mnt=$root/irx

cleanup() {
  if mountpoint -q "$mnt"; then
    umount "$mnt" || umount -l "$mnt"
  fi
  rmdir "$mnt" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

mkdir -p "$mnt"
mount --bind "$top" "$mnt"
chroot "$root" /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/tmp LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 CUDA_VISIBLE_DEVICES= \
  /bin/sh -c 'cd /irx && exec python3 maint/gen-aten-schemas.py "$@"' sh "$@"
