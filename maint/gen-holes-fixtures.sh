#!/bin/bash
# Regenerate the fixtures of issue 11's holes (histc on integers,
# data-dependent sizes, in-place buffer updates, Dim; see
# tests/fixtures/gen_holes.py) with torch 2.14 and transformers in the sid
# chroot -> tests/fixtures/holes/.
#
#   maint/gen-holes-fixtures.sh [-- gen_holes.py args, e.g. --only histc]
#
# Needs root (chroot, mount --bind). The repository is mounted at the
# chroot's /irx-holes, so that it runs beside scripts that mount theirs at /irx.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
extra=()
if [ $# -gt 0 ]; then
  [ "$1" = -- ] || { echo "usage: $0 [-- gen_holes.py args]" >&2; exit 64; }
  shift
  extra=("$@")
fi
. "$top/maint/chroot-lib.sh"   # cleanup trap, run_in_chroot, chroot_for

root=$(chroot_for t214)
irx_chroot_at=irx-holes
run_in_chroot "$root" python3 tests/fixtures/gen_holes.py --out tests/fixtures/holes "${extra[@]}"
