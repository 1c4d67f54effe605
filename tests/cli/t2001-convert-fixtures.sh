#!/bin/sh
# irx-export | irx-convert on every fixture, held against torch's own
# oracle (node targets, output shapes and dtypes, signature, state dict),
# and irx-dump --check finds nothing wrong with the result.
. "$IRX_SRCDIR/tests/cli/lib.sh"

n=0
for archive in "$FIXTURES"/t26/*.pt2 "$FIXTURES"/t214/*.pt2; do
	name=${archive#"$FIXTURES"/}
	"$BIN/irx-export" "$archive" | "$BIN/irx-convert" --allow-dynamic >"$TMP/ir.json" ||
		{ fail "$name: pipeline failed"; continue; }
	"$PYTHON3" "$IRX_SRCDIR/tests/cli/check-fixtures.py" "$TMP/ir.json" "${archive%.pt2}.oracle.json" ||
		fail "$name: IR disagrees with torch"
	expect_rc 0 "$BIN/irx-dump" --check "$TMP/ir.json" || fail "$name: --check: $(cat "$TMP/out")"
	n=$((n + 1))
done
pass "$n archives converted and checked against torch"

# Static programs convert without --allow-dynamic, and identically.
"$BIN/irx-export" "$FIXTURES/t214/llama.pt2" | "$BIN/irx-convert" >"$TMP/a.json"
"$BIN/irx-export" "$FIXTURES/t214/llama.pt2" | "$BIN/irx-convert" >"$TMP/b.json"
cmp -s "$TMP/a.json" "$TMP/b.json" && pass "byte-identical IR on two runs" || fail "IR differs between runs"
grep -q '"symbols"' "$TMP/a.json" && fail "a static IR has symbols"
finish
