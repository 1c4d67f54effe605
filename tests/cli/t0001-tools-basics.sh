#!/bin/sh
# Every tool: --help and --version on stdout with empty stderr, usage
# errors exit 64, the man page names every long option of --help.
# --version names the linked libtorch: irx-exec and irx-verify link it
# when irx is configured with it, the other tools never do.
. "$IRX_SRCDIR/tests/cli/lib.sh"

have_libtorch=no
grep -q '^#define HAVE_LIBTORCH 1' "$IRX_BUILDDIR/config.h" 2>/dev/null && have_libtorch=yes

for tool in irx-export irx-convert irx-dump irx-exec irx-verify; do
	test_expect "$tool --help: on stdout, nothing on stderr, states the exit statuses" '
		expect_rc 0 "$BIN/$tool" --help &&
		{ [ -s "$TMP/out" ] || fail "printed nothing"; } &&
		{ [ ! -s "$TMP/err" ] || fail "wrote to stderr: $(cat "$TMP/err")"; } &&
		grep -q "Exit status: 0 success, 1 negative answer, 2 error" "$TMP/out"
	'
	"$BIN/$tool" --help >"$TMP/help" 2>/dev/null || :
	for opt in $(grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u); do
		test_expect "man/$tool.1 documents $opt" '
			grep -q -- "$(echo "$opt" | sed "s/-/\\\\\\\\-/g")" "$IRX_SRCDIR/man/$tool.1" ||
			grep -qF -- "$opt" "$IRX_SRCDIR/man/$tool.1"
		'
	done
	rm -f "$TMP/help"
	case $tool:$have_libtorch in
	irx-exec:yes | irx-verify:yes) linked="libtorch: [0-9]" ;;
	*) linked="libtorch: not linked" ;;
	esac
	test_expect "$tool --version: name, version, '$linked'" '
		expect_rc 0 "$BIN/$tool" --version && grep -q "^$tool (irx) " "$TMP/out" &&
		grep -q "$linked" "$TMP/out"
	'
	case $tool:$have_libtorch in
	irx-exec:no | irx-verify:no) # any command line: "needs libtorch", exit 2
		test_expect "$tool --no-such-option without libtorch: exit 2" 'expect_rc 2 "$BIN/$tool" --no-such-option' ;;
	*)
		test_expect "$tool --no-such-option: usage error (64)" 'expect_rc 64 "$BIN/$tool" --no-such-option' ;;
	esac
done
test_expect "irx-export without an archive is a usage error" 'expect_rc 64 "$BIN/irx-export"'
test_expect "irx-export with two archives is a usage error" 'expect_rc 64 "$BIN/irx-export" a.pt2 b.pt2'
test_expect "irx-dump --format=xml is a usage error" 'expect_rc 64 "$BIN/irx-dump" --format=xml x'
test_expect "irx-convert with two inputs is a usage error" 'expect_rc 64 "$BIN/irx-convert" a b'
if [ "$have_libtorch" = yes ]; then
	test_expect "irx-exec without --weights is a usage error" '
		expect_rc 64 "$BIN/irx-exec" --random-inputs x.ir.json'
	test_expect "irx-exec without --inputs or --random-inputs is a usage error" '
		expect_rc 64 "$BIN/irx-exec" -w w.pt x.ir.json'
	test_expect "irx-exec with --inputs and --random-inputs is a usage error" '
		expect_rc 64 "$BIN/irx-exec" -w w.pt -i in.pt --random-inputs x.ir.json'
	test_expect "irx-exec --threads=-1 is a usage error" '
		expect_rc 64 "$BIN/irx-exec" -w w.pt --random-inputs --threads=-1 x.ir.json'
	test_expect "irx-verify without --expected or --reference is a usage error" '
		expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs x.ir.json'
	test_expect "irx-verify with --expected and --reference is a usage error" '
		expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --reference m.pt x.ir.json'
	test_expect "irx-verify --trace without --per-node is a usage error" '
		expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --trace d x.ir.json'
	test_expect "irx-verify --rtol=-1 is a usage error" '
		expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --rtol=-1 x.ir.json'
	test_expect "irx-verify --report=xml is a usage error" '
		expect_rc 64 "$BIN/irx-verify" -w w.pt --random-inputs --expected e.pt --report=xml x.ir.json'
else
	for tool in irx-exec irx-verify; do
		test_expect "$tool without libtorch says it needs it" '
			expect_rc 2 "$BIN/$tool" -w w.pt --random-inputs x.ir.json &&
			grep -q "without libtorch" "$TMP/err"'
	done
fi
test_done
