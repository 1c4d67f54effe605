#!/bin/sh
# t6003-per-node.sh: irx-verify --per-node against torch's own value of
# every node (tests/fixtures/pn214: irx-capture --intermediates under
# torch 2.14, tests/fixtures/gen_pernode.py).
#   - the right IR passes node by node (skip, multi_out: several outputs
#     per node, hop_cond: a torch.cond subgraph, mlp), each node with both
#     figures: its own error and the error it has in the IR's run;
#   - an IR with one node changed (an operator swapped, an attribute
#     altered, a weight bound to the wrong key; edited JSON) names exactly
#     that node as the first divergence, with its own error, and every
#     node after it as inheriting;
#   - --against B: two traces of one IR compared without running anything,
#     subgraph records included; statistics records (--intermediates-stats);
#   - a node record missing is skipped (not compared), malformed is an
#     error (exit 2) naming the file;
#   - --node-data: Model Explorer node data, coloured by verdict;
#   - irx-capture's file names are irx's: the hostile names of t5002,
#     encoded by irx-capture.py, are the files irx-exec writes.
. "$IRX_SRCDIR/tests/cli/lib.sh"

P="$FIXTURES/pn214"
[ -f "$P/skip.pt2" ] || test_skip_all "no per-node fixtures ($P)"

for m in skip multi_out hop_cond mlp; do
	"$BIN/irx-export" "$P/$m.pt2" | "$BIN/irx-convert" >"$TMP/$m.ir.json" ||
		bail_out "$m: export | convert"
done

# A copy of skip's torch trace with one element of batch_norm's output
# moved by 1: what a backend that computes that node wrongly would write.
cp -R "$P/skip.intermediates" "$TMP/moved"
"$PYTHON3" - "$TMP/moved/batch_norm.safetensors" <<'PY' || bail_out "cannot edit the record"
import json, struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
s = 8 + n + h["batch_norm"]["data_offsets"][0]
assert h["batch_norm"]["dtype"] == "F32"
b[s:s + 4] = struct.pack("<f", struct.unpack("<f", b[s:s + 4])[0] + 1.0)
open(p, "wb").write(bytes(b))
PY

# against_moved PREFIX: the moved record is the only node that differs.
against_moved() {
	test_expect "${1}--against a trace with batch_norm moved: that node alone diverges" '
		expect_rc 1 "$BIN/irx-verify" "$TMP/skip.ir.json" --per-node \
			--trace "$P/skip.intermediates" --against "$TMP/moved" &&
		grep -q "^first divergence: node batch_norm (aten.batch_norm.default)\$" "$TMP/out" &&
		grep -q ": 6 match, 1 make an error, 0 inherit one\$" "$TMP/out" ||
		fail "$(cat "$TMP/out")"'
}

# Without libtorch irx-verify runs nothing, but compares two traces.
if ! "$BIN/irx-verify" --version 2>/dev/null | grep -q "libtorch: [0-9]"; then
	test_expect "no libtorch: --against, torch's trace against itself, subgraphs too" '
		expect_rc 0 "$BIN/irx-verify" "$TMP/hop_cond.ir.json" --per-node \
			--trace "$P/hop_cond.intermediates" --against "$P/hop_cond.intermediates" &&
		grep -q "every node matches the reference trace (.* against .*; 5 nodes compared)" "$TMP/out" ||
		fail "$(cat "$TMP/out")"'
	against_moved "no libtorch: "
	test_expect "no libtorch: running the IR is an error naming libtorch" '
		expect_rc 2 "$BIN/irx-verify" "$TMP/skip.ir.json" --per-node \
			--trace "$P/skip.intermediates" -w "$P/skip.state_dict.pt" -i "$P/skip.inputs.pt" &&
		grep -q "without libtorch" "$TMP/err" || fail "$(cat "$TMP/err")"'
	test_done
fi

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

against_moved ""

# verify M IR [ARGS]: irx-verify --per-node against M's torch trace
verify() {
	m=$1 ir=$2
	shift 2
	"$VERIFY" "$ir" -w "$P/$m.state_dict.pt" -i "$P/$m.inputs.pt" --per-node \
		--trace "$P/$m.intermediates" "$@"
}

# jq-like checks of a JSON report in Python: ASSERTION over d (the document)
# and nodes (name -> entry).
check_json() {
	"$PYTHON3" -c "
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {(n['graph'], n['node']): n for n in d['nodes']}
top = {n['node']: n for n in d['nodes'] if not n['graph']}
$1" "$TMP/out"
}

