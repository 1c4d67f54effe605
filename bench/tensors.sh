#!/bin/bash
# irx benchmark, tensor files: irx-dump on a 1 GB torch.save state dict
# (bench/gen_state_dict.py: 345 tensors, float32 + bfloat16 + int64, a tied
# pair) and on a 10 MB one with the same 345 tensors, against
# `cat FILE > /dev/null` in the same invocation and against torch 2.14
# (torch.load(mmap=True, weights_only=True) + the same sums:
# bench/torch_stats.py) in the sid chroot.
#
#   bench/tensors.sh [BUILD_DIR]    (BUILD_DIR: where src/tools/ and src/lib/ were
#                                    built; default the repository root)
#
# Measures, in one invocation:
#   (a) creates the two files when missing (bench/gen_state_dict.py in the
#       chroot; the chroot itself by maint/mkchroot.sh when missing)
#   (b) warms the page cache (drops both files' pages, then cat twice: see
#       below), then times with hyperfine
#       (-N: no shell; output to /dev/null): cat BIG; irx-dump --stats BIG;
#       irx-dump --format=json BIG (JSON always has the statistics); the
#       listing irx-dump BIG and irx-dump SMALL; irx-dump --version (start-up
#       floor). Ratios against cat's median. Then the torch side: whole process
#       and, timed inside Python, torch.load and the statistics; also torch.load
#       alone (--list) on both files.
#   (c) peak RSS of each (/usr/bin/time -v), against the file size
#   plus: irx-dump's statistics agree with torch's (JSON of both compared).
#
# irx-dump is the real executable (src/tools/.libs/irx-dump, libirx found
# through LD_LIBRARY_PATH), not libtool's wrapper script (a shell that adds
# about 20 ms). Both are copied into the run's work directory first, so that
# a rebuild of the tree during the run cannot change what is timed.
#
# Needs root (chroot, mount --bind) for the Python side and for creating the
# files, and the Debian packages hyperfine, time, jq, python3 (and linux-perf
# for IRX_BENCH_PROFILE=1).
#
# Environment: IRX_BENCH_CACHE (files and outputs; default /var/tmp/irx-bench),
# IRX_CHROOT_SID (default /var/tmp/irx-sid), IRX_BENCH_RUNS (runs of the 1 GB
# commands, 10), IRX_BENCH_LIST_RUNS (runs of the listings, 50),
# IRX_BENCH_PY_RUNS (Python runs, 5), IRX_BENCH_SKIP_PY=1 (irx side only; no
# root needed once the files exist), IRX_BENCH_ATEN_CPU (ATEN_CPU_CAPABILITY
# for torch; default avx2 where /proc/cpuinfo lists it, because torch's own
# detection fails where its cpuinfo library cannot parse /proc/cpuinfo (as on
# this VM: "Error in cpuinfo") and it then
# runs its non-vectorized DEFAULT kernels; empty: torch's choice),
# IRX_BENCH_PROFILE=1 (also print perf stat and a perf profile of
# irx-dump --stats).
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top}" && pwd)
cache=${IRX_BENCH_CACHE:-/var/tmp/irx-bench}
sid=${IRX_CHROOT_SID:-/var/tmp/irx-sid}
runs=${IRX_BENCH_RUNS:-10}
list_runs=${IRX_BENCH_LIST_RUNS:-50}
py_runs=${IRX_BENCH_PY_RUNS:-5}
skip_py=${IRX_BENCH_SKIP_PY:-0}
if [ -z "${IRX_BENCH_ATEN_CPU+set}" ]; then
  if grep -qw avx2 /proc/cpuinfo; then aten_cpu=avx2; else aten_cpu=; fi
else
  aten_cpu=$IRX_BENCH_ATEN_CPU
fi
py=/usr/bin/python3            # Debian's, not whatever python3 is first on PATH
big=$cache/sd-big.pt small=$cache/sd-small.pt

