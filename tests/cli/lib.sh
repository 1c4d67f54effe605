# lib.sh: shared helpers for the CLI tests (sourced, POSIX sh + bash).
#
# Tests run from the build tree under automake's test-driver: exit 0 pass,
# 77 skip, anything else fail.  IRX_BUILDDIR and IRX_SRCDIR come from
# AM_TESTS_ENVIRONMENT; both default to the current directory.
set -eu

: "${IRX_BUILDDIR:=$(pwd)}"
: "${IRX_SRCDIR:=$IRX_BUILDDIR}"
BIN="$IRX_BUILDDIR/src/tools"
FIXTURES="$IRX_SRCDIR/tests/fixtures"
# Third-party archives: IRX_CORPUS, else ../shared/corpus beside the
# checkout, else where these machines keep it; tests skip when none exists.
CORPUS="${IRX_CORPUS:-$IRX_SRCDIR/../shared/corpus}"
[ -d "$CORPUS" ] || [ -n "${IRX_CORPUS:-}" ] || CORPUS=/work/shared/corpus
PYTHON3="${PYTHON3:-python3}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/irx-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

n_fail=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; n_fail=$((n_fail + 1)); }
pass() { echo "ok: $*"; }

# expect_rc N CMD...: run CMD, stdout to $TMP/out, stderr to $TMP/err.
expect_rc() {
	want=$1; shift
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		fail "$* exited $got, expected $want; stderr: $(head -c 400 "$TMP/err")"
		return 1
	fi
	return 0
}

# One line on stderr that mentions $1 (the file).
expect_one_line_naming() {
	lines=$(wc -l <"$TMP/err")
	if [ "$lines" -ne 1 ]; then
		fail "expected one line on stderr, got $lines: $(head -c 400 "$TMP/err")"
		return 1
	fi
	if ! grep -qF -- "$1" "$TMP/err"; then
		fail "stderr does not name '$1': $(cat "$TMP/err")"
		return 1
	fi
	return 0
}

finish() {
	if [ "$n_fail" -ne 0 ]; then
		echo "$n_fail failure(s)"
		exit 1
	fi
	exit 0
}
