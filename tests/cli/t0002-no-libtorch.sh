#!/bin/sh
# The tools that only read and convert never load libtorch.
. "$IRX_SRCDIR/tests/cli/lib.sh"
command -v ldd >/dev/null || test_skip_all "no ldd"
for tool in irx-export irx-convert irx-dump; do
	test_expect "$tool does not link libtorch" '
		"$IRX_BUILDDIR/libtool" --mode=execute ldd "$BIN/$tool" >"$TMP/ldd" 2>&1 &&
		{ grep -q libirx "$TMP/ldd" || fail "ldd shows no libirx (wrong binary?)"; } &&
		{ ! grep -Eq "libtorch|libc10" "$TMP/ldd" || fail "links $(grep -E "libtorch|libc10" "$TMP/ldd")"; }
	'
done
test_done
