#!/bin/sh
# irx-convert's options: --schemas for custom operators, --allow-dynamic,
# --name, -o, stdin; and the node that has no schema anywhere.
. "$IRX_SRCDIR/tests/cli/lib.sh"

# A custom operator: the relu of a real program renamed to mylib.myrelu
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" >"$TMP/mlp.json" || bail_out "irx-export mlp.pt2"
sed 's/"target": "aten.relu.default"/"target": "mylib.myrelu.default"/' "$TMP/mlp.json" >"$TMP/custom.json"
test_expect "no schema: a warning naming the operator" '
	expect_rc 0 "$BIN/irx-convert" "$TMP/custom.json" &&
	grep -q "warning: .*no schema for mylib.myrelu.default" "$TMP/err"'
test_expect "no schema: arguments as given, marked" - <<'EOT'
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
n = [n for n in json.load(open(sys.argv[1]))["nodes"] if n["op_type"] == "mylib.myrelu.default"][0]
assert n["schema"] == "none", n
assert n["attrs"] == {}, n
assert n["inputs"][0]["arg"] == "self", n
PY
EOT
cat >"$TMP/schemas.txt" <<'S'
# custom operators of this model
mylib::myrelu(Tensor self, float alpha=0.5, *, str mode="fast") -> Tensor
S
test_expect "--schemas fills a custom operator's defaults" - <<'EOT'
expect_rc 0 "$BIN/irx-convert" --schemas "$TMP/schemas.txt" "$TMP/custom.json" &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
n = [n for n in json.load(open(sys.argv[1]))["nodes"] if n["op_type"] == "mylib.myrelu.default"][0]
assert n["schema"] == "user", n
assert n["attrs"] == {"alpha": 0.5, "mode": "fast"}, n
PY
EOT
echo 'mylib::broken(Tensor x' >"$TMP/bad-schemas.txt"
test_expect "a bad schema file names its line" '
	expect_rc 2 "$BIN/irx-convert" --schemas "$TMP/bad-schemas.txt" "$TMP/custom.json" &&
	expect_one_line_naming "bad-schemas.txt" "line 1"'
test_expect "a missing schema file" '
	expect_rc 2 "$BIN/irx-convert" --schemas "$TMP/missing.txt" "$TMP/custom.json" &&
	expect_one_line_naming "missing.txt"'

# A schema that does not fit the archive (an argument it lacks) is not used.
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); n=[n for n in d["graph"]["nodes"] if n["target"]=="aten.relu.default"][0]; n["inputs"][0]["name"]="input"; json.dump(d,sys.stdout)' \
	"$TMP/mlp.json" >"$TMP/misfit.json" || bail_out "cannot edit the program"
test_expect "a misfitting schema is set aside with a warning" - <<'EOT'
expect_rc 0 "$BIN/irx-convert" "$TMP/misfit.json" &&
grep -q "node 'relu': the schema of aten.relu.default does not fit the archive (it has no argument 'input')" "$TMP/err" &&
"$PYTHON3" -c 'import json,sys; n=[n for n in json.load(open(sys.argv[1]))["nodes"] if n["name"]=="relu"][0]; assert n["schema"]=="none" and n["inputs"][0]["arg"]=="input", n' "$TMP/out"
EOT

# Dynamic shapes: refused by default, kept with --allow-dynamic
"$BIN/irx-export" "$FIXTURES/t214/dynamic.pt2" >"$TMP/dyn.json" || bail_out "irx-export dynamic.pt2"
test_expect "symbolic sizes refused with symbol, range, node" '
	expect_rc 2 "$BIN/irx-convert" -o "$TMP/dyn.ir.json" "$TMP/dyn.json" &&
	expect_one_line_naming "dyn.json" "symbolic size '\''s77'\'' (range 1..1024) first used by node '\''sym_size_int_1'\''"'
test_expect "a failed conversion leaves no output" '[ ! -e "$TMP/dyn.ir.json" ]'
test_expect "--allow-dynamic keeps symbols" '
	expect_rc 0 "$BIN/irx-convert" --allow-dynamic -o "$TMP/dyn.ir.json" "$TMP/dyn.json" &&
	grep -q "\"shape\": \[\"s77\", 4\]" "$TMP/dyn.ir.json" && grep -q "\"symbols\"" "$TMP/dyn.ir.json"'
test_expect "compound symbolic sizes are readable expressions" '
	grep -q "\"2\*s77\"" "$TMP/dyn.ir.json" || grep -q "\"s77\*2\"" "$TMP/dyn.ir.json"'

# --name, stdin, -o
test_expect "--name, stdin, -o" '
	"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" --name net -o "$TMP/net.json" &&
	grep -q "\"model_name\": \"net\"" "$TMP/net.json"'
test_expect "model_name defaults to the archive's name" '
	"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" - >"$TMP/o.json" &&
	grep -q "\"model_name\": \"mlp\"" "$TMP/o.json"'
test_expect "--compact is one line" '
	"$BIN/irx-export" --compact "$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" --compact >"$TMP/c.json" &&
	[ "$(wc -l <"$TMP/c.json")" -eq 1 ] && grep -q "\"model_name\": *\"mlp\"" "$TMP/c.json"'
test_done
