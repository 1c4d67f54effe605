#!/bin/sh
# t1003-torchscript-export.sh: TorchScript archives through irx-export |
# irx-convert | irx-verify, with libtorch (the irx-export-ts helper).
#
# 1. tests/fixtures/ts113, ts26, ts214 (gen_torchscript.py, written by torch
#    1.13, 2.6 and 2.14): each model converts or is refused for the reason
#    its oracle names; a converted IR is held against the oracle
#    (check-ts-oracle.py: inputs, outputs, weights under their state_dict
#    keys, operators) and run on the recorded inputs with the state_dict
#    torch saved (plus the tensor attributes irx-export saved), and with
#    the archive itself as the weights, against the recorded outputs, and
#    (for forward) against the archive run by libtorch (--reference).
# 2. tests/fixtures/ts/t113 (gen_ts.py, CASES): options (--method, --arg,
#    --allow-data-dependent, --input-shape), determinism, standard input.
# 3. The third-party corpus (ts-*, skipped when absent): each archive
#    converts (and matches its own forward run by libtorch) or is refused
#    for its reason.
. "$IRX_SRCDIR/tests/cli/lib.sh"

TS="$FIXTURES/ts"
first_case="$FIXTURES/ts113/convnet.pt"
[ -f "$first_case" ] || test_skip_all "no TorchScript fixtures"

# Without libtorch: one line saying so, exit 2.
if [ ! -x "$BIN/irx-export-ts" ]; then
	test_expect "TorchScript refused: irx built without libtorch" '
		expect_rc 2 "$BIN/irx-export" "$first_case" --input-shape 2,4 &&
		expect_one_line_naming "without libtorch"'
	test_done
fi
export IRX_LIBEXECDIR="$BIN"

# convert_check: $TMP/p.json converts, and the IR passes irx-dump --check.
convert_check() {
	grep -q '"layout": "torchscript"' "$TMP/p.json" || fail "source.layout is not torchscript"
	expect_rc 0 "$BIN/irx-convert" "$TMP/p.json" -o "$TMP/p.ir" &&
		expect_rc 0 "$BIN/irx-dump" --check "$TMP/p.ir"
}

# refused TEXT FILE OPTIONS...: exit 2, one line naming TEXT, no output.
refused() {
	r_text=$1 r_f=$2
	shift 2
	rm -f "$TMP/p.json"
	expect_rc 2 "$BIN/irx-export" "$r_f" "$@" -o "$TMP/p.json" && expect_one_line_naming "$r_text" &&
		[ ! -e "$TMP/p.json" ]
}

