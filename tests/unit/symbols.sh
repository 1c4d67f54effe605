#!/bin/sh
# symbols: each shared library exports exactly the IRX_API functions of its
# public headers: nothing exported that is not declared, nothing declared
# that is not exported.  libirx's are irx.h and every irx/*.h it includes;
# libirx-torch's are irx/exec.h and irx/torch.h, which irx.h must not
# include.
set -u
src=${IRX_SRCDIR:?} build=${IRX_BUILDDIR:?}
tmp=${TMPDIR:-/tmp}/irx-symbols.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp" || exit 99
command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
status=0

# The IRX_API functions declared in the headers given.
declared() {
	sed -e '/^[ 	]*#/d' "$@" | tr '\n' ' ' |
		sed 's|/\*[^*]*\*\+\([^/*][^*]*\*\+\)*/||g' |
		grep -o 'IRX_API [^;]*;' | sed 's/(.*//' | grep -o 'irx_[a-z0-9_]*$' | LC_ALL=C sort -u
}

# The functions and data a shared library defines and exports (no version
# nodes, no linker symbols).
exported() {
	nm -D --defined-only "$1" | awk 'NF == 3 && $2 != "A" { sub(/@.*/, "", $3); print $3 }' |
		LC_ALL=C sort -u
}

# check LIB HEADER...: LIB's exports against the headers' declarations.
check() {
	lib=$1; shift
	so=$(dirname "$lib")/.libs/$(basename "$lib" .la).so
	if [ ! -f "$so" ]; then
		echo "FAIL: $so is not built"; status=1; return
	fi
	declared "$@" > "$tmp/declared"
	exported "$so" > "$tmp/exported"
	if [ ! -s "$tmp/declared" ]; then
		echo "FAIL: no IRX_API declaration found in $*"; status=1; return
	fi
	extra=$(LC_ALL=C comm -13 "$tmp/declared" "$tmp/exported")
	missing=$(LC_ALL=C comm -23 "$tmp/declared" "$tmp/exported")
	if [ -n "$extra" ]; then
		echo "FAIL: $(basename "$so") exports what no public header declares:"
		echo "$extra" | sed 's/^/  /'
		status=1
	fi
	if [ -n "$missing" ]; then
		echo "FAIL: $(basename "$so") does not export what its headers declare:"
		echo "$missing" | sed 's/^/  /'
		status=1
	fi
	[ -z "$extra$missing" ] && echo "ok: $(basename "$so") exports the $(wc -l < "$tmp/declared") functions of its headers"
}

# irx.h's headers: what it includes, which must not be libirx-torch's.
inc=$src/include
libirx_headers="$inc/irx.h"
for h in $(sed -n 's|^#include "\(irx/[a-z0-9_]*\.h\)"$|\1|p' "$inc/irx.h"); do
	case $h in
	irx/exec.h|irx/torch.h) echo "FAIL: irx.h includes $h (libirx-torch's)"; status=1 ;;
	esac
	libirx_headers="$libirx_headers $inc/$h"
done
# Every installed header of libirx is reachable from irx.h.
for h in "$inc"/irx/*.h; do
	case $h in */exec.h|*/torch.h) continue ;; esac
	grep -q "^#include \"irx/$(basename "$h")\"$" "$inc/irx.h" ||
		{ echo "FAIL: irx.h does not include irx/$(basename "$h")"; status=1; }
done

check "$build/src/lib/libirx.la" $libirx_headers
if grep -q '^#define HAVE_LIBTORCH 1' "$build/config.h"; then
	check "$build/src/torch/libirx-torch.la" "$inc/irx/exec.h" "$inc/irx/torch.h"
else
	echo "ok: libirx-torch is not built (no libtorch)"
fi
exit $status
