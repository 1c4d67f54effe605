#!/bin/sh
# t5006-dynamic.sh: IRs with dynamic shapes run at the sizes of their inputs.
#
# tests/fixtures/dyn214 and dyn26 (tests/fixtures/gen_dynamic.py: programs
# exported by torch 2.14 and 2.6 with torch.export.Dim, real weights, and
# torch's eager outputs at three sizes each) are converted with
# --allow-dynamic, then:
#   - the IR's symbols and ranges are torch's range_constraints;
#   - irx-verify matches torch's outputs at every size (an MLP with a
#     dynamic batch, a transformer block with a dynamic sequence length and
#     a causal mask of that size, a model of 2*n, n+1, reshape(n, 8) and
#     arange(n) with two inputs sharing n);
#   - a size outside the range, inputs that disagree on a symbol, and an
#     input that disagrees with --bind are exit 2, one line naming the
#     symbol, its range and the input;
#   - --random-inputs takes the sizes from --bind (torch's output shapes at
#     that size), and without it names the symbol;
#   - --bind of an unknown symbol or out of range is exit 2;
#   - a symbolic output shape claimed wrongly is caught after evaluation,
#     and an expression irx cannot read is exit 2.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

# oracle FILE EXPR: a value of the oracle (NAME.dynamic.json), in Python
oracle() {
	"$PYTHON3" -c 'import json, sys
o = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(" ".join(map(str, v)) if isinstance(v, list) else v)' "$1" "$2"
}

# shapes_are FILE SHAPES-JSON: the tensors of FILE have these shapes
shapes_are() {
	"$BIN/irx-dump" --format=json "$1" >"$TMP/dump.json" &&
		"$PYTHON3" - "$TMP/dump.json" "$2" <<'PY'
import json, sys
got = [t["shape"] for t in json.load(open(sys.argv[1]))["tensors"]]
want = json.loads(sys.argv[2])
assert got == want, (got, want)
PY
}

