#!/bin/sh
# Nodes that no libtorch runs are found at conversion, not at verification:
# torch.vmap in forward leaves torch._functorch.predispatch calls in a
# pre-dispatch export (tests/fixtures/ops214/vmap.pt2, torch 2.14; Falcon's
# and Mamba's create_causal_mask do the same). irx-convert warns once with
# the fix (capture with --decompose), irx-dump --check lists each node as a
# warning and still exits 0, and the same model captured with --decompose
# (vmap_decomposed.pt2) converts without the warning and matches torch.
. "$IRX_SRCDIR/tests/cli/lib.sh"

OPS="$FIXTURES/ops214"
"$BIN/irx-export" "$OPS/vmap.pt2" >"$TMP/vmap.json" || bail_out "irx-export vmap.pt2"
"$BIN/irx-export" "$OPS/vmap_decomposed.pt2" >"$TMP/dec.json" || bail_out "irx-export vmap_decomposed.pt2"

test_expect "pre-dispatch vmap: irx-convert succeeds with a warning" '
	expect_rc 0 "$BIN/irx-convert" -o "$TMP/vmap.ir.json" "$TMP/vmap.json" &&
	grep -q "^irx-convert: warning: .*torch._functorch.predispatch.lazy_load_decompositions is torch.vmap" "$TMP/err"'
test_expect "the warning gives the fix: capture with --decompose" '
	grep -q "capture with --decompose (irx-capture --decompose, or ExportedProgram.run_decompositions())" "$TMP/err"'
test_expect "one warning for the five calls of the module" '
	[ "$(grep -c "predispatch" "$TMP/err")" = 1 ] || fail "$(cat "$TMP/err")"'
test_expect "irx-dump --check: each node a warning, exit status 0" '
	expect_rc 0 "$BIN/irx-dump" --check "$TMP/vmap.ir.json" &&
	[ "$(grep -c ": /nodes/[0-9]*: warning: node .*torch._functorch.predispatch" "$TMP/out")" = 5 ] &&
	grep -q "_add_batch_dim" "$TMP/out" && grep -q "_vmap_decrement_nesting" "$TMP/out" &&
	expect_one_line_naming "vmap.ir.json" "5 nodes that no libtorch runs"'
test_expect "irx-dump --check: warnings do not hide problems (exit 1)" - <<'EOT'
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["nodes"][3]["inputs"][0]["name"]="nowhere"; json.dump(d,open(sys.argv[2],"w"))' \
	"$TMP/vmap.ir.json" "$TMP/broken.ir.json" &&
expect_rc 1 "$BIN/irx-dump" --check "$TMP/broken.ir.json" &&
grep -q "nowhere" "$TMP/out" && grep -q "warning: node" "$TMP/out"
EOT
test_expect "captured with --decompose: no warning" '
	expect_rc 0 "$BIN/irx-convert" -o "$TMP/dec.ir.json" "$TMP/dec.json" &&
	! grep -q "warning" "$TMP/err" &&
	expect_rc 0 "$BIN/irx-dump" --check "$TMP/dec.ir.json" && [ ! -s "$TMP/out" ] && [ ! -s "$TMP/err" ]'
test_expect "a plain model: no such warning" '
	"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" >"$TMP/mlp.json" &&
	expect_rc 0 "$BIN/irx-convert" -o "$TMP/mlp.ir.json" "$TMP/mlp.json" && ! grep -q "no libtorch runs" "$TMP/err" &&
	expect_rc 0 "$BIN/irx-dump" --check "$TMP/mlp.ir.json" && [ ! -s "$TMP/out" ]'

"$BIN/irx-exec" --version >"$TMP/v" 2>&1 || :
if grep -q "libtorch: [0-9]" "$TMP/v"; then
	test_expect "irx-verify refuses the vmap nodes before running, naming them" '
		expect_rc 2 "$BIN/irx-verify" "$TMP/vmap.ir.json" -w "$OPS/vmap.state_dict.pt" \
			-i "$OPS/vmap.inputs.pt" --expected "$OPS/vmap.expected.pt" &&
		grep -q "torch._functorch.predispatch._add_batch_dim" "$TMP/err"'
	test_expect "the fix works: the decomposed capture matches torch" '
		expect_rc 0 "$BIN/irx-verify" "$TMP/dec.ir.json" -w "$OPS/vmap_decomposed.state_dict.pt" \
			-i "$OPS/vmap_decomposed.inputs.pt" --expected "$OPS/vmap_decomposed.expected.pt" ||
		fail "$(cat "$TMP/out")"'
else
	test_skip "irx-verify refuses the vmap nodes" "irx-exec is built without libtorch"
	test_skip "the decomposed capture matches torch" "irx-exec is built without libtorch"
fi
test_done
