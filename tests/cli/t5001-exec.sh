#!/bin/sh
# irx-exec and irx-verify run converted IRs with real weights: the happy paths.
#
# The .pt2 fixtures of tests/fixtures/tensors/{t214,t26} (weights.pt2: a
# linear, buffers, a non-persistent buffer and a tensor constant; tied.pt2:
# an embedding and a head sharing one storage) are exported and converted,
# then run: a summary line per output, -o .pt (a list, by position) and
# -o .safetensors (keyed by graph-output name) with the IR's dtypes and
# shapes, the same seed giving the same bytes and another seed other bytes,
# --dump-intermediates writing one NODE.safetensors per node, irx-verify
# accepting what irx-exec wrote and catching one changed weight (by output,
# and with --per-node --trace by the first node it reaches), and --weights
# given twice (a safetensors state dict, the .pt2 for its constants).
# The runtime fixtures (tests/fixtures/rt26, rt214) are t6001's.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

# irx-dump --format=json of a tensor file against the IR's graph outputs:
# names (positions with BY_POSITION=1), dtypes and shapes.
outputs_as_ir() { # IR FILE BY_POSITION
	"$BIN/irx-dump" --format=json "$2" >"$TMP/dump.json" &&
		"$PYTHON3" - "$1" "$TMP/dump.json" "$3" <<'PY'
import json, sys
ir = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))["tensors"]
want = ir["graph_outputs"]
assert len(got) == len(want), (len(got), len(want))
for i, (g, w) in enumerate(zip(got, want)):
    name = str(i) if sys.argv[3] == "1" else w["name"]
    assert g["name"] == name, (g["name"], name)
    assert g["dtype"] == w["dtype"] and g["shape"] == w["shape"], (g, w)
PY
}

for v in t214 t26; do
	for m in weights tied; do
		a="$FIXTURES/tensors/$v/$m.pt2"
		ir="$TMP/$v-$m.ir.json"
		t="$v/$m"
		test_expect "$t: export | convert" '
			"$BIN/irx-export" "$a" >"$TMP/p.json" && "$BIN/irx-convert" "$TMP/p.json" >"$ir"'
		if [ ! -s "$ir" ]; then
			test_skip "$t: the runs" "no IR"
			continue
		fi
		outs=$("$PYTHON3" -c 'import json,sys; print(" ".join(o["name"] for o in json.load(open(sys.argv[1]))["graph_outputs"]))' "$ir")
		nodes=$("$PYTHON3" -c 'import json,sys; print(" ".join(sorted(n["name"] for n in json.load(open(sys.argv[1]))["nodes"])))' "$ir")

		# A summary line per output, naming it, nothing on stderr.
		test_expect "$t: a summary line per output ($outs)" '
			expect_rc 0 "$EXEC" "$ir" --weights "$a" --random-inputs &&
			[ "$(wc -l <"$TMP/out")" -eq "$(echo "$outs" | wc -w)" ] &&
			for o in $outs; do grep -q "^$o  float32\[" "$TMP/out" || return 1; done &&
			grep -q "nonfinite=0" "$TMP/out" && [ ! -s "$TMP/err" ] ||
			fail "summary: $(cat "$TMP/out") stderr: $(cat "$TMP/err")"'

		# -o .pt (by position) and .safetensors (by name), as the IR says.
		test_expect "$t: -o out.pt: a list of the outputs" '
			expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs -o "$TMP/$v-$m.pt" &&
			[ ! -s "$TMP/out" ] && outputs_as_ir "$ir" "$TMP/$v-$m.pt" 1'
		test_expect "$t: -o out.safetensors: keyed by output name" '
			expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs -o "$TMP/$v-$m.safetensors" &&
			outputs_as_ir "$ir" "$TMP/$v-$m.safetensors" 0'

		# Seeds: the same seed gives the same bytes, another seed others.
		test_expect "$t: --seed 0 is the default and repeats byte for byte" '
			expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --seed 0 -o "$TMP/seed0.pt" &&
			cmp "$TMP/seed0.pt" "$TMP/$v-$m.pt"'
		test_expect "$t: --seed 7 gives other outputs, the same each time" '
			expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --seed 7 -o "$TMP/seed7.pt" &&
			! cmp -s "$TMP/seed7.pt" "$TMP/$v-$m.pt" &&
			expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --seed 7 -o "$TMP/seed7b.pt" &&
			cmp "$TMP/seed7.pt" "$TMP/seed7b.pt"'

		# --dump-intermediates: one NODE.safetensors per node, keyed by
		# the node's output names.
		rm -rf "$TMP/dump"
		test_expect "$t: --dump-intermediates: one file per node" - <<'EOT'
expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --dump-intermediates "$TMP/dump" &&
got=$(for f in "$TMP/dump"/*; do basename "$f" .safetensors; done | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//') &&
want=$(printf '%s\n' $nodes | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//') &&
{ [ "$got" = "$want" ] || fail "files '$got', nodes '$want'"; } &&
for n in $nodes; do
	"$BIN/irx-dump" --format=json "$TMP/dump/$n.safetensors" >"$TMP/node.json" &&
	"$PYTHON3" - "$ir" "$n" "$TMP/node.json" <<'PY' || return 1
import json, sys
ir = json.load(open(sys.argv[1]))
node = [n for n in ir["nodes"] if n["name"] == sys.argv[2]][0]
got = json.load(open(sys.argv[3]))["tensors"]
assert [(t["name"], t["dtype"], t["shape"]) for t in got] == \
    [(o["name"], o["dtype"], o["shape"]) for o in node["outputs"]], (got, node["outputs"])
PY
done
EOT

		# irx-verify accepts what irx-exec wrote, in either format.
		test_expect "$t: irx-verify --expected out.pt" '
			expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/$v-$m.pt" &&
			grep -q "1 of 1 outputs match" "$TMP/out" || fail "$(cat "$TMP/out")"'
		test_expect "$t: irx-verify --expected out.safetensors" '
			expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/$v-$m.safetensors" &&
			grep -q "1 of 1 outputs match" "$TMP/out"'
		test_expect "$t: --report=json: one object, match true" - <<'EOT'
expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/$v-$m.pt" --report=json &&
"$PYTHON3" - "$TMP/out" "$outs" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())  # exactly one JSON document
names = sys.argv[2].split()
assert d["match"] is True and d["outputs"] == len(names) and d["mismatched"] == 0, d
assert [r["name"] for r in d["results"]] == names, d["results"]
for r in d["results"]:
    assert r["match"] is True and r["max_abs"] == 0 and r["mismatched"] == 0, r
    assert r["count"] > 0 and "worst_index" in r and "rtol" in r and "atol" in r, r
PY
EOT
		# ... and not another seed's outputs.
		test_expect "$t: irx-verify: another seed's outputs do not match" '
			expect_rc 1 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/seed7.pt" &&
			grep -q "MISMATCH" "$TMP/out"'

		# --per-node against the float64 run and against its own trace.
		test_expect "$t: --per-node (float64)" '
			expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --per-node &&
			grep -qF "every node matches the reference trace (float64" "$TMP/out" || fail "$(cat "$TMP/out")"'
		test_expect "$t: --per-node --trace (its own dumps)" '
			expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --per-node --trace "$TMP/dump" &&
			grep -qF "every node matches the reference trace ($TMP/dump" "$TMP/out" || fail "$(cat "$TMP/out")"'
	done

	# One changed weight.  weights.pt2: out = (lin(x) + running) * mask *
	# scale + steps; 'running' changes at node add, after linear.
	a="$FIXTURES/tensors/$v/weights.pt2"
	ir="$TMP/$v-weights.ir.json"
	t="$v/weights"
	[ -s "$ir" ] || continue
	test_expect "$t: safetensors copies of the state dict, with the constants, with a changed weight" '
		"$COPY" "$a" "$TMP/sd.safetensors" >/dev/null &&
		st consts "$TMP/sd.safetensors" "$TMP/full.safetensors" "$a.oracle.json" &&
		st add "$TMP/sd.safetensors" "$TMP/changed.safetensors" running 1 0.5'

	# --weights twice: the state dict, then the .pt2 for its constants.
	test_expect "$t: --weights state dict + .pt2: the same outputs" '
		expect_rc 0 "$EXEC" "$ir" -w "$TMP/sd.safetensors" -w "$a" --random-inputs -o "$TMP/twice.pt" &&
		cmp "$TMP/twice.pt" "$TMP/$v-weights.pt"'
	# The state dict alone lacks the constants; with them it is enough.
	test_expect "$t: a state dict without the constants names them" '
		expect_rc 2 "$EXEC" "$ir" -w "$TMP/sd.safetensors" --random-inputs &&
		expect_one_line_naming "'\''mask'\'' is missing" "'\''scale'\'' is missing" &&
		! grep -q "lin.weight" "$TMP/err"'
	test_expect "$t: a safetensors file with weights and constants: the same outputs" '
		expect_rc 0 "$EXEC" "$ir" -w "$TMP/full.safetensors" --random-inputs -o "$TMP/full.pt" &&
		cmp "$TMP/full.pt" "$TMP/$v-weights.pt"'

	# --inputs: a safetensors file keyed by input name and a torch.save
	# list of the same tensor give the same outputs.
	test_expect "$t: --inputs safetensors and .pt agree" '
		st new "$TMP/x.safetensors" x:F32:2,4 && "$COPY" "$TMP/x.safetensors" "$TMP/x.pt" --list >/dev/null &&
		expect_rc 0 "$EXEC" "$ir" -w "$a" --inputs "$TMP/x.safetensors" -o "$TMP/xs.pt" &&
		expect_rc 0 "$EXEC" "$ir" -w "$a" --inputs "$TMP/x.pt" -o "$TMP/xp.pt" &&
		cmp "$TMP/xs.pt" "$TMP/xp.pt" && ! cmp -s "$TMP/xs.pt" "$TMP/$v-weights.pt" &&
		expect_rc 0 "$VERIFY" "$ir" -w "$a" -i "$TMP/x.pt" --expected "$TMP/xs.pt"'

	# The changed weight: the output is named as not matching...
	test_expect "$t: one changed weight: irx-verify exits 1 naming the output" '
		expect_rc 1 "$VERIFY" "$ir" -w "$TMP/changed.safetensors" -w "$a" --random-inputs --expected "$TMP/$v-weights.pt" &&
		grep -q "^add_1: MISMATCH" "$TMP/out" && grep -q "0 of 1 outputs match" "$TMP/out" ||
		fail "$(cat "$TMP/out")"'
	test_expect "$t: one changed weight: --report=json says which" - <<'EOT'
expect_rc 1 "$VERIFY" "$ir" -w "$TMP/changed.safetensors" -w "$a" --random-inputs \
	--expected "$TMP/$v-weights.safetensors" --report=json &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
r = d["results"][0]
assert d["match"] is False and d["mismatched"] == 1 and r["name"] == "add_1" and not r["match"], d
assert r["max_abs"] > 0.1 and r["mismatched"] > 0, r
PY
EOT
	# ... and a trace made with it diverges first at node add, not linear.
	rm -rf "$TMP/changed-dump"
	test_expect "$t: --per-node --trace of the changed weight: first divergence at node add" '
		expect_rc 0 "$EXEC" "$ir" -w "$TMP/changed.safetensors" -w "$a" --random-inputs \
			--dump-intermediates "$TMP/changed-dump" &&
		expect_rc 1 "$VERIFY" "$ir" -w "$a" --random-inputs --per-node --trace "$TMP/changed-dump" &&
		grep -q "^first divergence: node add (aten.add.Tensor)" "$TMP/out" ||
		fail "$(cat "$TMP/out") $(cat "$TMP/err")"'
done

# A meta archive given first as weights: its copies have no data and give
# way to the files after it; alone, it is refused naming a tensor.
rt="$FIXTURES/rt214/bert"
test_expect "a meta .pt2 before the state dict and constants: their values win" "
	expect_rc 0 \"\$VERIFY\" -w \"$rt.pt2\" -w \"$rt.state_dict.pt\" -w \"$rt.constants.pt\" \
		-i \"$rt.inputs.pt\" --expected \"$rt.expected.pt\" \"$rt.pt2\""
test_expect "a meta .pt2 alone: no data, named" "
	expect_rc 2 \"\$EXEC\" -w \"$rt.pt2\" -i \"$rt.inputs.pt\" \"$rt.pt2\" &&
	expect_one_line_naming 'has no data'"
test_done
