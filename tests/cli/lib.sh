# lib.sh: shared helpers for the CLI tests (sourced, POSIX sh).
#
# Every test script writes TAP (read by build-aux/tap-driver.sh): each check
# is one test_expect (or test_skip) and prints "ok N - NAME" or
# "not ok N - NAME" followed by what the check printed, as "#" comments;
# test_done prints the plan "1..N" and exits 1 when a check failed.  A
# script that cannot run at all calls test_skip_all before its first check
# ("1..0 # SKIP reason").  See tests/README.md.
#
# IRX_BUILDDIR and IRX_SRCDIR come from AM_TESTS_ENVIRONMENT; both default
# to the current directory.
set -eu

: "${IRX_BUILDDIR:=$(pwd)}"
: "${IRX_SRCDIR:=$IRX_BUILDDIR}"
BIN="$IRX_BUILDDIR/src/tools"
FIXTURES="$IRX_SRCDIR/tests/fixtures"
BAD="$IRX_SRCDIR/tests/bad/files"
# Third-party archives: IRX_CORPUS, else ../shared/corpus beside the
# checkout; tests skip when there is none.
CORPUS="${IRX_CORPUS:-$IRX_SRCDIR/../shared/corpus}"
PYTHON3="${PYTHON3:-python3}"
# irx-exec's warning about the reference BLAS would add a line to every
# message a test counts, on machines without OpenBLAS (the sid chroot);
# t5007 tests the warning itself.
export IRX_BLAS_WARNING=0

# The chroots of maint/mkchroot.sh: IRX_CHROOT_TRIXIE / IRX_CHROOT_SID, else
# the defaults maint/chroot-lib.sh gives them (read from there, so that they
# are written in one place).
chroot_default() { # VAR
	sed -n "s/.*dir=\${$1:-\([^}]*\)}.*/\1/p" "$IRX_SRCDIR/maint/chroot-lib.sh" 2>/dev/null | head -1
}
CHROOT_TRIXIE="${IRX_CHROOT_TRIXIE:-$(chroot_default IRX_CHROOT_TRIXIE)}"
CHROOT_SID="${IRX_CHROOT_SID:-$(chroot_default IRX_CHROOT_SID)}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/irx-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- TAP -------------------------------------------------------------------
test_count=0
test_failures=0

# The name as a TAP description: one line, no "#" (that starts a directive).
tap_name_() { printf '%s' "$1" | tr '\n#' ' _'; }

# The block in the current shell (its assignments stay), errexit off (an
# "if" condition), stdin from /dev/null (a block in a "while read" loop must
# not eat the loop's input), ARGS as "$@".
test_eval_() {
	te_b_=$1
	shift
	eval "$te_b_"
}

# test_expect NAME 'COMMANDS' [ARGS...] |
# test_expect NAME - [ARGS...] <<'EOT' ... EOT:
# one TAP result, "ok" exactly when COMMANDS exit 0.  Chain the commands
# with && (only the last status counts otherwise).  In COMMANDS, "$@" are
# the ARGS.  What they print is shown, as comments, when the check fails.
test_expect() {
	te_name=$1
	te_body=$2
	shift 2
	[ "$te_body" != - ] || te_body=$(cat)
	test_count=$((test_count + 1))
	te_n=$test_count
	if test_eval_ "$te_body" "$@" >"$TMP/te.log" 2>&1 </dev/null; then
		echo "ok $te_n - $(tap_name_ "$te_name")"
	else
		te_rc=$?
		test_failures=$((test_failures + 1))
		echo "not ok $te_n - $(tap_name_ "$te_name")"
		echo "#	exit status $te_rc of:"
		printf '%s\n' "$te_body" | sed 's/^/#	| /'
		head -c 4000 "$TMP/te.log" | sed 's/^/#	/'
	fi
}

# test_skip NAME REASON: a check whose prerequisite is missing here.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $(tap_name_ "$1") # SKIP $(tap_name_ "$2")"
}

# note TEXT: a comment in the TAP stream.
note() { echo "# $(printf '%s' "$*" | tr '\n' ' ')"; }

# test_done: the plan; exit 1 when a check failed.
test_done() {
	echo "1..$test_count"
	[ "$test_failures" -eq 0 ] || exit 1
	exit 0
}

# test_skip_all REASON: nothing here can run; before the first check this
# is the plan of a skipped script, after it the rest is left out.
test_skip_all() {
	if [ "$test_count" -eq 0 ]; then
		echo "1..0 # SKIP $(tap_name_ "$*")"
		exit 0
	fi
	note "the rest is skipped: $*"
	test_done
}

# bail_out TEXT: the setup every check needs failed; the script stops.
bail_out() {
	echo "Bail out! $(printf '%s' "$*" | tr '\n' ' ' | head -c 400)"
	exit 1
}

# ---- checks (use them inside test_expect) ----------------------------------
# fail TEXT: print why and fail (the end of a "... || fail TEXT" chain).
fail() { printf '%s\n' "$*"; return 1; }

# expect_rc N CMD...: run CMD, stdout to $TMP/out, stderr to $TMP/err; its
# status in $got; false unless it is N.
expect_rc() {
	er_want=$1; shift
	got=0
	"$@" >"$TMP/out" 2>"$TMP/err" || got=$?
	if [ "$got" -ne "$er_want" ]; then
		fail "$* exited $got, expected $er_want; stderr: $(head -c 400 "$TMP/err")"
		return 1
	fi
	return 0
}

