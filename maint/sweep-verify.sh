#!/bin/bash
# The verification sweep (issue 11): models in none of the fixtures and none
# of the zoo lists, captured with real (seeded) weights by torch 2.14, each
# run through the README's commands and held against torch's outputs:
#
#   maint/sweep-verify.sh [--list] [--family F]... [--only NAME]... [--output DIR]
#                         [--no-capture] [--resume] [--timeout S] [--sid-bin DIR]
#   make sweep [SWEEP_ARGS='--only mamba,cond_gate']
#
#   --list          list the selected models (maint/sweep_models.py) and exit
#   --family F      only models of family F (repeatable, or a,b): tv-class,
#                   tv-seg, tv-video, tv-flow, hf-encoder, hf-decoder,
#                   hf-encdec, hf-moe, hf-ssm, custom
#   --only NAME     only these models (repeatable, or a,b)
#   --output DIR    where everything goes (default /var/tmp/irx-sweep)
#   --no-capture    reuse the captures in DIR/capture (no root needed)
#   --resume        capture only the selected models that have no capture yet
#                   (an interrupted sweep goes on where it stopped)
#   --timeout S     seconds per model for the capture (default 300)
#   --sid-bin DIR   also run irx-verify built against libtorch 2.14 in the sid
#                   chroot: DIR is the tools' directory as seen inside the
#                   chroot (e.g. /build/irx/src/tools after maint/check-sid.sh)
#
# For every selected model NAME, captured by maint/sweep_models.py in the sid
# chroot (src/tools/irx-capture.py: meta export, real state dict, constants,
# inputs, eager outputs) into DIR/capture, on the host with $IRX_BIN's tools
# (default the source tree's src/tools; `make sweep` passes the build's):
#   irx-export capture/NAME.pt2 | irx-convert --name NAME      > irx/NAME.ir.json
#     (a dynamic-shape capture that irx-convert refuses, naming --allow-dynamic
#     as the fix, is converted again with --allow-dynamic, as the message says)
#   irx-dump --check irx/NAME.ir.json                          > irx/NAME.check.txt
#   irx-verify --report=json -w capture/NAME.state_dict.pt [-w capture/NAME.constants.pt] \
#       [--expected-mutated capture/NAME.expected_mutated.pt] \
#       -i capture/NAME.inputs.pt --expected capture/NAME.expected.pt irx/NAME.ir.json
# When that cannot run for missing values (issue 11, part 1; see
# maint/sweep_models.py), irx-verify runs once more with the files above and
# -w capture/NAME.lifted.pt (when there is one) -w capture/NAME.pt2 (the
# constants torch.export kept in the archive) to show what lies behind (the
# "behind" column).
# With --sid-bin, the same irx-verify runs in the chroot against libtorch 2.14.
#
# Writes DIR/summary.tsv, DIR/RESULTS.md (a table per family, every failure
# with irx's message) and prints DIR/SUMMARY.txt. Exit status: 0 when every
# selected model was captured and converted (verification results are the
# report, not the status), 1 otherwise, 2 for an error of the script's own,
# 64 for a usage error. The capture needs root (chroot, mount --bind) and runs
# in a private mount namespace.
set -uo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IRX_BIN:-$top/src/tools}
py=/usr/bin/python3
[ -x "$py" ] || py=python3

usage() {
  sed -n '6,8p' "$0" | sed 's/^#//' >&2
  echo "See the comment at the top of $0." >&2
  exit 64
}

args=("$@")
list=
fams=()
only=()
out=/var/tmp/irx-sweep
capture=1
resume=
timeout=300
sidbin=
while [ $# -gt 0 ]; do
  case "$1" in
    --list) list=1 ;;
    --family) [ $# -ge 2 ] || usage; fams+=("$2"); shift ;;
    --family=*) fams+=("${1#*=}") ;;
    --only) [ $# -ge 2 ] || usage; only+=("$2"); shift ;;
    --only=*) only+=("${1#*=}") ;;
    --output|-o) [ $# -ge 2 ] || usage; out=$2; shift ;;
    --output=*) out=${1#*=} ;;
    --no-capture) capture= ;;
    --resume) resume=1 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
    --timeout=*) timeout=${1#*=} ;;
    --sid-bin) [ $# -ge 2 ] || usage; sidbin=$2; shift ;;
    --sid-bin=*) sidbin=${1#*=} ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
case "$timeout" in ''|*[!0-9]*) echo "$0: --timeout takes seconds" >&2; exit 64 ;; esac

