#!/bin/bash
# The BLAS under irx-exec: the transformer of bench/exec_models.py (4 encoder
# blocks, d_model 512, batch 1: its time is matrix products) run by irx-exec
# and by eager PyTorch (the host's torch 1.13, the libtorch irx-exec links),
# each on Netlib's reference BLAS and on OpenBLAS, at the same threads.
# Debian's libtorch calls libblas.so.3; LD_PRELOAD picks which one.
#
#   bench/blas.sh [BUILD_DIR]      (default: the repository root)
#
# Uses bench/exec.sh's capture of the model (IRX_EXEC_MODELS=transformer:1
# bench/exec.sh makes it) in $IRX_BENCH_CACHE/transformer-b1. Prints, per
# BLAS and thread count, the median of IRX_EXEC_REPEAT (10) timed runs of
# each, alternating ROUNDS (3) times, and the ratios: OpenBLAS against the
# reference BLAS, and irx-exec against eager PyTorch.
#
# Environment: IRX_BENCH_CACHE (default /var/tmp/irx-bench/exec),
# IRX_EXEC_THREADS ("1 2"), IRX_EXEC_REPEAT, IRX_EXEC_ROUNDS,
# IRX_BLAS_REFERENCE, IRX_BLAS_OPENBLAS (the libblas.so.3 files).
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top}" && pwd)
cache=${IRX_BENCH_CACHE:-/var/tmp/irx-bench/exec}
threads_list=${IRX_EXEC_THREADS:-1 2}
repeat=${IRX_EXEC_REPEAT:-10}
rounds=${IRX_EXEC_ROUNDS:-3}
arch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
declare -A lib=([reference]=${IRX_BLAS_REFERENCE:-/usr/lib/$arch/blas/libblas.so.3}
                [openblas]=${IRX_BLAS_OPENBLAS:-/usr/lib/$arch/openblas-pthread/libblas.so.3})
py=/usr/bin/python3
d=$cache/transformer-b1

die() { echo "bench/blas.sh: $*" >&2; exit 1; }
[ -s "$d/model.pt2" ] || die "no capture in $d: run IRX_EXEC_MODELS=transformer:1 bench/exec.sh first"
for b in reference openblas; do [ -f "${lib[$b]}" ] || die "${lib[$b]} not found"; done
export LD_LIBRARY_PATH=$build/src/lib/.libs:$build/src/torch/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
EXEC=$build/src/tools/.libs/irx-exec
[ -x "$EXEC" ] || die "$EXEC not built"

run() {   # BLAS T CMD... : CMD on that BLAS with T threads everywhere
  local b=$1 t=$2; shift 2
  env LD_PRELOAD="${lib[$b]}" OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" IRX_BLAS_WARNING=0 "$@"
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
irx_ms() { run "$1" "$2" "$EXEC" "$d/model.pt2" -w "$d/state_dict.pt" -i "$d/inputs.pt" \
             --threads "$2" --repeat "$repeat" 2>&1 >/dev/null | sed -n 's/.* runs: median \([0-9.]*\) ms.*/\1/p'; }
eager_ms() { run "$1" "$2" "$py" "$top/bench/ts_time.py" - "$d/inputs.pt" --eager "$d" --threads "$2" \
               --repeat "$repeat" --warmup 2 2>&1 | sed -n 's/.* runs: median \([0-9.]*\) ms.*/\1/p'; }

echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for b in reference openblas; do
  echo "== $b: $(run "$b" 1 "$EXEC" --version | sed -n 's/^BLAS: //p')"
done
declare -A ms
for t in $threads_list; do
  for b in reference openblas; do
    i=() e=()
    for r in $(seq "$rounds"); do
      i+=("$(irx_ms "$b" "$t")") e+=("$(eager_ms "$b" "$t")")
    done
    ms[$b,$t,irx]=$(printf '%s\n' "${i[@]}" | median)
    ms[$b,$t,eager]=$(printf '%s\n' "${e[@]}" | median)
  done
done
echo "== transformer batch 1: median of $rounds rounds of median-of-$repeat, ms"
for t in $threads_list; do
  for b in reference openblas; do
    awk -v b="$b" -v t="$t" -v i="${ms[$b,$t,irx]}" -v e="${ms[$b,$t,eager]}" 'BEGIN {
      printf "%-9s threads %s   irx-exec %9.2f   eager torch %9.2f   irx-exec / eager %.3f\n", b, t, i, e, i / e }'
  done
  awk -v t="$t" -v r="${ms[reference,$t,irx]}" -v o="${ms[openblas,$t,irx]}" -v re="${ms[reference,$t,eager]}" \
      -v oe="${ms[openblas,$t,eager]}" 'BEGIN {
      printf "threads %s: OpenBLAS is %.1fx the reference BLAS under irx-exec (%.1fx under eager torch)\n", t, r / o, re / oe }'
done
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
