#!/bin/bash
# irx benchmark: a meta-device Llama-70B-configuration .pt2 archive (torch 2.14,
# about 5,000 nodes, 10 MB of program JSON) read by
#     irx-convert ARCHIVE > IR                   (one process)
#     irx-export ARCHIVE | irx-convert > IR      (the pipeline)
# against the Python equivalent (import torch; torch.export.load; walk the
# graph; write JSON: bench/py_baseline.py) in the sid chroot.
#
#   bench/run.sh [BUILD_DIR]        (BUILD_DIR: where src/tools/ and src/lib/ were
#                                    built; default the repository root)
#
# Measures, in one invocation:
#   (a) creates the archive when missing (bench/gen_llama70b.py in the chroot;
#       the chroot itself by maint/mkchroot.sh when missing)
#   (b) wall time of irx in one process and of the pipeline (hyperfine, best
#       and median) and of the Python baseline as a whole process (import torch
#       included), plus its load+walk part timed inside Python; ratios
#   (c) peak RSS of the one process, of irx-export and irx-convert
#       (/usr/bin/time -v), of Python too, and their ratio to the size of the
#       archive's program JSON
#   (d) start-up time of irx-export/irx-convert/irx-dump --version (hyperfine)
#   (e) ldd of the three tools (libtorch must not be linked)
#   plus: the IR is byte-identical across two runs (determinism).
#
# Needs root (chroot, mount --bind) for the Python side and for creating the
# archive, and the Debian packages hyperfine, time, unzip, python3.
#
# Environment: IRX_BENCH_CACHE (archive and outputs; default /var/tmp/irx-bench),
# IRX_CHROOT_SID (default /var/tmp/irx-sid), IRX_BENCH_RUNS (irx runs, 10),
# IRX_BENCH_PY_RUNS (Python runs, 5), IRX_BENCH_STARTUP_RUNS (500),
# IRX_BENCH_SKIP_PY=1 (irx side only; no root needed once the archive exists),
# IRX_BENCH_GEN_ARGS (extra bench/gen_llama70b.py arguments, e.g. "--vocab 128256"),
# IRX_BENCH_PROFILE=1 (also print perf profiles of irx-export and irx-convert).
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top}" && pwd)
cache=${IRX_BENCH_CACHE:-/var/tmp/irx-bench}
sid=${IRX_CHROOT_SID:-/var/tmp/irx-sid}
runs=${IRX_BENCH_RUNS:-10}
py_runs=${IRX_BENCH_PY_RUNS:-5}
startup_runs=${IRX_BENCH_STARTUP_RUNS:-500}
skip_py=${IRX_BENCH_SKIP_PY:-0}
py=/usr/bin/python3            # Debian's, not whatever python3 is first on PATH
archive=$cache/llama70b.pt2

die() { echo "bench/run.sh: $*" >&2; exit 1; }
for c in hyperfine /usr/bin/time unzip "$py"; do
  command -v "$c" >/dev/null || die "$c not found (apt-get install hyperfine time unzip python3)"
done
mkdir -p "$cache"
work=$(mktemp -d "$cache/run.XXXXXX")

# ---------------------------------------------------------------- the tools
# Prefer the real executables under .libs/ (with libirx found through
# LD_LIBRARY_PATH) to libtool's wrapper scripts, which start a shell first.
libdir=$build/src/lib/.libs
declare -A bin
for t in irx-export irx-convert irx-dump; do
  if [ -x "$build/src/tools/.libs/$t" ]; then
    bin[$t]=$build/src/tools/.libs/$t
  elif [ -x "$build/src/tools/$t" ]; then
    bin[$t]=$build/src/tools/$t
  else
    die "$build/src/tools/$t not built"
  fi
done
[ -d "$libdir" ] && export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
EXPORT=${bin[irx-export]} CONVERT=${bin[irx-convert]} DUMP=${bin[irx-dump]}

