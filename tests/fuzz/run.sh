#!/bin/sh
# shellcheck disable=SC2086 # compiler flags and target lists split on purpose
# Build the libFuzzer targets with clang (Debian: clang, libclang-rt-14-dev)
# against the library's sources, seed them from the fixtures, and run each
# for SECONDS (default 600):
#   tests/fuzz/run.sh [SECONDS] [TARGET ...]
# Targets (tests/fuzz/fuzz-TARGET.c): json program archive pickle
# safetensors zip by default; torch-save and exec (the planner and the
# executor, with libtorch; needs a configured and built tree) on request.  SECONDS 0 only
# builds and seeds.  Environment:
#   IRX_FUZZ_DIR   work folder (default /var/tmp/irx-fuzz): binaries,
#                  corpora (corpus-TARGET), logs (fuzz-TARGET.log), and
#                  what a run finds (fuzz-TARGET-crash-*, -leak-*,
#                  -timeout-*, -oom-*)
#   IRX_FUZZ_JOBS  targets run at once (default 1)
#   IRX_FUZZ_ARGS  more libFuzzer options for every target
#   CC, PYTHON     clang and python3 to use
# Reproduce a finding with: $IRX_FUZZ_DIR/fuzz-TARGET FILE
# See docs/fuzzing.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-json program archive pickle safetensors zip}
work=${IRX_FUZZ_DIR:-/var/tmp/irx-fuzz}
jobs=${IRX_FUZZ_JOBS:-1}
cc=${CC:-clang}
py=${PYTHON:-python3}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$work/obj"
[ -f "$top/config.h" ] || { echo "configure the tree first (./configure)" >&2; exit 2; }
make -C "$top" src/lib/aten-schemas.inc >/dev/null
inc="-I$top -I$top/include -I$top/src -I$top/src/lib"

