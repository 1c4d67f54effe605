#!/bin/sh
# t6001-verify-runtime-fixtures.sh: every model of tests/fixtures/rt26 and rt214
# (exported on the meta device by torch 2.6 and 2.14, with real weights,
# inputs, the eager outputs and a TorchScript trace recorded by torch):
# convert the meta archive, then
#   - irx-exec with the state dict reproduces the recorded outputs;
#   - irx-verify --expected and --reference (the trace run by the linked
#     libtorch with the same weights) exit 0;
#   - irx-verify with one weight changed exits 1 and names the output.
# Runs against whichever libtorch irx-exec links (1.13 on the host, 2.14
# in maint/check-sid.sh): operators 1.13 lacks run through decompositions.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

# Scale the largest float32 tensor of a safetensors file by 1.5 and shift
# it by 0.25 (standard library only): a weight that no longer fits the
# model.  Prints the tensor's name.
perturb() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import json, struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
floats = [(i["data_offsets"][1] - i["data_offsets"][0], k) for k, i in header.items()
          if k != "__metadata__" and i["dtype"] == "F32"]
if not floats:
    sys.exit(3)
size, name = max(floats)
b, e = header[name]["data_offsets"]
for at in range(8 + n + b, 8 + n + e, 4):
    (v,) = struct.unpack("<f", data[at:at + 4])
    data[at:at + 4] = struct.pack("<f", v * 1.5 + 0.25)
open(sys.argv[2], "wb").write(data)
print(name)
PY
}

checked=0
for dir in "$FIXTURES/rt26" "$FIXTURES/rt214"; do
	[ -d "$dir" ] || continue
	v=$(basename "$dir")
	for cap in "$dir"/*.capture.json; do
		[ -e "$cap" ] || continue
		name=$(basename "$cap" .capture.json)
		f="$dir/$name"
		ir="$TMP/$v-$name.ir.json"
		w="-w $f.state_dict.pt"
		[ -f "$f.constants.pt" ] && w="$w -w $f.constants.pt"
		checked=$((checked + 1))
		if ! "$BIN/irx-export" "$f.pt2" 2>"$TMP/err" | "$BIN/irx-convert" >"$ir" 2>>"$TMP/err"; then
			# dynamic shapes: refused by irx-convert by name, then converted
			# with --allow-dynamic and run at the inputs' sizes (checked below)
			test_expect "$v/$name: symbolic sizes need --allow-dynamic" '
				grep -q "symbolic size" "$TMP/err" &&
				"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" --allow-dynamic >"$ir"'
		fi
		# shellcheck disable=SC2086
		test_expect "$v/$name: matches torch's recorded outputs (libtorch $LIBTORCH)" '
			expect_rc 0 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --expected "$f.expected.pt" || fail "$(cat "$TMP/out")"'
		# irx's decompositions against torch's outputs even where libtorch
		# has the operator (with 2.14, SDPA and no-training batch norm)
		if grep -q '"aten\.\(scaled_dot_product_attention\|_native_batch_norm_legit_no_training\)\.default"' "$cap"; then
			# shellcheck disable=SC2086
			test_expect "$v/$name: irx's decompositions match torch's outputs" '
				expect_rc 0 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --expected "$f.expected.pt" --decompose ||
				fail "$(cat "$TMP/out")"'
		fi
		# shellcheck disable=SC2086
		test_expect "$v/$name: irx-exec -o out.pt holds the same outputs" '
			expect_rc 0 "$EXEC" "$ir" $w -i "$f.inputs.pt" -o "$TMP/out.pt" &&
			expect_rc 0 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --expected "$TMP/out.pt"'
		if [ -f "$f.reference.pt" ]; then
			rc=0
			# shellcheck disable=SC2086
			"$VERIFY" "$ir" $w -i "$f.inputs.pt" --reference "$f.reference.pt" >"$TMP/out" 2>"$TMP/err" || rc=$?
			if [ "$rc" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "reference.pt:" "$TMP/err"; then
				# a trace from a newer torch that this libtorch cannot run
				# (an operator it lacks, a kernel it has not): said in one line
				test_skip "$v/$name: matches the TorchScript model run by libtorch" \
					"libtorch $LIBTORCH cannot run the trace: $(cut -c1-160 "$TMP/err")"
			else
				test_expect "$v/$name: matches the TorchScript model run by libtorch $LIBTORCH" '
					[ "$rc" = 0 ] || fail "--reference exited $rc: $(head -c 300 "$TMP/err") $(cat "$TMP/out")"'
			fi
		fi
		[ -f "$f.state_dict.safetensors" ] || continue
		w2="-w $TMP/changed.safetensors"
		[ -f "$f.constants.pt" ] && w2="$w2 -w $f.constants.pt"
		rc=0
		changed=$(perturb "$f.state_dict.safetensors" "$TMP/changed.safetensors") || rc=$?
		if [ "$rc" = 3 ]; then
			test_skip "$v/$name: a changed weight is caught" "no float32 weight to change"
			continue
		fi
		# shellcheck disable=SC2086
		test_expect "$v/$name: changing ${changed:-a weight} is caught (exit 1, MISMATCH)" '
			[ "$rc" = 0 ] && expect_rc 1 "$VERIFY" "$ir" $w2 -i "$f.inputs.pt" --expected "$f.expected.pt" &&
			grep -q "MISMATCH" "$TMP/out" || fail "$(cat "$TMP/out")"'
	done
done
[ "$checked" -gt 0 ] || test_skip_all "no runtime fixtures"
note "$checked models checked against libtorch $LIBTORCH"
test_done
