#!/bin/bash
# irx-exec against TorchScript, run by the same libtorch (Debian's 1.13: the
# one irx-exec links and the host's python3-torch uses), on a convolutional
# model (torchvision resnet18) and a transformer (bench/exec_models.py),
# with the same weights, the same inputs and the same thread count.
#
#   bench/exec.sh [BUILD_DIR]      (default: the repository root, in-tree build)
#
# One invocation:
#   (a) builds what is missing: the irx tools (make), and per model under
#       $IRX_BENCH_CACHE/MODEL-bBATCH/: the meta-device export model.pt2,
#       state_dict.pt, inputs.pt and expected.pt (bench/exec_models.py capture,
#       torch 2.14 in the sid chroot), the TorchScript traces ts.pt and
#       ts-frozen.pt (bench/exec_models.py trace, host torch 1.13); the IR
#       (irx-export | irx-convert) is made again on every run
#   (b) checks the outputs: irx-verify --reference ts.pt, and irx-exec -o
#       against the TorchScript output and torch 2.14's eager output
#   (c) for threads 1 and 2 (OMP_NUM_THREADS, torch.set_num_threads,
#       irx-exec --threads): irx-exec --repeat N (median; one untimed run
#       before) against bench/ts_time.py (host python, median of N after W
#       warm-up forwards), ROUNDS times alternately; prints the median of the
#       per-round medians and the ratio irx-exec / TorchScript. Then the same
#       in one process, in pairs (bench/exec_pair.c, built into the cache
#       with cc against libirx): N pairs of one irx run and one TorchScript
#       forward (C++), back to back, after W warm-up pairs; the median of
#       the pair ratios is what other load on a shared machine moves least
#   (d) peak memory: max RSS (/usr/bin/time -v) of irx-exec (one run, no
#       --repeat), of irx-exec on a trivial IR (libtorch's own baseline), of
#       python + TorchScript (one forward; and on the trivial model, python's
#       own baseline), and irx-exec --memory's weights and largest live set
#   (e) with IRX_EXEC_PROFILE=1: perf record --call-graph dwarf of irx-exec
#       --repeat per model (threads 1, about 3 s of runs): by shared object,
#       then the timed runs split into libtorch (reached from irx_th_call_run
#       or irx_th_op_call)
#       and irx's own work per node, by leaf function
#
# The models (bench/exec_models.py): resnet18 (batch 1 and 8), the
# transformer (batch 1), and tinymlp (batch 1: 256 operators on tiny
# tensors, a probe of what a node costs besides its kernel).
#
# Needs root for the chroot (only while something is missing), the Debian
# packages python3-torch, python3-torchvision (host), time, and perf for (e).
#
# Environment: IRX_BENCH_CACHE (default /var/tmp/irx-bench/exec),
# IRX_CHROOT_SID (default /var/tmp/irx-sid), IRX_EXEC_MODELS (default
# "resnet18:1 resnet18:8 transformer:1 tinymlp:1", MODEL:BATCH), IRX_EXEC_THREADS
# ("1 2"), IRX_EXEC_REPEAT (20), IRX_EXEC_WARMUP (5), IRX_EXEC_ROUNDS (3),
# IRX_EXEC_FROZEN=1 (also time the torch.jit.freeze'd trace), IRX_EXEC_NICE
# (niceness of the timed processes; default -10 as root, to keep other load
# on a shared machine from deciding the result; empty: none),
# IRX_EXEC_PROFILE=1.
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top}" && pwd)
cache=${IRX_BENCH_CACHE:-/var/tmp/irx-bench/exec}
sid=${IRX_CHROOT_SID:-/var/tmp/irx-sid}
models=${IRX_EXEC_MODELS:-resnet18:1 resnet18:8 transformer:1 tinymlp:1}
threads_list=${IRX_EXEC_THREADS:-1 2}
repeat=${IRX_EXEC_REPEAT:-20}
warmup=${IRX_EXEC_WARMUP:-5}
rounds=${IRX_EXEC_ROUNDS:-3}
frozen=${IRX_EXEC_FROZEN:-1}
profile=${IRX_EXEC_PROFILE:-0}
py=/usr/bin/python3     # Debian's: torch 1.13 on libtorch_cpu.so.1.13
if [ -z "${IRX_EXEC_NICE+x}" ]; then
  [ "$(id -u)" = 0 ] && nice_n=-10 || nice_n=
