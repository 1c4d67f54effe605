#!/bin/bash
# Write torch's own FLOP, parameter and buffer counts beside the .pt2 test
# fixtures (tests/fixtures/gen_flops.py) with real PyTorch:
#   torch 2.6  (trixie chroot) -> tests/fixtures/t26/NAME.flops.json
#   torch 2.14 (sid chroot)    -> tests/fixtures/t214/NAME.flops.json
#
#   maint/gen-flops.sh [t26|t214 ...] [-- extra gen_flops.py args, e.g. --only mlp]
#
# Needs root and the chroots made by maint/mkchroot.sh (never made here). The
# repository is mounted at /irx-flops in them, so that this can run beside
# the scripts that use /irx. IRX_GEN_DRY_RUN=1 prints the commands instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, run_in_chroot, existing_chroot_for, gen_fixtures

# run_with_proc DIR CMD...: run_in_chroot with a proc file system in the
# chroot (torch reads /proc/cpuinfo), unmounted at exit.
run_with_proc() {
  chroot_mount_proc "$1"
  run_in_chroot "$@"
}

irx_chroot_at=irx-flops
irx_gen_chroot=existing_chroot_for
irx_gen_run=run_with_proc
irx_gen_out_opt=--dir
gen_fixtures gen_flops.py t "$@"
