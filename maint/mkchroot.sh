#!/bin/bash
# Create (if missing) a Debian chroot holding a real PyTorch, for generating
# .pt2 test fixtures and operator schema lists, and (sid) for building and
# testing irx against libtorch 2.14 (maint/check-sid.sh).
#
#   maint/mkchroot.sh trixie [DIR]   torch 2.6  + torchvision     (default DIR /var/tmp/irx-trixie)
#   maint/mkchroot.sh sid    [DIR]   torch 2.14 + torchvision + transformers + safetensors,
#                                    and irx's build dependencies with libtorch-dev 2.14
#                                                                 (default DIR /var/tmp/irx-sid)
#
# Needs root and mmdebstrap. Idempotent: a marker file is written inside the
# chroot once it is complete; re-running then does nothing but print the path.
# The build dependencies carry a second marker, .irx-chroot-builddeps, holding
# a version: a chroot made before they were added (or with an older version)
# gets them installed in place with apt-get, without being recreated.
# The package archive is mmdebstrap's default; its Release files may have
# expired, hence Check-Valid-Until false (also set inside the chroot).
# Only the chroot's path goes to stdout; progress and errors go to stderr.
set -euo pipefail

usage() { echo "usage: $0 {trixie|sid} [DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage

suite=$1
pkgs=python3-torch,python3-torchvision,python3-numpy
# Build dependencies (maint/install-deps.sh's list, plus libtorch-dev, which
# pulls in python3-dev and libprotobuf-dev). Bump builddeps_version whenever
# the list changes so existing chroots are brought up to date.
builddeps=
builddeps_version=
case "$suite" in
  trixie) ;;
  sid)    pkgs=$pkgs,python3-transformers,python3-safetensors
          bd=(build-essential autoconf automake libtool pkg-config
              libjansson-dev libminizip-dev zlib1g-dev libcmocka-dev
              libtorch-dev python3)
          builddeps="${bd[*]}"
          builddeps_version=1 ;;
  *)      usage ;;
esac
dir=${2:-/var/tmp/irx-$suite}
marker=$dir/.irx-chroot-complete
bmarker=$dir/.irx-chroot-builddeps

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root ($1)" >&2
    exit 1
  fi
}

builddeps_ok() {
  [ -z "$builddeps_version" ] ||
    { [ -f "$bmarker" ] && grep -qx "version=$builddeps_version" "$bmarker"; }
}

write_bmarker() {   # ROOT
  { echo "version=$builddeps_version"; echo "packages=$builddeps"
    date -u +installed=%Y-%m-%dT%H:%M:%SZ; } > "$1/.irx-chroot-builddeps.tmp"
  mv "$1/.irx-chroot-builddeps.tmp" "$1/.irx-chroot-builddeps"
}

# Install the build dependencies into an existing, complete chroot.
install_builddeps() {
  need_root "apt-get in the chroot"
  # Serialise concurrent runs (apt's own lock would just make one fail).
  exec 9>"$dir/.irx-chroot-builddeps.lock"
  flock 9
  if builddeps_ok; then exec 9>&-; return 0; fi
  echo "$0: installing build dependencies (version $builddeps_version) into $dir" >&2
  local log
  log=$(mktemp)
  # shellcheck disable=SC2086
  if ! { chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
           DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
           apt-get -q update &&
         chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
           DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
           apt-get -q -y --no-install-recommends install $builddeps &&
         chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
           apt-get -q clean; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    echo "$0: installing build dependencies into $dir failed" >&2
    exit 1
  fi
  rm -f "$log"
  write_bmarker "$dir"
  exec 9>&-
}

if [ -f "$marker" ]; then
  builddeps_ok || install_builddeps
  echo "$dir"
  exit 0
fi

need_root "mmdebstrap/chroot"
command -v mmdebstrap >/dev/null || { echo "$0: mmdebstrap not installed" >&2; exit 1; }

# A half-made chroot from an interrupted run: start over.
if [ -e "$dir" ]; then
  echo "$0: removing incomplete chroot $dir" >&2
  rm -rf --one-file-system "$dir"
fi
mkdir -p "$(dirname "$dir")"

tmp=$dir.tmp.$$
trap 'rm -rf --one-file-system "$tmp"' EXIT
all=$pkgs${builddeps:+,${builddeps// /,}}
mmdebstrap --variant=apt \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --include="$all" \
  "$suite" "$tmp" >&2

chroot "$tmp" python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)' >&2

[ -z "$builddeps_version" ] || write_bmarker "$tmp"
{ echo "suite=$suite"; echo "packages=$pkgs"; date -u +created=%Y-%m-%dT%H:%M:%SZ; } > "$tmp/.irx-chroot-complete"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir"