# ---- 1. the fixtures of three torch versions, against their oracles ----------
for dir in "$FIXTURES"/ts113 "$FIXTURES"/ts26 "$FIXTURES"/ts214; do
	v=$(basename "$dir")
	for oracle in "$dir"/*.oracle.json; do
		name=$(basename "$oracle" .oracle.json)
		f="$dir/$name.pt"
		method=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["method"])' "$oracle")
		expect=$("$PYTHON3" -c 'import json, sys; e = json.load(open(sys.argv[1]))["expect"]
print(e["result"] + ":" + ",".join(e.get("words", [])))' "$oracle")
		attrs=$("$PYTHON3" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["tensor_attributes"]))' "$oracle")
		made_by=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["made_by"])' "$oracle")
		case $expect in
		refused:*)
			test_expect "$v/$name: refused (${expect#refused:})" '
				refused "${expect#refused:}" "$f" --method "$method" --inputs "$dir/$name.inputs.pt"'
			continue ;;
		esac
		test_expect "$v/$name: exports and converts" '
			rm -f "$TMP/p.json" "$TMP/p.ir" &&
			expect_rc 0 "$BIN/irx-export" "$f" --method "$method" --inputs "$dir/$name.inputs.pt" \
				-o "$TMP/p.json" --save-weights "$TMP/w.safetensors" && convert_check'
		test_expect "$v/$name: the IR is what torch says (oracle)" '
			[ -f "$TMP/p.ir" ] && "$PYTHON3" "$IRX_SRCDIR/tests/cli/check-ts-oracle.py" "$TMP/p.ir" "$oracle"'
		# The state_dict torch saved binds by key; tensor attributes are
		# not in it, irx-export saved them.
		set -- -w "$dir/$name.state_dict.pt"
		[ "$attrs" -eq 0 ] || set -- "$@" -w "$TMP/w.safetensors"
		if [ "$v/$name" = ts26/lstm ]; then
			# torch 2.6 (Debian's build) computes this traced LSTM
			# differently under no_grad, where its outputs were
			# recorded, than with grad; 1.13 and 2.14 agree with the
			# latter.  Held against the archive itself instead.
			test_expect "$v/$name: the IR with the state_dict matches the archive run by libtorch" '
				expect_rc 0 "$BIN/irx-verify" "$@" -i "$dir/$name.inputs.pt" --reference "$f" "$TMP/p.ir"' "$@"
			continue
		fi
		test_expect "$v/$name: the IR with the state_dict gives torch's recorded outputs" '
			expect_rc 0 "$BIN/irx-verify" "$@" -i "$dir/$name.inputs.pt" --expected "$dir/$name.expected.pt" "$TMP/p.ir"' "$@"
		# The archive is a weights file too, read in C (state_dict keys and
		# tensor attributes by their paths).
		test_expect "$v/$name: the IR with the archive's own tensors (-w $name.pt) gives torch's recorded outputs" '
			expect_rc 0 "$BIN/irx-verify" -w "$f" -i "$dir/$name.inputs.pt" --expected "$dir/$name.expected.pt" "$TMP/p.ir"'
		# A trace of torch >= 2.0 holds the shapes it was traced with
		# (traced_inputs.pkl): without input options they are the default.
		if [ "$v" != ts113 ] && [ "$made_by" = torch.jit.trace ]; then
			test_expect "$v/$name: without input options, the shapes it was traced with (traced_inputs.pkl)" '
				expect_rc 0 "$BIN/irx-export" "$f" -o "$TMP/t.json" --save-inputs "$TMP/t.inputs.pt" &&
				expect_rc 0 "$BIN/irx-convert" "$TMP/t.json" -o "$TMP/t.ir" &&
				"$PYTHON3" "$IRX_SRCDIR/tests/cli/check-ts-oracle.py" "$TMP/t.ir" "$oracle" &&
				expect_rc 0 "$BIN/irx-verify" -w "$f" -i "$TMP/t.inputs.pt" --reference "$f" "$TMP/t.ir"'
		fi
		# --reference runs the archive's forward.
		if [ "$method" = forward ]; then
			test_expect "$v/$name: the IR matches the archive run by libtorch (--reference $name.pt)" '
				expect_rc 0 "$BIN/irx-verify" -w "$f" -i "$dir/$name.inputs.pt" --reference "$f" "$TMP/p.ir"'
		fi
	done
done

# ---- 2. options, on the fixtures of gen_ts.py ---------------------------------
grep -v '^#' "$TS/t113/CASES" >"$TMP/cases"
while IFS='|' read -r name opts expect; do
	f="$TS/t113/$name.pt"
	# shellcheck disable=SC2086 # options are words
	set -- $(echo "$opts" | sed "s|INPUTS|$TS/t113/$name.inputs.pt|g")
	case $expect in
	refuse:*)
		test_expect "ts/t113/$name $opts: refused (${expect#refuse:})" 'refused "${expect#refuse:}" "$f" "$@"' "$@"
		continue ;;
	esac
	test_expect "ts/t113/$name $opts: converts, checks and gives torch's outputs" '
		expect_rc 0 "$BIN/irx-export" "$f" "$@" -o "$TMP/p.json" --save-weights "$TMP/w.safetensors" &&
		convert_check &&
		expect_rc 0 "$BIN/irx-verify" -w "$TMP/w.safetensors" -i "$TS/t113/$name.inputs.pt" \
			--expected "$TS/t113/$name.expected.pt" "$TMP/p.ir"' "$@"
done <"$TMP/cases"

f="$TS/t113/conv_traced.pt"
in="$TS/t113/conv_traced.inputs.pt"
test_expect "the same archive twice: the same document" '
	"$BIN/irx-export" "$f" --inputs "$in" -o "$TMP/a.json" &&
	"$BIN/irx-export" "$f" --inputs "$in" -o "$TMP/b.json" && cmp "$TMP/a.json" "$TMP/b.json"'
test_expect "traced shape arithmetic is folded: view gets plain ints" '
	grep -q "\"aten.view.default\"" "$TMP/a.json" && ! grep -q "\"aten.Int" "$TMP/a.json"'
test_expect "TorchScript from standard input" '
	"$BIN/irx-export" - --inputs "$in" <"$f" >"$TMP/c.json" && grep -q "\"file\": \"-\"" "$TMP/c.json"'
test_expect "--method on a .pt2 is refused" '
	refused "for TorchScript archives" "$IRX_SRCDIR/examples/mlp.pt2" --method forward'
test_expect "no input shapes: refused, naming --input-shape" '
	refused "--input-shape" "$TS/t113/mlp_scripted.pt"'
test_expect "an unknown method: refused, naming it" '
	refused "has no method '"'"'nope'"'"'" "$f" --method nope --input-shape 1,3,8,8'

# ---- 3. the third-party corpus -----------------------------------------------
[ -d "$CORPUS" ] || test_skip_all "no corpus at $CORPUS"
# FILE|OPTIONS|ok, ok-ref (and verify against the archive itself), or refuse:TEXT
while IFS='|' read -r file opts expect; do
	f="$CORPUS/$file"
	if [ ! -f "$f" ]; then
		test_skip "corpus $file $opts" "not in the corpus"
		continue
	fi
	# shellcheck disable=SC2086
	set -- $opts
	case $expect in
	refuse:*)
		test_expect "corpus $file $opts: refused (${expect#refuse:})" 'refused "${expect#refuse:}" "$f" "$@"' "$@"
		continue ;;
	esac
	test_expect "corpus $file $opts: converts and checks${expect#ok}" '
		expect_rc 0 "$BIN/irx-export" "$f" "$@" -o "$TMP/p.json" --save-weights "$TMP/w.safetensors" \
			--save-inputs "$TMP/in.pt" &&
		convert_check &&
		{ [ "$expect" != ok-ref ] ||
		  expect_rc 0 "$BIN/irx-verify" -w "$TMP/w.safetensors" -i "$TMP/in.pt" --reference "$f" "$TMP/p.ir"; }' "$@"
done <<'LIST'
ts-djl-identity/identity.pt|--input-shape 2,3|ok-ref
ts-rtorch-linear/linear_2021.pt|--input-shape 2,10|ok-ref
ts-rtorch-linear/linear_2024-12.pt|--method Xevalforward --input-shape 2,10|ok
ts-rtorch-linear/linear_2024-12.pt|--input-shape 2,10|refuse:has no method 'forward'
ts-rtorch-linear/linear_2025-01.pt|--input-shape 2,10|ok-ref
ts-trt-trace-v2/trace.ts|--input-shape 1,3,10,10|ok-ref
ts-trt-lstm-scripted-v2/lstm_scripted.ts|--input-shape 3,1,10 --input-shape 1,10 --input-shape 1,10|ok
ts-tchrs-tests/foo.pt|--input-shape 2,3 --input-shape 2,3|ok-ref
ts-tchrs-tests/foo1.pt|--input-shape 2,3 --input-shape 2,3|ok-ref
ts-tchrs-tests/foo2.pt|--input-shape 2,3 --input-shape 2,3|ok-ref
ts-tchrs-tests/foo3.pt|--input-shape 4|ok-ref
ts-tchrs-tests/foo4.pt||refuse:Tuple[float, float, int]
ts-tchrs-tests/foo5.pt||refuse:List[str]
ts-tchrs-tests/foo6.pt|--input-shape 2,3|refuse:TorchScriptClass
ts-tchrs-tests/foo7.pt||refuse:has no method 'forward'
ts-tchrs-tests/foo7.pt|--method add_them|refuse:__torch__.InputObject
ts-tchrs-tests/foo8.pt|--method generate|refuse:Dict[str, Tensor]
ts-knn-mobile/model.pt|--input-shape 1,8|ok-ref
ts-knn-mobile/model.ptl|--input-shape 1,8|ok-ref
ts-knn-mobile/model_small.ptl|--input-shape 1,8|ok-ref
ts-silero-micro-2021/model_micro.jit|--input-shape 1,4000|refuse:custom class __torch__.torch.classes.quantized
ts-silero-vad-2021-12/silero_vad.jit|--input-shape 1,4000 --arg 16000|refuse:forward writes module state
ts-silero-vad-2022-10/silero_vad.jit|--input-shape 1,512 --arg 16000|refuse:forward writes module state
ts-silero-vad-v5-2024/silero_vad.jit|--input-shape 1,512 --arg 16000|refuse:forward writes module state
ts-silero-vad-v6-2025/silero_vad.jit|--input-shape 1,512 --arg 16000|refuse:forward writes module state
ts-trt-hw-compat-customclass/hw_compat.ts||refuse:custom class __torch__.torch.classes.tensorrt.Engine
neg-ts-trt-hw-compat-badcrc/hw_compat.ts||refuse:zip
LIST
test_done
