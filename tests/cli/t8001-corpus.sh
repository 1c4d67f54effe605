#!/bin/sh
# Third-party archives ($IRX_CORPUS, else ../shared/corpus beside the
# checkout; absent in a user's checkout): programs convert, everything else
# fails with one clear line.
. "$IRX_SRCDIR/tests/cli/lib.sh"
[ -d "$CORPUS" ] || test_skip_all "no corpus at $CORPUS (set IRX_CORPUS)"

for f in "$CORPUS"/pt2-hades-dann-schema2/*.pt2 "$CORPUS"/pt2-trt-add-schema7.3/*.ep \
	 "$CORPUS"/pt2-trt-add-schema7.4/*.ep; do
	[ -f "$f" ] || continue
	name=${f#"$CORPUS"/}
	test_expect "$name converts and --check finds nothing" '
		"$BIN/irx-export" "$f" >"$TMP/p.json" 2>"$TMP/err" &&
		"$BIN/irx-convert" "$TMP/p.json" >"$TMP/ir.json" 2>>"$TMP/err" &&
		"$BIN/irx-dump" --check "$TMP/ir.json" >/dev/null &&
		note "$(grep -c "\"op_type\"" "$TMP/ir.json") nodes" || fail "$(cat "$TMP/err")"'
done
f="$CORPUS/pt2-hades-dann-schema2/exported_program.pt2"
if [ -f "$f" ]; then
	test_expect "the training-mode program keeps aten._native_batch_norm_legit_functional" '
		"$BIN/irx-export" "$f" | "$BIN/irx-convert" >"$TMP/ir.json" &&
		grep -q "\"aten._native_batch_norm_legit_functional.default\"" "$TMP/ir.json"'
fi

for f in "$CORPUS"/pt2-aoti-package-*/*.pt2 "$CORPUS"/neg-*/* "$CORPUS"/ts-*/*; do
	[ -f "$f" ] || continue
	name=${f#"$CORPUS"/}
	test_expect "$name: exit 2, one line naming the file and what it is" '
		expect_rc 2 "$BIN/irx-export" "$f" && expect_one_line_naming "$f" &&
		grep -Eq "AOTInductor|TorchScript|torch.save|CRC|zip" "$TMP/err" && note "$(cut -c1-90 "$TMP/err")"'
done
test_done