else
  nice_n=$IRX_EXEC_NICE
fi

die() { echo "bench/exec.sh: $*" >&2; exit 1; }
for c in /usr/bin/time "$py"; do command -v "$c" >/dev/null || die "$c not found"; done
mkdir -p "$cache"
work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- (a) tools
tools=(irx-export irx-convert irx-exec irx-verify)
missing=0
for t in "${tools[@]}"; do [ -x "$build/src/tools/.libs/$t" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "== building irx in $build" >&2
  make -C "$build" -j"$(nproc)" >&2
fi
declare -A bin
for t in "${tools[@]}"; do
  [ -x "$build/src/tools/.libs/$t" ] || die "$build/src/tools/.libs/$t not built (configure with libtorch?)"
  bin[$t]=$build/src/tools/.libs/$t
done
export LD_LIBRARY_PATH=$build/src/lib/.libs:$build/src/torch/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
EXEC=${bin[irx-exec]}
exec_torch=$(ldd "$EXEC" | awk '/libtorch_cpu/ {print $3}')
py_torch=$("$py" -c 'import torch, glob; print(glob.glob(torch.__path__[0] + "/_C.*.so")[0])' 2>/dev/null) ||
  die "$py cannot import torch (apt-get install python3-torch python3-torchvision)"
py_torch=$(ldd "$py_torch" | awk '/libtorch_cpu/ {print $3}')
[ -n "$exec_torch" ] && [ "$(readlink -f "$exec_torch")" = "$(readlink -f "$py_torch")" ] ||
  die "irx-exec links '$exec_torch', $py's torch '$py_torch': not the same libtorch"
# the paired timer: libirx's public API, built next to the captures
PAIR=$cache/exec-pair
if [ ! -x "$PAIR" ] || [ "$PAIR" -ot "$top/bench/exec_pair.c" ] || [ "$PAIR" -ot "$build/src/lib/.libs/libirx.so" ] ||
   [ "$PAIR" -ot "$build/src/torch/.libs/libirx-torch.so" ]; then
  ${CC:-cc} -O2 -I"$top/include" -I"$build/include" "$top/bench/exec_pair.c" -o "$PAIR" \
    -L"$build/src/lib/.libs" -L"$build/src/torch/.libs" -lirx-torch -lirx -ljansson ||
    die "cannot build $PAIR"
fi

# ---------------------------------------------------------------- (a) models
# Captures run in the sid chroot, in a private mount namespace (the bind
# mounts and /proc vanish with it; other scripts' mounts are not touched).
capture() {   # MODEL BATCH DIR
  [ "$(id -u)" = 0 ] || die "creating $3 needs root (chroot)"
  sid=$("$top/maint/mkchroot.sh" sid "$sid")
  echo "== capturing $1 batch $2 into $3 (torch 2.14, sid chroot)" >&2
  mkdir -p "$3"
  unshare --mount --propagation private /bin/bash -s "$sid" "$top" "$cache" "$1" "$2" "$(basename "$3")" <<'EOF'
set -eu
sid=$1 top=$2 cache=$3
mkdir -p "$sid/irx-bench-exec/repo" "$sid/irx-bench-exec/cache" "$sid/proc"
mount --bind "$top" "$sid/irx-bench-exec/repo"
mount --bind "$cache" "$sid/irx-bench-exec/cache"
mount -t proc proc "$sid/proc"
chroot "$sid" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LC_ALL=C.UTF-8 TZ=UTC \
  PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS=2 CUDA_VISIBLE_DEVICES= \
  python3 /irx-bench-exec/repo/bench/exec_models.py capture "$4" "$5" "/irx-bench-exec/cache/$6"
EOF
}

prepare() {   # MODEL BATCH -> DIR on stdout
  local d=$cache/$1-b$2
  if [ ! -s "$d/model.pt2" ] || [ ! -s "$d/state_dict.pt" ] || [ ! -s "$d/inputs.pt" ]; then
    capture "$1" "$2" "$d" 2> >(grep -v -e 'UCX  ERROR' >&2)
  fi
  if [ ! -s "$d/ts.pt" ] || [ ! -s "$d/ts-frozen.pt" ] || [ "$d/ts.pt" -ot "$d/state_dict.pt" ]; then
    echo "== tracing $1 batch $2 (host torch 1.13)" >&2
    OMP_NUM_THREADS=2 "$py" -W ignore "$top/bench/exec_models.py" trace "$d" >&2
  fi
  "${bin[irx-export]}" "$d/model.pt2" | "${bin[irx-convert]}" > "$d/model.ir.json"
  echo "$d"
}

# ---------------------------------------------------------------- helpers
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
maxrss_kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
nodes_of() { "$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$1"; }
# with_threads T CMD...: CMD with T intra-op threads everywhere libtorch looks
with_threads() {
  local t=$1; shift
  env OMP_NUM_THREADS="$t" MKL_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" \
    ${nice_n:+nice -n "$nice_n"} "$@"
}
irx_ms() {    # DIR T -> median ms
  with_threads "$2" "$EXEC" "$1/model.ir.json" --weights "$1/state_dict.pt" --inputs "$1/inputs.pt" \
    --threads "$2" --repeat "$repeat" 2>&1 >/dev/null |
    sed -n 's/.* runs: median \([0-9.]*\) ms.*/\1/p'
}
pair() {      # DIR T -> exec-pair's line
  with_threads "$2" "$PAIR" "$1/model.ir.json" "$1/state_dict.pt" "$1/inputs.pt" "$1/ts.pt" "$2" "$repeat" "$warmup" |
    sed 's/^exec-pair: //'
}
ts_ms() {     # TS.pt DIR T -> median ms
  with_threads "$3" "$py" "$top/bench/ts_time.py" "$1" "$2/inputs.pt" --threads "$3" \
    --repeat "$repeat" --warmup "$warmup" 2>&1 | sed -n 's/.* runs: median \([0-9.]*\) ms.*/\1/p'
}

echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== libtorch: $(readlink -f "$exec_torch") (irx-exec and $py's torch $("$py" -c 'import torch; print(torch.__version__)'))"
echo "== $repeat timed runs per measurement, $warmup TorchScript warm-up forwards, $rounds alternating rounds, nice ${nice_n:-0}"

# the trivial model: libtorch's own RSS baseline under irx-exec
trivial=$(prepare trivial 1)
/usr/bin/time -v -o "$work/rss-trivial" "$EXEC" "$trivial/model.ir.json" --weights "$trivial/state_dict.pt" \
  --inputs "$trivial/inputs.pt" --threads 1 >/dev/null 2>&1
base_kb=$(maxrss_kb "$work/rss-trivial")
OMP_NUM_THREADS=1 /usr/bin/time -v -o "$work/rss-py-trivial" "$py" "$top/bench/ts_time.py" \
  "$trivial/ts.pt" "$trivial/inputs.pt" --threads 1 --once
py_base_kb=$(maxrss_kb "$work/rss-py-trivial")

summary=$work/summary
status=0
for mb in $models; do
  model=${mb%%:*} batch=${mb#*:}
  d=$(prepare "$model" "$batch")
  echo
  echo "== $model, batch $batch ($(nodes_of "$d/model.ir.json") IR nodes; $d)"

  # (b) outputs
  if "${bin[irx-verify]}" "$d/model.ir.json" --weights "$d/state_dict.pt" --inputs "$d/inputs.pt" \
       --reference "$d/ts.pt" --threads 1 > "$work/verify" 2>&1; then v=match; else v=MISMATCH; status=1; fi
  echo "irx-verify --reference ts.pt: $v"
  sed 's/^/    /' "$work/verify" | head -8
  OMP_NUM_THREADS=1 "$EXEC" "$d/model.ir.json" --weights "$d/state_dict.pt" --inputs "$d/inputs.pt" \
    --threads 1 -o "$work/irx-out.pt"
  OMP_NUM_THREADS=1 "$py" "$top/bench/ts_time.py" "$d/ts.pt" "$d/inputs.pt" --threads 1 --once -o "$work/ts-out.pt"
  "$py" "$top/bench/ts_time.py" --compare "$work/ts-out.pt" "$work/irx-out.pt" "$d/expected.pt" |
    sed -e "s|$work/||g" -e "s|$d/||g" -e 's/^/    /' || status=1

  # (c) time
  for t in $threads_list; do
    irx=() ts=() tsf=() mf=
    for ((r = 0; r < rounds; r++)); do
      irx+=("$(irx_ms "$d" "$t")")
      ts+=("$(ts_ms "$d/ts.pt" "$d" "$t")")
      [ "$frozen" = 1 ] && tsf+=("$(ts_ms "$d/ts-frozen.pt" "$d" "$t")")
    done
    mi=$(printf '%s\n' "${irx[@]}" | median) mt=$(printf '%s\n' "${ts[@]}" | median)
    printf 'threads %s  irx-exec %10.2f ms   TorchScript %10.2f ms   ratio %.3f   (rounds: irx %s; ts %s; load %s)\n' \
      "$t" "$mi" "$mt" "$(awk -v a="$mi" -v b="$mt" 'BEGIN {print a / b}')" "${irx[*]}" "${ts[*]}" \
      "$(cut -d' ' -f1 /proc/loadavg)"
    if [ "$frozen" = 1 ]; then
      mf=$(printf '%s\n' "${tsf[@]}" | median)
      printf '           TorchScript frozen %10.2f ms   ratio irx/frozen %.3f   (rounds: %s)\n' \
        "$mf" "$(awk -v a="$mi" -v b="$mf" 'BEGIN {print a / b}')" "${tsf[*]}"
    fi
    pl=$(pair "$d" "$t")
    echo "           in one process, paired: $pl"
    pq=$(sed -n 's/.*median of pair ratios \([0-9.]*\).*/\1/p' <<<"$pl")
    printf '%s %s %s %s %s %s %s\n' "$model" "$batch" "$t" "$pq" "$mi" "$mt" "${mf:-}" >> "$summary"
  done

  # (d) memory
  /usr/bin/time -v -o "$work/rss-irx" "$EXEC" "$d/model.ir.json" --weights "$d/state_dict.pt" \
    --inputs "$d/inputs.pt" --threads 1 >/dev/null 2>&1
  mem=$(OMP_NUM_THREADS=1 "$EXEC" "$d/model.ir.json" --weights "$d/state_dict.pt" --inputs "$d/inputs.pt" \
    --threads 1 --memory 2>&1 >/dev/null | sed -n 's/.*weights \([0-9]*\) bytes, largest live set \([0-9]*\) bytes.*/\1 \2/p')
  read -r wb lb <<<"$mem"
  OMP_NUM_THREADS=1 /usr/bin/time -v -o "$work/rss-py" "$py" "$top/bench/ts_time.py" "$d/ts.pt" \
    "$d/inputs.pt" --threads 1 --once
  rss=$(maxrss_kb "$work/rss-irx") prss=$(maxrss_kb "$work/rss-py")
  awk -v rss="$rss" -v base="$base_kb" -v w="$wb" -v l="$lb" -v p="$prss" -v pb="$py_base_kb" 'BEGIN {
    M = 1048576; est = base * 1024 + w + l
    printf "peak RSS (threads 1, one run)\n"
    printf "  irx-exec                                 %8.1f MiB\n", rss / 1024
    printf "  weights (irx-exec --memory)              %8.1f MiB\n", w / M
    printf "  largest live set (irx-exec --memory)     %8.1f MiB\n", l / M
    printf "  irx-exec on a trivial IR (baseline)      %8.1f MiB\n", base / 1024
    printf "  weights + largest live set + baseline    %8.1f MiB   (irx-exec RSS is %+.1f MiB from it)\n", est / M, (rss * 1024 - est) / M
    printf "  python + TorchScript, one forward        %8.1f MiB\n", p / 1024
    printf "  python + TorchScript, trivial model      %8.1f MiB   (so %.1f MiB for this model)\n", pb / 1024, (p - pb) / 1024
    printf "  irx-exec above its baseline              %8.1f MiB\n", (rss - base) / 1024
  }'
done

# (e) profile: where the time of the timed runs goes. Call graphs through
# DWARF (libtorch has no frame pointers); the samples under run_execute (the
# runs, not start-up, reading or planning) are split into those that reached
# libtorch from irx_th_call_run or irx_th_op_call (the operators: dispatcher,
# boxed wrapper, kernel) and the rest: irx's own work per node (arguments to IValues and
# back, result handles, allocation, IR look-ups), by leaf function.
if [ "$profile" = 1 ]; then
  command -v perf >/dev/null || die "perf not found"
  for mb in $models; do
    model=${mb%%:*} batch=${mb#*:} d=$cache/${mb%%:*}-b${mb#*:}
    # about 3 s of runs (at least $repeat), from this run's median at threads 1
    ms=$(awk -v m="$model" -v b="$batch" '$1 == m && $2 == b && $3 == 1 {print $5}' "$summary")
    n=$(awk -v ms="${ms:-1000}" -v r="$repeat" 'BEGIN {n = int(3000 / ms); print ((n > r) ? n : r)}')
    echo
    echo "== perf: $model batch $batch, irx-exec --repeat $n --threads 1"
    OMP_NUM_THREADS=1 perf record -q -F 499 --call-graph dwarf,32768 -o "$work/perf.data" "$EXEC" \
      "$d/model.ir.json" --weights "$d/state_dict.pt" --inputs "$d/inputs.pt" --threads 1 --repeat "$n" \
      >/dev/null 2>&1
    echo "-- whole process, by shared object (start-up included)"
    perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
      grep -v '^#' | grep . | head -8
    perf script -i "$work/perf.data" -F ip,sym,dso 2>/dev/null | "$py" -c '
import collections, re, sys
samples, cur = [], []
for line in sys.stdin:
    line = line.rstrip()
    if not line:
        if cur:
            samples.append(cur[::-1])   # root first
        cur = []
        continue
    m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)$", line)
    if m:
        cur.append((re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)), m.group(2).rsplit("/", 1)[-1]))
