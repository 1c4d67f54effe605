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
# IRX_GEN_DRY_RUN=1 prints the commands instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, chroot_unshare, gen_fixtures
chroot_unshare "$0" "$@"
irx_chroot_at=irx-dynamic
gen_fixtures gen_dynamic.py dyn "$@"
