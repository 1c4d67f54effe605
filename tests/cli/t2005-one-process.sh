#!/bin/sh
# One process from .pt2 to IR: irx-convert, irx-exec and irx-verify take a
# .pt2 archive directly (found by content) and give what the pipeline
# through irx-export gives, byte for byte.
. "$IRX_SRCDIR/tests/cli/lib.sh"

for f in "$FIXTURES"/t214/*.pt2 "$FIXTURES"/t26/*.pt2; do
	set -- $(basename "$(dirname "$f")") "$(basename "$f" .pt2)"
	opt=
	[ "$2" = dynamic ] && opt=--allow-dynamic
	test_expect "$1/$2: irx-convert ARCHIVE is the pipeline's IR, byte for byte" "
		\"\$BIN/irx-export\" \"$f\" | \"\$BIN/irx-convert\" $opt >\"\$TMP/piped.json\" &&
		expect_rc 0 \"\$BIN/irx-convert\" $opt \"$f\" &&
		cmp \"\$TMP/piped.json\" \"\$TMP/out\""
done

test_expect "an archive on standard input" '
	"$BIN/irx-export" - <"$FIXTURES/t214/mlp.pt2" | "$BIN/irx-convert" >"$TMP/piped.json" &&
	expect_rc 0 "$BIN/irx-convert" - <"$FIXTURES/t214/mlp.pt2" &&
	cmp "$TMP/out" "$TMP/piped.json"'
test_expect "an archive to -o, written whole" '
	expect_rc 0 "$BIN/irx-convert" -o "$TMP/mlp.ir.json" "$FIXTURES/t214/mlp.pt2" &&
	"$BIN/irx-dump" --check "$TMP/mlp.ir.json" >/dev/null'
if [ -w /dev/full ]; then
	test_expect "an archive to a full device: exit 2, one line naming standard output" '
		got=0
		"$BIN/irx-convert" "$FIXTURES/t214/mobilenet_v3_small.pt2" >/dev/full 2>"$TMP/err" || got=$?
		{ [ "$got" -eq 2 ] || fail "exited $got, expected 2"; } &&
		expect_one_line_naming "standard output" "cannot write"'
fi
test_expect "--model names the program; a missing one is named" '
	expect_rc 0 "$BIN/irx-convert" --model model "$FIXTURES/t214/mlp.pt2" &&
	expect_rc 2 "$BIN/irx-convert" --model nope "$FIXTURES/t214/mlp.pt2" &&
	expect_one_line_naming mlp.pt2 "no model" nope'
test_expect "--model on a JSON document is an error" '
	"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" >"$TMP/mlp.json" &&
	expect_rc 2 "$BIN/irx-convert" --model model "$TMP/mlp.json" &&
	expect_one_line_naming mlp.json "picks a program in a .pt2 archive"'
test_expect "a dynamic archive without --allow-dynamic names the symbol" '
	expect_rc 2 "$BIN/irx-convert" "$FIXTURES/t214/dynamic.pt2" &&
	expect_one_line_naming dynamic.pt2 "symbolic size" "--allow-dynamic"'
test_expect "an IR is not converted again" '
	expect_rc 2 "$BIN/irx-convert" "$TMP/mlp.ir.json" &&
	expect_one_line_naming mlp.ir.json "already an irx IR"'
ts=$(ls "$FIXTURES"/ts214/*.pt 2>/dev/null | grep -v -e expected -e inputs -e state_dict | head -n 1)
if [ -n "$ts" ]; then
	test_expect "a TorchScript archive points to irx-export" "
		expect_rc 2 \"\$BIN/irx-convert\" \"$ts\" &&
		expect_one_line_naming \"$(basename "$ts")\" 'TorchScript archive' irx-export"
fi
test_expect "a state dict is not a program" '
	expect_rc 2 "$BIN/irx-convert" "$FIXTURES/rt214/mlp.state_dict.pt" &&
	expect_one_line_naming mlp.state_dict.pt "torch.save"'

# Running an archive directly needs libtorch.
"$BIN/irx-exec" --version 2>&1 | grep -q "libtorch: [0-9]" || {
	test_skip "irx-exec and irx-verify on an archive" "irx-exec is built without libtorch"
	test_done
}
for m in mlp attention; do
	rt="$FIXTURES/rt214/$m"
	[ -f "$rt.pt2" ] || continue
	test_expect "rt214/$m: irx-verify ARCHIVE matches torch's outputs" "
		expect_rc 0 \"\$BIN/irx-verify\" -w \"$rt.state_dict.pt\" -i \"$rt.inputs.pt\" \
			--expected \"$rt.expected.pt\" \"$rt.pt2\""
	test_expect "rt214/$m: irx-exec ARCHIVE gives the pipeline's outputs" "
		\"\$BIN/irx-convert\" \"$rt.pt2\" >\"\$TMP/$m.ir.json\" &&
		\"\$BIN/irx-exec\" -w \"$rt.state_dict.pt\" -i \"$rt.inputs.pt\" -o \"\$TMP/a.pt\" \"\$TMP/$m.ir.json\" &&
		expect_rc 0 \"\$BIN/irx-exec\" -w \"$rt.state_dict.pt\" -i \"$rt.inputs.pt\" -o \"\$TMP/b.pt\" \"$rt.pt2\" &&
		expect_rc 0 \"\$BIN/irx-verify\" -i \"$rt.inputs.pt\" -w \"$rt.state_dict.pt\" --expected \"\$TMP/a.pt\" --rtol 0 --atol 0 \"$rt.pt2\""
done
test_done
