#!/bin/sh
# Build the libFuzzer targets with clang (Debian: clang, libclang-rt-14-dev)
# against the library's sources, seed them from the fixtures, and run each
# for SECONDS (default 600):
#   tests/fuzz/run.sh [SECONDS] [json|program|archive ...]
# Crashes are left as crash-* files in the work folder it prints.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-json program archive}
work=${IRX_FUZZ_DIR:-/var/tmp/irx-fuzz}
mkdir -p "$work"
[ -f "$top/config.h" ] || { echo "configure the tree first (./configure)" >&2; exit 2; }
make -C "$top" src/lib/aten-schemas.inc >/dev/null
srcs=$(ls "$top"/src/lib/*.c)
for t in $targets; do
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I"$top" -I"$top/include" \
		-I"$top/src/lib" -o "$work/fuzz-$t" "$top/tests/fuzz/fuzz-$t.c" $srcs \
		-ljansson -lminizip -lz -lm
	seeds="$work/seeds-$t"
	mkdir -p "$seeds"
	for f in "$top"/tests/fixtures/t26/*.pt2 "$top"/tests/fixtures/t214/*.pt2; do
		case $t in
		archive) cp "$f" "$seeds/" ;;
		*) python3 - "$f" "$seeds/$(basename "$f").json" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
name = [n for n in z.namelist()
        if n.endswith(("serialized_exported_program.json", "models/model.json"))][0]
open(sys.argv[2], "wb").write(z.read(name))
PY
		;;
		esac
	done
	(cd "$work" && ./fuzz-$t -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=4096 \
		"$seeds" >"fuzz-$t.log" 2>&1) || { echo "fuzz-$t found a problem: $work/fuzz-$t.log"; exit 1; }
	echo "fuzz-$t: $(grep -o 'Done [0-9]* runs' "$work/fuzz-$t.log") in ${secs}s, nothing found"
done
