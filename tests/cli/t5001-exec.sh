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
# The runtime fixtures (tests/fixtures/rt26, rt214) are t7003's.
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
		if ! "$BIN/irx-export" "$a" >"$TMP/p.json" 2>"$TMP/err" ||
			! "$BIN/irx-convert" "$TMP/p.json" >"$ir" 2>>"$TMP/err"; then
			fail "$t: export | convert: $(head -c 400 "$TMP/err")"
			continue
		fi
		outs=$("$PYTHON3" -c 'import json,sys; print(" ".join(o["name"] for o in json.load(open(sys.argv[1]))["graph_outputs"]))' "$ir")
		nodes=$("$PYTHON3" -c 'import json,sys; print(" ".join(sorted(n["name"] for n in json.load(open(sys.argv[1]))["nodes"])))' "$ir")

		# A summary line per output, naming it, nothing on stderr.
		if expect_rc 0 "$EXEC" "$ir" --weights "$a" --random-inputs; then
			ok=1
			[ "$(wc -l <"$TMP/out")" -eq "$(echo "$outs" | wc -w)" ] || ok=0
			for o in $outs; do
				grep -q "^$o  float32\[" "$TMP/out" || ok=0
			done
			grep -q "nonfinite=0" "$TMP/out" || ok=0
			[ -s "$TMP/err" ] && ok=0
			[ $ok = 1 ] && pass "$t: a summary line per output ($outs)" ||
				fail "$t: summary: $(cat "$TMP/out") stderr: $(cat "$TMP/err")"
		fi

		# -o .pt (by position) and .safetensors (by name), as the IR says.
		expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs -o "$TMP/$v-$m.pt" &&
			[ ! -s "$TMP/out" ] && outputs_as_ir "$ir" "$TMP/$v-$m.pt" 1 &&
			pass "$t: -o out.pt: a list of the outputs" || fail "$t: -o out.pt"
		expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs -o "$TMP/$v-$m.safetensors" &&
			outputs_as_ir "$ir" "$TMP/$v-$m.safetensors" 0 &&
			pass "$t: -o out.safetensors: keyed by output name" || fail "$t: -o out.safetensors"

		# Seeds: the same seed gives the same bytes, another seed others.
		expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --seed 0 -o "$TMP/seed0.pt" &&
			cmp -s "$TMP/seed0.pt" "$TMP/$v-$m.pt" &&
			pass "$t: --seed 0 is the default and repeats byte for byte" || fail "$t: seed 0 differs"
		expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --seed 7 -o "$TMP/seed7.pt" &&
			! cmp -s "$TMP/seed7.pt" "$TMP/$v-$m.pt" &&
			expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --seed 7 -o "$TMP/seed7b.pt" &&
			cmp -s "$TMP/seed7.pt" "$TMP/seed7b.pt" &&
			pass "$t: --seed 7 gives other outputs, the same each time" || fail "$t: seed 7"

		# --dump-intermediates: one NODE.safetensors per node, keyed by
		# the node's output names.
		rm -rf "$TMP/dump"
		if expect_rc 0 "$EXEC" "$ir" -w "$a" --random-inputs --dump-intermediates "$TMP/dump"; then
			got=$(for f in "$TMP/dump"/*; do basename "$f" .safetensors; done | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
			# shellcheck disable=SC2086 # node names: one word each
			want=$(printf '%s\n' $nodes | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
			ok=1
			[ "$got" = "$want" ] || ok=0
			for n in $nodes; do
				"$BIN/irx-dump" --format=json "$TMP/dump/$n.safetensors" >"$TMP/node.json" &&
					"$PYTHON3" - "$ir" "$n" "$TMP/node.json" <<'PY' || ok=0
import json, sys
ir = json.load(open(sys.argv[1]))
node = [n for n in ir["nodes"] if n["name"] == sys.argv[2]][0]
got = json.load(open(sys.argv[3]))["tensors"]
assert [(t["name"], t["dtype"], t["shape"]) for t in got] == \
    [(o["name"], o["dtype"], o["shape"]) for o in node["outputs"]], (got, node["outputs"])
PY
			done
			[ $ok = 1 ] && pass "$t: --dump-intermediates: one file per node ($want)" ||
				fail "$t: --dump-intermediates: files '$got', nodes '$want'"
		fi

		# irx-verify accepts what irx-exec wrote, in either format.
		expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/$v-$m.pt" &&
			grep -q "1 of 1 outputs match" "$TMP/out" &&
			pass "$t: irx-verify --expected out.pt" || fail "$t: verify out.pt: $(cat "$TMP/out")"
		expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/$v-$m.safetensors" &&
			pass "$t: irx-verify --expected out.safetensors" || fail "$t: verify out.safetensors"
		expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/$v-$m.pt" --report=json &&
			"$PYTHON3" - "$TMP/out" "$outs" <<'PY' && pass "$t: --report=json: one object, match true" ||
import json, sys
d = json.loads(open(sys.argv[1]).read())  # exactly one JSON document
names = sys.argv[2].split()
assert d["match"] is True and d["outputs"] == len(names) and d["mismatched"] == 0, d
assert [r["name"] for r in d["results"]] == names, d["results"]
for r in d["results"]:
    assert r["match"] is True and r["max_abs"] == 0 and r["mismatched"] == 0, r
    assert r["count"] > 0 and "worst_index" in r and "rtol" in r and "atol" in r, r
PY
			fail "$t: --report=json: $(head -c 400 "$TMP/out")"
		# ... and not another seed's outputs.
		expect_rc 1 "$VERIFY" "$ir" -w "$a" --random-inputs --expected "$TMP/seed7.pt" &&
			grep -q "MISMATCH" "$TMP/out" &&
			pass "$t: irx-verify: another seed's outputs do not match" || fail "$t: verify seed 7"

		# --per-node against the float64 run and against its own trace.
		expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --per-node &&
			grep -qF "every node matches the reference trace (float64" "$TMP/out" &&
			pass "$t: --per-node (float64)" || fail "$t: --per-node: $(cat "$TMP/out")"
		expect_rc 0 "$VERIFY" "$ir" -w "$a" --random-inputs --per-node --trace "$TMP/dump" &&
			grep -qF "every node matches the reference trace ($TMP/dump" "$TMP/out" &&
			pass "$t: --per-node --trace (its own dumps)" || fail "$t: --per-node --trace: $(cat "$TMP/out")"
	done

	# One changed weight.  weights.pt2: out = (lin(x) + running) * mask *
	# scale + steps; 'running' changes at node add, after linear.
	a="$FIXTURES/tensors/$v/weights.pt2"
	ir="$TMP/$v-weights.ir.json"
	t="$v/weights"
	[ -s "$ir" ] || continue
	"$COPY" "$a" "$TMP/sd.safetensors" >/dev/null 2>&1 &&
		st consts "$TMP/sd.safetensors" "$TMP/full.safetensors" "$a.oracle.json" &&
		st add "$TMP/sd.safetensors" "$TMP/changed.safetensors" running 1 0.5 ||
		{ fail "$t: cannot make the safetensors copies"; continue; }

	# --weights twice: the state dict, then the .pt2 for its constants.
	expect_rc 0 "$EXEC" "$ir" -w "$TMP/sd.safetensors" -w "$a" --random-inputs -o "$TMP/twice.pt" &&
		cmp -s "$TMP/twice.pt" "$TMP/$v-weights.pt" &&
		pass "$t: --weights state dict + .pt2: the same outputs" || fail "$t: --weights twice"
	# The state dict alone lacks the constants; with them it is enough.
	expect_rc 2 "$EXEC" "$ir" -w "$TMP/sd.safetensors" --random-inputs && grep -q "'mask' is missing" "$TMP/err" &&
		grep -q "'scale' is missing" "$TMP/err" && ! grep -q "lin.weight" "$TMP/err" &&
		pass "$t: a state dict without the constants names them" || fail "$t: no constants: $(cat "$TMP/err")"
	expect_rc 0 "$EXEC" "$ir" -w "$TMP/full.safetensors" --random-inputs -o "$TMP/full.pt" &&
		cmp -s "$TMP/full.pt" "$TMP/$v-weights.pt" &&
		pass "$t: a safetensors file with weights and constants: the same outputs" || fail "$t: full.safetensors"

	# --inputs: a safetensors file keyed by input name and a torch.save
	# list of the same tensor give the same outputs.
	st new "$TMP/x.safetensors" x:F32:2,4 && "$COPY" "$TMP/x.safetensors" "$TMP/x.pt" --list >/dev/null 2>&1 &&
		expect_rc 0 "$EXEC" "$ir" -w "$a" --inputs "$TMP/x.safetensors" -o "$TMP/xs.pt" &&
		expect_rc 0 "$EXEC" "$ir" -w "$a" --inputs "$TMP/x.pt" -o "$TMP/xp.pt" &&
		cmp -s "$TMP/xs.pt" "$TMP/xp.pt" && ! cmp -s "$TMP/xs.pt" "$TMP/$v-weights.pt" &&
		expect_rc 0 "$VERIFY" "$ir" -w "$a" -i "$TMP/x.pt" --expected "$TMP/xs.pt" &&
		pass "$t: --inputs safetensors and .pt agree" || fail "$t: --inputs"

	# The changed weight: the output is named as not matching...
	expect_rc 1 "$VERIFY" "$ir" -w "$TMP/changed.safetensors" -w "$a" --random-inputs --expected "$TMP/$v-weights.pt" &&
		grep -q "^add_1: MISMATCH" "$TMP/out" && grep -q "0 of 1 outputs match" "$TMP/out" &&
		pass "$t: one changed weight: irx-verify exits 1 naming the output" ||
		fail "$t: changed weight: $(cat "$TMP/out")"
	expect_rc 1 "$VERIFY" "$ir" -w "$TMP/changed.safetensors" -w "$a" --random-inputs \
		--expected "$TMP/$v-weights.safetensors" --report=json &&
		"$PYTHON3" -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
r = d["results"][0]
assert d["match"] is False and d["mismatched"] == 1 and r["name"] == "add_1" and not r["match"], d
assert r["max_abs"] > 0.1 and r["mismatched"] > 0, r' "$TMP/out" &&
		pass "$t: one changed weight: --report=json says which" || fail "$t: changed, json: $(cat "$TMP/out")"
	# ... and a trace made with it diverges first at node add, not linear.
	rm -rf "$TMP/changed-dump"
	expect_rc 0 "$EXEC" "$ir" -w "$TMP/changed.safetensors" -w "$a" --random-inputs \
		--dump-intermediates "$TMP/changed-dump" &&
		expect_rc 1 "$VERIFY" "$ir" -w "$a" --random-inputs --per-node --trace "$TMP/changed-dump" &&
		grep -q "^first divergence: node add (aten.add.Tensor)" "$TMP/out" &&
		pass "$t: --per-node --trace of the changed weight: first divergence at node add" ||
		fail "$t: per-node changed: $(cat "$TMP/out") $(cat "$TMP/err")"
done

finish
