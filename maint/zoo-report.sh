#!/bin/bash
# The model zoo in one command: capture a categorized zoo of small models
# with real (seeded) weights in a Debian chroot with torch, then on the host
# convert, check and verify each with irx, and write one report.
#
#   maint/zoo-report.sh [--list-models] [--full] [--category NAME]... [--only NAME]...
#                       [--torch sid|trixie] [--output DIR] [--no-capture]
#                       [--timeout S] [--fail-on-verify]
#   make zoo [ZOO_ARGS='--category attention']
#
#   --list-models     list the selected models with their categories and exit
#                     (needs neither root nor torch)
#   --full            every model (43 with torch 2.14), not only the default zoo (15)
#   --category NAME   only models in NAME: attention, multi-io, skip,
#                     shared-weights, torchvision, transformers (repeatable, or a,b)
#   --only NAME       only these models, default zoo or not (repeatable, or a,b)
#   --torch sid|trixie  capture with torch 2.14 (sid chroot, default; has
#                     transformers) or torch 2.6 (trixie chroot; no transformers:
#                     those models are listed as skipped)
#   --output DIR      where everything goes (default /var/tmp/irx-zoo-report/SUITE)
#   --no-capture      reuse the captures already in DIR/capture (no root needed)
#   --timeout S       seconds per model for the capture (default 300)
#   --fail-on-verify  exit 1 when a model does not match torch's outputs or
#                     cannot be verified, too
#
# The models and their categories are maint/zoo-report.py's (which also
# captures them: src/tools/irx-capture.py, weights and inputs drawn as
# tests/fixtures/gen_runtime.py draws them, the same on every machine).
# For each captured model NAME, on the host, with the irx tools of $IRX_BIN
# (default the source tree's src/tools; `make zoo` passes the build's):
#   irx-export capture/NAME.pt2 | irx-convert --name NAME   > irx/NAME.ir.json
#   irx-dump --check irx/NAME.ir.json                       > irx/NAME.check.txt
#   irx-verify --report=json -w capture/NAME.state_dict.pt [-w capture/NAME.constants.pt] \
#       -i capture/NAME.inputs.pt --expected=capture/NAME.expected.pt irx/NAME.ir.json
#                                                           > irx/NAME.verify.json
# irx-verify runs the IR with the libtorch it links (1.13 on the host);
# operators that libtorch lacks run through irx's decompositions, and a model
# it still cannot run is reported as not verified, with irx-verify's message.
# Then irx-report writes DIR/report/: all.md (no pictures), all.html, all.json,
# one CATEGORY.md per category (with pictures), and index.md (the summary
# table, the failures and their reasons, links). The summary table is printed
# and written to DIR/SUMMARY.txt (and DIR/summary.tsv).
#
# Exit status: 0 when every selected model was captured (or skipped for want
# of a Python module in that chroot), converted and checked; 1 when one was
# not (or, with --fail-on-verify, when a verification failed); 2 for an
# error of the script's own (missing tools, no chroot); 64 for a usage error.
# The capture needs root (chroot, mount --bind) and runs in a private mount
# namespace, so that other scripts using the chroots meanwhile are not
# disturbed; the chroot is created by maint/mkchroot.sh when missing.
set -uo pipefail
export LC_ALL=C   # printf %g and sort as everywhere

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IRX_BIN:-$top/src/tools}
py=/usr/bin/python3
[ -x "$py" ] || py=python3

usage() {
  sed -n '6,9p' "$0" | sed 's/^#//' >&2
  echo "See the comment at the top of $0, or docs/hacking.md." >&2
  exit 64
}