die() { echo "bench/tensors.sh: $*" >&2; exit 1; }
for c in hyperfine /usr/bin/time jq "$py"; do
  command -v "$c" >/dev/null || die "$c not found (apt-get install hyperfine time jq python3)"
done
mkdir -p "$cache"
work=$(mktemp -d "$cache/tensors.XXXXXX")
trap 'rm -rf "$work"' EXIT       # until the chroot's cleanup below takes over
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the tool
# A private copy of the real executable and of libirx (see above).
mkdir -p "$work/bin" "$work/lib"
if [ -x "$build/src/tools/.libs/irx-dump" ]; then
  export LD_LIBRARY_PATH=$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  DUMP=$work/bin/irx-dump
  for try in 1 2 3 4 5 6; do     # a rebuild may be replacing them just now
    rm -f "$work"/lib/*
    cp "$build/src/tools/.libs/irx-dump" "$work/bin/" 2>/dev/null &&
      cp -P "$build"/src/lib/.libs/libirx.so* "$work/lib/" 2>/dev/null &&
      ldd "$DUMP" | grep -q "libirx.*$work/lib" && "$DUMP" --version > /dev/null && break
    [ "$try" = 6 ] && die "cannot copy a working irx-dump and libirx from $build (a rebuild in progress?)"
    sleep 10
  done
elif [ -x "$build/src/tools/irx-dump" ] && ! grep -q 'libtool' "$build/src/tools/irx-dump" 2>/dev/null; then
  DUMP=$build/src/tools/irx-dump     # a static build: no wrapper
else
  die "$build/src/tools/.libs/irx-dump not built"
fi

# ---------------------------------------------------------------- chroot
# The repository and the cache are bind-mounted under /irx-tensors/ in the
# chroot (bench/run.sh uses /irx-bench/, maint/gen-fixtures.sh /irx), and
# always unmounted on exit.
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
  for pair in "$top:irx-tensors/repo" "$cache:irx-tensors/cache"; do
    src=${pair%%:*} dst=$sid/${pair#*:}
    mkdir -p "$dst"
    mountpoint -q "$dst" && die "$dst is already mounted (another bench/tensors.sh running?)"
    mount --bind "$src" "$dst"
    mnts+=("$dst")
  done
  chroot_ready=1
}
# in_chroot CMD...: run CMD in the sid chroot, with a clean environment.
chroot_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  HOME=/tmp LC_ALL=C.UTF-8 TZ=UTC PYTHONDONTWRITEBYTECODE=1 CUDA_VISIBLE_DEVICES=
  ${aten_cpu:+ATEN_CPU_CAPABILITY=$aten_cpu})
in_chroot() { chroot "$sid" /usr/bin/env -i "${chroot_env[@]}" "$@"; }
quiet() { grep -v -e 'UCX  ERROR failed to get boot id' -e 'Error in cpuinfo' >&2 || true; }
cpath() { echo "/irx-tensors/cache/${1#"$cache"/}"; }   # a cache path as the chroot sees it

# ---------------------------------------------------------------- (a) files
for size in big small; do
  f=$cache/sd-$size.pt
  [ -s "$f" ] && continue
  echo "== (a) creating $f (sid chroot, bench/gen_state_dict.py --size $size)" >&2
  setup_chroot
  in_chroot python3 /irx-tensors/repo/bench/gen_state_dict.py "$(cpath "$f")" --size "$size" 2> >(quiet)
  [ -s "$f" ] || die "$f not created"
done
big_bytes=$(stat -c %s "$big") small_bytes=$(stat -c %s "$small")

# ---------------------------------------------------------------- helpers
# stats FILE: best and median of the numbers (one a line) in FILE
stats() { sort -g "$1" | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.6f %.6f\n", v[1], m}'; }
now() { date +%s.%N; }
maxrss_kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# hf_stats JSON I: best and median of result I of a hyperfine export
hf_stats() { jq -r ".results[$2].times[]" "$1" > "$work/t"; stats "$work/t"; }
# hf_cpu JSON I: mean CPU time (user + system, s) of result I
hf_cpu() { jq -r ".results[$2] | .user + .system" "$1"; }

# ---------------------------------------------------------------- (b) warm
# The files' pages are dropped first and read back by cat: how a file mapped
# from the page cache faults in depends on the size of its page-cache folios
# (large after a sequential read, possibly 4 KiB pages after memory pressure),
# from about 5 ms to about 140 ms of page faults per GB on this machine, while
# cat hardly cares. Reading the files afresh makes every run start alike.
echo "== (b) warming the page cache (drop the files' pages, then cat twice)" >&2
for f in "$big" "$small"; do dd if="$f" iflag=nocache count=0 status=none; done
for i in 1 2; do cat "$big" "$small" > /dev/null; done

# File contents, as irx-dump sees them (and a check that it reads them).
"$DUMP" --format=json "$big" > "$work/irx-big.json"
"$DUMP" --format=json "$small" > "$work/irx-small.json"
n_big=$(jq '.tensors | length' "$work/irx-big.json") n_small=$(jq '.tensors | length' "$work/irx-small.json")
dtypes=$(jq -r '[.tensors[].dtype] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$work/irx-big.json")
head -1 < <("$DUMP" "$big") > "$work/head-big"
head -1 < <("$DUMP" "$small") > "$work/head-small"

# ---------------------------------------------------------------- (b) irx time
echo "== (b) cat, irx-dump --stats, irx-dump --format=json on the 1 GB file, $runs runs" >&2
hyperfine -N --style basic --warmup 2 --runs "$runs" --export-json "$work/hf-big.json" \
  -n cat "cat $big" \
  -n stats "$DUMP --stats $big" \
  -n json "$DUMP --format=json $big" >&2
echo "== (b) listings, $list_runs runs" >&2
hyperfine -N --style basic --warmup 10 --runs "$list_runs" --export-json "$work/hf-list.json" \
  -n list-big "$DUMP $big" \
  -n list-small "$DUMP $small" \
  -n version "$DUMP --version" >&2
read -r cat_best cat_med < <(hf_stats "$work/hf-big.json" 0)
read -r st_best st_med < <(hf_stats "$work/hf-big.json" 1)
read -r js_best js_med < <(hf_stats "$work/hf-big.json" 2)
read -r lb_best lb_med < <(hf_stats "$work/hf-list.json" 0)
read -r ls_best ls_med < <(hf_stats "$work/hf-list.json" 1)
read -r v_best v_med < <(hf_stats "$work/hf-list.json" 2)
cat_cpu=$(hf_cpu "$work/hf-big.json" 0) st_cpu=$(hf_cpu "$work/hf-big.json" 1) js_cpu=$(hf_cpu "$work/hf-big.json" 2)
lb_cpu=$(hf_cpu "$work/hf-list.json" 0) ls_cpu=$(hf_cpu "$work/hf-list.json" 1) v_cpu=$(hf_cpu "$work/hf-list.json" 2)

# ---------------------------------------------------------------- (b) python time
if [ "$skip_py" != 1 ]; then
  setup_chroot
  py_torch=$(in_chroot python3 -c 'import torch; print("torch", torch.__version__, torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())' 2> >(quiet) | awk '$1 == "torch" {print $2, $3, $4}')
  # py_loop NAME FILE [ARGS...]: 1 warm-up + py_runs runs of torch_stats.py;
  # writes NAME-wall, NAME-load, NAME-stats (one number a line).
  py_loop() {
    local name=$1 file=$2 i t0 t1 line; shift 2
    : > "$work/$name-wall"; : > "$work/$name-load"; : > "$work/$name-stats"
    for ((i = 0; i <= py_runs; i++)); do
      t0=$(now)
      in_chroot python3 /irx-tensors/repo/bench/torch_stats.py "$(cpath "$file")" "$@" \
        > /dev/null 2> "$work/py-err" || { quiet < "$work/py-err"; die "torch_stats.py failed"; }
      t1=$(now)
      line=$(grep '^torch_stats:' "$work/py-err")
      echo "   $name run $i: wall $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') s; $line" >&2
      [ "$i" = 0 ] && continue        # warm-up
      awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f\n", b - a}' >> "$work/$name-wall"
      sed -E 's/.*load_s=([0-9.]+).*/\1/' <<<"$line" >> "$work/$name-load"
      sed -E 's/.*load_s=([0-9.]+) stats_s=([0-9.]+).*/\1 \2/' <<<"$line" | awk '{printf "%.6f\n", $1 + $2}' >> "$work/$name-stats"
    done
  }
  echo "== (b) torch (ATEN_CPU_CAPABILITY=${aten_cpu:-unset}): torch.load(mmap=True) + statistics of the 1 GB file, 1 warm-up + $py_runs runs" >&2
  py_loop pystats "$big" --json "$(cpath "$work")/torch-big.json"
  echo "== (b) torch: torch.load(mmap=True) alone (--list), both files" >&2
  py_loop pylist-big "$big" --list
  py_loop pylist-small "$small" --list
  read -r pyw_best pyw_med < <(stats "$work/pystats-wall")
  read -r pyl_best pyl_med < <(stats "$work/pystats-load")
  read -r pyls_best pyls_med < <(stats "$work/pystats-stats")
  read -r plbw_best plbw_med < <(stats "$work/pylist-big-wall")
  read -r plbl_best plbl_med < <(stats "$work/pylist-big-load")
  read -r plsw_best plsw_med < <(stats "$work/pylist-small-wall")
  read -r plsl_best plsl_med < <(stats "$work/pylist-small-load")

  # agreement: irx-dump's statistics against torch's, tensor by tensor
  agree=$("$py" - "$work/irx-big.json" "$work/torch-big.json" <<'EOF'
import json, sys
irx = {t["name"]: t["stats"] for t in json.load(open(sys.argv[1]))["tensors"]}
tor = {t["name"]: t for t in json.load(open(sys.argv[2]))}
assert irx.keys() == tor.keys(), (sorted(irx.keys() ^ tor.keys())[:5])
dsum = rsum = 0.0
exact = 0
for n, a in irx.items():
    b = tor[n]
    d = abs(a["sum"] - b["sum"])
    dsum = max(dsum, d)
    rsum = max(rsum, d / max(abs(b["sum"]), 1e-300))
    exact += a["min"] == b["min"] and a["max"] == b["max"] and a["nonfinite"] == b["nonfinite"]
print(f"{len(irx)} tensors; min, max, non-finite count identical for {exact}; "
      f"largest sum difference {dsum:.3g} (relative {rsum:.3g})")
EOF
)
fi

