#!/bin/sh
# Every tool: --help and --version on stdout with empty stderr, usage
# errors exit 64, the man page names every long option of --help.
# --version names the linked libtorch: irx-exec and irx-verify link it
# when irx is configured with it, the other tools never do.
. "$IRX_SRCDIR/tests/cli/lib.sh"

have_libtorch=no
grep -q '^#define HAVE_LIBTORCH 1' "$IRX_BUILDDIR/config.h" 2>/dev/null && have_libtorch=yes

for tool in irx-export irx-convert irx-dump irx-exec irx-verify; do
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
	case $tool:$have_libtorch in
	irx-exec:yes | irx-verify:yes)
		grep -q "libtorch: [0-9]" "$TMP/out" || fail "$tool --version does not name libtorch's version" ;;
	*)
		grep -q "libtorch: not linked" "$TMP/out" || fail "$tool --version does not say libtorch is not linked" ;;
	esac
	case $tool:$have_libtorch in
	irx-exec:no | irx-verify:no) # any command line: "needs libtorch", exit 2
		expect_rc 2 "$BIN/$tool" --no-such-option ;;
	*)
		expect_rc 64 "$BIN/$tool" --no-such-option ;;
	esac
	pass "$tool basics"
done
expect_rc 64 "$BIN/irx-export" && pass "irx-export without an archive is a usage error"
expect_rc 64 "$BIN/irx-export" a.pt2 b.pt2 && pass "irx-export with two archives is a usage error"
expect_rc 64 "$BIN/irx-dump" --format=xml x && pass "irx-dump --format=xml is a usage error"
expect_rc 64 "$BIN/irx-convert" a b && pass "irx-convert with two inputs is a usage error"
if [ "$have_libtorch" = yes ]; then
	expect_rc 64 "$BIN/irx-exec" --random-inputs x.ir.json &&
		pass "irx-exec without --weights is a usage error"
	expect_rc 64 "$BIN/irx-exec" -w w.pt x.ir.json &&
		pass "irx-exec without --inputs or --random-inputs is a usage error"
	expect_rc 64 "$BIN/irx-exec" -w w.pt -i in.pt --random-inputs x.ir.json &&
		pass "irx-exec with --inputs and --random-inputs is a usage error"
	expect_rc 64 "$BIN/irx-exec" -w w.pt --random-inputs --threads=-1 x.ir.json &&
		pass "irx-exec --threads=-1 is a usage error"
	expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs x.ir.json &&
		pass "irx-verify without --expected or --reference is a usage error"
	expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --reference m.pt x.ir.json &&
		pass "irx-verify with --expected and --reference is a usage error"
	expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --trace d x.ir.json &&
		pass "irx-verify --trace without --per-node is a usage error"
	expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --rtol=-1 x.ir.json &&
		pass "irx-verify --rtol=-1 is a usage error"
	expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --report=xml x.ir.json &&
		pass "irx-verify --report=xml is a usage error"
else
	for tool in irx-exec irx-verify; do
		expect_rc 2 "$BIN/$tool" -w w.pt --random-inputs x.ir.json || continue
		if grep -q "without libtorch" "$TMP/err"; then
			pass "$tool without libtorch says it needs it"
		else
			fail "$tool without libtorch: $(cat "$TMP/err")"
		fi
	done
fi
finish
