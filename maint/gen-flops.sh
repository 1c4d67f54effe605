#!/bin/bash
# Write torch's own FLOP, parameter and buffer counts beside the .pt2 test
# fixtures (tests/fixtures/gen_flops.py) with real PyTorch:
#   torch 2.6  (trixie chroot) -> tests/fixtures/t26/NAME.flops.json
#   torch 2.14 (sid chroot)    -> tests/fixtures/t214/NAME.flops.json
#
#   maint/gen-flops.sh [t26|t214 ...] [-- extra gen_flops.py args, e.g. --only mlp]
#
# Needs root and the chroots made by maint/mkchroot.sh (never made here). The
# repository is mounted at /irx-flops in them, so that this can run beside
# the scripts that use /irx.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
versions=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    t26|t214) versions+=("$1") ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [t26|t214 ...] [-- gen_flops.py args]" >&2; exit 64 ;;
  esac
  shift
done
[ ${#versions[@]} -gt 0 ] || versions=(t26 t214)

. "$top/maint/chroot-lib.sh"   # cleanup trap, run_in_chroot, existing_chroot_for
irx_chroot_at=irx-flops

for v in "${versions[@]}"; do
  root=$(existing_chroot_for "$v")
  if [ -z "$root" ]; then
    echo "$0: no complete chroot for $v (make it with maint/mkchroot.sh)" >&2
    exit 1
  fi
  chroot_mount_proc "$root"
  echo "== $v in $root" >&2
  run_in_chroot "$root" python3 tests/fixtures/gen_flops.py --dir "tests/fixtures/$v" "${extra[@]}"
done