# expect_one_line_naming TEXT...: $TMP/err is one line holding every TEXT.
expect_one_line_naming() {
	eol_lines=$(wc -l <"$TMP/err")
	if [ "$eol_lines" -ne 1 ]; then
		fail "expected one line on stderr, got $eol_lines: $(head -c 400 "$TMP/err")"
		return 1
	fi
	for eol_w in "$@"; do
		grep -qF -- "$eol_w" "$TMP/err" || { fail "stderr does not name '$eol_w': $(cat "$TMP/err")"; return 1; }
	done
	return 0
}

# expect_error TEXT... -- CMD...: CMD exits 2 with one line on stderr
# holding every TEXT (the first one names the file) and no crash report.
expect_error() {
	ee_words=
	while [ "$1" != -- ]; do
		ee_words="$ee_words
$1"
		shift
	done
	shift
	expect_rc 2 "$@" || return 1
	if grep -qE 'Segmentation|Aborted|terminate called|Sanitizer|runtime error:' "$TMP/err"; then
		fail "crashed: $(cat "$TMP/err")"
		return 1
	fi
	ee_old_ifs=$IFS
	IFS='
'
	# shellcheck disable=SC2086 # one word a line
	set -f
	expect_one_line_naming $ee_words
	ee_rc=$?
	set +f
	IFS=$ee_old_ifs
	return $ee_rc
}

# ---- bad input (t9001, t9002) ------------------------------------------------
# A table of cases: run_limited runs a tool as an untrusted input would be,
# check_run judges the run, no_output sees that a failing -o left nothing.
#   IRX_TEST_WRAPPER, when set, is put in front of every tool command (e.g.
#   "$IRX_BUILDDIR/libtool --mode=execute valgrind -q --error-exitcode=99");
#   the address-space limit is then left off.
#   RUN_CWD, when set, is the directory the tool runs in (it must stay empty).
#   EXIT1_STREAM: where an exit-1 case lists its MENTIONS: out (irx-dump
#   --check of an IR) or err (one line naming the file, as exit 2).
WRAP=${IRX_TEST_WRAPPER:-}
SANITIZED=
grep -q 'fsanitize=address' "$IRX_BUILDDIR/Makefile" 2>/dev/null && SANITIZED=1
RUN_CWD=
EXIT1_STREAM=out
MARKER=IRX-PWNED

# run_limited CMD...: under the memory limit, stdout to $TMP/out, stderr to
# $TMP/err, status in $got.
run_limited() {
	got=0
	if [ -n "$WRAP" ]; then
		# shellcheck disable=SC2086
		(cd "${RUN_CWD:-.}" && exec $WRAP "$@") >"$TMP/out" 2>"$TMP/err" || got=$?
	elif [ -n "$SANITIZED" ]; then
		# AddressSanitizer reserves terabytes of shadow address space: no
		# ulimit -v for it (its own allocator limits catch huge requests).
		(cd "${RUN_CWD:-.}" && exec "$@") >"$TMP/out" 2>"$TMP/err" || got=$?
	else
		(cd "${RUN_CWD:-.}" && ulimit -v 4000000 && exec "$@") >"$TMP/out" 2>"$TMP/err" || got=$?
	fi
}

# check_run WANT FILE MENTIONS: judge the last run_limited.  Exit WANT, no
# sanitizer report; exit 2 (and 1 with EXIT1_STREAM=err): one line on
# stderr naming FILE; exit 0: nothing on stderr; every MENTION
# (comma-separated) in the error line, or on stdout for EXIT1_STREAM=out.
check_run() {
	c_want=$1 c_file=$2 c_mentions=$3
	c_ok=0
	if [ "$got" -ne "$c_want" ]; then
		fail "exited $got, expected $c_want; stderr: $(head -c 400 "$TMP/err")"
		c_ok=1
	fi
	if grep -qE 'Sanitizer|runtime error:|^==[0-9]+==' "$TMP/err"; then
		fail "sanitizer/valgrind report: $(head -c 600 "$TMP/err")"
		c_ok=1
	fi
	if [ -n "$RUN_CWD" ]; then
		if [ -e "$RUN_CWD/$MARKER" ]; then
			fail "$MARKER appeared: something in the file ran"
			c_ok=1
		fi
		if [ -n "$(ls -A "$RUN_CWD")" ]; then
			fail "left files in its working directory: $(ls -A "$RUN_CWD")"
			c_ok=1
		fi
		rm -rf "$RUN_CWD" && mkdir "$RUN_CWD"
	fi
	c_where="$TMP/err"
	if [ "$c_want" -eq 2 ] || { [ "$c_want" -eq 1 ] && [ "$EXIT1_STREAM" = err ]; }; then
		expect_one_line_naming "$c_file" || c_ok=1
	elif [ "$c_want" -eq 1 ]; then
		c_where="$TMP/out"
		if [ "$(wc -l <"$TMP/err")" -gt 1 ]; then
			fail "more than one line on stderr: $(head -c 400 "$TMP/err")"
			c_ok=1
		fi
	elif [ -s "$TMP/err" ]; then
		fail "something on stderr: $(head -c 400 "$TMP/err")"
		c_ok=1
	fi
	c_old_ifs=$IFS
	IFS=,
	for c_m in $c_mentions; do
		if ! grep -qF -- "$c_m" "$c_where"; then
			fail "$(basename "$c_where") does not mention '$c_m': $(head -c 400 "$c_where")"
			c_ok=1
		fi
	done
	IFS=$c_old_ifs
	return $c_ok
}

# no_output DIR: a failing run with -o DIR/out.json left nothing in DIR.
no_output() {
	no_left=$(ls -A "$1")
	[ -z "$no_left" ] && return 0
	rm -rf "$1" && mkdir "$1"
	fail "left files beside the output: $no_left"
}

# file_state FILE: its bytes and metadata, to see that nothing touched it.
file_state() { cksum <"$1" && ls -l "$1"; }
