#!/bin/bash
# Regenerate the per-node fixtures (tests/fixtures/gen_pernode.py: runtime
# captures with torch's own value of every node) with torch 2.14 in the sid
# chroot -> tests/fixtures/pn214/.
#
#   maint/gen-pernode-fixtures.sh [-- extra gen_pernode.py args, e.g. --only skip]
#
# Needs root (chroot, mount --bind); the chroot is made by maint/mkchroot.sh
# when missing (IRX_CHROOT_SID overrides its location).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
extra=()
[ "${1:-}" != "--" ] || { shift; extra=("$@"); }
. "$top/maint/chroot-lib.sh"
root=$(chroot_for t214)
irx_chroot_at=irx-pernode
run_in_chroot "$root" python3 tests/fixtures/gen_pernode.py --out tests/fixtures/pn214 "${extra[@]}"
rmdir "$root/$irx_chroot_at" 2>/dev/null || true
