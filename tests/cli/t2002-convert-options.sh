#!/bin/sh
# irx-convert's options: --schemas for custom operators, --allow-dynamic,
# --name, -o, stdin; and the node that has no schema anywhere.
. "$IRX_SRCDIR/tests/cli/lib.sh"

# A custom operator: the relu of a real program renamed to mylib.myrelu
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" |
	sed 's/"target": "aten.relu.default"/"target": "mylib.myrelu.default"/' >"$TMP/custom.json"
expect_rc 0 "$BIN/irx-convert" "$TMP/custom.json"
grep -q "warning: .*no schema for mylib.myrelu.default" "$TMP/err" || fail "no warning for a schemaless op"
"$PYTHON3" - "$TMP/out" <<'PY' && pass "no schema: arguments as given, marked" || fail "schema none"
import json, sys
n = [n for n in json.load(open(sys.argv[1]))["nodes"] if n["op_type"] == "mylib.myrelu.default"][0]
assert n["schema"] == "none", n
assert n["attrs"] == {}, n
assert n["inputs"][0]["arg"] == "self", n
PY
cat >"$TMP/schemas.txt" <<'S'
# custom operators of this model
mylib::myrelu(Tensor self, float alpha=0.5, *, str mode="fast") -> Tensor
S
expect_rc 0 "$BIN/irx-convert" --schemas "$TMP/schemas.txt" "$TMP/custom.json"
"$PYTHON3" - "$TMP/out" <<'PY' && pass "--schemas fills a custom operator's defaults" || fail "--schemas"
import json, sys
n = [n for n in json.load(open(sys.argv[1]))["nodes"] if n["op_type"] == "mylib.myrelu.default"][0]
assert n["schema"] == "user", n
assert n["attrs"] == {"alpha": 0.5, "mode": "fast"}, n
PY
echo 'mylib::broken(Tensor x' >"$TMP/bad-schemas.txt"
expect_rc 2 "$BIN/irx-convert" --schemas "$TMP/bad-schemas.txt" "$TMP/custom.json" &&
	expect_one_line_naming "bad-schemas.txt" && grep -q "line 1" "$TMP/err" && pass "a bad schema file names its line"
expect_rc 2 "$BIN/irx-convert" --schemas "$TMP/missing.txt" "$TMP/custom.json" &&
	expect_one_line_naming "missing.txt" && pass "a missing schema file"

# A schema that does not fit the archive (an argument it lacks) is not used.
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" |
	"$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); n=[n for n in d["graph"]["nodes"] if n["target"]=="aten.relu.default"][0]; n["inputs"][0]["name"]="input"; json.dump(d,sys.stdout)' >"$TMP/misfit.json"
expect_rc 0 "$BIN/irx-convert" "$TMP/misfit.json" &&
	grep -q "node 'relu': the schema of aten.relu.default does not fit the archive (it has no argument 'input')" "$TMP/err" &&
	"$PYTHON3" -c 'import json,sys; n=[n for n in json.load(open(sys.argv[1]))["nodes"] if n["name"]=="relu"][0]; assert n["schema"]=="none" and n["inputs"][0]["arg"]=="input", n' "$TMP/out" &&
	pass "a misfitting schema is set aside with a warning" || fail "misfit: $(cat "$TMP/err")"

# Dynamic shapes: refused by default, kept with --allow-dynamic
"$BIN/irx-export" "$FIXTURES/t214/dynamic.pt2" >"$TMP/dyn.json"
expect_rc 2 "$BIN/irx-convert" -o "$TMP/dyn.ir.json" "$TMP/dyn.json" &&
	grep -q "symbolic size 's77' (range 1..1024) first used by node 'sym_size_int_1'" "$TMP/err" &&
	pass "symbolic sizes refused with symbol, range, node"
[ -e "$TMP/dyn.ir.json" ] && fail "a failed conversion left its output"
expect_rc 0 "$BIN/irx-convert" --allow-dynamic -o "$TMP/dyn.ir.json" "$TMP/dyn.json" &&
	grep -q '"shape": \["s77", 4\]' "$TMP/dyn.ir.json" && grep -q '"symbols"' "$TMP/dyn.ir.json" &&
	pass "--allow-dynamic keeps symbols" || fail "--allow-dynamic"
grep -q '"2\*s77"' "$TMP/dyn.ir.json" || grep -q '"s77\*2"' "$TMP/dyn.ir.json" ||
	fail "compound symbolic sizes are readable expressions"

# --name, stdin, -o
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" --name net -o "$TMP/net.json" &&
	grep -q '"model_name": "net"' "$TMP/net.json" && pass "--name, stdin, -o" || fail "--name"
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" - | grep -q '"model_name": "mlp"' &&
	pass "model_name defaults to the archive's name" || fail "default model_name"
"$BIN/irx-export" --compact "$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" --compact | wc -l | grep -qx 1 ||
	fail "--compact"
finish
