#!/bin/bash
# Regenerate the irx-capture fixtures (tests/fixtures/gen_capture.py) with
# real PyTorch in the Debian chroots:
#   torch 2.6  (trixie chroot) -> tests/fixtures/cap26/
#   torch 2.14 (sid chroot)    -> tests/fixtures/cap214/
#
#   maint/gen-capture-fixtures.sh [t26|t214 ...] [-- --only NAME,...]
#
# Needs root (chroot, mount --bind). The repository is mounted at
# /irx-capture in the chroot, apart from the /irx of the other scripts.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
versions=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    t26|t214) versions+=("$1") ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [t26|t214 ...] [-- gen_capture.py args]" >&2; exit 2 ;;
  esac
  shift
done
[ ${#versions[@]} -gt 0 ] || versions=(t26 t214)
. "$top/maint/chroot-lib.sh"
irx_chroot_at=irx-capture
status=0
for v in "${versions[@]}"; do
  root=$(chroot_for "$v")
  echo "== $v in $root" >&2
  run_in_chroot "$root" python3 tests/fixtures/gen_capture.py --out "tests/fixtures/cap${v#t}" \
    "${extra[@]}" || status=$?
done
exit $status