args=("$@")
list=
full=
cats=()
only=()
suite=sid
out=
capture=1
timeout=300
fail_verify=
while [ $# -gt 0 ]; do
  case "$1" in
    --list-models) list=1 ;;
    --full) full=1 ;;
    --category) [ $# -ge 2 ] || usage; cats+=("$2"); shift ;;
    --category=*) cats+=("${1#*=}") ;;
    --only) [ $# -ge 2 ] || usage; only+=("$2"); shift ;;
    --only=*) only+=("${1#*=}") ;;
    --torch) [ $# -ge 2 ] || usage; suite=$2; shift ;;
    --torch=*) suite=${1#*=} ;;
    --output|-o) [ $# -ge 2 ] || usage; out=$2; shift ;;
    --output=*) out=${1#*=} ;;
    --no-capture) capture= ;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
    --timeout=*) timeout=${1#*=} ;;
    --fail-on-verify) fail_verify=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
case "$suite" in
  sid) tv=t214 ;;
  trixie) tv=t26 ;;
  *) echo "$0: --torch takes sid or trixie, not '$suite'" >&2; exit 64 ;;
esac
case "$timeout" in ''|*[!0-9]*) echo "$0: --timeout takes seconds" >&2; exit 64 ;; esac

sel=()
[ -z "$full" ] || sel+=(--full)
for c in "${cats[@]}"; do sel+=(--category "$c"); done
for n in "${only[@]}"; do sel+=(--only "$n"); done

if [ -n "$list" ]; then
  exec "$py" "$top/maint/zoo-report.py" --list "${sel[@]}"
fi

# The selection: name <TAB> categories <TAB> default|full <TAB> what
selection=$("$py" "$top/maint/zoo-report.py" --list --tsv "${sel[@]}") || exit 64
[ -n "$selection" ] || { echo "$0: no model selected" >&2; exit 64; }

for t in irx-export irx-convert irx-dump irx-verify irx-report; do
  [ -x "$bin/$t" ] || { echo "$0: $bin/$t missing (build irx first, or set IRX_BIN)" >&2; exit 2; }
done

out=${out:-/var/tmp/irx-zoo-report/$suite}
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
capdir=$out/capture
irxdir=$out/irx
repdir=$out/report
mkdir -p "$capdir" "$irxdir" "$repdir" || exit 2

t_start=$SECONDS

