#!/bin/bash
# Regenerate the TorchScript test fixtures (tests/fixtures/gen_torchscript.py)
# with real PyTorch:
#   torch 1.13 (the host's python3-torch) -> tests/fixtures/ts113/
#   torch 2.6  (trixie chroot)            -> tests/fixtures/ts26/
#   torch 2.14 (sid chroot)               -> tests/fixtures/ts214/
# (with gen_torchscript_more.py: torchvision and transformers models where
# those are installed, and torch.export archives with torch >= 2.6).
#
#   maint/gen-ts-fixtures.sh [t113|t26|t214 ...] [-- extra gen_torchscript.py args, e.g. --only gru]
#
# The chroots need root and are created by maint/mkchroot.sh when missing
# (IRX_CHROOT_TRIXIE / IRX_CHROOT_SID override their locations). The
# repository is mounted at /irx-ts in them, so that this can run beside the
# scripts that use /irx. IRX_GEN_DRY_RUN=1 prints the commands instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, gen_fixtures
irx_chroot_at=irx-ts
irx_gen_versions=(t113 t26 t214)
# Traced archives record the generator's path (the chroots see it at
# /irx-ts): ts113 was written on the host from a checkout at /work/main,
# and from elsewhere its .pt files differ in their debug records.
# torch's portable CPU kernels in the chroots: ts26 and ts214 were written
# with them, and torch 2.14's vectorized ones (AVX2, AVX-512) draw random
# numbers that differ in the last bits.  (The host's torch 1.13 wrote
# ts113 with the kernels it picks on its own.)
irx_gen_chroot_env=(ATEN_CPU_CAPABILITY=default)
gen_fixtures gen_torchscript.py ts "$@"