sel=()
for f in "${fams[@]}"; do sel+=(--family "$f"); done
for n in "${only[@]}"; do sel+=(--only "$n"); done

if [ -n "$list" ]; then
  exec "$py" "$top/maint/sweep_models.py" --list "${sel[@]}"
fi
selection=$("$py" "$top/maint/sweep_models.py" --list --tsv "${sel[@]}") || exit 64
[ -n "$selection" ] || { echo "$0: no model selected" >&2; exit 64; }

for t in irx-export irx-convert irx-dump irx-verify; do
  [ -x "$bin/$t" ] || { echo "$0: $bin/$t missing (build irx first, or set IRX_BIN)" >&2; exit 2; }
done

mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
capdir=$out/capture
irxdir=$out/irx
mkdir -p "$capdir" "$irxdir" || exit 2
t_start=$SECONDS

need_root_ns() {  # re-exec in a private mount namespace (bind mounts of our own)
  if [ "$(id -u)" != 0 ]; then
    echo "$0: $1 needs root (chroot, mount); --no-capture reuses $capdir" >&2
    exit 2
  fi
  # shellcheck source=maint/chroot-lib.sh
  . "$top/maint/chroot-lib.sh"
  chroot_unshare /bin/bash "$0" "${args[@]}"
}
root=
at=/run/irx-sweep.$$
chroot_up() {  # the sid chroot with the source and DIR bind-mounted at $at
  [ -z "$root" ] || return 0
  root=$(chroot_for t214) || { echo "$0: no sid chroot (maint/mkchroot.sh sid)" >&2; exit 2; }
  chroot_bind_src_out "$root" "$at" "$out"
  # torch and libtorch read /proc (cpuinfo, boot id), and say so on stdout
  chroot_mount_proc "$root"
}
if [ -n "$capture" ] || [ -n "$sidbin" ]; then
  need_root_ns "${capture:+the capture}${sidbin:+ --sid-bin}"
fi

# ---- capture, in the sid chroot -------------------------------------------------
if [ -n "$capture" ]; then
  todo=$(cut -f1 <<<"$selection")
  if [ -n "$resume" ] && [ -f "$capdir/captures.tsv" ]; then
    todo=$(while read -r n; do
        awk -F'\t' -v n="$n" '$1 == n && $2 != "" { f = 1 } END { exit !f }' "$capdir/captures.tsv" || echo "$n"
      done <<<"$todo")
  fi
  if [ -n "$todo" ]; then
    chroot_up
    echo "== capture in $root: $(wc -l <<<"$todo") model(s)" >&2
    chroot_exec "$root" python3 "$at/src/maint/sweep_models.py" --out "$at/out/capture" --timeout "$timeout" \
      --only "$(paste -sd, <<<"$todo")" >&2 || { echo "$0: the capture failed in $root" >&2; exit 2; }
  fi
fi
t_capture=$((SECONDS - t_start))
[ -f "$capdir/captures.tsv" ] || { echo "$0: no $capdir/captures.tsv (run without --no-capture)" >&2; exit 2; }
torch_ver=$(sed -n '1s/^# torch \([^:]*\):.*/\1/p' "$capdir/captures.tsv")
[ -z "$sidbin" ] || chroot_up

