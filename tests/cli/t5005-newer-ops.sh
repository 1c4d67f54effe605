#!/bin/sh
# Operators of torch 2.14 that Debian's libtorch 1.13 lacks (the list:
# docs/newer-ops.md, from maint/list-newer-ops.py), each in a program torch
# 2.14 exported (tests/fixtures/ops214) and held against torch's outputs:
# with libtorch 1.13 through irx's decompositions (src/exec/decompose.c),
# with a libtorch that has them (2.14, maint/check-sid.sh) natively and,
# with --decompose, through the decompositions as well. And a TorchScript
# --reference that the linked libtorch cannot load is said to be that,
# naming the operator.
. "$IRX_SRCDIR/tests/cli/lib.sh"
. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

OPS="$FIXTURES/ops214"
for pair in squeeze_dims:aten.squeeze.dims empty_like:aten.empty_permuted.default \
	rms_norm:aten.rms_norm.default any_all_dims:aten.any.dims any_all_dims:aten.all.dims; do
	name=${pair%%:*} op=${pair#*:}
	f="$OPS/$name"
	test_expect "$name: torch's program calls $op, listed in docs/newer-ops.md" '
		grep -q "\"$op\"" "$f.capture.json" &&
		grep -q "^| \`$op\` | .*ops214.* | decomposition |$" "$IRX_SRCDIR/docs/newer-ops.md"'
done
for name in squeeze_dims empty_like rms_norm any_all_dims; do
	f="$OPS/$name"
	if ! "$BIN/irx-export" "$f.pt2" 2>/dev/null | "$BIN/irx-convert" -o "$TMP/$name.ir.json" 2>"$TMP/conv.err"; then
		test_expect "$name: converts" 'fail "$(cat "$TMP/conv.err")"'
		continue
	fi
	test_expect "$name: matches torch with libtorch $LIBTORCH" '
		expect_rc 0 "$VERIFY" "$TMP/$name.ir.json" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--expected "$f.expected.pt" || fail "$(cat "$TMP/out")"'
	test_expect "$name: the decompositions (--decompose) match torch" '
		expect_rc 0 "$VERIFY" "$TMP/$name.ir.json" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--expected "$f.expected.pt" --decompose || fail "$(cat "$TMP/out")"'
done

# rms_norm with eps=None takes the dtype's epsilon, as torch does; the IR
# of nn.RMSNorm([4, 8]) has it (checked here, so that the test above holds
# that path) and a changed eps changes the outputs past the tolerance.
test_expect "rms_norm: one node with eps None, normalized over 2 dims" - <<'EOT'
"$PYTHON3" - "$TMP/rms_norm.ir.json" <<'PY'
import json, sys
n = [n["attrs"] for n in json.load(open(sys.argv[1]))["nodes"] if n["op_type"] == "aten.rms_norm.default"]
assert len(n) == 2 and any(a["eps"] is None and a["normalized_shape"] == [4, 8] for a in n), n
PY
EOT
test_expect "rms_norm: a wrong eps is caught (the decomposition reads it)" '
	sed "s/\"eps\": 1e-05/\"eps\": 0.5/" "$TMP/rms_norm.ir.json" >"$TMP/rms2.ir.json" &&
	! cmp -s "$TMP/rms_norm.ir.json" "$TMP/rms2.ir.json" &&
	expect_rc 1 "$VERIFY" "$TMP/rms2.ir.json" -w "$OPS/rms_norm.state_dict.pt" -i "$OPS/rms_norm.inputs.pt" \
		--expected "$OPS/rms_norm.expected.pt" --decompose'

# A TorchScript trace with attention from torch 2.14
f="$FIXTURES/rt214/sdpa"
if "$BIN/irx-export" "$f.pt2" 2>/dev/null | "$BIN/irx-convert" -o "$TMP/sdpa.ir.json" 2>/dev/null; then
	rc=0
	"$VERIFY" "$TMP/sdpa.ir.json" -w "$f.state_dict.pt" -i "$f.inputs.pt" --reference "$f.reference.pt" \
		>"$TMP/out" 2>"$TMP/err" || rc=$?
	case $LIBTORCH in
	1.*)
		test_expect "--reference libtorch $LIBTORCH cannot load: said so, naming the operator" '
			[ "$rc" = 2 ] && expect_one_line_naming "sdpa.reference.pt" \
				"libtorch $LIBTORCH cannot load this TorchScript model: it calls aten::scaled_dot_product_attention"' ;;
	*)
		test_expect "--reference: libtorch $LIBTORCH loads and matches the trace" '[ "$rc" = 0 ] || fail "$(cat "$TMP/err")"' ;;
	esac
fi
test_done
