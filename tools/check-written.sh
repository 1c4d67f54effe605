#!/bin/bash
# Check tensor files (e.g. written by irx) against an oracle in every real
# PyTorch available here:
#   torch 1.13 on the host (/usr/bin/python3, IRX_HOST_PYTHON overrides),
#   torch 2.6 in the trixie chroot, torch 2.14 (+ safetensors) in the sid chroot.
#
#   tools/check-written.sh [--subset] ORACLE FILE...
#
# Runs tests/fixtures/tensors/check_written.py (see there for what is
# compared) once per torch. A torch whose chroot is absent (not created here:
# tools/mkchroot.sh makes them) is skipped with a message, as are the chroots
# when not running as root. The files are copied into the chroot's /tmp for
# the run (no bind mount), so they may live anywhere.
# Exit status: the worst of the runs: 0 all match (or skipped), 1 a mismatch,
# 2 an error (or nothing could be checked at all).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/chroot-lib.sh"   # run_clean, chroot_exec, existing_chroot_for

opts=()
[ "${1:-}" = --subset ] && { opts+=(--subset); shift; }
if [ $# -lt 2 ]; then
  echo "usage: $0 [--subset] ORACLE FILE..." >&2
  exit 2
fi
oracle=$1; shift
for f in "$oracle" "$@"; do
  [ -f "$f" ] || { echo "$0: no such file: $f" >&2; exit 2; }
done
script=$top/tests/fixtures/tensors/check_written.py

worst=0
ran=0
note() { [ "$1" -gt "$worst" ] && worst=$1; ran=$((ran + 1)); }

# torch 1.13 on the host: the files are read where they are.
py=${IRX_HOST_PYTHON:-/usr/bin/python3}
if "$py" -c 'import torch' 2>/dev/null; then
  rc=0
  run_clean "$py" "$script" "${opts[@]}" "$oracle" "$@" || rc=$?
  note $rc
else
  echo "SKIP host: $py cannot import torch (apt-get install python3-torch)"
fi

# torch 2.6 / 2.14: copy script, oracle and files into the chroot's /tmp.
tmp=
rm_tmp() { [ -z "$tmp" ] || rm -rf --one-file-system "$tmp"; tmp=; }
trap 'rm_tmp; cleanup' EXIT INT TERM
for v in t26 t214; do
  root=$(existing_chroot_for $v)
  if [ -z "$root" ]; then
    echo "SKIP $v: no chroot (create it with tools/mkchroot.sh $([ $v = t26 ] && echo trixie || echo sid))"
    continue
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP $v: chroot $root needs root"
    continue
  fi
  tmp=$(mktemp -d "$root/tmp/irx-check.XXXXXX")
  in=/tmp/$(basename "$tmp")
  cp "$script" "$tmp/check_written.py"
  cp "$oracle" "$tmp/oracle.json"
  args=() labels=()
  i=0
  for f in "$@"; do
    mkdir "$tmp/$i"                      # one folder per file: names may repeat
    cp "$f" "$tmp/$i/"
    args+=("$in/$i/$(basename "$f")")
    labels+=(--label "$f")
    i=$((i + 1))
  done
  rc=0
  chroot_exec "$root" python3 "$in/check_written.py" "${opts[@]}" "${labels[@]}" \
    "$in/oracle.json" "${args[@]}" 2> >(grep -v 'UCX  ERROR\|Error in cpuinfo' >&2) || rc=$?
  rm_tmp
  note $rc
done

if [ $ran = 0 ]; then
  echo "$0: no torch available to check with" >&2
  exit 2
fi
exit $worst
