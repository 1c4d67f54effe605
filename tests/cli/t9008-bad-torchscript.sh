#!/bin/sh
# t9008-bad-torchscript.sh: TorchScript archives read without libtorch.
#
# 1. irx-dump on the malformed TorchScript archives of tests/bad/ (jit-*,
#    made by tests/bad/make-bad.py): exit 2, one line on stderr naming the
#    file and each MENTION, nothing run (no IRX-PWNED marker), no output
#    left behind with -o.
# 2. irx-dump on the fixtures of tests/fixtures/ts (text, JSON, --check).
# 3. The third-party corpus (ts-*, neg-ts-*; skipped when absent): every
#    archive lists (text and JSON) and passes --check; the damaged one is
#    refused with one line.
. "$IRX_SRCDIR/tests/cli/lib.sh"

BAD="$IRX_SRCDIR/tests/bad/files"
[ -d "$BAD" ] || test_skip_all "no $BAD"

# FILE | MENTIONS (comma-separated)
CASES=$(cat <<'EOF'
jit-no-code.pt|tied_scripted/code/
jit-version-99.pt|entry 'tied_scripted/version',version '99'
jit-version-text.pt|entry 'tied_scripted/version',version 'three'
jit-version-missing.pt|tied_scripted/version
jit-global-os-system.pt|entry 'tied_scripted/data.pkl': pickle offset 2,os.system
jit-attr-builtins-eval.pt|entry 'tied_scripted/data.pkl',builtins.eval
jit-not-module.pt|entry 'tied_scripted/data.pkl',module
jit-storage-too-big.pt|entry 'tied_scripted/data.pkl',tied_scripted/data/0,8000,mask
jit-size-lies.pt|entry 'tied_scripted/data.pkl',mask
jit-data-entry-missing.pt|tied_scripted/data/2,embed.weight
jit-constants-storage-lie.pt|entry 'consts_traced/constants.pkl',consts_traced/constants/0,CONSTANTS.c0
jit-deep-objects.pt|entry 'tied_scripted/data.pkl',deeper than 200
jit-name-bomb.pt|entry 'tied_scripted/data.pkl',times the pickle's length
jit-bytecode-only.ptl|bytecode-only
EOF
)

mkdir "$TMP/cwd" "$TMP/o"
RUN_CWD="$TMP/cwd"
EXIT1_STREAM=err

n=0
printf '%s\n' "$CASES" >"$TMP/cases"
while IFS='|' read -r file mentions; do
	[ -n "$file" ] || continue
	n=$((n + 1))
	path="$BAD/$file"
	test_expect "dump $file" '
		[ -f "$path" ] || fail "missing (run tests/bad/make-bad.py)"
		run_limited "$BIN/irx-dump" "$path" && check_run 2 "$path" "$mentions"'
	test_expect "dump --format=json -o $file: the same, and no output left" '
		run_limited "$BIN/irx-dump" --format=json -o "$TMP/o/out.json" "$path" &&
		check_run 2 "$path" "$mentions" && no_output "$TMP/o"'
done <"$TMP/cases"
test_expect "all 14 bad TorchScript cases are in the table" '[ "$n" -ge 14 ]'
RUN_CWD=

# --- the fixtures ---------------------------------------------------------
for f in "$FIXTURES"/ts/*.pt; do
	b=$(basename "$f")
	case $b in *.inputs.pt|*.expected.pt) continue ;; esac
	test_expect "dump $b: a TorchScript archive with its methods" '
		expect_rc 0 "$BIN/irx-dump" "$f" && grep -q "^TorchScript archive, version 3" "$TMP/out" &&
		grep -q "^methods:" "$TMP/out"'
	test_expect "dump --format=json $b" '
		expect_rc 0 "$BIN/irx-dump" --format=json "$f" && grep -q "\"format\": \"torchscript\"" "$TMP/out"'
	test_expect "dump --check $b" 'expect_rc 0 "$BIN/irx-dump" --check "$f"'
done
expect_rc 0 "$BIN/irx-dump" "$FIXTURES/ts/tied_scripted.pt" || :
cp "$TMP/out" "$TMP/tied.txt"
for want in 'embed.weight  parameter' 'head.weight   parameter' 'mask          buffer' \
	    'table         attribute' 'scores(self, idx: Tensor, k: int=2) -> Tensor'; do
	test_expect "tied_scripted lists '$want'" 'grep -qF -- "$want" "$TMP/tied.txt"'
done

# --- weights from a TorchScript archive ---------------------------------------
# examples/mlp.pt2's IR run with the weights of ts/mlp_scripted.pt (the same
# state_dict keys): against the outputs torch recorded, and against the
# archive itself run by libtorch.
"$BIN/irx-exec" --version >"$TMP/v" 2>&1 || :
if grep -q "libtorch: [0-9]" "$TMP/v"; then
	"$BIN/irx-export" "$IRX_SRCDIR/examples/mlp.pt2" >"$TMP/p.json" &&
		"$BIN/irx-convert" "$TMP/p.json" >"$TMP/ir.json" || bail_out "export/convert examples/mlp.pt2"
	test_expect "irx-verify --weights mlp_scripted.pt --expected" '
		expect_rc 0 "$BIN/irx-verify" --weights "$FIXTURES/ts/mlp_scripted.pt" \
			--inputs "$FIXTURES/ts/mlp_scripted.inputs.pt" \
			--expected "$FIXTURES/ts/mlp_scripted.expected.pt" "$TMP/ir.json"'
	test_expect "irx-verify --weights mlp_scripted.pt --reference mlp_scripted.pt" '
		expect_rc 0 "$BIN/irx-verify" --strict --weights "$FIXTURES/ts/mlp_scripted.pt" \
			--reference "$FIXTURES/ts/mlp_scripted.pt" --random-inputs "$TMP/ir.json"'
	test_expect "irx-exec --weights mlp_scripted.pt" '
		expect_rc 0 "$BIN/irx-exec" --weights "$FIXTURES/ts/mlp_scripted.pt" \
			--inputs "$FIXTURES/ts/mlp_scripted.inputs.pt" "$TMP/ir.json"'
else
	test_skip "TorchScript weights run" "irx-exec is built without libtorch"
fi

# --- the corpus -------------------------------------------------------------
if [ -d "$CORPUS" ]; then
	for f in "$CORPUS"/ts-*/*; do
		[ -f "$f" ] || continue
		b=${f#"$CORPUS"/}
		test_expect "corpus $b lists, nothing on stderr" '
			expect_rc 0 "$BIN/irx-dump" "$f" && [ ! -s "$TMP/err" ] && note "$(head -n 1 "$TMP/out")"'
		test_expect "corpus --format=json $b" 'expect_rc 0 "$BIN/irx-dump" --format=json "$f"'
		test_expect "corpus --check $b" 'expect_rc 0 "$BIN/irx-dump" --check "$f"'
	done
	for f in "$CORPUS"/neg-ts-*/*; do
		[ -f "$f" ] || continue
		test_expect "corpus ${f#"$CORPUS"/} refused with one line" '
			expect_rc 2 "$BIN/irx-dump" "$f" && expect_one_line_naming "$f"'
	done
else
	test_skip "the TorchScript corpus" "no corpus at $CORPUS"
fi
test_done
