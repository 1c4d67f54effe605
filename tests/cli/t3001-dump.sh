#!/bin/sh
# irx-dump shows IRs, programs and archives, as text and JSON.
. "$IRX_SRCDIR/tests/cli/lib.sh"

a="$FIXTURES/t214/skip.pt2"
"$BIN/irx-export" "$a" >"$TMP/p.json" && "$BIN/irx-convert" "$TMP/p.json" >"$TMP/ir.json" ||
	bail_out "cannot export and convert $a"

test_expect "IR as a table" '
	expect_rc 0 "$BIN/irx-dump" "$TMP/ir.json" && grep -q "aten.conv2d.default" "$TMP/out" &&
	grep -q "float32\[1, 8, 6, 6\]" "$TMP/out" && grep -q "\"dilation\": \[1, 1\]" "$TMP/out" ||
	fail "IR text: $(head -5 "$TMP/out")"'
test_expect "IR as JSON" '
	expect_rc 0 "$BIN/irx-dump" --format=json "$TMP/ir.json" &&
	"$PYTHON3" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"kind\"]==\"ir\" and d[\"nodes\"] and d[\"operators\"][\"aten.conv2d.default\"]==2, d[\"operators\"]" "$TMP/out"'
test_expect "program summary" 'expect_rc 0 "$BIN/irx-dump" "$TMP/p.json" && grep -q "schema 8.20" "$TMP/out"'
test_expect "archive summary" '
	expect_rc 0 "$BIN/irx-dump" "$a" && grep -q "skip/models/model.json" "$TMP/out" && grep -q "program:" "$TMP/out"'
test_expect "archive JSON from stdin" '
	expect_rc 0 "$BIN/irx-dump" --format=json - <"$a" &&
	"$PYTHON3" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"kind\"]==\"archive\" and d[\"layout\"]==\"pt2\" and d[\"program\"][\"n_nodes\"]>0" "$TMP/out"'
test_expect "weights listed" '
	expect_rc 0 "$BIN/irx-dump" "$FIXTURES/t214/mlp_real.pt2" && grep -q "mlp_real/data/weights/weight_0" "$TMP/out"'
test_expect "--check on a good IR" 'expect_rc 0 "$BIN/irx-dump" --check "$TMP/ir.json"'
"$PYTHON3" - "$TMP/ir.json" "$TMP/bad.json" <<'PY' || bail_out "cannot edit the IR"
import json, sys
ir = json.load(open(sys.argv[1]))
ir["nodes"][1]["inputs"][0]["name"] = "ghost"
json.dump(ir, open(sys.argv[2], "w"))
PY
test_expect "--check lists problems and exits 1" '
	expect_rc 1 "$BIN/irx-dump" --check "$TMP/bad.json" && grep -q "ghost" "$TMP/out" ||
	fail "--check bad: $(cat "$TMP/out")"'
test_expect "--check on a program: exit 2, one line" '
	expect_rc 2 "$BIN/irx-dump" --check "$TMP/p.json" && expect_one_line_naming "p.json"'
test_expect "--check on an archive: exit 2, one line" '
	expect_rc 2 "$BIN/irx-dump" --check "$a" && expect_one_line_naming "$a"'
test_done
