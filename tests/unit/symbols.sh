#!/bin/sh
# symbols: each shared library exports exactly the IRX_API functions of its
# public headers: nothing exported that is not declared, nothing declared
# that is not exported.  libirx's are irx.h and every irx/*.h it includes;
# libirx-torch's are irx/exec.h, irx/torch.h and irx/torch-ts.h, which irx.h must not
# include.
set -u
src=${IRX_SRCDIR:?} build=${IRX_BUILDDIR:?}
tmp=${TMPDIR:-/tmp}/irx-symbols.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp" || exit 99
command -v nm >/dev/null 2>&1 || { echo "1..0 # SKIP no nm"; exit 0; }
status=0 n=0

# TAP: one result per check, details as comments.
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

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
		fail "$so is not built"; return
	fi
	declared "$@" > "$tmp/declared"
	exported "$so" > "$tmp/exported"
	if [ ! -s "$tmp/declared" ]; then
		fail "no IRX_API declaration found in $*"; return
	fi
	extra=$(LC_ALL=C comm -13 "$tmp/declared" "$tmp/exported")
	missing=$(LC_ALL=C comm -23 "$tmp/declared" "$tmp/exported")
	if [ -n "$extra" ]; then
		fail "$(basename "$so") exports what no public header declares"
		echo "$extra" | sed 's/^/#   /'
	fi
	if [ -n "$missing" ]; then
		fail "$(basename "$so") does not export what its headers declare"
		echo "$missing" | sed 's/^/#   /'
	fi
	[ -z "$extra$missing" ] && pass "$(basename "$so") exports the $(wc -l < "$tmp/declared") functions of its headers"
}

# irx.h's headers: what it includes, which must not be libirx-torch's.
inc=$src/include
libirx_headers="$inc/irx.h"
for h in $(sed -n 's|^#include "\(irx/[a-z0-9_]*\.h\)"$|\1|p' "$inc/irx.h"); do
	case $h in
	irx/exec.h|irx/torch.h|irx/torch-ts.h) fail "irx.h includes $h (libirx-torch's)" ;;
	esac
	# irx/version.h is generated in the build tree and declares no function.
	[ -f "$inc/$h" ] && libirx_headers="$libirx_headers $inc/$h"
done
# Every installed header of libirx is reachable from irx.h.
unreached=
for h in "$inc"/irx/*.h "$build"/include/irx/version.h; do
	case $h in */exec.h|*/torch.h|*/torch-ts.h) continue ;; esac
	grep -q "^#include \"irx/$(basename "$h")\"$" "$inc/irx.h" ||
		unreached="$unreached irx/$(basename "$h")"
done
if [ -z "$unreached" ]; then pass "irx.h includes every installed header of libirx"
else fail "irx.h does not include$unreached"; fi

check "$build/src/lib/libirx.la" $libirx_headers
if grep -q '^#define HAVE_LIBTORCH 1' "$build/config.h"; then
	check "$build/src/torch/libirx-torch.la" "$inc/irx/exec.h" "$inc/irx/torch.h" "$inc/irx/torch-ts.h"
else
	n=$((n + 1)); echo "ok $n # SKIP libirx-torch is not built (no libtorch)"
fi
echo "1..$n"
exit $status
