#!/bin/sh
# t5008-model-holes.sh: the last holes of issue 11, on programs torch 2.14
# exported (tests/fixtures/holes, written by tests/fixtures/gen_holes.py
# with torch's eager outputs as the oracle):
#   - histc on int64 and int32 tensors (MoE tokens per expert), which no
#     libtorch runs on the CPU: irx counts the values as float64, as torch's
#     CPU path does, and matches torch's counts (given range, the data's
#     range, values outside the range);
#   - sizes from data (.item(), .tolist()): the unbacked symbols u0, u1...
#     are bound from the values item reads, checked against their ranges,
#     and the slices and splits after them run, at two sets of values;
#   - in-place buffer updates that the export keeps as in-place nodes
#     (add_, mul_, copy_ in eval mode) are in the IR's mutations by
#     state_dict key, shown by irx-dump, and compared by irx-verify with
#     the buffers torch left;
#   - so are updates through the views of unbind, split and unfold, which
#     ATen's alias annotations name (Tensor(a) returns of Tensor(a) self);
#   - a capture with torch.export.Dim converts with --allow-dynamic and
#     verifies at the captured size and at another;
#   - what cannot run is refused before running with its fix: capture with
#     --decompose for torch.vmap's pre-dispatch calls (Mamba), --plugin for a
#     custom operator (tests/fixtures/ops214).
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

dir="$FIXTURES/holes"
[ -d "$dir" ] || test_skip_all "no $dir"

conv() { # NAME [convert options]: the IR of NAME into $TMP/NAME.ir.json
	c_name=$1
	shift
	"$BIN/irx-export" "$dir/$c_name.pt2" | "$BIN/irx-convert" "$@" >"$TMP/$c_name.ir.json"
}
# verify NAME [irx-verify options]: NAME's IR against torch's outputs
verify() {
	v_name=$1
	shift
	expect_rc 0 "$VERIFY" -w "$dir/$v_name.state_dict.pt" "$@" "$TMP/$v_name.ir.json"
}
# verify_mutated NAME N: NAME's outputs, and the N buffers it updates,
# against torch's
verify_mutated() {
	verify "$1" -i "$dir/$1.inputs.pt" --expected="$dir/$1.expected.pt" \
		--expected-mutated="$dir/$1.expected_mutated.pt" &&
		grep -q "$2 of $2 mutated buffers match" "$TMP/out" ||
		fail "$(cat "$TMP/out")"
}

# ---- histc on integers
test_expect "histc: converts" 'conv histc'
test_expect "histc: the program calls histc on int64 and int32 tensors" '
	"$BIN/irx-dump" --format=json "$TMP/histc.ir.json" >"$TMP/d.json" &&
	"$PYTHON3" - "$TMP/histc.ir.json" <<-PY
	import json, sys
	ir = json.load(open(sys.argv[1]))
	meta = {t["name"]: t["dtype"] for n in ir["nodes"] for t in n["outputs"] if "dtype" in t}
	meta.update({t["name"]: t["dtype"] for t in ir["graph_inputs"]})
	got = sorted(meta[n["inputs"][0]["name"]] for n in ir["nodes"] if n["op_type"] == "aten.histc.default")
	assert got == ["int32", "int64", "int64", "int64"], got
	PY'
test_expect "histc: the counts match torch's (given range, the data's range, values outside)" '
	verify histc -i "$dir/histc.inputs.pt" --expected="$dir/histc.expected.pt" &&
	grep -q "4 of 4 outputs match" "$TMP/out" ||
	fail "$(cat "$TMP/out")"'

# ---- sizes from data: unbacked symbols (n, the rows .item() keeps, is the
# second input: 3 in inputs.pt, made 9 below; its range is 0..7)
test_expect "item_sizes: converts, its unbacked symbols with their ranges" '
	conv item_sizes --allow-dynamic &&
	"$PYTHON3" - "$TMP/item_sizes.ir.json" <<-PY
	import json, sys
	s = json.load(open(sys.argv[1]))["symbols"]
	assert sorted(s) == ["u0", "u1", "u2", "u3", "u4"], s
	assert all(r == {"min": 0, "max": 7} for r in s.values()), s
	PY'
test_expect "item_sizes: .item() and .tolist() sizes bound from the data match torch" '
	verify item_sizes -i "$dir/item_sizes.inputs.pt" --expected="$dir/item_sizes.expected.pt" &&
	grep -q "2 of 2 outputs match" "$TMP/out" ||
	fail "$(cat "$TMP/out")"'
test_expect "item_sizes: other values, other sizes: match torch" '
	verify item_sizes -i "$dir/item_sizes.inputs2.pt" --expected="$dir/item_sizes.expected2.pt" &&
	grep -q "2 of 2 outputs match" "$TMP/out" ||
	fail "$(cat "$TMP/out")"'
test_expect "item_sizes: a value outside its symbol's range is exit 2, naming u0 and the range" '
	"$COPY" "$dir/item_sizes.inputs.pt" "$TMP/in.safetensors" &&
	"$PYTHON3" "$TMP/st.py" add "$TMP/in.safetensors" "$TMP/in9.safetensors" 1 0 6 &&
	"$PYTHON3" - "$TMP/in9.safetensors" <<-PY &&
	import json, struct, sys
	b = open(sys.argv[1], "rb").read()
	n = struct.unpack("<Q", b[:8])[0]
	h = json.loads(b[8:8 + n])
	h = {{"0": "x", "1": "n", "2": "counts"}.get(k, k): v for k, v in h.items()}
	hb = json.dumps(h).encode()
	hb += b" " * (-len(hb) % 8)
	open(sys.argv[1], "wb").write(struct.pack("<Q", len(hb)) + hb + b[8 + n:])
	PY
	expect_rc 2 "$EXEC" -w "$dir/item_sizes.state_dict.pt" -i "$TMP/in9.safetensors" \
		"$TMP/item_sizes.ir.json" &&
	expect_one_line_naming "item" "9" "u0" "0..7"'