# ---- capture, in the chroot ------------------------------------------------
if [ -n "$capture" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "$0: the capture needs root (chroot, mount); --no-capture reuses $capdir" >&2
    exit 2
  fi
  # shellcheck source=maint/chroot-lib.sh
  . "$top/maint/chroot-lib.sh"   # chroot_unshare, chroot_for, chroot_exec, cleanup (EXIT trap)
  # A mount namespace of our own: our bind mounts are invisible to the
  # other scripts that use the chroots.
  chroot_unshare /bin/bash "$0" "${args[@]}"
  root=$(chroot_for "$tv") || { echo "$0: no $suite chroot (maint/mkchroot.sh $suite)" >&2; exit 2; }
  # mount points of our own (a unique name, which no other script removes)
  at=/run/irx-zoo-report.$$
  chroot_bind_src_out "$root" "$at" "$capdir"
  echo "== capture in $root" >&2
  chroot_exec "$root" python3 "$at/src/maint/zoo-report.py" --out "$at/out" --timeout "$timeout" "${sel[@]}" >&2 ||
    { echo "$0: the capture failed in $root" >&2; exit 2; }
  cleanup
  rmdir "$root$at/src" "$root$at/out" "$root$at" 2>/dev/null
  trap - EXIT
fi
t_capture=$((SECONDS - t_start))
if [ -n "$capture" ]; then captime="capture ${t_capture} s"; else captime="captures reused"; fi
[ -f "$capdir/captures.tsv" ] || { echo "$0: no $capdir/captures.tsv (run without --no-capture)" >&2; exit 2; }
torch_ver=$(sed -n '1s/^# torch \([^:]*\):.*/\1/p' "$capdir/captures.tsv")

# ---- irx, on the host ------------------------------------------------------
now() { date +%s.%N; }
# first_line FILE: its first non-empty line, at most 240 characters, tabs
# made spaces, the output folder left out of paths
first_line() {
  grep -v '^[[:space:]]*$' "$1" 2>/dev/null | head -n 1 | tr '\t' ' ' |
    sed "s#$irxdir/##g; s#$capdir/#capture/#g" | cut -c1-240
}

libtorch=$("$bin/irx-verify" --version 2>/dev/null | sed -n 's/.*libtorch: //p')
irx_ver=$(cd "$top" && git describe --always --dirty 2>/dev/null || echo unknown)
echo "== irx ($irx_ver, $bin; libtorch ${libtorch:-none}) over $capdir (torch $torch_ver)" >&2

summary=$out/summary.tsv
printf '# model\tcategories\tcapture\tnodes\tconvert\tcheck\tverify\tmax_abs\tmax_rel\tirx_s\tdetail\n' >"$summary"
while IFS=$'\t' read -r name mcats _ _; do
  row=$(awk -F'\t' -v n="$name" '$1 == n' "$capdir/captures.tsv")
  cstat=$(cut -f2 <<<"$row")
  cinfo=$(cut -f4 <<<"$row")
  ctied=$(cut -f5 <<<"$row")
  base=$irxdir/$name
  rm -f "$base".*
  nodes=- conv=- check=- verify=- mabs=- mrel=- secs=- detail=
  if [ -z "$row" ]; then
    cstat=missing detail="not captured (run without --no-capture)"
  elif [ "$cstat" != ok ]; then
    detail="capture: $cinfo"
  else
    c=$capdir/$name
    t0=$(now)
    rc=0 t=irx-export
    "$bin/irx-export" "$c.pt2" >"$base.prog.json" 2>"$base.export.err" || rc=$?
    if [ $rc = 0 ]; then
      t=irx-convert
      "$bin/irx-convert" --name "$name" "$base.prog.json" >"$base.ir.json" 2>"$base.convert.err" || rc=$?
    fi
    if [ $rc != 0 ]; then
      conv=failed
      msg=$(first_line "$base.${t#irx-}.err")
      detail="$t (exit $rc): ${msg#"$t": }"
      [ -n "$msg" ] || detail="${detail}no message"
    else
      conv=ok
      nodes=$(jq '.nodes | length' "$base.ir.json")
      if "$bin/irx-dump" --check "$base.ir.json" >"$base.check.txt" 2>&1; then
        check=ok
      else
        check=failed detail="irx-dump --check: $(first_line "$base.check.txt")"
      fi
      w=(-w "$c.state_dict.pt")
      [ ! -f "$c.constants.pt" ] || w+=(-w "$c.constants.pt")
      rc=0
      "$bin/irx-verify" --report=json "${w[@]}" -i "$c.inputs.pt" --expected="$c.expected.pt" \
        "$base.ir.json" >"$base.verify.json" 2>"$base.verify.err" || rc=$?
      case $rc in
        0|1)
          if [ $rc = 0 ]; then verify=match; else
            verify="MISMATCH($(jq -r '"\(.mismatched)/\(.outputs)"' "$base.verify.json"))"
            bad=$(jq -r '[.results[] | select(.match | not) | .name] | join(", ")' "$base.verify.json")
            detail=${detail:+$detail; }"irx-verify: outputs differ: $bad"
          fi
          mabs=$(jq -r '[.results[].max_abs] | max | if . == null then "-" else "\(.)" end' "$base.verify.json")
          mrel=$(jq -r '[.results[].max_rel] | max | if . == null then "-" else "\(.)" end' "$base.verify.json")
          mabs=$(printf '%.3g' "$mabs" 2>/dev/null || echo "$mabs")
          mrel=$(printf '%.3g' "$mrel" 2>/dev/null || echo "$mrel")
          ;;
        *)
          # no report: irx-report must not see an empty file
          rm -f "$base.verify.json"
          verify="not-verified"
          msg=$(first_line "$base.verify.err")
          detail=${detail:+$detail; }"irx-verify (exit $rc): ${msg#irx-verify: }"
          [ -n "$msg" ] || detail="${detail}no message"
          ;;
      esac
    fi
    secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    # what the capture did beyond a plain export, and the tied weights
    case "$cinfo" in strict=False|strict=True) ;; *) detail=${detail:+$detail; }"capture: $cinfo" ;; esac
    [ -z "$ctied" ] || detail=${detail:+$detail; }"tied: ${ctied//,/, }"
    find "$irxdir" -maxdepth 1 -name "$name.*.err" -empty -delete
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mcats" "$cstat" "$nodes" "$conv" "$check" \
    "$verify" "$mabs" "$mrel" "$secs" "$detail" >>"$summary"
  printf '  %-20s %-8s %-8s %s\n' "$name" "$conv" "$check" "$verify${detail:+  ($detail)}" | cut -c1-200 >&2