# ---- irx -------------------------------------------------------------------------
first_line() {  # FILE: its first non-empty line, tabs made spaces, folders left out
  grep -v '^[[:space:]]*$' "$1" 2>/dev/null | head -n 1 | tr '\t' ' ' |
    sed "s#$irxdir/#irx/#g; s#$capdir/#capture/#g; s#$at/out/capture/#capture/#g; s#$at/out/irx/#irx/#g" |
    cut -c1-400
}
# verify_with LABEL OUTBASE [extra -w files...]: irx-verify as the README says;
# sets v_stat, v_abs, v_msg
verify_run() {
  local where=$1 vbase=$2; shift 2
  local c=$capdir/$name ir=$irxdir/$name.ir.json rc=0
  local w=(-w "$c.state_dict.pt")
  [ ! -f "$c.constants.pt" ] || w+=(-w "$c.constants.pt")
  for x in "$@"; do w+=(-w "$x"); done
  # the buffers forward updated, as torch left them (irx-capture writes
  # them for the mutations it finds)
  [ ! -f "$c.expected_mutated.pt" ] || w+=(--expected-mutated "$c.expected_mutated.pt")
  if [ "$where" = host ]; then
    "$bin/irx-verify" --report=json "${w[@]}" -i "$c.inputs.pt" --expected "$c.expected.pt" "$ir" \
      >"$vbase.json" 2>"$vbase.err" || rc=$?
  else
    local iw=() x
    for x in "${w[@]}"; do iw+=("${x/#$out/$at/out}"); done
    chroot_exec "$root" "$sidbin/irx-verify" --report=json "${iw[@]}" -i "$at/out/capture/$name.inputs.pt" \
      --expected "$at/out/capture/$name.expected.pt" "$at/out/irx/$name.ir.json" \
      >"$vbase.json" 2>"$vbase.err" || rc=$?
  fi
  v_abs=- v_msg=
  case $rc in
    0) v_stat=match ;;
    1) v_stat="MISMATCH($(jq -r '"\(.mismatched)/\(.outputs)"' "$vbase.json"))"
       v_msg="outputs differ: $(jq -r '[.results[] | select(.match | not) | .name] | join(", ")' "$vbase.json")" ;;
    *) v_stat=refused; rm -f "$vbase.json"
       v_msg="irx-verify (exit $rc): $(first_line "$vbase.err")"; v_msg=${v_msg/irx-verify: /} ;;
  esac
  if [ -f "$vbase.json" ]; then
    v_abs=$(jq -r '[.results[].max_abs] | max | if . == null then "-" else "\(.)" end' "$vbase.json")
    v_abs=$(printf '%.2g' "$v_abs" 2>/dev/null || echo "$v_abs")
  fi
  [ -s "$vbase.err" ] || rm -f "$vbase.err"
}

libtorch=$("$bin/irx-verify" --version 2>/dev/null | sed -n 's/.*libtorch: //p')
sidtorch=
[ -z "$sidbin" ] || sidtorch=$(chroot_exec "$root" "$sidbin/irx-verify" --version 2>/dev/null | sed -n 's/.*libtorch: //p')
irx_ver=$(cd "$top" && git describe --always --dirty 2>/dev/null || echo unknown)
echo "== irx $irx_ver ($bin; libtorch ${libtorch:-none}${sidbin:+; sid: $sidbin, libtorch $sidtorch})" \
  "over $capdir (torch $torch_ver)" >&2

summary=$out/summary.tsv
# the rows of models not run this time (another --only or --family) are kept,
# so that the results stay those of the whole set
kept=$out/summary.kept
: >"$kept"
[ ! -f "$summary" ] || awk -F'\t' 'NR == FNR { sel[$1] = 1; next } !/^#/ && !($1 in sel)' \
  <(cut -f1 <<<"$selection") "$summary" >"$kept"
printf '# model\tfamily\tcapture\tnodes\tconvert\tcheck\tverify\tmax_abs\tverify_214\tmax_abs_214\tbehind\tdetail\tdetail_214\n' \
  >"$summary"
