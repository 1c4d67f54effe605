#!/bin/sh
# The tools that only read and convert never load libtorch.
. "$IRX_SRCDIR/tests/cli/lib.sh"
command -v ldd >/dev/null || skip "no ldd"
for tool in irx-export irx-convert irx-dump; do
	"$IRX_BUILDDIR/libtool" --mode=execute ldd "$BIN/$tool" >"$TMP/ldd" 2>&1 ||
		{ fail "ldd $tool"; continue; }
	grep -q libirx "$TMP/ldd" || fail "$tool: ldd shows no libirx (wrong binary?)"
	if grep -Eq 'libtorch|libc10' "$TMP/ldd"; then
		fail "$tool links libtorch: $(grep -E 'libtorch|libc10' "$TMP/ldd")"
	else
		pass "$tool does not link libtorch"
	fi
done
finish
