#!/bin/sh
# irx-export | irx-convert on every fixture, held against torch's own
# oracle (node targets, output shapes and dtypes, signature, state dict),
# and irx-dump --check finds nothing wrong with the result.
. "$IRX_SRCDIR/tests/cli/lib.sh"

for archive in "$FIXTURES"/t26/*.pt2 "$FIXTURES"/t214/*.pt2; do
	name=${archive#"$FIXTURES"/}
	test_expect "$name: converts, agrees with torch, --check finds nothing" '
		rm -f "$TMP/ir.json" &&
		"$BIN/irx-export" "$archive" >"$TMP/p.json" &&
		"$BIN/irx-convert" --allow-dynamic "$TMP/p.json" >"$TMP/ir.json" &&
		"$PYTHON3" "$IRX_SRCDIR/tests/cli/check-fixtures.py" "$TMP/ir.json" "${archive%.pt2}.oracle.json" &&
		expect_rc 0 "$BIN/irx-dump" --check "$TMP/ir.json"
	'
done

# Static programs convert without --allow-dynamic, and identically.
test_expect "byte-identical IR on two runs" '
	"$BIN/irx-export" "$FIXTURES/t214/llama.pt2" | "$BIN/irx-convert" >"$TMP/a.json" &&
	"$BIN/irx-export" "$FIXTURES/t214/llama.pt2" | "$BIN/irx-convert" >"$TMP/b.json" &&
	[ -s "$TMP/a.json" ] && cmp "$TMP/a.json" "$TMP/b.json"'
test_expect "a static IR has no symbols" '[ -s "$TMP/a.json" ] && ! grep -q "\"symbols\"" "$TMP/a.json"'
test_done
