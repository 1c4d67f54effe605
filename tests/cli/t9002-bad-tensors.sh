#!/bin/sh
# t9002-bad-tensors.sh: irx-dump on malformed tensor files (tests/bad/, see
# the "Tensor files" part of its README.md; the files are made by
# tests/bad/make-bad.py from the real fixtures in tests/fixtures/tensors/).
#
# Every exit-2 case runs three times: `irx-dump [ARGS] FILE`,
# `irx-dump --stats [ARGS] FILE` and `irx-dump --format=json -o OUT [ARGS]
# FILE`.  Each must exit 2, print exactly one line on stderr that names the
# file and contains each MENTION (the place: zip entry, pickle offset,
# JSON path, tensor name), not crash or trip a sanitizer, stay within
# `ulimit -v` 4 GB, and leave neither OUT nor OUT.tmp* behind.  Other
# cases run once, as given; an exit-1 case (--check finding a damaged
# payload) must name the file and each MENTION on its one stderr line.
#
# Every run happens in a directory of its own, and no run may leave the
# file IRX-PWNED there: the exploit cases hold pickles that Python would
# act on by running `touch IRX-PWNED`.  When python3 is at hand the test
# first proves that they would (it unpickles their data.pkl with Python's
# own pickle module in a scratch directory and expects the marker), so the
# check cannot pass because an exploit was toothless.
#
# IRX_TEST_WRAPPER, when set, is put in front of every irx-dump command
# (e.g. "$IRX_BUILDDIR/libtool --mode=execute valgrind -q --error-exitcode=99");
# the address-space limit is then left off.
. "$IRX_SRCDIR/tests/cli/lib.sh"

[ -d "$BAD" ] || test_skip_all "no $BAD"