# ---- in-place buffer updates
test_expect "buffer_inplace: the IR lists the in-place buffer updates by state_dict key" '
	conv buffer_inplace &&
	"$PYTHON3" -c "import json,sys; m=json.load(open(sys.argv[1]))[\"mutations\"]; print(\" \".join(sorted(x[\"target\"] for x in m if x[\"kind\"] == \"buffer_mutation\")))" \
		"$TMP/buffer_inplace.ir.json" >"$TMP/t" &&
	[ "$(cat "$TMP/t")" = "ema last steps" ] ||
	fail "$(cat "$TMP/t")"'
test_expect "buffer_inplace: irx-dump shows each update on the node that writes it" '
	"$BIN/irx-dump" "$TMP/buffer_inplace.ir.json" >"$TMP/dump" &&
	grep -q "updates buffer ema <- add_" "$TMP/dump" &&
	grep -q "updates buffer steps <- add__1" "$TMP/dump" &&
	grep -q "updates buffer last <- copy_" "$TMP/dump" ||
	fail "$(grep -n "updates" "$TMP/dump")"'
test_expect "buffer_inplace: outputs and updated buffers match torch's" '
	verify_mutated buffer_inplace 3'

# ---- in-place buffer updates through views that ATen's schemas annotate
# as aliasing their input (unbind, split, unfold; not select or slice)
test_expect "buffer_views: the IR lists the buffers written through views, as torch does" '
	conv buffer_views &&
	"$PYTHON3" - "$TMP/buffer_views.ir.json" "$dir/buffer_views.capture.json" >"$TMP/t" <<-PY &&
	import json, sys
	m = json.load(open(sys.argv[1]))["mutations"]
	ours = sorted(x["target"] for x in m if x["kind"] == "buffer_mutation")
	torch = sorted(json.load(open(sys.argv[2]))["mutations"])
	print(" ".join(ours), "|", " ".join(torch))
	PY
	[ "$(cat "$TMP/t")" = "parts rows windows | parts rows windows" ] ||
	fail "$(cat "$TMP/t")"'
# the writes went into views, so each buffer's value after the run is the
# buffer itself, shown on the last node that writes into it
test_expect "buffer_views: irx-dump shows each update on the last node that writes it" '
	"$BIN/irx-dump" "$TMP/buffer_views.ir.json" >"$TMP/dump" &&
	awk "/^    updates buffer /{ print node, \$3, \$4, \$5; next } { node = \$1 }" \
		"$TMP/dump" >"$TMP/t" &&
	printf "%s\n" "add_ rows <- b_rows" "add__1 parts <- b_parts" "mul_ windows <- b_windows" |
		diff - "$TMP/t" >"$TMP/d" ||
	fail "$(cat "$TMP/d")"'
test_expect "buffer_views: outputs and updated buffers match torch's" '
	verify_mutated buffer_views 3'

# ---- torch.export.Dim
test_expect "dyn_dim: refused without --allow-dynamic, converted with it" '
	! conv dyn_dim 2>/dev/null && conv dyn_dim --allow-dynamic'
test_expect "dyn_dim: matches torch at the captured size" '
	verify dyn_dim -i "$dir/dyn_dim.inputs.pt" --expected="$dir/dyn_dim.expected.pt"'
test_expect "dyn_dim: matches torch at another size" '
	verify dyn_dim -i "$dir/dyn_dim.inputs2.pt" --expected="$dir/dyn_dim.expected2.pt"'

# ---- refusals name their fix: a pre-dispatch export (torch.vmap, as
# Mamba's) wants --decompose, a custom operator a plugin
OPS="$FIXTURES/ops214"
test_expect "vmap: irx-verify refuses before running, naming --decompose" '
	"$BIN/irx-export" "$OPS/vmap.pt2" | "$BIN/irx-convert" >"$TMP/vmap.ir.json" 2>/dev/null &&
	expect_rc 2 "$VERIFY" -w "$OPS/vmap.state_dict.pt" -i "$OPS/vmap.inputs.pt" \
		--expected="$OPS/vmap.expected.pt" "$TMP/vmap.ir.json" &&
	expect_one_line_naming "torch._functorch.predispatch" "irx-capture --decompose" &&
	! grep -q -- "--plugin" "$TMP/err"'
test_expect "a custom operator: irx-verify refuses before running, naming --plugin" '
	"$BIN/irx-export" "$OPS/clamp_scale.pt2" |
		"$BIN/irx-convert" --schemas "$OPS/irxdemo.schemas" >"$TMP/cs.ir.json" &&
	expect_rc 2 "$VERIFY" -w "$OPS/clamp_scale.state_dict.pt" -i "$OPS/clamp_scale.inputs.pt" \
		--expected="$OPS/clamp_scale.expected.pt" "$TMP/cs.ir.json" &&
	expect_one_line_naming "irxdemo.clamp_scale.default" "--plugin" &&
	! grep -q -- "--decompose" "$TMP/err"'

test_done
