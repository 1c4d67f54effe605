#!/bin/sh
# irx-exec and irx-verify refuse what does not fit, each time with exit 2 and
# one line on standard error naming the file and the weight, input,
# operator or node at fault; never a crash, never an output file left
# behind (-o).  Usage errors exit 64.
#
# Made from tests/fixtures/tensors/{t214,t26}/weights.pt2 and tied.pt2:
# the weights of another model, a state dict (a safetensors copy, edited
# with the standard library) missing one weight or with one of the wrong
# dtype or shape, a float64 input, the wrong number of inputs, IRs edited
# to call unknown operators or to read a dangling tensor, truncated state
# dicts, conflicting options, an output of an unknown kind, and expected
# outputs that are not as many as the IR's.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

# bad DESC WORD... -- CMD...: CMD exits 2 with one line on stderr holding
# every WORD (the file first), and leaves no $TMP/bad-out.* behind.
bad() {
	b_desc=$1; shift
	test_expect "$b_desc" 'rm -f "$TMP"/bad-out.* && expect_error "$@" && no_bad_out' "$@"
}
no_bad_out() {
	! ls "$TMP"/bad-out.* >/dev/null 2>&1 || fail "left $(ls "$TMP"/bad-out.*)"
}

# irx-exec on the IR with --random-inputs and these weights; with the
# weights and these inputs.
run_w() { "$EXEC" "$ir" --random-inputs -o "$TMP/bad-out.pt" "$@"; }
run_i() { "$EXEC" "$ir" -w "$a" -o "$TMP/bad-out.safetensors" "$@"; }

for v in t214 t26; do
	a="$FIXTURES/tensors/$v/weights.pt2"
	other="$FIXTURES/tensors/$v/tied.pt2"
	ir="$TMP/$v-weights.ir.json"
	# full.safetensors: the state dict and the constants, as the .pt2 has them.
	test_expect "$v: export | convert, and a safetensors state dict that runs" '
		rm -f "$ir" "$TMP/full.safetensors" &&
		"$BIN/irx-export" "$a" >"$TMP/p.json" && "$BIN/irx-convert" "$TMP/p.json" >"$ir" &&
		"$COPY" "$a" "$TMP/sd.safetensors" >/dev/null &&
		st consts "$TMP/sd.safetensors" "$TMP/full.safetensors" "$a.oracle.json" &&
		"$EXEC" "$ir" -w "$TMP/full.safetensors" --random-inputs >/dev/null'
	[ -s "$TMP/full.safetensors" ] || continue

	# Weights: another model's, one missing, one of the wrong dtype, one
	# of the wrong shape.
	bad "$v: another model's weights: every missing weight, in one line" \
		"$ir" "'lin.weight' is missing" "'lin.bias' is missing" "'running' is missing" \
		"'steps' is missing" "'mask' is missing" "'scale' is missing" -- run_w -w "$other"
	bad "$v: irx-verify with another model's weights" "$ir" "'lin.weight' is missing" "'scale' is missing" -- \
		"$VERIFY" "$ir" -w "$other" --random-inputs --expected "$TMP/full.safetensors"
	st drop "$TMP/full.safetensors" "$TMP/drop.safetensors" lin.bias
	bad "$v: one weight missing" "$ir" "1 weight does not fit" "'lin.bias' is missing" -- \
		run_w -w "$TMP/drop.safetensors"
	test_expect "$v: one weight missing: only it is named" '! grep "mask\|scale\|lin.weight" "$TMP/err"'
	st cast "$TMP/full.safetensors" "$TMP/f64.safetensors" lin.bias F64
	bad "$v: a weight of the wrong dtype" "$ir" "'lin.bias' is float64[3], the IR wants float32[3]" -- \
		run_w -w "$TMP/f64.safetensors"
	st shape "$TMP/full.safetensors" "$TMP/shape.safetensors" lin.weight 4,3
	bad "$v: a weight of the wrong shape" "$ir" "'lin.weight' is float32[4, 3], the IR wants float32[3, 4]" -- \
		run_w -w "$TMP/shape.safetensors"
	st new "$TMP/extra.safetensors" unused:F32:2
	bad "$v: --strict: a tensor the IR does not use" "$ir" "not used" "--strict" -- \
		run_w -w "$TMP/full.safetensors" -w "$TMP/extra.safetensors" --strict

	# Corrupt state dicts: a truncated safetensors file, a truncated .pt.
	size=$(wc -c <"$TMP/full.safetensors")
	head -c $((size - 10)) "$TMP/full.safetensors" >"$TMP/trunc.safetensors"
	bad "$v: a truncated safetensors state dict" "$TMP/trunc.safetensors" -- run_w -w "$TMP/trunc.safetensors"
	"$COPY" "$TMP/full.safetensors" "$TMP/full.pt" >/dev/null || bail_out "$v: tensor-copy to .pt"
	size=$(wc -c <"$TMP/full.pt")
	head -c $((size / 2)) "$TMP/full.pt" >"$TMP/trunc.pt"
	bad "$v: a truncated .pt state dict" "$TMP/trunc.pt" -- run_w -w "$TMP/trunc.pt"
	head -c 1000 "$a" >"$TMP/trunc.pt2"
	bad "$v: a truncated .pt2 archive" "$TMP/trunc.pt2" -- run_w -w "$TMP/trunc.pt2"

	# Inputs: float64 where the IR takes float32, too many, none by name.
	st new "$TMP/x64.safetensors" x:F64:2,4 && st new "$TMP/xy.safetensors" x:F32:2,4 y:F32:2,4 &&
		"$COPY" "$TMP/xy.safetensors" "$TMP/xy.pt" --list >/dev/null && st new "$TMP/y.safetensors" y:F32:2,4 ||
		bail_out "$v: cannot make the input files"
	bad "$v: a float64 input" "$ir" "input 0 ('x') is float64[2, 4], the IR wants float32[2, 4]" -- \
		run_i --inputs "$TMP/x64.safetensors"
	bad "$v: two inputs for one" "$TMP/xy.pt" "2 tensors" -- run_i --inputs "$TMP/xy.pt"
	bad "$v: no input of the IR's name" "$TMP/y.safetensors" "'x'" -- run_i --inputs "$TMP/y.safetensors"

	# IRs edited: unknown operators (one, then two: both named), a node
	# reading a tensor nothing defines.
	"$PYTHON3" - "$ir" "$TMP" <<'PY' || bail_out "$v: cannot edit the IR"