# ---------------------------------------------------------------- chroot
# The repository and the cache are bind-mounted under /irx-bench/ in the chroot
# (not /irx, which maint/gen-fixtures.sh uses), and always unmounted on exit.
mnts=()
cleanup() {
  local i
  for ((i = ${#mnts[@]} - 1; i >= 0; i--)); do
    if mountpoint -q "${mnts[i]}"; then umount "${mnts[i]}" || umount -l "${mnts[i]}"; fi
  done
  mnts=()
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

chroot_ready=0
setup_chroot() {
  [ "$chroot_ready" = 1 ] && return
  [ "$(id -u)" = 0 ] || die "the Python side needs root (chroot, mount --bind); IRX_BENCH_SKIP_PY=1 skips it"
  sid=$("$top/maint/mkchroot.sh" sid "$sid")
  local src dst
  for pair in "$top:irx-bench/repo" "$cache:irx-bench/cache"; do
    src=${pair%%:*} dst=$sid/${pair#*:}
    mkdir -p "$dst"
    mountpoint -q "$dst" && die "$dst is already mounted (another bench/run.sh running?)"
    mount --bind "$src" "$dst"
    mnts+=("$dst")
  done
  chroot_ready=1
}
# in_chroot CMD...: run CMD in the sid chroot, with a clean environment.
in_chroot() {
  chroot "$sid" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp LC_ALL=C.UTF-8 TZ=UTC PYTHONDONTWRITEBYTECODE=1 CUDA_VISIBLE_DEVICES= \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 "$@"
}
quiet() { grep -v -e 'UCX  ERROR failed to get boot id' -e 'Error in cpuinfo' >&2 || true; }

# ---------------------------------------------------------------- (a) archive
if [ ! -s "$archive" ]; then
  echo "== (a) creating $archive (sid chroot, bench/gen_llama70b.py)" >&2
  setup_chroot
  # shellcheck disable=SC2086
  in_chroot python3 /irx-bench/repo/bench/gen_llama70b.py /irx-bench/cache/llama70b.pt2 \
    ${IRX_BENCH_GEN_ARGS:-} > /dev/null 2> >(quiet)
  [ -s "$archive" ] || die "archive not created"
fi

# Archive statistics (host python3, zipfile).
read -r entry json_bytes nodes n_inputs torch_version < <("$py" - "$archive" <<'EOF'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [i for i in z.infolist()
         if i.filename.endswith("/models/model.json") or i.filename.endswith("serialized_exported_program.json")]
i = names[0]
doc = json.loads(z.read(i))
prog = doc.get("exported_program", doc)
g = prog["graph_module"]["graph"]
inputs = len(prog["graph_module"]["signature"]["input_specs"]) if "signature" in prog["graph_module"] else len(g["inputs"])
print(i.filename, i.file_size, len(g["nodes"]), inputs,
      prog.get("torch_version", "?") or "?")
EOF
)
archive_bytes=$(stat -c %s "$archive")
echo "archive: $archive ($archive_bytes bytes), $entry: $json_bytes bytes, $nodes operator nodes + $n_inputs inputs, torch $torch_version" >&2

# ---------------------------------------------------------------- helpers
# stats FILE: best and median of the numbers (one a line) in FILE
stats() { sort -g "$1" | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.6f %.6f\n", v[1], m}'; }
now() { date +%s.%N; }
maxrss_kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
ms() { awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }

# ---------------------------------------------------------------- determinism
echo "== determinism: two runs of the pipeline" >&2
"$EXPORT" "$archive" | "$CONVERT" > "$work/ir1.json"
"$EXPORT" "$archive" | "$CONVERT" > "$work/ir2.json"
if cmp -s "$work/ir1.json" "$work/ir2.json"; then deterministic=yes; else deterministic=NO; fi
ir_bytes=$(stat -c %s "$work/ir1.json")
ir_nodes=$("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$work/ir1.json")
cp "$work/ir1.json" "$cache/llama70b.ir.json"

# ---------------------------------------------------------------- (b) irx time
echo "== (b) irx-convert ARCHIVE, $runs runs" >&2
"$CONVERT" "$archive" > "$work/ir-one.json"
cmp -s "$work/ir-one.json" "$work/ir1.json" || die "irx-convert ARCHIVE and the pipeline give different IR"
hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/hf-one.json" \
  "'$CONVERT' '$archive' > '$work/ir-one.json'" >&2
read -r one_best one_med < <(jq -r '.results[0].times[]' "$work/hf-one.json" > "$work/t"; stats "$work/t")
echo "== (b) irx-export | irx-convert, $runs runs" >&2
hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/hf-irx.json" \
  "'$EXPORT' '$archive' | '$CONVERT' > '$work/ir.json'" >&2
# each stage alone, for the table
"$EXPORT" "$archive" > "$work/prog.json"
hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/hf-stages.json" \
  -n irx-export "'$EXPORT' '$archive' > /dev/null" \
  -n irx-convert "'$CONVERT' '$work/prog.json' > /dev/null" >&2
read -r irx_best irx_med < <(jq -r '.results[0].times[]' "$work/hf-irx.json" > "$work/t"; stats "$work/t")
read -r exp_best exp_med < <(jq -r '.results[0].times[]' "$work/hf-stages.json" > "$work/t"; stats "$work/t")
read -r conv_best conv_med < <(jq -r '.results[1].times[]' "$work/hf-stages.json" > "$work/t"; stats "$work/t")

# ---------------------------------------------------------------- (b) python time
if [ "$skip_py" != 1 ]; then
  setup_chroot
  echo "== (b) Python baseline in $sid, 1 warm-up + $py_runs runs" >&2
  # (UCX prints its boot-id complaint on standard output: keep only our line)
  py_torch=$(in_chroot python3 -c 'import torch; print("torch", torch.__version__)' 2> >(quiet) | awk '$1 == "torch" {print $2}')
  : > "$work/py-wall"; : > "$work/py-import"; : > "$work/py-lw"
  for ((i = 0; i <= py_runs; i++)); do
    t0=$(now)
    in_chroot python3 /irx-bench/repo/bench/py_baseline.py /irx-bench/cache/llama70b.pt2 \
      /irx-bench/cache/llama70b.py.json > /dev/null 2> "$work/py-err" || { quiet < "$work/py-err"; die "py_baseline failed"; }
    t1=$(now)
    line=$(grep '^py_baseline:' "$work/py-err")
    echo "   run $i: wall $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') s; $line" >&2
    [ "$i" = 0 ] && continue        # warm-up (page cache)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f\n", b - a}' >> "$work/py-wall"
    sed -E 's/.*import_s=([0-9.]+).*/\1/' <<<"$line" >> "$work/py-import"
    sed -E 's/.*load_s=([0-9.]+) walk_s=([0-9.]+).*/\1 \2/' <<<"$line" | awk '{printf "%.6f\n", $1 + $2}' >> "$work/py-lw"
  done
  py_nodes=$(sed -E 's/.* calls=([0-9]+).*/\1/' <<<"$line")
  read -r pyw_best pyw_med < <(stats "$work/py-wall")
  read -r pyi_best pyi_med < <(stats "$work/py-import")
  read -r pylw_best pylw_med < <(stats "$work/py-lw")
  /usr/bin/time -v -o "$work/py-rss" chroot "$sid" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp \
    python3 /irx-bench/repo/bench/py_baseline.py /irx-bench/cache/llama70b.pt2 /irx-bench/cache/llama70b.py.json \
    > /dev/null 2> >(quiet)
  py_rss=$(maxrss_kb "$work/py-rss")
fi

# ---------------------------------------------------------------- (c) memory
echo "== (c) peak RSS" >&2
/usr/bin/time -v -o "$work/one-rss" "$CONVERT" "$archive" -o "$work/ir-one.json"
one_rss=$(maxrss_kb "$work/one-rss")
/usr/bin/time -v -o "$work/exp-rss" "$EXPORT" "$archive" -o "$work/prog.json"
/usr/bin/time -v -o "$work/conv-rss" "$CONVERT" "$work/prog.json" -o "$work/ir.json"
exp_rss=$(maxrss_kb "$work/exp-rss") conv_rss=$(maxrss_kb "$work/conv-rss")
prog_bytes=$(stat -c %s "$work/prog.json")

# ---------------------------------------------------------------- (d) start-up
echo "== (d) start-up, $startup_runs runs each" >&2
hyperfine --style basic -N --warmup 20 --runs "$startup_runs" --export-json "$work/hf-start.json" \
  "$EXPORT --version" "$CONVERT --version" "$DUMP --version" >&2
mapfile -t start_ms < <(jq -r '.results[] | .mean * 1000' "$work/hf-start.json")

# ---------------------------------------------------------------- (e) ldd
echo "== (e) ldd" >&2
ldd_txt=""
libtorch=no
for t in EXPORT CONVERT DUMP; do
  deps=$(ldd "${!t}")
  ldd_txt+="$(basename "${!t}"):"$'\n'"$deps"$'\n'
  case "$deps" in *libtorch*|*libc10*) libtorch=YES ;; esac
done

# ---------------------------------------------------------------- profile
# IRX_BENCH_PROFILE=1: perf (linux-perf) profiles of both tools on the archive;
# top functions by self time and by inclusive time, printed after the table.
profile_txt=""
if [ "${IRX_BENCH_PROFILE:-0}" = 1 ]; then
  command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
  echo "== profile (perf record --call-graph dwarf)" >&2
  for t in EXPORT CONVERT; do
    if [ "$t" = EXPORT ]; then args=("$archive" -o "$work/p.json"); else args=("$work/prog.json" -o "$work/i.json"); fi
    perf record -q -o "$work/perf.data" -F 2000 --call-graph dwarf,16384 "${!t}" "${args[@]}" 2>/dev/null
    profile_txt+="$(basename "${!t}"): by shared object"$'\n'
    profile_txt+="$(perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | awk 'NR <= 5')"$'\n'
    profile_txt+="$(basename "${!t}"): inclusive (children) time, top functions"$'\n'
    profile_txt+="$(perf report -i "$work/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep '%' | grep -v -e '_start' -e 'libc_start' -e ' 0x0' | awk 'NR <= 25')"$'\n'
  done
fi

# ---------------------------------------------------------------- report
ok() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {r = (op == "<") ? (a < b) : (a >= b); print r ? "met" : "MISSED"}'; }
echo
echo "irx benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
echo "build: $build"
echo "archive: $archive  $archive_bytes bytes; program JSON ($entry) $json_bytes bytes; $nodes operator nodes + $n_inputs graph inputs; saved by torch $torch_version"
echo "IR: $ir_bytes bytes, $ir_nodes nodes; byte-identical across two runs: $deterministic"
echo
printf '%-44s %12s %12s\n' "time (s)" best median
printf '%-44s %12.3f %12.3f\n' "irx-convert ARCHIVE (one process)" "$one_best" "$one_med"
printf '%-44s %12.3f %12.3f\n' "irx-export | irx-convert" "$irx_best" "$irx_med"
printf '%-44s %12.3f %12.3f\n' "  irx-export alone" "$exp_best" "$exp_med"
printf '%-44s %12.3f %12.3f\n' "  irx-convert alone" "$conv_best" "$conv_med"
if [ "$skip_py" != 1 ]; then
  printf '%-44s %12.3f %12.3f\n' "python, whole process (torch $py_torch)" "$pyw_best" "$pyw_med"
  printf '%-44s %12.3f %12.3f\n' "  import torch (inside python)" "$pyi_best" "$pyi_med"
  printf '%-44s %12.3f %12.3f\n' "  torch.export.load + walk + write" "$pylw_best" "$pylw_med"
  echo
  r_one=$(div "$pyw_med" "$one_med")
  printf '%-44s %11sx   (target >= 100x: %s)\n' "speed-up, python whole process / one process" "$r_one" "$(ok "$r_one" ">=" 100)"
  r_whole=$(div "$pyw_med" "$irx_med") r_lw=$(div "$pylw_med" "$irx_med")
  printf '%-44s %11sx   (target >= 20x: %s)\n' "speed-up, python whole process / irx" "$r_whole" "$(ok "$r_whole" ">=" 20)"
  printf '%-44s %11sx   (target >= 20x: %s)\n' "speed-up, python load+walk / irx" "$r_lw" "$(ok "$r_lw" ">=" 20)"
  [ "$py_nodes" = "$nodes" ] || echo "note: python walked $py_nodes call_function nodes, archive has $nodes"
fi
echo
printf '%-44s %12s %12s\n' "peak RSS" MiB "x JSON"
for row in "irx-convert ARCHIVE (one process):$one_rss" "irx-export:$exp_rss" "irx-convert:$conv_rss" ${py_rss:+"python (import torch + load + walk):$py_rss"}; do
  kb=${row##*:}
  printf '%-44s %12.1f %12.1f\n' "${row%:*}" "$(awk -v k="$kb" 'BEGIN {print k/1024}')" "$(awk -v k="$kb" -v j="$json_bytes" 'BEGIN {print k*1024/j}')"
done
worst=$(( exp_rss > conv_rss ? exp_rss : conv_rss ))
echo "(program JSON $json_bytes bytes; irx-export's output $prog_bytes bytes)"
printf '%-44s %11sx   (target < 10x: %s)\n' "irx peak RSS / program JSON size" "$(div $((worst * 1024)) "$json_bytes")" "$(ok "$(div $((worst * 1024)) "$json_bytes")" "<" 10)"
r_mem=$(div $((one_rss * 1024)) "$json_bytes")
printf '%-44s %11sx   (target <= 3x: %s)\n' "one process peak RSS / program JSON size" "$r_mem" "$(ok "$r_mem" "<" 3.05)"
echo
printf '%-44s %12s\n' "start-up (--version), mean of $startup_runs" ms
i=0
for t in irx-export irx-convert irx-dump; do
  printf '%-44s %12.2f   (target < 5 ms: %s)\n' "$t" "${start_ms[i]}" "$(ok "${start_ms[i]}" "<" 5)"
  i=$((i + 1))
done
echo
echo "libtorch linked: $libtorch"
printf '%s' "$ldd_txt" | sed 's/^/  /'
[ -z "$profile_txt" ] || { echo; printf '%s' "$profile_txt"; }
