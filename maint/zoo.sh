#!/bin/bash
# Robustness sweep: export a zoo of third-party models (torchvision,
# transformers; maint/zoo.py) with real PyTorch in the Debian chroots, then
# run irx over every archive on the host and hold it against torch's oracle.
#
#   maint/zoo.sh [sid|trixie|both] [--no-export] [--jobs N] [-- zoo.py args, e.g. --only resnet50]
#
#   sid     torch 2.14 + transformers   (chroot /var/tmp/irx-sid, IRX_CHROOT_SID)
#   trixie  torch 2.6                   (chroot /var/tmp/irx-trixie, IRX_CHROOT_TRIXIE)
#   both    (default) the two
#   --no-export  reuse the archives already in /var/tmp/irx-zoo/<torch version>
#   --jobs N     models exported at once in the chroot (default 1)
#
# Archives and oracles go to $IRX_ZOO (default /var/tmp/irx-zoo)/<torch version>/,
# irx's outputs to .../irx/NAME.{prog,ir,err,check,oracle}.txt|json.
# For every program it runs, and times:
#   irx-export A.pt2 | irx-convert --allow-dynamic > A.ir.json
#   irx-dump --check A.ir.json
#   tests/cli/check-fixtures.py A.ir.json A.oracle.json
# and prints a table: model, torch, nodes, irx time, result; the table is also
# written to .../<torch version>/TABLE.txt. Needs root (chroot, mount --bind).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
zoo=${IRX_ZOO:-/var/tmp/irx-zoo}
bin=${IRX_BIN:-$top/src/tools}
suites=()
export_=1
jobs=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    sid|trixie) suites+=("$1") ;;
    both) suites+=(sid trixie) ;;
    --no-export) export_= ;;
    --jobs) jobs=$2; shift ;;
    --jobs=*) jobs=${1#--jobs=} ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [sid|trixie|both] [--no-export] [--jobs N] [-- zoo.py args]" >&2; exit 64 ;;
  esac
  shift
done
[ ${#suites[@]} -gt 0 ] || suites=(sid trixie)

for t in irx-export irx-convert irx-dump; do
  [ -x "$bin/$t" ] || { echo "$0: $bin/$t missing (build irx first)" >&2; exit 2; }
done

mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    local m=${mounts[i]}
    if mountpoint -q "$m"; then
      umount "$m" || umount -l "$m"
    fi
    rmdir "$m" 2>/dev/null || true
  done
  mounts=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

bind() {  # bind SRC DST
  mkdir -p "$2"
  mount --bind "$1" "$2" || return 1
  mounts+=("$2")
}

# run_in_chroot ROOT CMD...: CMD in the repository root, which is
# bind-mounted at /irx-zoo; $zoo is bind-mounted at the same path inside.
run_in_chroot() {
  local root=$1; shift
  bind "$top" "$root/irx-zoo" || return 1
  bind "$zoo" "$root$zoo" || { cleanup; return 1; }
  chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp LC_ALL=C.UTF-8 TZ=UTC PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
    OMP_NUM_THREADS=1 CUDA_VISIBLE_DEVICES= TOKENIZERS_PARALLELISM=false \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 \
    TORCHINDUCTOR_CACHE_DIR=/tmp/inductor \
    /bin/sh -c 'cd /irx-zoo && exec "$@"' sh "$@"
  local rc=$?
  cleanup
  return $rc
}

chroot_dir() {
  case "$1" in
    sid)    echo "${IRX_CHROOT_SID:-/var/tmp/irx-sid}" ;;
    trixie) echo "${IRX_CHROOT_TRIXIE:-/var/tmp/irx-trixie}" ;;
  esac
}

now() { date +%s.%N; }

# first_lines FILE N: the first N non-empty lines of FILE joined with " | "
first_lines() {
  grep -v '^[[:space:]]*$' "$1" 2>/dev/null | head -n "$2" | cut -c1-240 | paste -sd'|' - | sed 's/|/ | /g'
}

# check_one DIR NAME: irx over DIR/NAME.pt2; prints "nodes<TAB>secs<TAB>result"
check_one() {
  local d=$1 n=$2 w=$1/irx
  local pt2=$d/$n.pt2 prog=$w/$n.prog.json ir=$w/$n.ir.json err=$w/$n.err
  local t0 t1 t2 nodes=- res rc
  rm -f "$prog" "$ir" "$err" "$w/$n.check" "$w/$n.oracle.txt" "$w/$n.oracle-nonull.json"
  t0=$(now)
  "$bin/irx-export" "$pt2" >"$prog" 2>"$err"
  rc=$?
  t1=$(now)
  if [ $rc != 0 ]; then
    res="irx-export failed (exit $rc): $(first_lines "$err" 3)"
  else
    "$bin/irx-convert" --allow-dynamic <"$prog" >"$ir" 2>"$err"
    rc=$?
    t1=$(now)
    if [ $rc != 0 ]; then
      res="irx-convert failed (exit $rc): $(first_lines "$err" 3)"
    else
      t1=$(now)
      nodes=$(jq '.nodes | length' "$ir" 2>/dev/null || echo '?')
      local warn= bad=
      [ -s "$err" ] && warn="irx-convert stderr: $(first_lines "$err" 1)"
      if ! "$bin/irx-dump" --check "$ir" >"$w/$n.check" 2>&1; then
        bad="irx-dump --check: $(first_lines "$w/$n.check" 3)"
      fi
      # tests/cli/check-fixtures.py cannot read an oracle node whose outputs
      # are null (torch left no meta "val", e.g. aten._assert_tensor_metadata
      # after run_decompositions): check against a copy with [] there.
      local oracle=$d/$n.oracle.json
      local nnull
      nnull=$(jq '[.nodes[] | select(.outputs == null)] | length' "$oracle")
      if [ "$nnull" != 0 ]; then
        jq '.nodes |= map(if .outputs == null then .outputs = [] else . end)' "$oracle" >"$w/$n.oracle-nonull.json"
        oracle=$w/$n.oracle-nonull.json
        warn="${warn:+$warn; }oracle: $nnull nodes with outputs null, checked as []"
      fi
      if ! python3 "$top/tests/cli/check-fixtures.py" "$ir" "$oracle" >"$w/$n.oracle.txt" 2>&1; then
        local cnt
        cnt=$(grep -c . "$w/$n.oracle.txt")
        if grep -q '^Traceback' "$w/$n.oracle.txt"; then
          bad="${bad:+$bad; }check-fixtures.py crashed: $(tail -n 1 "$w/$n.oracle.txt")"
        else
          bad="${bad:+$bad; }oracle mismatch ($cnt lines): $(first_lines "$w/$n.oracle.txt" 3 | sed "s#$ir: ##g")"
        fi
      fi
      if [ -n "$bad" ]; then res=$bad; else res=ok; fi
      [ -z "$warn" ] || res="$res [$warn]"
    fi
  fi
  t2=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  printf '%s\t%s\t%s\n' "$nodes" "$t2" "$res"
}

tables=()
for s in "${suites[@]}"; do
  root=$(chroot_dir "$s")
  [ -d "$root" ] || { echo "$0: no chroot $root (maint/mkchroot.sh $s)" >&2; continue; }
  ver=$(chroot "$root" python3 -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null | tail -1)
  [ -n "$ver" ] || { echo "$0: no torch in $root" >&2; continue; }
  d=$zoo/$ver
  mkdir -p "$d/irx"
  if [ -n "$export_" ]; then
    echo "== $s: exporting with torch $ver into $d" >&2
    run_in_chroot "$root" python3 maint/zoo.py --out "$d" --jobs "$jobs" "${extra[@]}" ||
      echo "$0: zoo.py failed in $root" >&2
  fi
  [ -f "$d/RESULTS.tsv" ] || { echo "$0: no $d/RESULTS.tsv" >&2; continue; }

  echo "== $s: irx over $d (irx $(cd "$top" && git describe --always --dirty 2>/dev/null))" >&2
  table=$d/TABLE.txt
  {
    printf '%-44s %-7s %6s %7s  %s\n' model torch nodes irx_s result
    while IFS=$'\t' read -r n status info secs tnodes; do
      case "$n" in '#'*|'') continue ;; esac
      if [ "$status" != ok ] || [ ! -f "$d/$n.pt2" ]; then
        printf '%-44s %-7s %6s %7s  %s\n' "$n" "$ver" - - "export-skip: $info"
        continue
      fi
      IFS=$'\t' read -r nodes t res < <(check_one "$d" "$n")
      printf '%-44s %-7s %6s %7s  %s\n' "$n" "$ver" "$nodes" "$t" "$res"
      echo "$n $t $res" | cut -c1-150 >&2
    done <"$d/RESULTS.tsv"
  } >"$table.tmp"
  mv "$table.tmp" "$table"
  tables+=("$table")
done

for t in "${tables[@]}"; do
  echo
  cat "$t"
  awk 'NR > 1 {
         n++
         if ($5 == "export-skip:") skip++
         else if ($5 == "ok") ok++
         else bad++
       }
       END { printf "-- %s: %d programs, %d exported, %d skipped at export, %d irx ok (converted, checked, match the oracle), %d irx failures or mismatches\n",
             FILENAME, n, n - skip, skip, ok, bad }' "$t"
done