# FILE | ARGS | RC | MENTIONS (comma-separated, may be empty)
#   FILE: a name in tests/bad/files, or fixture:P for tests/fixtures/P.
CASES=$(cat <<'EOF'
ts-pkl-cut-1.pt||2|entry 'state_dict/data.pkl': pickle offset 0,truncated
ts-pkl-cut-global.pt||2|entry 'state_dict/data.pkl': pickle offset 2,truncated GLOBAL
ts-pkl-cut-string.pt||2|entry 'state_dict/data.pkl': pickle offset 34,truncated
ts-pkl-cut-middle.pt||2|entry 'state_dict/data.pkl': pickle offset 427,no STOP
ts-pkl-cut-stop.pt||2|entry 'state_dict/data.pkl': pickle offset 853,no STOP
ts-opcode-unknown.pt||2|entry 'state_dict/data.pkl': pickle offset 175,0xff
ts-inst-os-system.pt||2|entry 'tensor/data.pkl': pickle offset 23,'i'
ts-global-os-system.pt||2|entry 'tensor/data.pkl': pickle offset 2,'os.system'
ts-global-posix-system.pt||2|entry 'tensor/data.pkl': pickle offset 2,'posix.system'
ts-global-builtins-eval.pt||2|entry 'tensor/data.pkl': pickle offset 2,'builtins.eval'
ts-global-builtin-exec.pt||2|entry 'tensor/data.pkl': pickle offset 2,'__builtin__.exec'
ts-global-subprocess-popen.pt||2|entry 'tensor/data.pkl': pickle offset 2,'subprocess.Popen'
ts-stack-global-os-system.pt||2|entry 'tensor/data.pkl': pickle offset 16,'os.system'
ts-global-load-from-bytes.pt||2|entry 'state_dict/data.pkl': pickle offset 204,torch.storage._load_from_bytes
ts-memo-get-unset.pt||2|entry 'state_dict/data.pkl': pickle offset 176,200
ts-memo-get-huge.pt||2|entry 'state_dict/data.pkl': pickle offset 176,4294967295
ts-memo-put-huge.pt||2|entry 'state_dict/data.pkl': pickle offset 27,4294967295
ts-deep-list.pt||2|entry 'tensor/data.pkl',deeper than 200
ts-deep-mark.pt||2|entry 'tensor/data.pkl',deeper than 200
ts-deep-mark-open.pt||2|entry 'tensor/data.pkl',100000 marks
ts-list-cycle.pt||2|entry 'tensor/data.pkl',deeper than 200
ts-dag-bomb.pt||2|entry 'tensor/data.pkl',more often than the pickle is long
ts-storage-too-big.pt||2|entry 'state_dict/data.pkl',state_dict/data/0,4000
ts-storage-size-overflow.pt||2|entry 'state_dict/data.pkl',storage '0'
ts-storage-twice.pt||2|entry 'state_dict/data.pkl',storage '0'
ts-data-entry-missing.pt||2|entry 'state_dict/data.pkl',state_dict/data/7
ts-offset-outside.pt||2|entry 'state_dict/data.pkl',conv.bias,20
ts-stride-outside.pt||2|entry 'state_dict/data.pkl',conv.weight
ts-stride-negative.pt||2|entry 'state_dict/data.pkl',pickle offset,stride,-1
ts-size-negative.pt||2|entry 'state_dict/data.pkl',pickle offset,size,-3
ts-size-overflow.pt||2|entry 'state_dict/data.pkl',conv.weight,overflows
ts-ndim-65.pt||2|entry 'state_dict/data.pkl',pickle offset,65
ts-long1-9-bytes.pt||2|entry 'state_dict/data.pkl': pickle offset 228,9 bytes
ts-long4-huge.pt||2|entry 'state_dict/data.pkl': pickle offset 228
ts-binunicode-past-end.pt||2|entry 'state_dict/data.pkl': pickle offset 34,2147483647
ts-binunicode8-huge.pt||2|entry 'state_dict/data.pkl': pickle offset 34,9223372036854775808
ts-byteorder-garbage.pt||2|entry 'state_dict/byteorder'
ts-byteorder-huge.pt||2|entry 'state_dict/byteorder'
ts-pkl-bad-crc.pt||2|state_dict/data.pkl
ts-payload-bad-crc.pt|--check|1|state_dict/data/7
st-header-len-past-end.safetensors||2|header length
st-header-len-2-63.safetensors||2|header length
st-header-not-json.safetensors||2|header
st-header-array.safetensors||2|
st-tensor-not-object.safetensors||2|header: /conv.bias,conv.bias
st-offsets-past-end.safetensors||2|header: /fc.weight/data_offsets
st-offsets-reversed.safetensors||2|header: /conv.bias/data_offsets
st-offsets-not-pair.safetensors||2|header: /conv.bias/data_offsets
st-overlap.safetensors||2|header: /conv.bias/data_offsets,bn.weight
st-overlap-behind-empty.safetensors||2|header: /conv.bias/data_offsets,fc.weight
st-size-mismatch.safetensors||2|header: /conv.bias/data_offsets,16,12
st-dtype-unknown.safetensors||2|header: /conv.bias/dtype,Q4_K
st-dtype-missing.safetensors||2|header: /conv.bias/dtype
st-shape-negative.safetensors||2|header: /conv.bias/shape
st-shape-float.safetensors||2|header: /conv.bias/shape
st-shape-string.safetensors||2|header: /conv.bias/shape
st-shape-65-dims.safetensors||2|header: /conv.bias/shape
st-shape-overflow.safetensors||2|conv.bias
st-metadata-not-object.safetensors||2|header: /__metadata__
st-metadata-not-string.safetensors||2|header: /__metadata__/step
st-trunc-data.safetensors||2|header: /fc.weight/data_offsets
pt2w-missing-entry.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/lin.bias/path_name,weights/data/weights/weight_9
pt2w-path-slash.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/lin.bias/path_name
pt2w-no-tensor-meta.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/running/tensor_meta
pt2w-sizes-not-ints.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/lin.weight/tensor_meta
pt2w-dtype-99.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/lin.bias/tensor_meta,lin.bias
pt2w-stride-outside.pt2||2|entry 'weights/data/weights/weight_0',lin.weight
pt2w-weight-short.pt2||2|entry 'weights/data/weights/weight_0',lin.weight,48,20
pt2w-config-invalid.pt2||2|entry 'weights/data/weights/model_weights_config.json'
pt2w-config-not-object.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config
pt2l-nested-trunc.pt2||2|entry 'serialized_state_dict.pt'
pt2l-nested-os-system.pt2||2|entry 'serialized_state_dict.pt': entry 'archive/data.pkl': pickle offset 2,os.system
ts-key-control.pt||2|entry 'state_dict/data.pkl',dict key,0x1b
ts-key-nul.pt||2|entry 'state_dict/data.pkl',dict key,0x00
ts-frame-past-end.pt||2|entry 'tensor/data.pkl': pickle offset 2,FRAME,1000
st-dup-key.safetensors||2|header: /conv.bias,duplicate key 'conv.bias'
st-name-control.safetensors||2|header: /conv,0x01
pt2w-config-dup-key.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/lin.weight,duplicate key 'lin.weight'
pt2w-name-control.pt2||2|entry 'weights/data/weights/model_weights_config.json': /config/lin,0x01
ts-payload-bad-crc.pt||0|
ts-payload-bad-crc.pt|--stats|0|
fixture:tensors/t113/quantized.pt||2|entry 'quantized/data.pkl',tensor 'q',quantized
fixture:tensors/t26/quantized.pt||2|entry 'quantized/data.pkl',tensor 'q',quantized
fixture:tensors/t214/quantized.pt||2|entry 'quantized/data.pkl',tensor 'q',quantized
fixture:tensors/t113/sparse.pt||2|entry 'sparse/data.pkl',tensor 's',sparse
fixture:tensors/t26/sparse.pt||2|entry 'sparse/data.pkl',tensor 's',sparse
fixture:tensors/t214/sparse.pt||2|entry 'sparse/data.pkl',tensor 's',sparse
fixture:tensors/t113/legacy_format.pt||2|pre-1.6
fixture:tensors/t214/legacy_format.pt||2|pre-1.6
EOF
)
EXPLOITS='ts-inst-os-system.pt ts-global-os-system.pt ts-global-posix-system.pt
ts-global-builtins-eval.pt ts-global-builtin-exec.pt ts-global-subprocess-popen.pt
ts-stack-global-os-system.pt pt2l-nested-os-system.pt2'

