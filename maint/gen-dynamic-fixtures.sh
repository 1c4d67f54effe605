#!/bin/bash
# Regenerate the dynamic-shape fixtures (programs exported with
# torch.export.Dim, real weights, torch's outputs at several sizes; see
# tests/fixtures/gen_dynamic.py) with real PyTorch in Debian chroots:
#   torch 2.6  (trixie chroot) -> tests/fixtures/dyn26/
#   torch 2.14 (sid chroot)    -> tests/fixtures/dyn214/
#
#   maint/gen-dynamic-fixtures.sh [t26|t214 ...] [-- extra gen_dynamic.py args, e.g. --only mlp_batch]
#
# Needs root (chroot, mount --bind). The chroots are created by
# maint/mkchroot.sh when missing. The repository is mounted at the chroot's
# /irx-dynamic, in a private mount namespace when unshare is there, so that
# other scripts using the same chroot meanwhile are not disturbed.
set -euo pipefail

if [ -z "${IRX_DYN_UNSHARED:-}" ] && command -v unshare >/dev/null 2>&1; then
  IRX_DYN_UNSHARED=1 exec unshare --mount --propagation private "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
versions=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    t26|t214) versions+=("$1") ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [t26|t214 ...] [-- gen_dynamic.py args]" >&2; exit 2 ;;
  esac
  shift
done
[ ${#versions[@]} -gt 0 ] || versions=(t26 t214)

. "$top/maint/chroot-lib.sh"   # cleanup trap, run_in_chroot, chroot_for
irx_chroot_at=irx-dynamic

for v in "${versions[@]}"; do
  root=$(chroot_for "$v")
  echo "== $v in $root" >&2
  run_in_chroot "$root" python3 tests/fixtures/gen_dynamic.py --out "tests/fixtures/dyn${v#t}" "${extra[@]}"
done
du -sh "$top"/tests/fixtures/dyn* >&2 || true
