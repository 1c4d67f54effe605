#!/bin/sh
# TorchScript archives through irx-export | irx-convert | irx-verify:
# the fixtures gen_ts.py wrote (tests/fixtures/ts/t*/CASES), and the
# third-party corpus (ts-*), each converting or refused for its reason.
. "$IRX_SRCDIR/tests/cli/lib.sh"

TS="$IRX_SRCDIR/tests/fixtures/ts"
first_case=$(ls "$TS"/t*/mlp_traced.pt 2>/dev/null | head -n 1)
[ -n "$first_case" ] || skip "no TorchScript fixtures"

# Without libtorch: one line saying so, exit 2.
if [ ! -x "$BIN/irx-export-ts" ]; then
	if expect_rc 2 "$BIN/irx-export" "$first_case" --input-shape 2,4 &&
	   expect_one_line_naming "without libtorch"; then
		pass "TorchScript refused: irx built without libtorch"
	fi
	finish
fi
export IRX_LIBEXECDIR="$BIN"

# export FILE OPTIONS...: the document in $TMP/p.json, weights and inputs beside it.
export_ts() {
	f=$1; shift
	rm -f "$TMP/p.json" "$TMP/w.safetensors" "$TMP/in.pt"
	expect_rc 0 "$BIN/irx-export" "$f" "$@" -o "$TMP/p.json" \
		--save-weights "$TMP/w.safetensors" --save-inputs "$TMP/in.pt"
}

# convert_check NAME: the document converts, and the IR passes irx-dump --check.
convert_check() {
	grep -q '"layout": "torchscript"' "$TMP/p.json" || { fail "$1: source.layout is not torchscript"; return 1; }
	expect_rc 0 "$BIN/irx-convert" "$TMP/p.json" -o "$TMP/p.ir" || return 1
	expect_rc 0 "$BIN/irx-dump" --check "$TMP/p.ir" || return 1
}

# refused NAME TEXT FILE OPTIONS...: exit 2, one line naming TEXT.
refused() {
	name=$1 text=$2 f=$3; shift 3
	if expect_rc 2 "$BIN/irx-export" "$f" "$@" -o "$TMP/p.json" && expect_one_line_naming "$text"; then
		pass "$name: refused ($text)"
	fi
}

# ---- fixtures ----------------------------------------------------------------
for cases in "$TS"/t*/CASES; do
	dir=${cases%/CASES}
	grep -v '^#' "$cases" >"$TMP/cases"
	while IFS='|' read -r name opts expect; do
		f="$dir/$name.pt"
		# shellcheck disable=SC2086 # options are words
		set -- $(echo "$opts" | sed "s|INPUTS|$dir/$name.inputs.pt|g")
		case $expect in
		refuse:*) refused "$name" "${expect#refuse:}" "$f" "$@"; continue ;;
		esac
		if ! "$BIN/irx-export" "$f" "$@" -o "$TMP/p.json" --save-weights "$TMP/w.safetensors" 2>"$TMP/err"; then
			# a file newer than the linked libtorch: refused, naming the operator
			if grep -q "which the linked libtorch" "$TMP/err"; then
				pass "$dir/$name: refused by this libtorch: $(cat "$TMP/err")"
			else
				fail "$dir/$name: irx-export: $(cat "$TMP/err")"
			fi
			continue
		fi
		convert_check "$name" || continue
		# the IR on the recorded inputs gives torch's recorded outputs
		expect_rc 0 "$BIN/irx-verify" -w "$TMP/w.safetensors" -i "$dir/$name.inputs.pt" \
			--expected "$dir/$name.expected.pt" "$TMP/p.ir" || continue
		pass "$dir/$name: converts, checks and matches torch's outputs"
	done <"$TMP/cases"
done

# The same module twice: one document (the walk is deterministic).
f="$TS/t113/conv_traced.pt"
if [ -f "$f" ]; then
	"$BIN/irx-export" "$f" --inputs "$TS/t113/conv_traced.inputs.pt" -o "$TMP/a.json"
	"$BIN/irx-export" "$f" --inputs "$TS/t113/conv_traced.inputs.pt" -o "$TMP/b.json"
	cmp -s "$TMP/a.json" "$TMP/b.json" && pass "deterministic output" || fail "two runs differ"
	# shape arithmetic of the trace is consumed: view gets plain ints
	grep -q '"aten.view.default"' "$TMP/a.json" && ! grep -q '"aten.Int' "$TMP/a.json" &&
		pass "traced shape arithmetic folded" || fail "traced shape arithmetic left in the graph"
	# standard input works too
	expect_rc 0 sh -c "\"$BIN/irx-export\" - --inputs \"$TS/t113/conv_traced.inputs.pt\" <\"$f\" >\"$TMP/c.json\"" &&
		grep -q '"file": "-"' "$TMP/c.json" && pass "TorchScript from standard input"
	# options for TorchScript only
	refused "--method on a .pt2" "for TorchScript archives" "$IRX_SRCDIR/examples/mlp.pt2" --method forward
	refused "no shapes" "--input-shape" "$TS/t113/mlp_scripted.pt"
	refused "unknown method" "has no method 'nope'" "$f" --method nope --input-shape 1,3,8,8
fi

# ---- the third-party corpus -----------------------------------------------------
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS"; finish; }
# FILE|OPTIONS|ok, ok-ref (and verify against the archive itself), or refuse:TEXT
while IFS='|' read -r file opts expect; do
	f="$CORPUS/$file"
	[ -f "$f" ] || { echo "skip $file: not in the corpus"; continue; }
	# shellcheck disable=SC2086
	set -- $opts
	case $expect in
	refuse:*) refused "$file" "${expect#refuse:}" "$f" "$@"; continue ;;
	esac
	if ! "$BIN/irx-export" "$f" "$@" -o "$TMP/p.json" --save-weights "$TMP/w.safetensors" \
		--save-inputs "$TMP/in.pt" 2>"$TMP/err"; then
		fail "$file: irx-export: $(cat "$TMP/err")"
		continue
	fi
	convert_check "$file" || continue
	if [ "$expect" = ok-ref ]; then
		expect_rc 0 "$BIN/irx-verify" -w "$TMP/w.safetensors" -i "$TMP/in.pt" --reference "$f" "$TMP/p.ir" ||
			continue
		pass "$file: converts, checks and matches the archive's own forward"
	else
		pass "$file: converts and checks"
	fi
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
finish
