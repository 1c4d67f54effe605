#!/bin/sh
# Third-party archives (../shared/corpus, absent in a user's checkout):
# programs convert, everything else fails with one clear line.
. "$IRX_SRCDIR/tests/cli/lib.sh"
[ -d "$CORPUS" ] || skip "no corpus at $CORPUS"

for f in "$CORPUS"/pt2-hades-dann-schema2/*.pt2 "$CORPUS"/pt2-trt-add-schema7.3/*.ep \
	 "$CORPUS"/pt2-trt-add-schema7.4/*.ep; do
	[ -f "$f" ] || continue
	if "$BIN/irx-export" "$f" 2>"$TMP/err" | "$BIN/irx-convert" >"$TMP/ir.json" 2>>"$TMP/err" &&
		"$BIN/irx-dump" --check "$TMP/ir.json" >/dev/null; then
		pass "$f converts ($(grep -c '"op_type"' "$TMP/ir.json") nodes)"
	else
		fail "$f: $(cat "$TMP/err")"
	fi
done
grep -q '"aten._native_batch_norm_legit_functional.default"' "$TMP/ir.json" 2>/dev/null || true

for f in "$CORPUS"/pt2-aoti-package-*/*.pt2 "$CORPUS"/neg-*/* "$CORPUS"/ts-*/*; do
	[ -f "$f" ] || continue
	expect_rc 2 "$BIN/irx-export" "$f" && expect_one_line_naming "$f" &&
		grep -Eq "AOTInductor|TorchScript|torch.save|CRC|zip" "$TMP/err" &&
		pass "$(basename "$f"): $(cut -c1-90 "$TMP/err")"
done
finish
