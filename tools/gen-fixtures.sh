#!/bin/bash
# Regenerate the .pt2 test fixtures with real PyTorch in Debian chroots:
#   torch 2.6  (trixie chroot) -> tests/fixtures/t26/   (legacy layout)
#   torch 2.14 (sid chroot)    -> tests/fixtures/t214/  (PT2 archive layout)
#                                 + examples/mlp.pt2, examples/resnet18.pt2
#
#   tools/gen-fixtures.sh [t26|t214 ...] [-- extra gen_fixtures.py args, e.g. --only mlp]
#
# Needs root (mmdebstrap, chroot, mount --bind). The chroots are created by
# tools/mkchroot.sh when missing (IRX_CHROOT_TRIXIE / IRX_CHROOT_SID override
# their locations).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
versions=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    t26|t214) versions+=("$1") ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [t26|t214 ...] [-- gen_fixtures.py args]" >&2; exit 2 ;;
  esac
  shift
done
[ ${#versions[@]} -gt 0 ] || versions=(t26 t214)

mnt=
cleanup() {
  if [ -n "$mnt" ] && mountpoint -q "$mnt"; then
    umount "$mnt" || umount -l "$mnt"
  fi
  [ -z "$mnt" ] || rmdir "$mnt" 2>/dev/null || true
  mnt=
}
trap cleanup EXIT INT TERM

# run_in_chroot DIR CMD...: run CMD (in the repository root) inside chroot DIR
# with the repository bind-mounted at /irx.
run_in_chroot() {
  local root=$1; shift
  mnt=$root/irx
  mkdir -p "$mnt"
  mount --bind "$top" "$mnt"
  # setarch -R: no address randomisation, so the id() of graphs that torch
  # records in node metadata (from_node graph_id) repeats from run to run.
  setarch "$(uname -m)" -R chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp LC_ALL=C.UTF-8 TZ=UTC PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
    OMP_NUM_THREADS=1 CUDA_VISIBLE_DEVICES= TOKENIZERS_PARALLELISM=false \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 \
    TORCHINDUCTOR_CACHE_DIR=/tmp/inductor \
    /bin/sh -c 'cd /irx && exec "$@"' sh "$@"
  cleanup
}

for v in "${versions[@]}"; do
  case "$v" in
    t26)  root=$("$top/tools/mkchroot.sh" trixie ${IRX_CHROOT_TRIXIE:+"$IRX_CHROOT_TRIXIE"}); ex=() ;;
    t214) root=$("$top/tools/mkchroot.sh" sid ${IRX_CHROOT_SID:+"$IRX_CHROOT_SID"}); ex=(--examples examples) ;;
  esac
  echo "== $v in $root" >&2
  run_in_chroot "$root" python3 tests/fixtures/gen_fixtures.py --out "tests/fixtures/$v" "${ex[@]}" "${extra[@]}"
done
du -sh "$top/tests/fixtures" >&2