# The library once, instrumented for coverage; each target links it.
lib="$work/libirx-fuzz.a"
rm -f "$lib"
for f in "$top"/src/lib/*/*.c; do
	o="$work/obj/$(basename "$(dirname "$f")")-$(basename "$f" .c).o"
	$cc -g -O1 -fsanitize=fuzzer-no-link $san $inc -c -o "$o" "$f"
done
ar rcs "$lib" "$work"/obj/*.o

# Seeds: what each target reads, taken from the fixtures.
pkl() { # every data.pkl of a torch.save zip, into folder $2
	"$py" - "$2" "$1" <<'PY'
import os, sys, zipfile
out, path = sys.argv[1], sys.argv[2]
try:
    z = zipfile.ZipFile(path)
except zipfile.BadZipFile:
    sys.exit(0)
for n in z.namelist():
    if n.endswith("data.pkl"):
        name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path) + ".pkl"
        open(os.path.join(out, name), "wb").write(z.read(n))
        break
PY
}
program_json() {
	"$py" - "$1" "$2" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
name = [n for n in z.namelist()
        if n.endswith(("serialized_exported_program.json", "models/model.json"))][0]
open(sys.argv[2], "wb").write(z.read(name))
PY
}
fx="$top/tests/fixtures"
seed() { # target, folder
	case $1 in
	exec) # the runtime fixtures' IRs, weights and constants made graph inputs
		for f in "$fx"/rt214/*.pt2; do
			"$top/src/tools/irx-export" "$f" 2>/dev/null | "$top/src/tools/irx-convert" - 2>/dev/null |
				"$py" -c '
import json, sys
ir = json.load(sys.stdin)
ir["graph_inputs"] += [{k: w[k] for k in ("name", "shape", "dtype")}
                       for w in ir.pop("weights") + ir.pop("constants") if w.get("dtype")]
ir["weights"], ir["constants"] = [], []
json.dump(ir, sys.stdout)' >"$2/$(basename "$f" .pt2).ir.json" 2>/dev/null || rm -f "$2/$(basename "$f" .pt2).ir.json"
		done ;;
	archive)
		for f in "$fx"/t26/*.pt2 "$fx"/t214/*.pt2; do cp "$f" "$2/"; done ;;
	json|program)
		for f in "$fx"/t26/*.pt2 "$fx"/t214/*.pt2; do
			program_json "$f" "$2/$(basename "$(dirname "$f")")-$(basename "$f").json"
		done ;;
	pickle|torch-save)
		for f in "$fx"/tensors/*/*.pt "$fx"/ts/*.pt; do pkl "$f" "$2"; done ;;
	safetensors)
		for f in "$fx"/tensors/*/*.safetensors; do
			cp "$f" "$2/$(basename "$(dirname "$f")")-$(basename "$f")"
		done ;;
	zip)
		for f in "$fx"/tensors/*/*.pt "$fx"/tensors/*/*.pt2; do
			cp "$f" "$2/$(basename "$(dirname "$f")")-$(basename "$f")"
		done ;;
	esac
	# inputs that once failed, kept so every run tries them again
	case $1 in torch-save) r=pickle ;; *) r=$1 ;; esac
	for f in "$top/tests/fuzz/regress/$r"/*; do
		[ -f "$f" ] && cp "$f" "$2/"
	done
	return 0
}

# exec: the executor and the C++ shim too, linked with the libtorch that
# configure found (its flags read from the Makefile).
mkvar() { sed -n "s/^$1 = //p" "$top/Makefile"; }
exec_objs() {
	cxx=${CXX_FUZZ:-clang++}
	for f in "$top"/src/exec/*.c; do
		$cc -g -O1 -fsanitize=fuzzer-no-link $san $inc -I"$top/src/exec" \
			-c -o "$work/obj-exec-$(basename "$f" .c).o" "$f"
	done
	$cxx -g -O1 $san $inc $(mkvar LIBTORCH_CXXSTD) $(mkvar LIBTORCH_CPPFLAGS) \
		-c -o "$work/obj-exec-shim.o" "$top/src/torch/shim.cpp"
}

for t in $targets; do
	[ -f "$top/tests/fuzz/fuzz-$t.c" ] || { echo "no target $t" >&2; exit 2; }
	if [ "$t" = exec ]; then
		[ -n "$(mkvar LIBTORCH_LIBS)" ] || { echo "exec: configure found no libtorch" >&2; exit 2; }
		exec_objs
		$cc -g -O1 -fsanitize=fuzzer-no-link $san $inc -c -o "$work/fuzz-exec.o" "$top/tests/fuzz/fuzz-exec.c"
		${CXX_FUZZ:-clang++} -g -fsanitize=fuzzer $san -o "$work/fuzz-exec" "$work/fuzz-exec.o" \
			"$work"/obj-exec-*.o "$lib" $(mkvar LIBTORCH_LDFLAGS) $(mkvar LIBTORCH_LIBS) \
			-ljansson -lminizip -lz -lm
	else
		$cc -g -O1 -fsanitize=fuzzer $san $inc -o "$work/fuzz-$t" \
			"$top/tests/fuzz/fuzz-$t.c" "$lib" -ljansson -lminizip -lz -lm
	fi
	mkdir -p "$work/seeds-$t" "$work/corpus-$t"
	seed "$t" "$work/seeds-$t"
done
[ "$secs" -gt 0 ] || exit 0

# One target: the corpus grows in corpus-TARGET, seeds are read as well.
run_one() {
	t=$1
	opts="-max_total_time=$secs -timeout=30 -rss_limit_mb=4096 -print_final_stats=1"
	case $t in
	pickle|torch-save) opts="$opts -max_len=65536" ;;
	safetensors) opts="$opts -max_len=65536" ;;
	*) opts="$opts -max_len=1048576" ;;
	esac
	dict="$top/tests/fuzz/$t.dict"
	[ -f "$dict" ] && opts="$opts -dict=$dict"
	rm -f "$work/fuzz-$t.status"
	if (cd "$work" && ./fuzz-$t $opts ${IRX_FUZZ_ARGS:-} -artifact_prefix="$work/fuzz-$t-" \
		"corpus-$t" "seeds-$t" >"fuzz-$t.log" 2>&1); then
		echo ok >"$work/fuzz-$t.status"
	else
		echo fail >"$work/fuzz-$t.status"
	fi
}

report() {
	t=$1
	log="$work/fuzz-$t.log"
	runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
	if [ "$(cat "$work/fuzz-$t.status" 2>/dev/null)" = ok ]; then
		echo "fuzz-$t: ${runs:-no runs}, ${cov:-no coverage}: nothing found"
		return 0
	fi
	echo "fuzz-$t found a problem: $log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -n 5
	return 1
}

bad=0
set -- $targets
while [ $# -gt 0 ]; do
	batch=""
	i=0
	while [ $# -gt 0 ] && [ "$i" -lt "$jobs" ]; do
		batch="$batch $1"
		run_one "$1" &
		shift
		i=$((i + 1))
	done
	wait
	for t in $batch; do
		report "$t" || bad=1
	done
done
exit $bad
