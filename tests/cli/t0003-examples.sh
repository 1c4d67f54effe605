#!/bin/sh
# The C example in examples/ builds against libirx and works on the
# bundled archives.
. "$IRX_SRCDIR/tests/cli/lib.sh"
ex="$IRX_BUILDDIR/examples/list-ops"
[ -x "$ex" ] || skip "examples/list-ops not built"
expect_rc 0 "$IRX_BUILDDIR/libtool" --mode=execute "$ex" "$IRX_SRCDIR/examples/resnet18.pt2" &&
	grep -q "^resnet18: 69 nodes" "$TMP/out" && grep -Eq "^ +20  aten.conv2d.default" "$TMP/out" &&
	pass "list-ops on resnet18" || fail "list-ops: $(head -3 "$TMP/out")"
expect_rc 2 "$IRX_BUILDDIR/libtool" --mode=execute "$ex" "$IRX_SRCDIR/README.md" && pass "list-ops on a non-archive"
finish
