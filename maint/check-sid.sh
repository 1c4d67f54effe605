#!/bin/bash
# Build and test the current tree inside the Debian sid chroot, against
# libtorch 2.14 and sid's compilers, without touching the host's build tree:
#
#   maint/check-sid.sh
#
# The git-tracked files and the untracked ones git does not ignore (as in
# `git ls-files -co --exclude-standard`; no build outputs) are copied into a
# fresh BUILD/irx inside the chroot (default /build/irx, that is
# /var/tmp/irx-sid/build/irx on the host), then, in the chroot:
#   autoreconf -fi && ./configure --enable-werror && make && make check
# (and make distcheck with IRX_SID_DISTCHECK=1; IRX_SID_CONFIGURE replaces
# configure's arguments, e.g. IRX_SID_CONFIGURE= to list every warning sid's
# compiler gives without stopping at the first).
#
# The chroot is made, or brought up to date with the build dependencies, by
# maint/mkchroot.sh (IRX_CHROOT_SID overrides where it is). Needs root.
# A proc file system is mounted on the chroot's /proc for the run and
# unmounted on exit. Runs are serialised with a lock in the chroot.
#
# The output of every step goes to BUILD/check-sid.log (printed path); the
# test summary is printed, and on failure the tail of the log and the test
# suite's log. IRX_SID_VERBOSE=1 prints everything as it runs.
# Inside the chroot the other torches (host torch 1.13, the trixie chroot,
# the sid chroot itself) are not reachable: the tests that need them skip.
# The chroot's python3 has torch 2.14; it is not offered as the "host torch
# 1.13" (IRX_HOST_PYTHON is pointed at nothing).
# Exit status: that of the first step that failed (make's), else 0.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup, chroot_exec, chroot_mount_proc, chroot_for
# Each step runs as a job of its own (process group, set -m below); on INT or
# TERM the whole step is stopped before the mounts are undone.
child=
stop_child() {
  [ -z "$child" ] || kill -TERM -- "-$child" 2>/dev/null || true
  [ -z "$child" ] || wait "$child" 2>/dev/null || true
  child=
}
trap 'stop_child; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" != 0 ]; then
  echo "$0: must run as root (chroot, mount)" >&2
  exit 1
fi
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
  { echo "$0: $top is not a git checkout" >&2; exit 1; }

root=$(chroot_for t214)
inside=/build                # the build area, as seen inside the chroot
build=$root$inside
mkdir -p "$build"

exec 9>"$build/.check-sid.lock"
if ! flock -n 9; then
  echo "$0: another check-sid run holds $build/.check-sid.lock; waiting" >&2
  flock 9
fi

t0=$SECONDS
elapsed() { echo "$((SECONDS - t0))s"; }

# Fresh copy of the tree (nothing is ever mounted under $build).
rm -rf --one-file-system "$build/irx"
mkdir -p "$build/irx"
while IFS= read -r -d '' f; do
  # Tracked files deleted in the working tree are not copied.
  if [ -e "$top/$f" ] || [ -L "$top/$f" ]; then
    printf '%s\0' "$f"
  fi
done < <(git -C "$top" ls-files -z -co --exclude-standard --deduplicate) |
  tar -C "$top" --null --no-recursion -T - -cf - |
  tar -C "$build/irx" -xf -
echo "check-sid: copied $(cd "$build/irx" && find . -type f | wc -l) files into $build/irx ($(elapsed))"

chroot_mount_proc "$root"

log=$build/check-sid.log
: >"$log"
torch=$(chroot_exec "$root" dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo '?')
gcc=$(chroot_exec "$root" gcc -dumpfullversion 2>/dev/null || echo '?')
echo "check-sid: chroot $root: libtorch-dev $torch, gcc $gcc; log $log"

jobs=$(nproc)
steps=(
  "autoreconf -fi"
  "./configure ${IRX_SID_CONFIGURE---enable-werror}"
  "make -j$jobs"
  "make -j$jobs check"
)
[ "${IRX_SID_DISTCHECK:-0}" = 0 ] || steps+=("make -j$jobs distcheck")

status=0
for step in "${steps[@]}"; do
  ts=$SECONDS
  echo "check-sid: $step" | tee -a "$log"
  from=$(($(stat -c %s "$log") + 1))
  set -m
  chroot_exec "$root" env IRX_HOST_PYTHON=/nonexistent/no-torch-1.13-in-sid \
    /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$inside/irx" /bin/sh -c "$step" \
    >>"$log" 2>&1 &
  child=$!
  set +m
  tailer=
  if [ "${IRX_SID_VERBOSE:-0}" != 0 ]; then
    tail -c "+$from" --pid="$child" -f "$log" &
    tailer=$!
  fi
  status=0
  wait "$child" || status=$?
  child=
  [ -z "$tailer" ] || wait "$tailer" || true
  echo "check-sid: $step: exit $status ($((SECONDS - ts))s)" | tee -a "$log"
  [ "$status" = 0 ] || break
done

# The test summaries (make check's, and distcheck's own make check's), with
# the tests that did not pass.
if [ "${IRX_SID_VERBOSE:-0}" = 0 ]; then
  grep -E '^(Testsuite summary|# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):|(SKIP|FAIL|ERROR|XPASS): )' "$log" || true
fi
if [ "$status" != 0 ]; then
  if [ "${IRX_SID_VERBOSE:-0}" = 0 ]; then
    echo "---- last 40 lines of $log"
    tail -n 40 "$log"
  fi
  if [ -f "$build/irx/test-suite.log" ]; then
    echo "---- $build/irx/test-suite.log"
    cat "$build/irx/test-suite.log"
  fi
  echo "check-sid: FAILED after $(elapsed) (exit $status)"
else
  echo "check-sid: OK in $(elapsed)"
fi
exit "$status"
