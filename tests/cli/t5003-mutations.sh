#!/bin/sh
# t5003-mutations.sh: buffer updates are visible. train_bn of
# tests/fixtures/cap26 and cap214 (tests/fixtures/gen_capture.py) was captured
# by irx-capture --train: batch norm in train mode updates its running
# statistics and batch counter, and forward adds to a buffer in place. The
# IR lists them in `mutations` by state_dict key, irx-dump shows them on the
# nodes that make them, irx-exec --mutated writes them, and irx-verify
# --expected-mutated compares them with the buffers torch left
# (expected_mutated.pt), failing on a wrong one (wrong_mutated.pt).
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

checked=0
for dir in "$FIXTURES/cap26" "$FIXTURES/cap214"; do
	[ -d "$dir" ] || continue
	v=$(basename "$dir")
	checked=$((checked + 1))
	f="$dir/train_bn"
	ir="$TMP/$v-train.ir.json"
	run="-w $f.state_dict.pt -i $f.inputs.pt"
	test_expect "$v: the IR lists the buffer updates by state_dict key" '
		"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" >"$ir" &&
		"$PYTHON3" -c "import json,sys; m=json.load(open(sys.argv[1]))[\"mutations\"]; print(\" \".join(sorted(x[\"target\"] for x in m if x[\"kind\"] == \"buffer_mutation\")))" "$ir" >"$TMP/t" &&
		[ "$(cat "$TMP/t")" = "bn.num_batches_tracked bn.running_mean bn.running_var seen" ] ||
		fail "$(cat "$TMP/t")"'
	test_expect "$v: irx-dump shows each update on the node that makes it" '
		"$BIN/irx-dump" "$ir" >"$TMP/dump" &&
		grep -q "updates buffer bn.running_mean" "$TMP/dump" &&
		grep -q "updates buffer seen" "$TMP/dump" ||
		fail "$(grep -n "updates" "$TMP/dump")"'
	# shellcheck disable=SC2086
	test_expect "$v: irx-exec --mutated writes torch's updated buffers" '
		"$EXEC" $run --mutated="$TMP/m.safetensors" "$ir" >/dev/null &&
		"$COPY" "$f.expected_mutated.pt" "$TMP/want.safetensors" &&
		st close "$TMP/m.safetensors" "$TMP/want.safetensors"'
	# shellcheck disable=SC2086
	test_expect "$v: irx-exec --mutated=FILE.pt writes a dict keyed by state_dict key" '
		"$EXEC" $run --mutated="$TMP/m.pt" "$ir" >/dev/null &&
		"$COPY" "$TMP/m.pt" "$TMP/m2.safetensors" &&
		st close "$TMP/m2.safetensors" "$TMP/want.safetensors"'
	# shellcheck disable=SC2086
	test_expect "$v: irx-verify --expected-mutated compares them" '
		expect_rc 0 "$VERIFY" $run --expected="$f.expected.pt" \
			--expected-mutated="$f.expected_mutated.pt" "$ir" &&
		grep -q "4 of 4 mutated buffers match" "$TMP/out"'
	# shellcheck disable=SC2086
	test_expect "$v: a wrong updated buffer fails irx-verify with 1, named" '
		expect_rc 1 "$VERIFY" $run --expected="$f.expected.pt" \
			--expected-mutated="$f.wrong_mutated.pt" "$ir" &&
		grep -q "^bn.running_var: MISMATCH" "$TMP/out" &&
		grep -q "3 of 4 mutated buffers match" "$TMP/out"'
	# shellcheck disable=SC2086
	test_expect "$v: the JSON report has the mutations" '
		expect_rc 1 "$VERIFY" $run --expected="$f.expected.pt" --report=json \
			--expected-mutated="$f.wrong_mutated.pt" "$ir" &&
		tr -d " \n" <"$TMP/out" | grep -q "\"mutations\":{\"count\":4,\"mismatched\":1"'
	# shellcheck disable=SC2086
	test_expect "$v: an expected-mutated file without a buffer the IR updates is an error" '
		"$COPY" "$f.expected_mutated.pt" "$TMP/w.safetensors" && st drop "$TMP/w.safetensors" "$TMP/w2.safetensors" seen &&
		expect_error "w2.safetensors" "seen" -- "$VERIFY" $run --expected="$f.expected.pt" \
			--expected-mutated="$TMP/w2.safetensors" "$ir"'
	k="$dir/keywords"
	test_expect "$v: --mutated on an IR without mutations is an error" '
		"$BIN/irx-export" "$k.pt2" | "$BIN/irx-convert" >"$TMP/k.ir.json" &&
		expect_error "k.ir.json" "no mutations" -- "$EXEC" -w "$k.state_dict.pt" \
			-i "$k.inputs.pt" --mutated="$TMP/none.pt" "$TMP/k.ir.json" &&
		[ ! -e "$TMP/none.pt" ]'
done
[ "$checked" -gt 0 ] || test_skip_all "no tests/fixtures/cap26 or cap214"
test_done
