#!/bin/sh
# Every tool: --help and --version on stdout with empty stderr, usage
# errors exit 64, the man page names every long option of --help.
. "$IRX_SRCDIR/tests/cli/lib.sh"

for tool in irx-export irx-convert irx-dump; do
	expect_rc 0 "$BIN/$tool" --help || continue
	[ -s "$TMP/out" ] || fail "$tool --help printed nothing"
	[ -s "$TMP/err" ] && fail "$tool --help wrote to stderr"
	grep -q "Exit status: 0 success, 1 negative answer, 2 error" "$TMP/out" ||
		fail "$tool --help does not state the exit statuses"
	for opt in $(grep -o -- '--[a-z][a-z-]*' "$TMP/out" | sort -u); do
		grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$IRX_SRCDIR/man/$tool.1" ||
			grep -qF -- "$opt" "$IRX_SRCDIR/man/$tool.1" ||
			fail "man/$tool.1 does not document $opt"
	done
	expect_rc 0 "$BIN/$tool" --version && grep -q "^$tool (irx) " "$TMP/out" ||
		fail "$tool --version"
	grep -q "libtorch: not linked" "$TMP/out" || fail "$tool --version does not say libtorch is not linked"
	expect_rc 64 "$BIN/$tool" --no-such-option
	pass "$tool basics"
done
expect_rc 64 "$BIN/irx-export" && pass "irx-export without an archive is a usage error"
expect_rc 64 "$BIN/irx-export" a.pt2 b.pt2 && pass "irx-export with two archives is a usage error"
expect_rc 64 "$BIN/irx-dump" --format=xml x && pass "irx-dump --format=xml is a usage error"
expect_rc 64 "$BIN/irx-convert" a b && pass "irx-convert with two inputs is a usage error"
finish
