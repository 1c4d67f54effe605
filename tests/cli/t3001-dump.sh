#!/bin/sh
# irx-dump shows IRs, programs and archives, as text and JSON.
. "$IRX_SRCDIR/tests/cli/lib.sh"

a="$FIXTURES/t214/skip.pt2"
"$BIN/irx-export" "$a" >"$TMP/p.json"
"$BIN/irx-convert" "$TMP/p.json" >"$TMP/ir.json"

expect_rc 0 "$BIN/irx-dump" "$TMP/ir.json" && grep -q "aten.conv2d.default" "$TMP/out" &&
	grep -q "float32\[1, 8, 6, 6\]" "$TMP/out" && grep -q '"dilation": \[1, 1\]' "$TMP/out" &&
	pass "IR as a table" || fail "IR text: $(head -5 "$TMP/out")"
expect_rc 0 "$BIN/irx-dump" --format=json "$TMP/ir.json" &&
	"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="ir" and d["nodes"] and d["operators"]["aten.conv2d.default"]==2, d["operators"]' "$TMP/out" &&
	pass "IR as JSON" || fail "IR json"
expect_rc 0 "$BIN/irx-dump" "$TMP/p.json" && grep -q "schema 8.20" "$TMP/out" && pass "program summary" ||
	fail "program text"
expect_rc 0 "$BIN/irx-dump" "$a" && grep -q "skip/models/model.json" "$TMP/out" && grep -q "program:" "$TMP/out" &&
	pass "archive summary" || fail "archive text"
expect_rc 0 "$BIN/irx-dump" --format=json - <"$a" &&
	"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="archive" and d["layout"]=="pt2" and d["program"]["n_nodes"]>0' "$TMP/out" &&
	pass "archive JSON from stdin" || fail "archive json"
expect_rc 0 "$BIN/irx-dump" "$FIXTURES/t214/mlp_real.pt2" && grep -q "mlp_real/data/weights/weight_0" "$TMP/out" &&
	pass "weights listed" || fail "weights"
expect_rc 0 "$BIN/irx-dump" --check "$TMP/ir.json" && pass "--check on a good IR"
"$PYTHON3" - "$TMP/ir.json" "$TMP/bad.json" <<'PY'
import json, sys
ir = json.load(open(sys.argv[1]))
ir["nodes"][1]["inputs"][0]["name"] = "ghost"
json.dump(ir, open(sys.argv[2], "w"))
PY
expect_rc 1 "$BIN/irx-dump" --check "$TMP/bad.json" && grep -q "ghost" "$TMP/out" &&
	pass "--check lists problems and exits 1" || fail "--check bad: $(cat "$TMP/out")"
expect_rc 2 "$BIN/irx-dump" --check "$TMP/p.json" && expect_one_line_naming "p.json" && pass "--check on a program"
expect_rc 2 "$BIN/irx-dump" --check "$a" && pass "--check on an archive"
finish
