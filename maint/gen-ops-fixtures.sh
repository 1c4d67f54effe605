#!/bin/bash
# Regenerate the operator fixtures (custom operators, pre-dispatch vmap
# calls, operators of torch 2.14 that libtorch 1.13 lacks; see
# tests/fixtures/gen_ops.py) with torch 2.14 and transformers in the sid
# chroot -> tests/fixtures/ops214/.
#
#   maint/gen-ops-fixtures.sh [-- gen_ops.py args, e.g. --only rms_norm]
#
# Needs root (chroot, mount --bind). The repository is mounted at the
# chroot's /irx-ops, so that it runs beside scripts that mount theirs at /irx.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
extra=()
if [ $# -gt 0 ]; then
  [ "$1" = -- ] || { echo "usage: $0 [-- gen_ops.py args]" >&2; exit 64; }
  shift
  extra=("$@")
fi
. "$top/maint/chroot-lib.sh"   # cleanup trap, run_in_chroot, chroot_for

root=$(chroot_for t214)
irx_chroot_at=irx-ops
run_in_chroot "$root" python3 tests/fixtures/gen_ops.py --out tests/fixtures/ops214 "${extra[@]}"
