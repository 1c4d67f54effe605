#!/bin/sh
# The C example in examples/ builds against libirx and works on the
# bundled archives.
. "$IRX_SRCDIR/tests/cli/lib.sh"
ex="$IRX_BUILDDIR/examples/list-ops"
[ -x "$ex" ] || test_skip_all "examples/list-ops not built"
test_expect "list-ops on resnet18" '
	expect_rc 0 "$IRX_BUILDDIR/libtool" --mode=execute "$ex" "$IRX_SRCDIR/examples/resnet18.pt2" &&
	grep -q "^resnet18: 69 nodes" "$TMP/out" && grep -Eq "^ +20  aten.conv2d.default" "$TMP/out" ||
	fail "list-ops: $(head -3 "$TMP/out")"
'
test_expect "list-ops on a non-archive exits 2" '
	expect_rc 2 "$IRX_BUILDDIR/libtool" --mode=execute "$ex" "$IRX_SRCDIR/README.md"'
test_done