mkdir "$TMP/cwd" "$TMP/o"
RUN_CWD="$TMP/cwd"
EXIT1_STREAM=err
# A victim beside the working directory: no case may change it.
VICTIM="$TMP/victim.pt"
cp "$FIXTURES/tensors/t214/state_dict.pt" "$VICTIM"
victim=$(file_state "$VICTIM")

# --- the exploits are real ----------------------------------------------------
# Python's pickle acts on each exploit's data.pkl (found in the zip, or in
# the zip inside it) and leaves the marker.  This runs only `touch` in a
# scratch directory; the payloads are ours (make-bad.py).
cat >"$TMP/control.py" <<'PY'
import io, pickle, sys, time, zipfile

def data_pkl(z):
    for n in z.namelist():
        if n.endswith("data.pkl"):
            return z.read(n)
    for n in z.namelist():
        b = z.read(n)
        if b[:2] == b"PK":
            return data_pkl(zipfile.ZipFile(io.BytesIO(b)))

try:
    pickle.loads(data_pkl(zipfile.ZipFile(sys.argv[1])))
except Exception as e:
    print("after the payload:", e)
time.sleep(0.3)  # subprocess.Popen does not wait
PY
for f in $EXPLOITS; do
	if "$PYTHON3" -c 'import pickle, zipfile' 2>/dev/null; then
		test_expect "control: Python's pickle runs the payload of $f" '
			rm -rf "$TMP/control" && mkdir "$TMP/control" &&
			{ (cd "$TMP/control" && "$PYTHON3" "$TMP/control.py" "$BAD/$f") || :; } &&
			[ -e "$TMP/control/$MARKER" ]'
	else
		test_skip "control: Python's pickle runs the payload of $f" "no $PYTHON3: the exploits are not proven live"
	fi
done
rm -rf "$TMP/control"

printf '%s\n' "$CASES" >"$TMP/cases"
while IFS='|' read -r file args want mentions; do
	[ -n "$file" ] || continue
	case $file in
	fixture:*) path="$FIXTURES/${file#fixture:}" ;;
	*) path="$BAD/$file" ;;
	esac
	label="dump${args:+ $args} $file"
	# shellcheck disable=SC2086
	test_expect "$label" 'run_limited "$BIN/irx-dump" $args "$path" && check_run "$want" "$path" "$mentions"'
	[ "$want" -eq 2 ] || continue
	# shellcheck disable=SC2086
	test_expect "$label --stats" 'run_limited "$BIN/irx-dump" --stats $args "$path" && check_run "$want" "$path" "$mentions"'
	# shellcheck disable=SC2086
	test_expect "$label --format=json -o: the same, and no output left" '
		run_limited "$BIN/irx-dump" --format=json -o "$TMP/o/out.json" $args "$path" &&
		check_run "$want" "$path" "$mentions" && no_output "$TMP/o"'
done <"$TMP/cases"
test_expect "the victim beside the working directory is unchanged after every case" '
	[ "$(file_state "$VICTIM")" = "$victim" ]'
test_done