if cur:
    samples.append(cur[::-1])
runs = [s for s in samples if any(f[0] == "run_execute" for f in s)]
calls = ("irx_th_call_run", "irx_th_op_call")   # prepared calls, and the others
n = len(runs) or 1
torch_side, own = 0, collections.Counter()
for s in runs:
    if any(f[0] in calls for f in s):
        i = max(k for k, f in enumerate(s) if "libirx-torch" in f[1] or f[0] in calls)
        while i + 1 < len(s) and s[i + 1][1] == "inlined":
            i += 1
        if i + 1 < len(s) and s[i + 1][1].startswith(("libtorch", "libc10", "libdnnl", "libblas", "libgomp", "[JIT]")):
            torch_side += 1
            continue
    leaf = s[-1]
    own[(leaf[0] if leaf[0] != "[unknown]" else "?")[:60] + " (" + leaf[1] + ")"] += 1
print(f"-- the timed runs: {len(runs)} of {len(samples)} samples")
print(f"   {100 * torch_side / n:5.1f}%  libtorch, reached from irx_th_call_run / irx_th_op_call (operators: dispatcher, boxed wrapper, kernels)")
print(f"   {100 * sum(own.values()) / n:5.1f}%  irx itself per node, by leaf function:")
for k, v in own.most_common(12):
    print(f"   {100 * v / n:7.2f}%  {k}")
'
  done
fi

echo
echo "== summary (median of $rounds rounds of median-of-$repeat; ratio irx-exec / TorchScript)"
echo "   paired: median of the per-pair ratios in one process (bench/exec_pair.c)"
awk '{printf "%-12s batch %-2s threads %s   paired %.3f   irx-exec %9.2f ms   TorchScript %9.2f ms   ratio %.3f%s\n",
      $1, $2, $3, $4, $5, $6, $5 / $6, ($7 != "") ? sprintf("   (frozen %9.2f ms, ratio %.3f)", $7, $5 / $7) : ""}' "$summary"
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
