#!/bin/bash
# Regenerate the tensor-file test fixtures (torch.save .pt files, safetensors,
# .pt2 weights) and their oracles with real PyTorch:
#   torch 1.13 (host /usr/bin/python3) -> tests/fixtures/tensors/t113/
#   torch 2.6  (trixie chroot)         -> tests/fixtures/tensors/t26/
#   torch 2.14 (sid chroot)            -> tests/fixtures/tensors/t214/  (+ .safetensors)
# then rewrites tests/fixtures/tensors/MANIFEST (path, size, sha256 of every file).
#
#   maint/gen-tensor-fixtures.sh [t113|t26|t214 ...]
#
# Needs root for the chroots (chroot, mount --bind); they are created by
# maint/mkchroot.sh when missing (IRX_CHROOT_TRIXIE / IRX_CHROOT_SID override
# their locations). The host needs Debian's python3-torch (apt-get install
# python3-torch); the python3 first on PATH may have no torch, so the host run
# uses /usr/bin/python3 (IRX_HOST_PYTHON overrides).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, run_clean, run_in_chroot, chroot_for

versions=()
for a in "$@"; do
  case "$a" in
    t113|t26|t214) versions+=("$a") ;;
    *) echo "usage: $0 [t113|t26|t214 ...]" >&2; exit 2 ;;
  esac
done
[ ${#versions[@]} -gt 0 ] || versions=(t113 t26 t214)

gen=tests/fixtures/tensors/gen_tensors.py
for v in "${versions[@]}"; do
  # Generate into a staging folder and swap it in at the end, so that a
  # failed run keeps the old fixtures and tests running meanwhile see either
  # the old set or the new one.
  final=tests/fixtures/tensors/$v
  out=tests/fixtures/tensors/.new-$v
  rm -rf "$top/$out"
  case "$v" in
    t113)
      py=${IRX_HOST_PYTHON:-/usr/bin/python3}
      echo "== $v on the host ($py)" >&2
      (cd "$top" && run_clean "$py" "$gen" --out "$out")
      ;;
    t26|t214)
      root=$(chroot_for "$v")
      echo "== $v in $root" >&2
      run_in_chroot "$root" python3 "$gen" --out "$out"
      ;;
  esac
  rm -rf "$top/$final.old"
  [ ! -e "$top/$final" ] || mv "$top/$final" "$top/$final.old"
  mv "$top/$out" "$top/$final"
  rm -rf "$top/$final.old"
done

# MANIFEST: every fixture file of every torch, whether regenerated now or not.
(
  cd "$top/tests/fixtures/tensors"
  echo "# tensor fixtures (maint/gen-tensor-fixtures.sh): path size sha256"
  for f in $(find t113 t26 t214 -type f 2>/dev/null | LC_ALL=C sort); do
    printf '%s %s %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
  done
) > "$top/tests/fixtures/tensors/MANIFEST"
du -sh "$top"/tests/fixtures/tensors/t* >&2