while IFS=$'\t' read -r name fam _; do
  row=$(awk -F'\t' -v n="$name" '$1 == n' "$capdir/captures.tsv")
  cstat=$(cut -f2 <<<"$row")
  cinfo=$(cut -f4 <<<"$row")
  base=$irxdir/$name
  rm -f "$base".*
  nodes=- conv=- check=- v1=- a1=- v2=- a2=- behind=- detail='' detail2=
  if [ -z "$row" ]; then
    cstat=missing detail="not captured (run without --no-capture)"
  elif [ "$cstat" != ok ]; then
    detail="capture: $cinfo"
  else
    c=$capdir/$name
    rc=0
    "$bin/irx-export" "$c.pt2" >"$base.prog.json" 2>"$base.export.err" || rc=$?
    if [ $rc != 0 ]; then
      conv=failed detail="irx-export (exit $rc): $(first_line "$base.export.err")"
    else
      "$bin/irx-convert" --name "$name" "$base.prog.json" >"$base.ir.json" 2>"$base.convert.err" || rc=$?
      if [ $rc != 0 ] && grep -q -- '--allow-dynamic' "$base.convert.err"; then
        detail="irx-convert refused the dynamic program, naming the fix: converted with --allow-dynamic"
        rc=0
        "$bin/irx-convert" --allow-dynamic --name "$name" "$base.prog.json" >"$base.ir.json" \
          2>"$base.convert.err" || rc=$?
      fi
      if [ $rc != 0 ]; then
        conv=failed detail="irx-convert (exit $rc): $(first_line "$base.convert.err")"
      fi
    fi
    if [ "$conv" != failed ]; then
      conv=ok
      nodes=$(jq '.nodes | length' "$base.ir.json")
      if "$bin/irx-dump" --check "$base.ir.json" >"$base.check.txt" 2>&1; then
        check=ok
        nw=$(grep -ci 'warning' "$base.check.txt")
        [ "$nw" = 0 ] || check="ok($nw warn)"
      else
        check=failed detail=${detail:+$detail; }"irx-dump --check: $(first_line "$base.check.txt")"
      fi
      verify_run host "$base.verify"
      v1=$v_stat a1=$v_abs
      [ -z "$v_msg" ] || detail=${detail:+$detail; }$v_msg
      if [ "$v1" = refused ] && grep -q 'not fit the IR' "$base.verify.err"; then
        # values missing: what lies behind, with those the capture could not
        # give (lifted.pt) and the constants the archive holds (the .pt2)
        extra=()
        [ ! -f "$c.lifted.pt" ] || extra+=("$c.lifted.pt")
        extra+=("$c.pt2")
        verify_run host "$base.verify-behind" "${extra[@]}"
        behind="$v_stat $v_abs with -w ${extra[*]##*/}"
        [ "$v_stat" != refused ] || behind="refused: ${v_msg#irx-verify (exit 2): }"
      fi
      if [ -n "$sidbin" ]; then
        verify_run sid "$base.verify214"
        v2=$v_stat a2=$v_abs detail2=$v_msg
      fi
    fi
    case "$cinfo" in strict=False|strict=True) ;; *) detail=${detail:+$detail; }"capture: $cinfo" ;; esac
    find "$irxdir" -maxdepth 1 -name "$name.*.err" -empty -delete
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$fam" "$cstat" "$nodes" "$conv" "$check" \
    "$v1" "$a1" "$v2" "$a2" "$behind" "$detail" "$detail2" >>"$summary"
  printf '  %-24s %-10s %-7s %-14s %-14s %s\n' "$name" "$fam" "$conv" "$v1 $a1" "${sidbin:+$v2 $a2}" "$detail" |
    cut -c1-220 >&2
done <<<"$selection"
t_total=$((SECONDS - t_start))
# in the registry's order, with the kept rows
order=$("$py" "$top/maint/sweep_models.py" --list --tsv | cut -f1)
{
  head -n 1 "$summary"
  awk -F'\t' 'NR == FNR { pos[$1] = NR; next } !/^#/ { print (($1 in pos) ? pos[$1] : 9999) "\t" $0 }' \
    <(printf '%s\n' "$order") <(tail -n +2 "$summary") "$kept" | sort -t$'\t' -k1,1n | cut -f2-
} >"$summary.tmp" && mv "$summary.tmp" "$summary"
rm -f "$kept"