for m in skip multi_out hop_cond mlp; do
	# nodes with an output, and those of the subgraph calls torch made
	# (hop_cond: the branch taken; its nodes are compared too)
	n=$("$PYTHON3" -c "import json,sys; print(sum(1 for n in json.load(open(sys.argv[1]))['nodes'] if n['outputs']))" "$TMP/$m.ir.json")
	n=$((n + $(find "$P/$m.intermediates" -path '*.subgraphs/*' -name '*.safetensors' | wc -l)))
	test_expect "$m: the right IR matches torch node by node" '
		expect_rc 0 verify $m "$TMP/$m.ir.json" &&
		grep -q "every node matches the reference trace" "$TMP/out" || fail "$(cat "$TMP/out")"'
	test_expect "$m: --report=json: every node with an output compared, own and total figures" '
		expect_rc 0 verify $m "$TMP/$m.ir.json" --report=json &&
		check_json "
assert d[\"match\"] and d[\"nodes_compared\"] == $n, (d[\"nodes_compared\"], $n)
for k, e in top.items():
    if e[\"verdict\"] == \"not compared\":
        continue  # no outputs (aten._assert_tensor_metadata): counted above
    assert e[\"verdict\"] == \"match\", e
    assert e[\"total\"] and e[\"total\"][\"match\"], e
    assert e[\"own\"] and e[\"own\"][\"match\"] and e[\"own\"][\"count\"] > 0, e
"'
done

# multi_out: the records hold every output of a node with several
test_expect "multi_out: max_1 and topk are compared on both their outputs" '
	expect_rc 0 verify multi_out "$TMP/multi_out.ir.json" --report=json &&
	check_json "
for k in (\"max_1\", \"topk\", \"chunk\"):
    assert top[k][\"total\"][\"count\"] == top[k][\"own\"][\"count\"] > 0, top[k]
assert top[\"max_1\"][\"total\"][\"count\"] == 2 * 3, top[\"max_1\"]
"'

# ---- one node changed -------------------------------------------------------
"$PYTHON3" - "$TMP/skip.ir.json" "$TMP" <<'PY' || bail_out "cannot edit the IR"
import json, sys
src, out = sys.argv[1], sys.argv[2]
def edit(name, f):
    ir = json.load(open(src))
    f(ir)
    json.dump(ir, open("%s/skip-%s.ir.json" % (out, name), "w"))
def node(ir, name):
    return [n for n in ir["nodes"] if n["name"] == name][0]
# relu -> sigmoid: the operator swapped
edit("op", lambda ir: node(ir, "relu").update(op_type="aten.sigmoid.default"))
# batch_norm's eps 1e-5 -> 0.5: an attribute altered
edit("attr", lambda ir: node(ir, "batch_norm")["attrs"].update(eps=0.5))
# conv2's weight read from conv1's key: a weight bound to the wrong key
edit("key", lambda ir: ir["weight_name_mapping"].update(p_conv2_weight="conv1.weight"))
PY
order="conv2d batch_norm relu conv2d_1 batch_norm_1 add relu_1"
for c in "op relu aten.sigmoid.default" "attr batch_norm aten.batch_norm.default" \
	"key conv2d_1 aten.conv2d.default"; do
	set -- $c
	what=$1 node=$2 op=$3
	test_expect "skip, $what changed: first divergence is node $node, with its own error" '
		expect_rc 1 verify skip "$TMP/skip-$what.ir.json" &&
		grep -q "^first divergence: node $node ($op)\$" "$TMP/out" &&
		grep -q "^  made here (the node alone on the trace.s inputs): output .$node.: max abs" "$TMP/out" ||
		fail "$(cat "$TMP/out")"'
	test_expect "skip, $what changed: JSON: $node diverges, the nodes before match, after inherit" '
		expect_rc 1 verify skip "$TMP/skip-$what.ir.json" --report=json &&
		check_json "
order = \"$order\".split()
at = order.index(\"$node\")
assert d[\"first_divergence\"][\"node\"] == \"$node\", d[\"first_divergence\"]
assert d[\"diverging\"] == 1 and d[\"inheriting\"] == len(order) - at - 1, d
for i, k in enumerate(order):
    e = top[k]
    want = \"match\" if i < at else \"diverges\" if i == at else \"inherits\"
    assert e[\"verdict\"] == want, (k, e)
    if i == at:
        assert not e[\"own\"][\"match\"] and e[\"own\"][\"max_abs\"] > 1e-2, e
    if i > at:
        assert e[\"own\"][\"match\"] and not e[\"total\"][\"match\"], e
"'
done

# ---- two traces, nothing run ------------------------------------------------
"$EXEC" "$TMP/skip-attr.ir.json" -w "$P/skip.state_dict.pt" -i "$P/skip.inputs.pt" \
	--dump-intermediates "$TMP/attr-dump" -o "$TMP/attr-out.pt" >/dev/null 2>&1 ||
	bail_out "irx-exec --dump-intermediates"
test_expect "--against: torch's trace against itself matches, hop_cond's subgraph records too" '
	expect_rc 0 "$VERIFY" "$TMP/hop_cond.ir.json" --per-node --trace "$P/hop_cond.intermediates" \
		--against "$P/hop_cond.intermediates" --report=json &&
	check_json "
assert d[\"match\"] and d[\"against\"]
sub = [k for k, e in nodes.items() if k[0] and e[\"verdict\"] != \"not compared\"]
assert sub and all(g == \"cond/true_graph_0\" for g, _ in sub), sub
assert nodes[(\"cond/true_graph_0\", \"relu\")][\"total\"][\"count\"] > 0
"'
test_expect "--against: torch's trace against irx's run of the changed IR: batch_norm, then inheriting" '
	expect_rc 1 "$VERIFY" "$TMP/skip.ir.json" --per-node --trace "$P/skip.intermediates" \
		--against "$TMP/attr-dump" --report=json &&
	check_json "
assert d[\"first_divergence\"][\"node\"] == \"batch_norm\", d[\"first_divergence\"]
assert [k for k, e in top.items() if e[\"verdict\"] == \"inherits\"] == \"relu conv2d_1 batch_norm_1 add relu_1\".split()
assert top[\"conv2d\"][\"verdict\"] == \"match\"
"'
test_expect "--against, text: the first-divergence form" '
	expect_rc 1 "$VERIFY" "$TMP/skip.ir.json" --per-node --trace "$P/skip.intermediates" \
		--against "$TMP/attr-dump" &&
	grep -q "^first divergence: node batch_norm (aten.batch_norm.default)\$" "$TMP/out" &&
	grep -q "^  after it: relu (inherits) conv2d_1 (inherits)" "$TMP/out" || fail "$(cat "$TMP/out")"'
test_expect "--against with weights is a usage error (it runs nothing)" '
	expect_rc 64 "$VERIFY" "$TMP/skip.ir.json" --per-node --trace "$P/skip.intermediates" \
		--against "$TMP/attr-dump" -w "$P/skip.state_dict.pt"'

# ---- statistics --------------------------------------------------------------
test_expect "--intermediates-stats: the right IR matches torch's statistics" '
	expect_rc 0 "$VERIFY" "$TMP/skip.ir.json" -w "$P/skip.state_dict.pt" -i "$P/skip.inputs.pt" \
		--per-node --trace "$P/skip.intermediates-stats" --report=json &&
	check_json "
assert d[\"match\"] and d[\"nodes_compared\"] == 7
assert all(e[\"total\"][\"count\"] == 6 for e in top.values()), top
"'
test_expect "--intermediates-stats: the changed attribute shows at batch_norm" '
	expect_rc 1 "$VERIFY" "$TMP/skip-attr.ir.json" -w "$P/skip.state_dict.pt" -i "$P/skip.inputs.pt" \
		--per-node --trace "$P/skip.intermediates-stats" &&
	grep -q "^first divergence: node batch_norm " "$TMP/out" &&
	grep -q "output .batch_norm. (statistics)" "$TMP/out" || fail "$(cat "$TMP/out")"'
test_expect "--against: full values against statistics" '
	expect_rc 1 "$VERIFY" "$TMP/skip.ir.json" --per-node --trace "$TMP/attr-dump" \
		--against "$P/skip.intermediates-stats" &&
	grep -q "^first divergence: node batch_norm " "$TMP/out" || fail "$(cat "$TMP/out")"'

# ---- missing and malformed records ------------------------------------------
cp -R "$P/skip.intermediates" "$TMP/missing"
rm "$TMP/missing/relu.safetensors"
test_expect "a missing node record: that node is not compared, the rest are" '
	expect_rc 0 verify skip "$TMP/skip.ir.json" --trace "$TMP/missing" --report=json &&
	check_json "
assert d[\"nodes_compared\"] == 6, d[\"nodes_compared\"]
assert top[\"relu\"][\"verdict\"] == \"not compared\", top[\"relu\"]
assert top[\"conv2d_1\"][\"own\"] is None and \"relu\" in top[\"conv2d_1\"][\"own_note\"], top[\"conv2d_1\"]
"'
cp -R "$P/skip.intermediates" "$TMP/bad"
printf 'not safetensors' >"$TMP/bad/relu.safetensors"
test_expect "a malformed node record is an error naming the file" '
	expect_rc 2 verify skip "$TMP/skip.ir.json" --trace "$TMP/bad" &&
	expect_one_line_naming "$TMP/bad/relu.safetensors" "not a node record"'
test_expect "a malformed record is an error with --against too" '
	expect_rc 2 "$VERIFY" "$TMP/skip.ir.json" --per-node --trace "$P/skip.intermediates" \
		--against "$TMP/bad" &&
	expect_one_line_naming "$TMP/bad/relu.safetensors" "not a node record"'
test_expect "a trace that is not a directory is an error" '
	expect_rc 2 "$VERIFY" "$TMP/skip.ir.json" --per-node --trace "$P/skip.intermediates" \
		--against "$TMP/nowhere"'

# ---- Model Explorer node data ---------------------------------------------
test_expect "--node-data: Model Explorer node data, the changed node red, those after orange" '
	expect_rc 1 verify skip "$TMP/skip-op.ir.json" --node-data "$TMP/nd.json" &&
	"$BIN/irx-dump" --format=model-explorer "$TMP/skip-op.ir.json" >"$TMP/me.json" &&
	"$PYTHON3" -c "
import json, sys
nd = json.load(open(sys.argv[1])); me = json.load(open(sys.argv[2]))
g = me[\"graphs\"][0]
assert list(nd) == [g[\"id\"]], (list(nd), g[\"id\"])
names = {n[\"id\"]: [a[\"value\"] for a in n[\"attrs\"] if a[\"key\"] == \"name\"][0]
         for n in g[\"nodes\"] if n[\"id\"].startswith(\"node_\")}
res = nd[g[\"id\"]][\"results\"]
col = {names[k]: v[\"bgColor\"] for k, v in res.items()}
assert col[\"relu\"] == \"#f08080\" and col[\"conv2d\"] == \"#b7e1b0\", col
assert all(col[k] == \"#f5c77e\" for k in (\"conv2d_1\", \"add\", \"relu_1\")), col
assert all(isinstance(v[\"value\"], float) for v in res.values())
" "$TMP/nd.json" "$TMP/me.json" || fail "$(head -c 600 "$TMP/nd.json")"'

# ---- irx-capture's file names are irx's ---------------------------------------
# The encoding in irx-capture.py (the writer of torch's traces) against
# irx_trace_file_name() (what irx-exec writes and irx-verify reads).
"$PYTHON3" - "$TMP/mlp.ir.json" "$TMP/hostile.ir.json" <<'PY' || bail_out "cannot rename"
import json, sys
ir = json.load(open(sys.argv[1]))
names = ["../../victim", "a/b", "a%2Fb", ".hidden", "line\nbreak", "", "..", "n" * 300 + "é", "a\x01b"]
# mlp has three nodes: three IRs, each with three of the names
for k in range(0, len(names), 3):
    ir2 = json.loads(json.dumps(ir))
    ren = dict(zip([n["name"] for n in ir2["nodes"]], names[k:k + 3]))
    def walk(v):
        if isinstance(v, dict):
            if v.get("producer_node") in ren:
                v["producer_node"] = ren[v["producer_node"]]
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    for n in ir2["nodes"]:
        n["name"] = ren[n["name"]]
    walk(ir2["nodes"][1:])
    walk(ir2["graph_outputs"])
    json.dump(ir2, open(sys.argv[2] + ".%d" % k, "w"))
PY
test_expect "irx-capture.py's trace file names are irx-exec's, for hostile names" - <<'EOT'
for k in 0 3 6; do
	rm -rf "$TMP/h$k"
	"$EXEC" "$TMP/hostile.ir.json.$k" -w "$P/mlp.state_dict.pt" -i "$P/mlp.inputs.pt" \
		--dump-intermediates "$TMP/h$k" -o "$TMP/h.pt" >"$TMP/h.err" 2>&1 ||
		fail "irx-exec: $(cat "$TMP/h.err")" || return 1
done
"$PYTHON3" - "$IRX_SRCDIR/src/tools/irx-capture.py" "$TMP" <<'PY' || fail "names differ"
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("cap", sys.argv[1])
cap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cap)
tmp = sys.argv[2]
for k in (0, 3, 6):
    ir = json.load(open(os.path.join(tmp, "hostile.ir.json.%d" % k)))
    want = sorted(cap.trace_file_name(n["name"])[0] for n in ir["nodes"])
    got = sorted(os.listdir(os.path.join(tmp, "h%d" % k)))
    assert got == want, (got, want)
PY
EOT
test_done
