#!/bin/bash
# Regenerate the runtime test fixtures (meta-device .pt2 exports with real
# weights, inputs, eager outputs and TorchScript references; see
# tests/fixtures/gen_runtime.py) with real PyTorch in Debian chroots:
#   torch 2.6  (trixie chroot) -> tests/fixtures/rt26/
#   torch 2.14 (sid chroot)    -> tests/fixtures/rt214/  (+ .safetensors, transformers models)
#
#   maint/gen-runtime-fixtures.sh [t26|t214 ...] [-- extra gen_runtime.py args, e.g. --only mlp]
#
# Needs root (chroot, mount --bind). The chroots are created by
# maint/mkchroot.sh when missing (IRX_CHROOT_TRIXIE / IRX_CHROOT_SID override
# their locations). It runs in a private mount namespace (unshare -m) when
# it can, so that other scripts using the chroots meanwhile do no harm. Each folder gets a MANIFEST (size, sha256 of every file)
# and a README.md naming the models; the output is byte-identical from run
# to run. IRX_GEN_DRY_RUN=1 prints the commands instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, chroot_unshare, gen_fixtures
# In a mount namespace of our own (see run_private below).
chroot_unshare "$0" "$@"

# run_private DIR CMD...: run_in_chroot, safe beside other scripts that use
# the same chroot. The repository must be at the chroot's /irx (the path is
# written into the TorchScript references), where the other scripts of
# maint/ mount and unmount theirs: in the private mount namespace their
# mounts do not cover ours, and a file left in the directory underneath for
# the time of the run keeps their cleanup's rmdir from detaching it (an
# rmdir detaches a mount point of every namespace). Without unshare this is
# run_in_chroot.
run_private() {
  local root=$1; shift
  [ -n "${IRX_CHROOT_UNSHARED:-}" ] || { run_in_chroot "$root" "$@"; return; }
  local under rc=0
  mkdir -p "$root/irx"
  under=$(mktemp -d)
  mount --bind "$root" "$under"          # not --rbind: the directory underneath
  touch "$under/irx/.gen-runtime-busy.$$"
  mount --bind "$top" "$root/irx"
  chroot_exec "$root" /bin/sh -c 'cd /irx && exec "$@"' sh "$@" || rc=$?
  umount "$root/irx"
  rm -f "$under/irx/.gen-runtime-busy.$$"
  umount "$under"
  rmdir "$under"
  return $rc
}

irx_gen_run=run_private
gen_fixtures gen_runtime.py rt "$@"
