#!/bin/bash
# Regenerate the .pt2 test fixtures with real PyTorch in Debian chroots:
#   torch 2.6  (trixie chroot) -> tests/fixtures/t26/   (legacy layout)
#   torch 2.14 (sid chroot)    -> tests/fixtures/t214/  (PT2 archive layout)
#                                 + examples/mlp.pt2, examples/resnet18.pt2
#
#   maint/gen-fixtures.sh [t26|t214 ...] [-- extra gen_fixtures.py args, e.g. --only mlp]
#
# Needs root (mmdebstrap, chroot, mount --bind). The chroots are created by
# maint/mkchroot.sh when missing (IRX_CHROOT_TRIXIE / IRX_CHROOT_SID override
# their locations).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
versions=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    t26|t214) versions+=("$1") ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [t26|t214 ...] [-- gen_fixtures.py args]" >&2; exit 2 ;;
  esac
  shift
done
[ ${#versions[@]} -gt 0 ] || versions=(t26 t214)

. "$top/maint/chroot-lib.sh"   # cleanup trap, run_in_chroot, chroot_for

for v in "${versions[@]}"; do
  case "$v" in
    t26)  root=$(chroot_for t26); ex=() ;;
    t214) root=$(chroot_for t214); ex=(--examples examples) ;;
  esac
  echo "== $v in $root" >&2
  run_in_chroot "$root" python3 tests/fixtures/gen_fixtures.py --out "tests/fixtures/$v" "${ex[@]}" "${extra[@]}"
done
du -sh "$top/tests/fixtures" >&2
