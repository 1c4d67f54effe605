#!/bin/sh
# t6002-capture.sh: irx-capture's captures of tests/fixtures/capture/models.py
# by torch 2.6 and 2.14 (tests/fixtures/cap26, cap214, written by
# tests/fixtures/gen_capture.py), held against torch's own values:
#   - rotary_meta, captured with --meta (parameters on the meta device):
#     constants.pt holds the values torch lifts (a non-persistent buffer and
#     tensors forward makes, on the input's device and from Python data),
#     equal to those of torch.export of the real model; with the real model's
#     weights and constants.pt irx-verify reproduces torch's eager outputs;
#     without constants.pt it names each missing value's kind, module and
#     source line and where it comes from;
#   - keywords: a model called with keyword inputs verifies against torch's
#     outputs and against its TorchScript trace;
#   - the model name (class name) reaches the IR's model_name;
#   - irx-capture without a usable torch says what it needs.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

CAPTURE="$IRX_SRCDIR/src/tools/irx-capture.py"

checked=0
for dir in "$FIXTURES/cap26" "$FIXTURES/cap214"; do
	[ -d "$dir" ] || continue
	v=$(basename "$dir")
	checked=$((checked + 1))
	f="$dir/rotary_meta"
	ir="$TMP/$v-rotary.ir.json"
	test_expect "$v/rotary_meta: the --meta capture converts" '
		"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" >"$ir"'
	test_expect "$v/rotary_meta: constants.pt holds the values torch lifts" '
		"$COPY" "$f.constants.pt" "$TMP/c.safetensors" &&
		"$COPY" "$f.oracle_constants.pt" "$TMP/o.safetensors" &&
		st same "$TMP/c.safetensors" "$TMP/o.safetensors" >"$TMP/keys" &&
		grep -q inv_freq "$TMP/keys" && [ "$(wc -w <"$TMP/keys")" -ge 3 ] ||
		fail "$(cat "$TMP/keys")"'
	test_expect "$v/rotary_meta: the archive holds no tensor data" '
		"$BIN/irx-dump" "$f.pt2" >"$TMP/dump" 2>&1 &&
		! grep -q "\"has_data\": true" "$ir"'
	test_expect "$v/rotary_meta: real weights + constants.pt give the outputs of torch" '
		expect_rc 0 "$VERIFY" -w "$f.oracle_state_dict.pt" -w "$f.constants.pt" \
			-i "$f.inputs.pt" --expected="$f.oracle_expected.pt" "$ir"'
	test_expect "$v/rotary_meta: without constants.pt, each missing value is named with its kind, module, line and file" '
		expect_rc 2 "$VERIFY" -w "$f.oracle_state_dict.pt" -i "$f.inputs.pt" \
			--expected="$f.oracle_expected.pt" "$ir" &&
		expect_one_line_naming "$ir" "'"'"'inv_freq'"'"' is missing (non-persistent buffer of the model Rotary, at models.py:" \
			"lifted constant" "Rotary" "models.py:" "constants.pt (-w constants.pt)"'
	test_expect "$v/rotary_meta: a missing parameter is named as one, from the state dict" '
		expect_rc 2 "$EXEC" -w "$f.constants.pt" -i "$f.inputs.pt" "$ir" &&
		grep -qF "'"'"'proj.weight'"'"' is missing (parameter of proj, at models.py:" "$TMP/err" &&
		grep -qF "state dict (-w state_dict.pt)" "$TMP/err"'
	test_expect "$v/rotary_meta: the IR is named after the model class" '
		grep -q "\"model_name\": \"Rotary\"" "$ir" &&
		grep -q "\"model_name\": \"Rotary\"" "$f.capture.json"'

	f="$dir/keywords"
	ir="$TMP/$v-keywords.ir.json"
	test_expect "$v/keywords: keyword inputs in the order of forward" '
		"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" >"$ir" &&
		tr -d " \n" <"$f.capture.json" | grep -q "\"keyword_inputs\":\[\"input_ids\",\"attention_mask\",\"scale\"\]"'
	test_expect "$v/keywords: verifies against the outputs of torch" '
		expect_rc 0 "$VERIFY" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--expected="$f.expected.pt" "$ir" && grep -q "2 of 2 outputs match" "$TMP/out"'
	test_expect "$v/keywords: verifies against the TorchScript trace" '
		expect_rc 0 "$VERIFY" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--reference="$f.reference.pt" "$ir"'
done
[ "$checked" -gt 0 ] || test_skip_all "no tests/fixtures/cap26 or cap214"

# irx-capture refuses a Python without a usable torch, saying what it needs
mkdir -p "$TMP/notorch/torch" "$TMP/oldtorch/torch"
echo 'raise ImportError("No module named torch")' >"$TMP/notorch/torch/__init__.py"
echo '__version__ = "1.13.1"' >"$TMP/oldtorch/torch/__init__.py"
test_expect "irx-capture without torch names what it needs" '
	PYTHONPATH="$TMP/notorch" expect_rc 2 "$PYTHON3" "$CAPTURE" m:f "$TMP/o" &&
	expect_one_line_naming "irx-capture:" "needs PyTorch >= 2.1" "Python"'
test_expect "irx-capture with torch 1.13 names the version it needs" '
	PYTHONPATH="$TMP/oldtorch" expect_rc 2 "$PYTHON3" "$CAPTURE" m:f "$TMP/o" &&
	expect_one_line_naming "irx-capture:" "needs torch >= 2.1" "1.13.1"'
test_done