# ---- summary ---------------------------------------------------------------------
fams_seen=$(awk -F'\t' '!/^#/ && !s[$2]++ { print $2 }' "$summary")
count() {  # FIELD PATTERN [FAMILY]
  awk -F'\t' -v f="$1" -v p="$2" -v fam="${3:-}" '!/^#/ && (fam == "" || $2 == fam) && $f ~ p { n++ } END { print n + 0 }' \
    "$summary"
}
n_all=$(count 1 .)
totals="$n_all models: $(count 3 '^ok$') captured, $(count 5 '^ok$') converted;"
totals+=" libtorch ${libtorch:-none}: $(count 7 '^match$') match, $(count 7 '^MISMATCH') mismatch, $(count 7 '^refused$') refused"
[ -z "$sidbin" ] ||
  totals+="; libtorch $sidtorch: $(count 9 '^match$') match, $(count 9 '^MISMATCH') mismatch, $(count 9 '^refused$') refused"
totals+="; ${t_total} s (capture ${t_capture} s)"
{
  echo "irx verification sweep: torch $torch_ver, irx $irx_ver, libtorch ${libtorch:-none}${sidbin:+ and $sidtorch}," \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  awk -F'\t' 'function row(a, b, c, d, e, f, g, h, i, j) {
      printf "%-24s %-10s %5s %-8s %-12s %-13s %8s %-13s %8s  %s\n", a, b, c, d, e, f, g, h, i, j
    }
    BEGIN { row("model", "family", "nodes", "convert", "check", "verify", "max_abs", "verify_214", "max_abs", "behind") }
    !/^#/ { conv = $5; if ($3 != "ok") conv = "capture-" $3; row($1, $2, $4, conv, $6, $7, $8, $9, $10, $11) }' "$summary"
  echo
  echo "-- $totals"
} >"$out/SUMMARY.txt"

mdcell() { sed 's/|/\\|/g'; }
{
  echo "# irx verification sweep"
  echo
  echo "torch $torch_ver (capture), irx $irx_ver; irx-verify with libtorch ${libtorch:-none}${sidbin:+ and with libtorch $sidtorch};"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ). **$totals.**"
  echo
  echo "| family | models | converted | match (${libtorch:-host}) | mismatch | refused |${sidbin:+ match ($sidtorch) | refused ($sidtorch) |}"
  echo "|---|---:|---:|---:|---:|---:|${sidbin:+---:|---:|}"
  for f in $fams_seen; do
    printf '| %s | %s | %s | %s | %s | %s |' "$f" "$(count 1 . "$f")" "$(count 5 '^ok$' "$f")" "$(count 7 '^match$' "$f")" \
      "$(count 7 '^MISMATCH' "$f")" "$(count 7 '^refused$' "$f")"
    [ -z "$sidbin" ] || printf ' %s | %s |' "$(count 9 '^match$' "$f")" "$(count 9 '^refused$' "$f")"
    echo
  done
  echo
  echo "| model | family | nodes | convert | check | verify | max abs |${sidbin:+ verify ($sidtorch) | max abs |} behind |"
  echo "|---|---|---:|---|---|---|---:|${sidbin:+---|---:|}---|"
  awk -F'\t' -v sid="$sidbin" '!/^#/ {
      conv = $5; if ($3 != "ok") conv = "capture " $3
      printf "| %s | %s | %s | %s | %s | %s | %s |", $1, $2, $4, conv, $6, $7, $8
      if (sid != "") printf " %s | %s |", $9, $10
      printf " %s |\n", $11
    }' "$summary" | mdcell
  echo
  echo "## Messages"
  echo
  awk -F'\t' -v sid="$sidbin" '!/^#/ && ($12 != "" || (sid != "" && $13 != "")) {
      printf "- **%s**: %s", $1, ($12 != "" ? $12 : "-")
      if (sid != "" && $13 != "" && $13 != $12) printf "; with libtorch 2.14: %s", $13
      printf "\n"
    }' "$summary" | mdcell
} >"$out/RESULTS.md"

echo
cat "$out/SUMMARY.txt"
echo "results: $out/RESULTS.md"
n_bad=$(awk -F'\t' '!/^#/ && !($3 == "ok" && $5 == "ok")' "$summary" | wc -l)
[ "$n_bad" = 0 ]