# ---------------------------------------------------------------- (c) memory
echo "== (c) peak RSS" >&2
# rss CMD...: "MAXRSS_KB ANON_KB FILE_KB": the peak resident size from
# /usr/bin/time -v, then the peaks of its two parts, RssAnon (memory the
# process allocated) and RssFile (page-cache pages of mapped files, shared
# and reclaimable), sampled from /proc/PID/status every 0.5 ms in a second run
# (so a run of a few ms gets few samples).
rss() {
  /usr/bin/time -v -o "$work/rss" "$@" > /dev/null
  echo "$(maxrss_kb "$work/rss") $("$py" - "$@" <<'EOF'
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
peak = {"RssAnon": 0, "RssFile": 0}
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                k = line.split(":")[0]
                if k in peak:
                    peak[k] = max(peak[k], int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.0005)
print(peak["RssAnon"], peak["RssFile"])
EOF
)"
}
read -r rss_cat anon_cat file_cat < <(rss cat "$big")
read -r rss_stats anon_stats file_stats < <(rss "$DUMP" --stats "$big")
read -r rss_json anon_json file_json < <(rss "$DUMP" --format=json "$big")
read -r rss_lb anon_lb file_lb < <(rss "$DUMP" "$big")
read -r rss_ls anon_ls file_ls < <(rss "$DUMP" "$small")
if [ "$skip_py" != 1 ]; then
  read -r rss_py anon_py file_py < <(rss chroot "$sid" /usr/bin/env -i "${chroot_env[@]}" \
    python3 /irx-tensors/repo/bench/torch_stats.py "$(cpath "$big")" 2> >(quiet))
  read -r rss_pyl anon_pyl file_pyl < <(rss chroot "$sid" /usr/bin/env -i "${chroot_env[@]}" \
    python3 /irx-tensors/repo/bench/torch_stats.py "$(cpath "$big")" --list 2> >(quiet))
