#!/bin/bash
# Create (if missing) a Debian chroot holding a real PyTorch, for generating
# .pt2 test fixtures and operator schema lists.
#
#   tools/mkchroot.sh trixie [DIR]   torch 2.6  + torchvision     (default DIR /var/tmp/irx-trixie)
#   tools/mkchroot.sh sid    [DIR]   torch 2.14 + torchvision + transformers + safetensors
#                                                                 (default DIR /var/tmp/irx-sid)
#
# Needs root and mmdebstrap. Idempotent: a marker file is written inside the
# chroot once it is complete; re-running then does nothing but print the path.
# The package archive is mmdebstrap's default; its Release files may have
# expired, hence Check-Valid-Until false (also set inside the chroot).
set -euo pipefail

usage() { echo "usage: $0 {trixie|sid} [DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage

suite=$1
pkgs=python3-torch,python3-torchvision,python3-numpy
case "$suite" in
  trixie) ;;
  sid)    pkgs=$pkgs,python3-transformers,python3-safetensors ;;
  *)      usage ;;
esac
dir=${2:-/var/tmp/irx-$suite}
marker=$dir/.irx-chroot-complete

if [ -f "$marker" ]; then
  echo "$dir"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "$0: must run as root (mmdebstrap/chroot)" >&2
  exit 1
fi
command -v mmdebstrap >/dev/null || { echo "$0: mmdebstrap not installed" >&2; exit 1; }

# A half-made chroot from an interrupted run: start over.
if [ -e "$dir" ]; then
  echo "$0: removing incomplete chroot $dir" >&2
  rm -rf --one-file-system "$dir"
fi
mkdir -p "$(dirname "$dir")"

tmp=$dir.tmp.$$
trap 'rm -rf --one-file-system "$tmp"' EXIT
mmdebstrap --variant=apt \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --include="$pkgs" \
  "$suite" "$tmp" >&2

chroot "$tmp" python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)' >&2

{ echo "suite=$suite"; echo "packages=$pkgs"; date -u +created=%Y-%m-%dT%H:%M:%SZ; } > "$tmp/.irx-chroot-complete"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir"