checked=0
for v in dyn214 dyn26; do
	dir="$FIXTURES/$v"
	[ -d "$dir" ] || continue
	for o in "$dir"/*.dynamic.json; do
		m=$(basename "$o" .dynamic.json)
		f="$dir/$m"
		ir="$TMP/$v-$m.ir.json"
		w="$f.state_dict.pt"
		checked=$((checked + 1))
		test_expect "$v/$m: refused without --allow-dynamic, converted with it" '
			! "$BIN/irx-export" "$f.pt2" 2>/dev/null | "$BIN/irx-convert" >/dev/null 2>&1 &&
			"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" --allow-dynamic >"$ir"'
		test_expect "$v/$m: the IR's symbols are torch's range_constraints" '
			"$PYTHON3" - "$ir" "$o" <<-PY || fail "symbols differ"
			import json, sys
			ir = json.load(open(sys.argv[1]))["symbols"]
			want = json.load(open(sys.argv[2]))["symbols"]
			assert {k: (v["min"], v["max"]) for k, v in ir.items()} == \
			       {k: (v["min"], v["max"]) for k, v in want.items()}, (ir, want)
			PY'
		sym=$(oracle "$o" '[s for s in o["symbols"] if s.isidentifier()][0]')
		lo=$(oracle "$o" 'o["symbols"]["'"$sym"'"]["min"]')
		hi=$(oracle "$o" 'o["symbols"]["'"$sym"'"]["max"]')
		for s in $(oracle "$o" '[r["size"] for r in o["runs"]]'); do
			test_expect "$v/$m: matches torch's outputs at $sym=$s" '
				expect_rc 0 "$VERIFY" "$ir" -w "$w" -i "$f.inputs.$s.pt" --expected "$f.expected.$s.pt" ||
				fail "$(cat "$TMP/out")"'
		done
		bad=$(oracle "$o" 'o["bad"]["size"]')
		test_expect "$v/$m: size $bad is refused, naming $sym, its range and the input" '
			expect_rc 2 "$VERIFY" "$ir" -w "$w" -i "$f.inputs.bad.pt" --expected "$f.expected.$s.pt" &&
			expect_one_line_naming "$sym (range $lo..$hi)" "input 0" "is $bad" range_constraints'
		test_expect "$v/$m: --random-inputs without --bind names $sym and its range" '
			expect_rc 2 "$EXEC" "$ir" -w "$w" --random-inputs &&
			expect_one_line_naming "$sym (range $lo..$hi)" "--bind"'
		s=$(oracle "$o" 'o["runs"][0]["size"]')
		test_expect "$v/$m: --random-inputs --bind $sym=$s gives torch's output shapes" '
			expect_rc 0 "$EXEC" "$ir" -w "$w" --random-inputs --bind "$sym=$s" -o "$TMP/out.pt" &&
			shapes_are "$TMP/out.pt" "$(oracle "$o" "json.dumps(o[\"runs\"][0][\"outputs\"])")"'
		test_expect "$v/$m: --bind out of range, or of an unknown symbol, is exit 2" '
			expect_rc 2 "$EXEC" "$ir" -w "$w" --random-inputs --bind "$sym=$bad" &&
			expect_one_line_naming "--bind $sym=$bad" "$sym (range $lo..$hi)" &&
			expect_rc 2 "$EXEC" "$ir" -w "$w" --random-inputs --bind "nosuch=3" &&
			expect_one_line_naming "nosuch" "$sym"'
		s2=$(oracle "$o" 'o["runs"][1]["size"]')
		test_expect "$v/$m: inputs that disagree with --bind are exit 2" '
			expect_rc 2 "$EXEC" "$ir" -w "$w" -i "$f.inputs.$s2.pt" --bind "$sym=$s" &&
			expect_one_line_naming "input 0" "is $s2" "$sym is $s"'
		if [ -f "$f.inputs.mismatch.pt" ]; then
			test_expect "$v/$m: inputs that disagree on $sym are exit 2, naming both" '
				expect_rc 2 "$EXEC" "$ir" -w "$w" -i "$f.inputs.mismatch.pt" &&
				expect_one_line_naming "input 1" "from input 0" "$sym (range $lo..$hi)"'
		fi
		# the claimed shape of the first output with an expression, one off
		"$PYTHON3" - "$ir" "$TMP/claim.json" "$TMP/garbled.json" <<-'PY'
		import json, sys
		ir = json.load(open(sys.argv[1]))
		out = ir["graph_outputs"][0]
		node = next(n for n in ir["nodes"] if n["name"] == out["producer_node"])
		for meta in [out, node["outputs"][out["producer_output_idx"]]]:
		    meta["shape"] = ["(%s) + 1" % d if isinstance(d, str) else d for d in meta["shape"]]
		json.dump(ir, open(sys.argv[2], "w"))
		for meta in [out, node["outputs"][out["producer_output_idx"]]]:
		    meta["shape"] = ["%s +" % d if isinstance(d, str) else d for d in meta["shape"]]
		json.dump(ir, open(sys.argv[3], "w"))
		PY
		test_expect "$v/$m: a wrongly claimed symbolic shape is caught after evaluation" '
			expect_rc 2 "$EXEC" "$TMP/claim.json" -w "$w" -i "$f.inputs.$s.pt" &&
			expect_one_line_naming "the IR claims" "$sym"'
		test_expect "$v/$m: a size irx cannot evaluate is exit 2 in one line" '
			expect_rc 2 "$EXEC" "$TMP/garbled.json" -w "$w" -i "$f.inputs.$s.pt" &&
			expect_one_line_naming "garbled.json"'
	done
done
[ "$checked" -gt 0 ] || test_skip_all "no dynamic fixtures"
note "$checked dynamic programs checked against libtorch $LIBTORCH"
test_done
