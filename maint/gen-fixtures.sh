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
# their locations). IRX_GEN_DRY_RUN=1 prints the commands instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, gen_fixtures
irx_gen_args_t214=(--examples examples)
gen_fixtures gen_fixtures.py t "$@"