import copy, json, sys
ir = json.load(open(sys.argv[1]))
def edited(name, change):
    d = copy.deepcopy(ir)
    nodes = {n["name"]: n for n in d["nodes"]}
    change(nodes)
    json.dump(d, open("%s/%s.json" % (sys.argv[2], name), "w"))
edited("op1", lambda n: n["mul"].update(op_type="aten.no_such_op.default"))
edited("op2", lambda n: (n["mul"].update(op_type="aten.no_such_op.default"),
                         n["mul_1"].update(op_type="aten.also_missing.Tensor")))
edited("dangling", lambda n: n["add"]["inputs"][1].update(name="ghost"))
PY
	bad "$v: an unknown operator" "$TMP/op1.json" "aten.no_such_op.default" "node mul" -- \
		"$EXEC" "$TMP/op1.json" -w "$a" --random-inputs -o "$TMP/bad-out.pt"
	bad "$v: two unknown operators, both in one line" "$TMP/op2.json" "2 operators" \
		"aten.no_such_op.default (node mul)" "aten.also_missing.Tensor (node mul_1)" -- \
		"$EXEC" "$TMP/op2.json" -w "$a" --random-inputs -o "$TMP/bad-out.pt"
	bad "$v: irx-verify with an unknown operator" "$TMP/op1.json" "aten.no_such_op.default" -- \
		"$VERIFY" "$TMP/op1.json" -w "$a" --random-inputs --per-node
	bad "$v: a node reading a dangling tensor" "$TMP/dangling.json" "node add" "'ghost'" -- \
		"$EXEC" "$TMP/dangling.json" -w "$a" --random-inputs -o "$TMP/bad-out.pt"

	# Options: --inputs with --random-inputs, or neither: usage (64);
	# an output that is neither .pt nor .safetensors: 2, no file.
	test_expect "$v: --inputs and --random-inputs: usage" '
		expect_rc 64 "$EXEC" "$ir" -w "$a" --random-inputs --inputs "$TMP/xy.pt" && grep -q "one of them" "$TMP/err"'
	test_expect "$v: neither --inputs nor --random-inputs: usage" '
		expect_rc 64 "$EXEC" "$ir" -w "$a" && grep -q "one of them" "$TMP/err"'
	test_expect "$v: irx-verify without inputs: usage" 'expect_rc 64 "$VERIFY" "$ir" -w "$a" --expected "$TMP/xy.pt"'
	bad "$v: -o of an unknown kind" "$TMP/bad-out.npy" ".safetensors or .pt" -- \
		"$EXEC" "$ir" -w "$a" --random-inputs -o "$TMP/bad-out.npy"

	# irx-verify: expected outputs that are not the IR's.
	bad "$v: --expected with two outputs for one" "$TMP/xy.pt" "2 tensors" -- \
		"$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/xy.pt"
	bad "$v: --expected without the output's name" "$TMP/xy.safetensors" "'add_1'" -- \
		"$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/xy.safetensors"
	bad "$v: a truncated --expected" "$TMP/trunc.pt" -- \
		"$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/trunc.pt"
done
test_done
