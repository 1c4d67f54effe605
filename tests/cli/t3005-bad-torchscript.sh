#!/bin/sh
# t3005-bad-torchscript.sh: TorchScript archives read without libtorch.
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
[ -d "$BAD" ] || skip "no $BAD"
MARKER=IRX-PWNED

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

# run ARGS...: irx-dump in $TMP/cwd under the memory limit.
run() {
	set +e
	(cd "$TMP/cwd" && ulimit -v 4000000 2>/dev/null; exec "$BIN/irx-dump" "$@") \
		>"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
}

# check LABEL FILE MENTIONS: the last run exited 2 with one line naming them.
check() {
	ok=1
	if [ "$got" -ne 2 ]; then
		fail "$1: exited $got, expected 2; stderr: $(head -c 400 "$TMP/err")"
		ok=0
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
		fail "$1: expected one line on stderr: $(head -c 400 "$TMP/err")"
		ok=0
	elif ! grep -qF -- "$2" "$TMP/err"; then
		fail "$1: stderr does not name the file: $(cat "$TMP/err")"
		ok=0
	fi
	old_ifs=$IFS
	IFS=,
	for m in $3; do
		if ! grep -qF -- "$m" "$TMP/err"; then
			fail "$1: stderr does not mention '$m': $(head -c 400 "$TMP/err")"
			ok=0
		fi
	done
	IFS=$old_ifs
	if [ -e "$TMP/cwd/$MARKER" ] || [ -n "$(ls -A "$TMP/cwd")" ]; then
		fail "$1: something appeared in the working directory"
		rm -rf "$TMP/cwd" && mkdir "$TMP/cwd"
		ok=0
	fi
	[ "$ok" -eq 1 ]
}

n=0
while IFS='|' read -r file mentions; do
	[ -n "$file" ] || continue
	n=$((n + 1))
	path="$BAD/$file"
	[ -f "$path" ] || { fail "$file: missing (run tests/bad/make-bad.py)"; continue; }
	run "$path"
	check "dump $file" "$path" "$mentions" && pass "dump $file"
	run --format=json -o "$TMP/o/out.json" "$path"
	check "dump --format=json -o $file" "$path" "$mentions" || :
	[ -z "$(ls -A "$TMP/o")" ] || { fail "$file: output left behind"; rm -f "$TMP/o/"*; }
done <<EOF
$CASES
EOF
[ "$n" -ge 14 ] || fail "only $n bad cases"

# --- the fixtures ---------------------------------------------------------
for f in "$FIXTURES"/ts/*.pt; do
	b=$(basename "$f")
	case $b in *.inputs.pt|*.expected.pt) continue ;; esac
	if expect_rc 0 "$BIN/irx-dump" "$f" && grep -q '^TorchScript archive, version 3' "$TMP/out" &&
	   grep -q '^methods:' "$TMP/out"; then
		pass "dump $b"
	else
		fail "dump $b: $(head -c 300 "$TMP/out")"
	fi
	if expect_rc 0 "$BIN/irx-dump" --format=json "$f" &&
	   grep -q '"format": "torchscript"' "$TMP/out"; then
		pass "dump --format=json $b"
	else
		fail "dump --format=json $b"
	fi
	expect_rc 0 "$BIN/irx-dump" --check "$f" && pass "dump --check $b"
done
expect_rc 0 "$BIN/irx-dump" "$FIXTURES/ts/tied_scripted.pt"
for want in 'embed.weight  parameter' 'head.weight   parameter' 'mask          buffer' \
	    'table         attribute' 'scores(self, idx: Tensor, k: int=2) -> Tensor'; do
	grep -qF -- "$want" "$TMP/out" && pass "tied_scripted lists '$want'" ||
		fail "tied_scripted does not list '$want': $(cat "$TMP/out")"
done

# --- weights from a TorchScript archive ---------------------------------------
# examples/mlp.pt2's IR run with the weights of ts/mlp_scripted.pt (the same
# state_dict keys): against the outputs torch recorded, and against the
# archive itself run by libtorch.
"$BIN/irx-exec" --version >"$TMP/v" 2>&1 || :
if grep -q "libtorch: [0-9]" "$TMP/v"; then
	"$BIN/irx-export" "$IRX_SRCDIR/examples/mlp.pt2" >"$TMP/p.json" &&
		"$BIN/irx-convert" "$TMP/p.json" >"$TMP/ir.json" || fail "export/convert examples/mlp.pt2"
	expect_rc 0 "$BIN/irx-verify" --weights "$FIXTURES/ts/mlp_scripted.pt" \
		--inputs "$FIXTURES/ts/mlp_scripted.inputs.pt" \
		--expected "$FIXTURES/ts/mlp_scripted.expected.pt" "$TMP/ir.json" &&
		pass "irx-verify --weights mlp_scripted.pt --expected"
	expect_rc 0 "$BIN/irx-verify" --strict --weights "$FIXTURES/ts/mlp_scripted.pt" \
		--reference "$FIXTURES/ts/mlp_scripted.pt" --random-inputs "$TMP/ir.json" &&
		pass "irx-verify --weights mlp_scripted.pt --reference mlp_scripted.pt"
	expect_rc 0 "$BIN/irx-exec" --weights "$FIXTURES/ts/mlp_scripted.pt" \
		--inputs "$FIXTURES/ts/mlp_scripted.inputs.pt" "$TMP/ir.json" &&
		pass "irx-exec --weights mlp_scripted.pt"
else
	echo "note: irx-exec is built without libtorch: weights not run"
fi

# --- the corpus -------------------------------------------------------------
if [ -d "$CORPUS" ]; then
	for f in "$CORPUS"/ts-*/*; do
		[ -f "$f" ] || continue
		b=${f#"$CORPUS"/}
		if expect_rc 0 "$BIN/irx-dump" "$f" && [ ! -s "$TMP/err" ]; then
			pass "corpus $b: $(head -n 1 "$TMP/out")"
		else
			[ "$got" -ne 0 ] || fail "corpus $b: stderr: $(head -c 300 "$TMP/err")"
		fi
		expect_rc 0 "$BIN/irx-dump" --format=json "$f" && pass "corpus --format=json $b"
		expect_rc 0 "$BIN/irx-dump" --check "$f" && pass "corpus --check $b"
	done
	for f in "$CORPUS"/neg-ts-*/*; do
		[ -f "$f" ] || continue
		if expect_rc 2 "$BIN/irx-dump" "$f" && expect_one_line_naming "$f"; then
			pass "corpus ${f#"$CORPUS"/} refused: $(cat "$TMP/err")"
		fi
	done
else
	echo "note: no corpus at $CORPUS"
fi
finish
