#!/bin/bash
# Check tensor files (e.g. written by irx) against an oracle in every real
# PyTorch available here:
#   torch 1.13 on the host (/usr/bin/python3, IRX_HOST_PYTHON overrides),
#   torch 2.6 in the trixie chroot, torch 2.14 (+ safetensors) in the sid chroot.
#
#   maint/check-written.sh [--torch LIST] [--subset] [--by-position] ORACLE FILE...
#   maint/check-written.sh [--torch LIST] --batch BATCH
#
# Runs tests/fixtures/tensors/check_written.py (see there for what is
# compared, and for --subset and --by-position) once per torch. --torch
# picks the torches, a comma-separated list of t113, t26, t214 (all three
# by default). --batch: BATCH holds one check a line, check_written.py's
# arguments separated by tabs (options first, then ORACLE and FILEs), all
# run in one start of each torch.
#
# A torch whose chroot is absent (not created here: maint/mkchroot.sh makes
# them) is skipped with a message, as are the chroots when not running as
# root. The files are copied into the chroot's /tmp for the run (no bind
# mount), so they may live anywhere.
# Exit status: the worst of the runs: 0 all match (or skipped), 1 a mismatch,
# 2 an error (or nothing could be checked at all).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # run_clean, chroot_exec, existing_chroot_for

usage() {
  echo "usage: $0 [--torch t113,t26,t214] [--subset] [--by-position] ORACLE FILE..." >&2
  echo "       $0 [--torch t113,t26,t214] --batch BATCH" >&2
  exit 2
}

torches=t113,t26,t214
opts=()
batch=
while [ $# -gt 0 ]; do
  case $1 in
    --torch) [ $# -ge 2 ] || usage; torches=$2; shift 2 ;;
    --torch=*) torches=${1#--torch=}; shift ;;
    --subset|--by-position) opts+=("$1"); shift ;;
    --batch) [ $# -ge 2 ] || usage; batch=$2; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
for v in ${torches//,/ }; do
  case $v in t113|t26|t214) ;; *) echo "$0: unknown torch '$v' (t113, t26, t214)" >&2; exit 2 ;; esac
done
wanted() { case ",$torches," in *",$1,"*) return 0 ;; esac; return 1; }

script=$top/tests/fixtures/tensors/check_written.py
if [ -n "$batch" ]; then
  [ $# = 0 ] && [ ${#opts[@]} = 0 ] || usage
  [ -f "$batch" ] || { echo "$0: no such file: $batch" >&2; exit 2; }
  # Every oracle and file the batch names must exist.
  while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    IFS=$'\t' read -r -a fields <<<"$line"
    for f in "${fields[@]}"; do
      case $f in -*) continue ;; esac
      [ -f "$f" ] || { echo "$0: $batch: no such file: $f" >&2; exit 2; }
    done
  done <"$batch"
else
  [ $# -ge 2 ] || usage
  for f in "$@"; do
    [ -f "$f" ] || { echo "$0: no such file: $f" >&2; exit 2; }
  done
  # One run: a batch of one line.
  single=$(mktemp "${TMPDIR:-/tmp}/irx-check-batch.XXXXXX")
  (IFS=$'\t'; printf '%s\n' "${opts[*]:+${opts[*]}	}$*") >"$single"
  batch=$single
fi

worst=0
ran=0
note() { [ "$1" -gt "$worst" ] && worst=$1; ran=$((ran + 1)); }
# torch prints "UCX ERROR" lines on stdout and cpuinfo complaints on stderr
# where /proc or the boot id is not what it expects: noise, dropped.
noise='UCX  ERROR\|Error in cpuinfo'

# torch 1.13 on the host: the files are read where they are.
if wanted t113; then
  py=${IRX_HOST_PYTHON:-/usr/bin/python3}
  if "$py" -c 'import torch' 2>/dev/null; then
    rc=0
    out=$(run_clean "$py" "$script" --batch "$batch" 2> >(grep -v "$noise" >&2)) || rc=$?
    [ -z "$out" ] || printf '%s\n' "$out" | { grep -v "$noise" || true; }
    note $rc
  else
    echo "SKIP t113: $py cannot import torch (apt-get install python3-torch)"
  fi
fi

# torch 2.6 / 2.14: copy script, oracles and files into the chroot's /tmp,
# and the batch with its paths rewritten to those copies.
tmp=
rm_tmp() { [ -z "$tmp" ] || rm -rf --one-file-system "$tmp"; tmp=; }
trap 'rm_tmp; cleanup; [ -z "${single:-}" ] || rm -f "$single"' EXIT INT TERM
for v in t26 t214; do
  wanted $v || continue
  root=$(existing_chroot_for $v)
  if [ -z "$root" ]; then
    echo "SKIP $v: no chroot (create it with maint/mkchroot.sh $([ $v = t26 ] && echo trixie || echo sid))"
    continue
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP $v: chroot $root needs root"
    continue
  fi
  tmp=$(mktemp -d "$root/tmp/irx-check.XXXXXX")
  in=/tmp/$(basename "$tmp")
  cp "$script" "$tmp/check_written.py"
  i=0
  while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    IFS=$'\t' read -r -a fields <<<"$line"
    args=() labels=() seen_oracle=
    for f in "${fields[@]}"; do
      case $f in -*) args+=("$f"); continue ;; esac
      mkdir "$tmp/$i"                    # one folder per file: names may repeat
      cp "$f" "$tmp/$i/"
      args+=("$in/$i/$(basename "$f")")
      [ -z "$seen_oracle" ] && seen_oracle=1 || labels+=("--label=$f")
      i=$((i + 1))
    done
    (IFS=$'\t'; printf '%s\n' "${labels[*]:+${labels[*]}	}${args[*]}")
  done <"$batch" >"$tmp/batch"
  rc=0
  out=$(chroot_exec "$root" python3 "$in/check_written.py" --batch "$in/batch" \
    2> >(grep -v "$noise" >&2)) || rc=$?
  [ -z "$out" ] || printf '%s\n' "$out" | { grep -v "$noise" || true; }
  rm_tmp
  note $rc
done

if [ $ran = 0 ]; then
  echo "$0: no torch available to check with" >&2
  exit 2
fi
exit $worst
