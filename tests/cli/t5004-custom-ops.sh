#!/bin/sh
# Custom operators (tests/fixtures/ops214, torch 2.14): a model library's
# own operator that irx runs built in (transformers::grouped_mm_fallback,
# the mixture-of-experts path of mixtral and qwen3_moe), and a user's
# operator (irxdemo::clamp_scale, torch.library.custom_op in
# tests/fixtures/gen_ops.py) whose schema comes from --schemas and whose
# decomposition from a plugin (examples/plugin-clamp-scale.c, --plugin),
# each held against torch's outputs; plugins that cannot load.
. "$IRX_SRCDIR/tests/cli/lib.sh"
. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

OPS="$FIXTURES/ops214"
PLUGIN="$IRX_BUILDDIR/examples/.libs/plugin-clamp-scale.so"
verify() { # NAME IR [OPTIONS...]
	v_name=$1 v_ir=$2
	shift 2
	"$VERIFY" "$v_ir" -w "$OPS/$v_name.state_dict.pt" -i "$OPS/$v_name.inputs.pt" \
		--expected "$OPS/$v_name.expected.pt" "$@"
}

# ---- transformers::grouped_mm_fallback ----
"$BIN/irx-export" "$OPS/grouped_mm.pt2" >"$TMP/gmm.json" || bail_out "irx-export grouped_mm.pt2"
"$BIN/irx-convert" -o "$TMP/gmm.ir.json" "$TMP/gmm.json" 2>/dev/null || bail_out "irx-convert grouped_mm"
test_expect "grouped_mm_fallback matches torch (an empty expert, a row past the last)" '
	expect_rc 0 verify grouped_mm "$TMP/gmm.ir.json" || fail "$(cat "$TMP/out")"'
test_expect "grouped_mm_fallback with --decompose: the same" '
	expect_rc 0 verify grouped_mm "$TMP/gmm.ir.json" --decompose'
# offs from the inputs: hostile values are refused, not read past the rows
for offs in "0 5 3 8" "2 2 5 9" "-1 2 5 7"; do
	"$PYTHON3" - "$TMP/offs.safetensors" $offs <<'PY' || bail_out "cannot write offs"
import json, struct, sys
offs = [int(v) for v in sys.argv[2:]]
h = {"x": {"dtype": "F32", "shape": [8, 6], "data_offsets": [0, 192]},
     "offs": {"dtype": "I64", "shape": [4], "data_offsets": [192, 224]}}
hb = json.dumps(h).encode()
hb += b" " * (-len(hb) % 8)
data = struct.pack("<48f", *[0.25] * 48) + struct.pack("<4q", *offs)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(hb)) + hb + data)
PY
	test_expect "offs $offs (falling, past the rows, negative): exit 2, one line, no output" '
		expect_rc 2 "$EXEC" "$TMP/gmm.ir.json" -w "$OPS/grouped_mm.state_dict.pt" \
			-i "$TMP/offs.safetensors" -o "$TMP/o.pt" &&
		expect_one_line_naming "offs must rise" && [ ! -e "$TMP/o.pt" ]'
done

# ---- a user's custom operator: --schemas and --plugin ----
"$BIN/irx-export" "$OPS/clamp_scale.pt2" >"$TMP/cs.json" || bail_out "irx-export clamp_scale.pt2"
test_expect "irx-convert --schemas: the custom operator gets torch's schema" - <<'EOT'
expect_rc 0 "$BIN/irx-convert" --schemas "$OPS/irxdemo.schemas" -o "$TMP/cs.ir.json" "$TMP/cs.json" &&
! grep -q "no schema" "$TMP/err" &&
"$PYTHON3" - "$TMP/cs.ir.json" <<'PY'
import json, sys
n = [n for n in json.load(open(sys.argv[1]))["nodes"] if n["op_type"] == "irxdemo.clamp_scale.default"][0]
assert n["schema"] == "user", n
assert n["attrs"] == {"limit": 0.5}, n
assert [i["arg"] for i in n["inputs"]] == ["x", "scale"], n
PY
EOT
test_expect "without the plugin: refused before running, naming the operator" '
	expect_rc 2 verify clamp_scale "$TMP/cs.ir.json" &&
	expect_one_line_naming "irxdemo.clamp_scale.default (node clamp_scale)"'
if [ -f "$PLUGIN" ]; then
	test_expect "irx-verify --plugin: matches torch" '
		expect_rc 0 verify clamp_scale "$TMP/cs.ir.json" --plugin="$PLUGIN" || fail "$(cat "$TMP/out")"'
	test_expect "irx-exec --plugin: writes the outputs" '
		expect_rc 0 "$EXEC" --plugin="$PLUGIN" "$TMP/cs.ir.json" -w "$OPS/clamp_scale.state_dict.pt" \
			-i "$OPS/clamp_scale.inputs.pt" -o "$TMP/cs.out.pt" &&
		expect_rc 0 "$VERIFY" "$TMP/cs.ir.json" --plugin="$PLUGIN" -w "$OPS/clamp_scale.state_dict.pt" \
			-i "$OPS/clamp_scale.inputs.pt" --expected "$TMP/cs.out.pt" --rtol 0 --atol 0'
	test_expect "--plugin is repeatable (the same plugin twice)" '
		expect_rc 0 verify clamp_scale "$TMP/cs.ir.json" --plugin="$PLUGIN" --plugin="$PLUGIN"'
	test_expect "the plugin is not a mock: limit changed in the IR, torch disagrees" - <<'EOT'
sed 's/"limit": 0.5/"limit": 0.25/' "$TMP/cs.ir.json" >"$TMP/cs2.ir.json" &&
expect_rc 1 verify clamp_scale "$TMP/cs2.ir.json" --plugin="$PLUGIN"
EOT
else
	test_skip "irx-verify --plugin" "no $PLUGIN (built by make check)"
fi
test_expect "a plugin that is not there: one line, exit 2" '
	expect_rc 2 verify clamp_scale "$TMP/cs.ir.json" --plugin="$TMP/missing.so" &&
	expect_one_line_naming "missing.so" "cannot load plugin"'
test_expect "a file that is not a shared library: one line, exit 2" '
	expect_rc 2 "$EXEC" --plugin="$OPS/irxdemo.schemas" "$TMP/cs.ir.json" -w "$OPS/clamp_scale.state_dict.pt" \
		--random-inputs -o "$TMP/o.pt" &&
	expect_one_line_naming "irxdemo.schemas" "cannot load plugin" && [ ! -e "$TMP/o.pt" ]'
lib=$(ls "$IRX_BUILDDIR"/src/lib/.libs/libirx.so 2>/dev/null | head -1)
if [ -n "$lib" ]; then
	test_expect "a library without irx_plugin_init: one line, exit 2" '
		expect_rc 2 verify clamp_scale "$TMP/cs.ir.json" --plugin="$lib" &&
		expect_one_line_naming "libirx.so" "not an irx plugin: it defines no irx_plugin_init()"'
fi
test_expect "a plugin name without a slash is not searched for" '
	expect_rc 2 verify clamp_scale "$TMP/cs.ir.json" --plugin=plugin-clamp-scale.so &&
	expect_one_line_naming "plugin-clamp-scale.so" "give a path with a slash"'
test_done