fi

# ---------------------------------------------------------------- profile
profile_txt=""
if [ "${IRX_BENCH_PROFILE:-0}" = 1 ]; then
  command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
  echo "== profile of irx-dump --stats (perf stat, perf record)" >&2
  perf stat -o "$work/perf-stat" -e task-clock,page-faults,major-faults,context-switches \
    "$DUMP" --stats "$big" > /dev/null
  profile_txt+="perf stat irx-dump --stats:"$'\n'
  profile_txt+="$(grep -E 'task-clock|faults|switches|elapsed|user|sys' "$work/perf-stat")"$'\n'
  perf record -q -o "$work/perf.data" -F 4000 "$DUMP" --stats "$big" > /dev/null 2>&1
  profile_txt+="perf record irx-dump --stats: by shared object and symbol (self time)"$'\n'
  profile_txt+="$(perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep '%' | awk 'NR <= 12')"$'\n'
fi

# ---------------------------------------------------------------- report
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
ok() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {r = (op == "<=") ? (a <= b) : (a < b); print r ? "met" : "MISSED"}'; }
gbs() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.2f", b / s / 1e9}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
pct() { awk -v k="$1" -v f="$2" 'BEGIN {printf "%.1f", 100 * k * 1024 / f}'; }
echo
echo "irx tensor-file benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
echo "load average: $load_before (start), $load_after (end); $(grep -m1 FileHugePages /proc/meminfo | tr -s ' ')"
echo "build: $build; irx-dump: a copy of src/tools/.libs/irx-dump and libirx (real executable, LD_LIBRARY_PATH; the libtool wrapper is not timed)"
echo "big:   $big  $big_bytes bytes, $n_big tensors ($dtypes)"
echo "small: $small  $small_bytes bytes, $n_small tensors"
echo "       $(cat "$work/head-big")"
echo "       $(cat "$work/head-small")"
echo
printf '%-46s %9s %9s %7s %7s %9s %7s\n' "time, warm page cache (ms)" best median "x cat" "GB/s" "CPU ms" "x cat"
ms() { awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}'; }
# row LABEL BEST MEDIAN [X-CAT GB/S [CPU]]
row() {
  printf '%-46s %9s %9s %7s %7s %9s %7s\n' "$1" "$(ms "$2")" "$(ms "$3")" "${4:-}" "${5:-}" \
    "${6:+$(ms "$6")}" "${6:+$(div "$6" "$cat_cpu")}"
}
row "cat big > /dev/null" "$cat_best" "$cat_med" 1.00 "$(gbs "$big_bytes" "$cat_med")" "$cat_cpu"
row "irx-dump --stats big" "$st_best" "$st_med" "$(div "$st_med" "$cat_med")" "$(gbs "$big_bytes" "$st_med")" "$st_cpu"
row "irx-dump --format=json big (with stats)" "$js_best" "$js_med" "$(div "$js_med" "$cat_med")" "$(gbs "$big_bytes" "$js_med")" "$js_cpu"
row "irx-dump big (listing)" "$lb_best" "$lb_med" "$(div "$lb_med" "$cat_med")" "" "$lb_cpu"
row "irx-dump small (listing)" "$ls_best" "$ls_med" "" "" "$ls_cpu"
row "irx-dump --version (start-up)" "$v_best" "$v_med" "" "" "$v_cpu"
if [ "$skip_py" != 1 ]; then
  read -r tv tcap tthr <<<"$py_torch"
  echo "torch $tv, ATEN_CPU_CAPABILITY=${aten_cpu:-unset} (kernels: $tcap), $tthr threads:"
  row "torch: load + statistics, whole process" "$pyw_best" "$pyw_med" "$(div "$pyw_med" "$cat_med")"
  row "  torch.load(mmap=True) big (inside python)" "$pyl_best" "$pyl_med"
  row "  torch.load + statistics (inside python)" "$pyls_best" "$pyls_med" "$(div "$pyls_med" "$cat_med")" "$(gbs "$big_bytes" "$pyls_med")"
  row "torch.load(mmap=True) big, --list: process" "$plbw_best" "$plbw_med"
  row "  torch.load alone (inside python)" "$plbl_best" "$plbl_med"
  row "torch.load(mmap=True) small, --list: process" "$plsw_best" "$plsw_med"
  row "  torch.load alone (inside python)" "$plsl_best" "$plsl_med"