done <<<"$selection"
t_total=$((SECONDS - t_start))

# ---- reports -----------------------------------------------------------------
categories=(attention multi-io skip shared-weights torchvision transformers)
report_status=0
# models_of CATEGORY|all: the converted models' IRs and verify reports (relative to $irxdir)
models_of() {
  awk -F'\t' -v c="$1" '!/^#/ && $5 == "ok" && (c == "all" || index("," $2 ",", "," c ",")) { print $1 }' "$summary" |
    while read -r n; do
      echo "$n.ir.json"
      [ ! -f "$irxdir/$n.verify.json" ] || echo "$n.verify.json"
    done
}
rm -f "$repdir"/*.md "$repdir"/*.html "$repdir"/*.json
mapfile -t all < <(models_of all)
if [ ${#all[@]} -gt 0 ]; then
  (cd "$irxdir" &&
     "$bin/irx-report" --no-pictures -o "$repdir/all.md" "${all[@]}" &&
     "$bin/irx-report" --format=html -o "$repdir/all.html" "${all[@]}" &&
     "$bin/irx-report" --format=json -o "$repdir/all.json" "${all[@]}") 2>"$repdir/irx-report.err" ||
    { report_status=1; echo "$0: irx-report failed: $(first_line "$repdir/irx-report.err")" >&2; }
  for c in "${categories[@]}"; do
    mapfile -t these < <(models_of "$c")
    [ ${#these[@]} -gt 0 ] || continue
    (cd "$irxdir" && "$bin/irx-report" -o "$repdir/$c.md" "${these[@]}") 2>>"$repdir/irx-report.err" ||
      { report_status=1; echo "$0: irx-report ($c) failed: $(first_line "$repdir/irx-report.err")" >&2; }
  done
fi
[ -s "$repdir/irx-report.err" ] || rm -f "$repdir/irx-report.err"

# ---- summary -----------------------------------------------------------------
# counts: models, skipped (no python module), captured, converted, checked,
# verified (match), mismatched, not verified
read -r n_models n_skip n_cap n_conv n_check n_match n_mis n_nover < <(awk -F'\t' '!/^#/ {
    n++
    if ($3 == "skipped") s++
    if ($3 == "ok") c++
    if ($5 == "ok") v++
    if ($6 == "ok") k++
    if ($7 == "match") m++
    else if ($7 ~ /^MISMATCH/) x++
    else if ($7 == "not-verified") u++
  } END { printf "%d %d %d %d %d %d %d %d\n", n, s, c, v, k, m, x, u }' "$summary")
n_fail=$(awk -F'\t' '!/^#/ && $3 != "skipped" && !($3 == "ok" && $5 == "ok" && $6 == "ok")' "$summary" | wc -l)
cat_counts=$(for c in "${categories[@]}"; do
    awk -F'\t' -v c="$c" '!/^#/ && index("," $2 ",", "," c ",") { n++ } END { if (n) printf "%s %d, ", c, n }' "$summary"
  done | sed 's/, $//')
totals="$n_models models ($cat_counts): $n_cap captured, $n_skip skipped, $n_conv converted, $n_check checked;"
totals+=" verified against torch's outputs: $n_match match, $n_mis mismatch, $n_nover not verified;"
totals+=" ${t_total} s ($captime)"

table() {  # the summary as an aligned text table
  awk -F'\t' 'function row(a, b, c, d, e, f, g, h, i) {
      printf "%-20s %-46s %6s %-8s %-8s %-14s %9s %9s  %s\n", a, b, c, d, e, f, g, h, i
    }
    BEGIN { row("model", "categories", "nodes", "convert", "check", "verify", "max_abs", "max_rel", "detail") }
    !/^#/ {
      conv = $5; if ($3 != "ok") conv = $3 == "skipped" ? "skipped" : "capture-" $3
      row($1, $2, $4, conv, $6, $7, $8, $9, $11)
    }' "$summary"
}
{
  echo "irx model zoo: torch $torch_ver ($suite chroot), irx $irx_ver, libtorch ${libtorch:-none}," \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  table
  echo
  echo "-- $totals"
} >"$out/SUMMARY.txt"

# index.md: what a reader opens first
mdcell() { sed 's/|/\\|/g'; }
{
  echo "# irx model zoo"
  echo
  echo "Captured with torch $torch_ver ($suite chroot) by \`maint/zoo-report.sh\`; irx $irx_ver,"
  echo "run with libtorch ${libtorch:-none}; $(date -u +%Y-%m-%dT%H:%M:%SZ)."
  echo
  echo "**$totals.**"
  echo
  echo "Each model was exported on the meta device with real (seeded) weights, inputs and eager outputs"
  echo "recorded beside it (\`src/tools/irx-capture.py\`), converted (\`irx-export | irx-convert\`),"
  echo "checked (\`irx-dump --check\`) and run with those weights and inputs by \`irx-verify\`, which holds"
  echo "every output against torch's (allclose, rtol = atol = 1e-4). max abs / max rel: the worst"
  echo "errors over the outputs."
  echo
  echo "Reports by category (\`irx-report\`: statistics, operator coverage, a picture per model):"
  for c in "${categories[@]}"; do
    [ -f "$repdir/$c.md" ] || continue
    members=$(awk -F'\t' -v c="$c" '!/^#/ && $5 == "ok" && index("," $2 ",", "," c ",") { printf "%s%s", s, $1; s = ", " }' \
      "$summary")
    printf -- '- [%s](%s.md): %s\n' "$c" "$c" "$members"
  done
  [ ! -f "$repdir/all.md" ] || echo "- every model: [all.md](all.md) (no pictures), [all.html](all.html), [all.json](all.json)"
  echo
  echo "| model | categories | nodes | convert | check | verify | max abs | max rel |"
  echo "|---|---|---:|---|---|---|---:|---:|"
  awk -F'\t' '!/^#/ {
      conv = $5; if ($3 != "ok") conv = $3 == "skipped" ? "skipped" : "capture " $3
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $4, conv, $6, $7, $8, $9
    }' "$summary"
  echo
  if awk -F'\t' '!/^#/ && $11 != "" { f = 1 } END { exit !f }' "$summary"; then
    echo "## Failures, skips and notes"
    echo
    # shellcheck disable=SC2016 # backquotes for markdown
    echo 'A failure comes first, with its reason; then notes: `capture:` what the capture did beyond a'
    # shellcheck disable=SC2016
    echo 'plain `torch.export`, `tied:` the state-dict names that share one tensor.'
    echo
    awk -F'\t' '!/^#/ && $11 != "" { printf "- **%s**: %s\n", $1, $11 }' "$summary" | mdcell
    echo
  fi
  echo "Files: \`capture/NAME.*\` (what torch recorded; \`capture/logs/NAME.log\`),"
  echo "\`irx/NAME.ir.json\`, \`.check.txt\`, \`.verify.json\` and the tools' messages (\`.err\`)."
} >"$repdir/index.md"

echo
cat "$out/SUMMARY.txt"
if [ -f "$repdir/all.html" ]; then
  echo "reports: $repdir/index.md (and all.html, one CATEGORY.md per category)"
else
  echo "report: $repdir/index.md"
fi

status=0
[ "$n_fail" = 0 ] || status=1
if [ -n "$fail_verify" ] && [ "$((n_mis + n_nover))" != 0 ]; then status=1; fi
[ "$report_status" = 0 ] || status=1
exit $status
