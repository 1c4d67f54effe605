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
# IRX_GEN_DRY_RUN=1 prints the commands instead.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, gen_fixtures
irx_chroot_at=irx-capture
gen_fixtures gen_capture.py cap "$@"