fi
echo
r_stats=$(div "$st_med" "$cat_med") r_list=$(div "$lb_med" "$ls_med")
printf '%-58s %8s   (target <= 1.5: %s)\n' "irx-dump --stats / cat (medians)" "$r_stats" "$(ok "$r_stats" "<=" 1.5)"
printf '%-58s %8s\n' "irx-dump --stats / cat (CPU time, user + sys)" "$(div "$st_cpu" "$cat_cpu")"
printf '%-58s %8s   (target: data-size independent, ~1)\n' "listing big / listing small (data $(div "$big_bytes" "$small_bytes")x)" "$r_list"
printf '%-58s %8s   (target: milliseconds, < 10 ms: %s)\n' "listing big, median ms" "$(awk -v s="$lb_med" 'BEGIN {printf "%.1f", s * 1000}')" "$(ok "$lb_med" "<" 0.010)"
if [ "$skip_py" != 1 ]; then
  printf '%-58s %8s\n' "torch load+stats / irx-dump --stats (medians)" "$(div "$pyls_med" "$st_med")x"
  printf '%-58s %8s\n' "torch whole process / irx-dump --stats (medians)" "$(div "$pyw_med" "$st_med")x"
  echo "statistics, irx-dump against torch: $agree"
fi
echo
printf '%-46s %9s %9s %12s %12s\n' "peak RSS (MiB)" RSS "% of big" "anon (alloc)" "file (mapped)"
for r in "cat big:$rss_cat:$anon_cat:$file_cat" \
         "irx-dump --stats big:$rss_stats:$anon_stats:$file_stats" \
         "irx-dump --format=json big:$rss_json:$anon_json:$file_json" \
         "irx-dump big (listing):$rss_lb:$anon_lb:$file_lb" "irx-dump small (listing):$rss_ls:$anon_ls:$file_ls" \
         ${rss_py:+"torch load + statistics, big:$rss_py:$anon_py:$file_py"} \
         ${rss_pyl:+"torch load + list, big:$rss_pyl:$anon_pyl:$file_pyl"}; do
  IFS=: read -r label kb anon file <<<"$r"
  printf '%-46s %9s %9s %12s %12s\n' "$label" "$(mib "$kb")" "$(pct "$kb" "$big_bytes")" "$(mib "$anon")" "$(mib "$file")"
done
worst=$(( rss_stats > rss_json ? rss_stats : rss_json ))
worst_anon=$(( anon_stats > anon_json ? anon_stats : anon_json ))
printf '%-58s %8s%%  (target: far below the file: < 10%%: %s)\n' "irx-dump peak RSS / file size" "$(pct "$worst" "$big_bytes")" "$(ok "$(pct "$worst" "$big_bytes")" "<" 10)"
printf '%-58s %8s%%  (< 10%%: %s)\n' "  of it allocated (RssAnon), not mapped file pages" "$(pct "$worst_anon" "$big_bytes")" "$(ok "$(pct "$worst_anon" "$big_bytes")" "<" 10)"
[ -z "$profile_txt" ] || { echo; printf '%s' "$profile_txt"; }
