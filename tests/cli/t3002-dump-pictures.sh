#!/bin/sh
# t3002-dump-pictures.sh: irx-dump --stats, the pictures (--format=dot,
# mermaid, model-explorer) and irx-report.
#
# Statistics are held against torch: FLOPs, parameters and buffers against
# torch.utils.flop_counter.FlopCounterMode's counts written beside every
# fixture by tests/fixtures/gen_flops.py (check-stats.py), the module
# breakdown against hand-computed small models, and the activation peak
# against the storages libtorch really held (irx-exec --memory; a SKIP
# result when irx is built without libtorch).
#
# The pictures are parsed (mermaid.py check, graphviz's dot, me.py below for
# Model Explorer's JSON), also for a hostile copy of mlp whose names would
# break out of a label if copied raw, and held against what they must show
# by hand.  Rendering needs graphviz's dot (every option on the fixtures)
# and, for mermaid, Chromium and the npm mermaid package (IRX_MERMAID_JS,
# default /var/tmp/irx-show-npm/...; CHROMIUM names the browser); a check
# whose renderer is missing is a SKIP result naming it.
. "$IRX_SRCDIR/tests/cli/lib.sh"

DUMP="$BIN/irx-dump"

# ---- statistics against torch's counts --------------------------------------
test_expect "FLOPs, parameters and buffers equal torch's for every fixture" - <<'EOT'
"$PYTHON3" "$IRX_SRCDIR/tests/cli/check-stats.py" "$DUMP" "$FIXTURES/t214" "$FIXTURES/t26" >"$TMP/cs" 2>&1 ||
	fail "statistics differ from torch's: $(grep -v '^ok' "$TMP/cs" | head -c 1500)"
EOT
note "check-stats.py: $(grep -c '^ok' "$TMP/cs" || :) models equal torch's"
grep -v '^ok' "$TMP/cs" | while IFS= read -r line; do note "check-stats.py: $line"; done

# ---- hand-computed breakdowns -------------------------------------------------
# mlp: x[3, 4] -> fc1 Linear(4, 8) -> relu -> fc2 Linear(8, 2), float32.
#   fc1: 2*3*4*8 = 192 FLOPs, 4*8+8 = 40 parameters; fc2: 2*3*8*2 = 96, 8*2+2 = 18;
#   relu: 3*8 = 24 elements of other work; live: fc1's 96 bytes + relu's 96 = 192.
a="$FIXTURES/t214/mlp.pt2"
"$BIN/irx-export" "$a" >"$TMP/mlp.p.json" 2>"$TMP/err" &&
	"$BIN/irx-convert" "$TMP/mlp.p.json" >"$TMP/mlp.ir.json" 2>"$TMP/err" ||
	bail_out "mlp.pt2 does not export and convert: $(head -c 300 "$TMP/err")"
for input in "$a" "$TMP/mlp.p.json" "$TMP/mlp.ir.json"; do
	test_expect "mlp's statistics by hand from $(basename "$input")" - <<'EOT'
expect_rc 0 "$DUMP" --stats --format=json "$input" &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["totals"]
assert (t["flops"], t["params"], t["params_bytes"], t["other_work"], t["activation_peak_bytes"],
        t["nodes"]) == (288, 58, 232, 24, 192, 3), t
m = {r["module"]: r for r in d["by_module"]}
assert [r["module"] for r in d["by_module"]] == ["", "fc1", "relu", "fc2"], list(m)
assert (m["fc1"]["flops"], m["fc1"]["params"], m["fc1"]["depth"]) == (192, 40, 1), m["fc1"]
assert (m["fc2"]["flops"], m["fc2"]["params"]) == (96, 18), m["fc2"]
assert (m["relu"]["flops"], m["relu"]["other_work"], m["relu"]["activation_bytes"]) == (0, 24, 96), m["relu"]
assert (m[""]["flops"], m[""]["params"]) == (288, 58)
ops = {r["op"]: r for r in d["by_op"]}
assert ops["aten.linear.default"]["count"] == 2 and ops["aten.linear.default"]["flops"] == 288
assert ops["aten.linear.default"]["counted_as"] == {"aten.addmm": 288}, ops
PY
EOT
done
test_expect "mlp's statistics as text" - <<'EOT'
expect_rc 0 "$DUMP" --stats "$a" && grep -q "FLOPs (torch) *288" "$TMP/out" &&
	grep -q "^    fc1 .* 40 .* 192 " "$TMP/out" || fail "mlp text: $(cat "$TMP/out")"
EOT

# skip: x[1, 8, 6, 6] -> conv1 (8->8, 3x3, pad 1, no bias) -> bn1 -> relu -> conv2 -> bn2 -> +x -> relu.
#   each conv: 6*6 * 3*3 * 8*8 * 2 = 41472 FLOPs, 8*8*3*3 = 576 parameters;
#   each bn: 16 parameters, 17 buffer elements (mean, var, num_batches_tracked);
#   batch norm work: 288 input elements.
test_expect "skip's statistics by hand" - <<'EOT'
expect_rc 0 "$DUMP" --stats --format=json "$FIXTURES/t214/skip.pt2" &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = {r["module"]: r for r in d["by_module"]}
for c in ("conv1", "conv2"):
    assert (m[c]["flops"], m[c]["params"]) == (41472, 576), m[c]
for b in ("bn1", "bn2"):
    assert (m[b]["flops"], m[b]["params"], m[b]["other_work"]) == (0, 16, 288), m[b]
t = d["totals"]
assert (t["flops"], t["params"], t["buffers"]) == (82944, 1184, 34), t
assert t["by_dtype"]["buffers"] == {"float32": {"elements": 32, "bytes": 128},
                                    "int64": {"elements": 2, "bytes": 16}}, t["by_dtype"]
PY
EOT

# --depth cuts the module tree, not the totals
test_expect "--depth=1 keeps the top of llama's tree" - <<'EOT'
expect_rc 0 "$DUMP" --stats --format=json --depth=1 "$FIXTURES/t214/llama.pt2" &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
mods = [r["module"] for r in d["by_module"]]
assert mods == ["", "model", "lm_head"], mods
lm = d["by_module"][2]
# lm_head: Linear(32, 100, bias=False) on 8 tokens: 2*8*32*100
assert (lm["flops"], lm["params"]) == (51200, 3200), lm
assert d["totals"]["flops"] == 379008
PY
EOT
test_expect "--depth=0 is a usage error" 'expect_rc 64 "$DUMP" --stats --depth=0 "$a"'

# ---- activation peak against libtorch's storages -----------------------------
# The models whose storages views, reshape, contiguous, to() and CPU batch
# norm share or not (every runtime fixture agrees; irx-exec loads libtorch
# for each, so make check runs these).
PEAK_MODELS="attention decomposed llama bert tied"
PEAK_CHECK="activation peak equals the storages libtorch held"
"$BIN/irx-exec" --version >"$TMP/v" 2>&1 || :
for v in rt214; do
	if ! grep -q "libtorch: [0-9]" "$TMP/v"; then
		for name in $PEAK_MODELS; do
			test_skip "$v/$name: $PEAK_CHECK" "irx-exec is built without libtorch"
		done
		continue
	fi
	for name in $PEAK_MODELS; do
		f="$FIXTURES/$v/$name.pt2"
		if [ ! -f "$FIXTURES/$v/$name.inputs.pt" ]; then
			test_skip "$v/$name: $PEAK_CHECK" "no $FIXTURES/$v/$name.inputs.pt"
			continue
		fi
		w="-w $FIXTURES/$v/$name.state_dict.pt"
		[ ! -f "$FIXTURES/$v/$name.constants.pt" ] || w="$w -w $FIXTURES/$v/$name.constants.pt"
		test_expect "$v/$name: $PEAK_CHECK" - <<'EOT'
"$BIN/irx-export" "$f" | "$BIN/irx-convert" - -o "$TMP/rt.json" &&
# $w: -w FILE pairs, as words
"$BIN/irx-exec" --memory $w -i "$FIXTURES/$v/$name.inputs.pt" -o "$TMP/o.pt" "$TMP/rt.json" \
	>/dev/null 2>"$TMP/mem" &&
want=$(sed -n 's/.*largest live set \([0-9]*\) bytes.*/\1/p' "$TMP/mem") &&
peak=$("$DUMP" --stats --format=json "$TMP/rt.json" | "$PYTHON3" -c \
	'import json,sys; print(json.load(sys.stdin)["totals"]["activation_peak_bytes"])') &&
[ -n "$want" ] && [ "$want" = "$peak" ] ||
	fail "activation peak differs from irx-exec --memory: exec '$want', stats '$peak'; $(head -c 400 "$TMP/mem")"
EOT
	done
done

# ---- pictures ------------------------------------------------------------------
# A hostile copy of mlp: every name the picture shows (model, nodes, values,
# weights, state_dict keys, modules, module types, op_type) is rewritten to
# text that would break out of a dot or mermaid label if copied raw.
"$PYTHON3" - "$TMP/mlp.ir.json" "$TMP/hostile.json" >"$TMP/err" 2>&1 <<'PY' ||
import json, sys
ir = json.load(open(sys.argv[1]))
evil = ['a"];\nX->Y; //', 'b"] --> Z\n%% `x` <b>#35;&amp;|;', "end\tsubgraph", 'c\x1b[31m}\\', "\u202e\u00e9"]
ren = {}
def name(old):
    if old not in ren:
        ren[old] = evil[len(ren) % len(evil)] + str(len(ren))
    return ren[old]
ir["model_name"] = 'm"}; digraph {'
for lst in ("graph_inputs", "graph_outputs", "weights"):
    for t in ir[lst]:
        t["name"] = name(t["name"])
ir["weight_name_mapping"] = {name(k): evil[0] + v for k, v in ir["weight_name_mapping"].items()}
for n in ir["nodes"]:
    n["name"] = name(n["name"])
    n["op_type"] = n["op_type"] + '"]; evil'
    n["module_path"] = evil[1] + "." + n["module_path"]
    n["module_type"] = evil[2]
    for t in n["inputs"] + n["outputs"]:
        t["name"] = name(t["name"])
        if t.get("producer_node"):
            t["producer_node"] = name(t["producer_node"])
json.dump(ir, open(sys.argv[2], "w"))
PY
	bail_out "cannot make the hostile copy of mlp: $(head -c 300 "$TMP/err")"
for f in mlp.ir.json hostile.json; do
	test_expect "$f: mermaid parses: 9 nodes (input, 3 operators, 4 weights, output), 8 edges" - <<'EOT'
expect_rc 0 "$DUMP" --format=mermaid "$TMP/$f" && cp "$TMP/out" "$TMP/$f.mmd" &&
	"$PYTHON3" "$IRX_SRCDIR/tests/cli/mermaid.py" check "$TMP/$f.mmd" >"$TMP/mc" 2>&1 &&
	grep -qx "nodes 9 edges 8" "$TMP/mc" || fail "$f: mermaid: $(cat "$TMP/mc")"
EOT
	test_expect "$f: irx-dump --format=dot" 'expect_rc 0 "$DUMP" --format=dot "$TMP/$f" && cp "$TMP/out" "$TMP/$f.dot"'
done
test_expect "a hostile name is quoted in dot" - <<'EOT'
grep -q 'a\\"\];\\\\nX->Y' "$TMP/hostile.json.dot" ||
	fail "hostile dot: $(grep -m3 'X->Y' "$TMP/hostile.json.dot")"
EOT

HAVE_DOT=
command -v dot >/dev/null 2>&1 && HAVE_DOT=1
NO_DOT="graphviz's dot is not installed (apt-get install graphviz)"
for f in mlp.ir.json hostile.json; do
	if [ -z "$HAVE_DOT" ]; then
		test_skip "$f: graphviz draws 9 nodes and 8 edges" "$NO_DOT"
		continue
	fi
	test_expect "$f: graphviz draws 9 nodes and 8 edges" - <<'EOT'
dot -Tplain "$TMP/$f.dot" >"$TMP/plain" 2>"$TMP/dot.err" &&
	[ "$(grep -c '^node ' "$TMP/plain")" = 9 ] && [ "$(grep -c '^edge ' "$TMP/plain")" = 8 ] ||
	fail "$f: graphviz: $(head -c 300 "$TMP/dot.err") $(grep -c '^node ' "$TMP/plain") nodes, $(grep -c '^edge ' "$TMP/plain") edges"
EOT
done
# graphviz renders every fixture's picture with every option
for m in llama resnet18 bert hop_cond hop_grad mobilenet_v3_small dtypes multi_out; do
	for o in "" --depth=1 --depth=2 --fold "--fold --depth=3" --no-weights; do
		if [ -z "$HAVE_DOT" ]; then
			test_skip "graphviz renders $m's picture ${o:-(no options)}" "$NO_DOT"
			continue
		fi
		test_expect "graphviz renders $m's picture ${o:-(no options)}" - <<'EOT'
# $o: options, as words
"$DUMP" --format=dot $o "$FIXTURES/t214/$m.pt2" >"$TMP/p.dot" &&
	dot -Tsvg "$TMP/p.dot" >"$TMP/p.svg" 2>"$TMP/dot.err" && grep -q "<svg" "$TMP/p.svg" ||
	fail "dot -Tsvg on $m $o: $(head -c 300 "$TMP/dot.err")"
EOT
	done
done

# mermaid in headless Chromium: mermaid_renders FILE NODES
MERMAID_JS="${IRX_MERMAID_JS:-/var/tmp/irx-show-npm/node_modules/mermaid/dist/mermaid.min.js}"
mermaid_renders() {
	"$PYTHON3" "$IRX_SRCDIR/tests/cli/mermaid.py" render "$MERMAID_JS" "$1" >"$TMP/mr" 2>&1 &&
		grep -qx "nodes $2" "$TMP/mr" || fail "mermaid render of $(basename "$1"): $(cat "$TMP/mr")"
}
if command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 && [ -f "$MERMAID_JS" ]; then
	test_expect "mermaid in headless Chromium draws hostile.json.mmd: 9 nodes" '
		mermaid_renders "$TMP/hostile.json.mmd" 9'
	test_expect "mermaid in headless Chromium draws hop.mmd: 17 nodes" '
		expect_rc 0 "$DUMP" --format=mermaid "$FIXTURES/t214/hop_cond.pt2" && cp "$TMP/out" "$TMP/hop.mmd" &&
		mermaid_renders "$TMP/hop.mmd" 17'
else
	why="no ${CHROMIUM:-chromium} or no mermaid package ($MERMAID_JS; npm install mermaid, set IRX_MERMAID_JS)"
	test_skip "mermaid in headless Chromium draws hostile.json.mmd: 9 nodes" "$why"
	test_skip "mermaid in headless Chromium draws hop.mmd: 17 nodes" "$why"
fi

# What the pictures show, by hand.
L="$FIXTURES/t214/llama.pt2"
# --depth=1: model's four children become boxes; layers holds 2 x 10,304 parameters
# (q, k, v, o: 4 x 32x32; gate, up, down: 3 x 32x64; two norms of 32).
test_expect "--depth=1 draws llama's modules below model as 4 boxes with their totals" - <<'EOT'
expect_rc 0 "$DUMP" --format=dot --depth=1 "$L" && [ "$(grep -c 'box3d' "$TMP/out")" = 4 ] &&
	grep -q 'label="model.layers\\nparams 20.6K, FLOPs 328K, 114 nodes"' "$TMP/out" ||
	fail "--depth=1: $(grep box3d "$TMP/out")"
EOT
# --fold: llama's 2 decoder layers are one block: layer 1's nodes are not drawn
test_expect "--fold draws llama's decoder layer once, marked x2" - <<'EOT'
expect_rc 0 "$DUMP" --format=dot --fold "$L" && grep -q '(LlamaDecoderLayer) x2' "$TMP/out" &&
	grep -q 'label="linear\\n' "$TMP/out" && ! grep -q 'label="linear_7\\n' "$TMP/out"
EOT
test_expect "--fold finds resnet18's one repeated BasicBlock (layer1.0, layer1.1)" - <<'EOT'
expect_rc 0 "$DUMP" --stats --fold --format=json "$FIXTURES/t214/resnet18.pt2" &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["blocks"]
# torchvision's resnet18: layer2..4 open with a strided block with a downsample, so
# only layer1's two blocks are the same; a BasicBlock is conv, bn, relu, conv, bn, add, relu
assert [(x["instances"], x["count"], x["nodes"]) for x in b] == [(["layer1.0", "layer1.1"], 2, 7)], b
# 2 convs of 64x64x3x3 on 56x56: 2 * (56*56 * 9 * 64*64 * 2)
assert b[0]["flops"] == 2 * 56 * 56 * 9 * 64 * 64 * 2, b[0]
PY
EOT
test_expect "--format=json --fold lists llama's template and its instances" - <<'EOT'
expect_rc 0 "$DUMP" --format=json --fold "$L" &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["blocks"]
# LlamaConfig(num_hidden_layers=2) in gen_fixtures.py: one block, two instances
assert [(x["template"], x["count"], x["instances"]) for x in b] == \
    [("model.layers.0", 2, ["model.layers.0", "model.layers.1"])], b
assert len(b[0]["template_nodes"]) == b[0]["nodes"]
# per layer: q, k, v, o (2*8*32*32 each) + gate, up, down (2*8*32*64 each)
assert b[0]["flops"] == 4 * 2 * 8 * 32 * 32 + 3 * 2 * 8 * 32 * 64, b[0]["flops"]
PY
EOT
# subgraphs inside their node
test_expect "cond's branches are drawn inside its node" - <<'EOT'
expect_rc 0 "$DUMP" --format=dot "$FIXTURES/t214/hop_cond.pt2" &&
	grep -q 'subgraph cluster_h[0-9]* {' "$TMP/out" && grep -q 'label="true_graph_0"' "$TMP/out" &&
	grep -q 'label="false_graph_0"' "$TMP/out"
EOT
test_expect "--no-weights leaves the weights out" '
	expect_rc 0 "$DUMP" --format=dot --no-weights "$a" && ! grep -q "shape=note" "$TMP/out"'
test_expect "a tensor file has no picture" 'expect_rc 2 "$DUMP" --format=dot "$FIXTURES/tensors/t214/tied.pt"'

# ---- Model Explorer's graph JSON -------------------------------------------------
# me.py FILE: the structure of a GraphCollection; prints the node count of each graph.
cat >"$TMP/me.py" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
graphs = {g["id"]: g for g in doc["graphs"]}
assert doc["label"] == doc["graphs"][0]["id"] and len(graphs) == len(doc["graphs"])
for g in doc["graphs"]:
    ids = {n["id"] for n in g["nodes"]}
    assert len(ids) == len(g["nodes"]), "node ids repeat"
    for n in g["nodes"]:
        assert set(n) >= {"id", "label", "namespace", "incomingEdges", "outputsMetadata"}, n
        outs = {m["id"] for m in n["outputsMetadata"]}
        for m in n["outputsMetadata"] + n.get("inputsMetadata", []):
            keys = [a["key"] for a in m["attrs"]]
            assert "tensor_shape" in keys and "__tensor_tag" in keys, m
        for e in n["incomingEdges"]:
            assert e["sourceNodeId"] in ids, e
        for s in n["subgraphIds"]:
            assert s in graphs, s
print(json.dumps({g["id"]: len(g["nodes"]) for g in doc["graphs"]}))
PY
test_expect "mlp as Model Explorer's GraphCollection, modules as namespaces, shapes on the edges" - <<'EOT'
expect_rc 0 "$DUMP" --format=model-explorer "$a" && "$PYTHON3" "$TMP/me.py" "$TMP/out" >/dev/null &&
"$PYTHON3" - "$TMP/out" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["graphs"][0]
n = {x["id"]: x for x in g["nodes"]}
assert len(n) == 9, list(n)     # input, 4 weights, 3 operators, output
lin = [x for x in g["nodes"] if x["label"] == "aten.linear.default"]
assert [x["namespace"] for x in lin] == ["fc1", "fc2"], lin
# fc2's linear reads relu's output 0 (float32[3, 8]) on its input 0
e = lin[1]["incomingEdges"][0]
src = n[e["sourceNodeId"]]
assert src["label"] == "aten.relu.default" and e["sourceNodeOutputId"] == "0" and e["targetNodeInputId"] == "0"
shape = {a["key"]: a["value"] for a in src["outputsMetadata"][0]["attrs"]}["tensor_shape"]
assert shape == "float32[3, 8]", shape
assert {a["key"]: a["value"] for a in lin[0]["attrs"]}["flops"] == "192"
PY
EOT
test_expect "cond's branches are Model Explorer subgraphs of its node" - <<'EOT'
expect_rc 0 "$DUMP" --format=model-explorer "$FIXTURES/t214/hop_cond.pt2" &&
	# 3 operands as inputs, linear, relu, 1 output
	"$PYTHON3" "$TMP/me.py" "$TMP/out" >"$TMP/meo" && grep -q 'cond/node_2/true_graph_0": 6' "$TMP/meo" ||
	fail "model-explorer hop_cond: $(cat "$TMP/meo")"
EOT
test_expect "hostile names stay JSON strings in the Model Explorer graph" '
	expect_rc 0 "$DUMP" --format=model-explorer "$TMP/hostile.json" && "$PYTHON3" "$TMP/me.py" "$TMP/out" >/dev/null'
for m in llama bert resnet18 hop_grad; do
	test_expect "$m as a Model Explorer graph passes me.py" '
		expect_rc 0 "$DUMP" --format=model-explorer "$FIXTURES/t214/$m.pt2" &&
		"$PYTHON3" "$TMP/me.py" "$TMP/out" >/dev/null'
done

# ---- irx-report -----------------------------------------------------------------
REPORT="$BIN/irx-report"
T="$FIXTURES/t214"
# a verify report as irx-verify --report=json writes it, for mlp, with a mismatch
cat >"$TMP/mlp.verify.json" <<'JSON'
{"match": false, "outputs": 1, "mismatched": 1, "results": [{"name": "linear_1", "match": false,
 "rtol": 0.0001, "atol": 0.0001, "max_abs": 0.5, "max_rel": 2.0, "mismatched": 3, "count": 6}]}
JSON
cp "$T/mlp.pt2" "$TMP/mlp.pt2" || bail_out "cannot copy $T/mlp.pt2"
test_expect "irx-report's rows and coverage equal torch's counts and oracles" - <<'EOT'
expect_rc 0 "$REPORT" --format=json "$TMP/mlp.pt2" "$T/skip.pt2" "$T/tied.pt2" "$T/resnet18.pt2" "$TMP/mlp.verify.json" &&
"$PYTHON3" - "$TMP/out" "$T" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
names = [m["name"] for m in d["models"]]
assert names == ["mlp", "skip", "tied", "resnet18"], names
for i, m in enumerate(d["models"]):
    torch = json.load(open(f"{sys.argv[2]}/{m['name']}.flops.json"))
    assert (m["flops"], m["params"]) == (torch["flops"], torch["params"]), (m, torch["flops"])
    assert m["check_problems"] == 0
    # the coverage column of this model: torch's own node targets (no subgraphs here)
    oracle = json.load(open(f"{sys.argv[2]}/{m['name']}.oracle.json"))
    want = collections.Counter(n["target"] for n in oracle["nodes"])
    got = {r["op"]: r["counts"][i] for r in d["operators"] if r["counts"][i]}
    assert got == dict(want), (m["name"], got, want)
    assert m["operators"] == len(want)
v = d["models"][0]["verify"]
assert v["match"] is False and v["worst_max_abs"] == 0.5 and v["worst_max_rel"] == 2.0, v
assert d["models"][1]["verify"] is None
relu = [r for r in d["operators"] if r["op"] == "aten.relu.default"][0]
assert relu["models"] == 2, relu    # mlp and skip; resnet18 uses relu_
PY
EOT
test_expect "irx-report is deterministic" '
	expect_rc 0 "$REPORT" -o "$TMP/r1.md" "$T/mlp.pt2" "$T/hop_cond.pt2" "$TMP/hostile.json" &&
	expect_rc 0 "$REPORT" -o "$TMP/r2.md" "$T/mlp.pt2" "$T/hop_cond.pt2" "$TMP/hostile.json" &&
	cmp "$TMP/r1.md" "$TMP/r2.md"'
test_expect "irx-report markdown: one mermaid picture per model, table cells intact with hostile names" - <<'EOT'
"$PYTHON3" - "$TMP/r1.md" "$TMP" <<'PY' &&
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"```mermaid\n(.*?)```", text, re.S)
assert len(blocks) == 3, len(blocks)
for i, b in enumerate(blocks):
    open(f"{sys.argv[2]}/block{i}.mmd", "w").write(b)
# table rows: no cell broken by a name from the input (8 columns each)
rows = [l for l in text.split("\n") if l.startswith("| ") and "---" not in l]
for r in rows[:4]:
    assert len(re.findall(r"(?<!\\)\|", r)) == 9, r
PY
{ "$PYTHON3" "$IRX_SRCDIR/tests/cli/mermaid.py" check "$TMP/block0.mmd" ||
	fail "irx-report's mermaid picture 0 does not parse"; } &&
{ "$PYTHON3" "$IRX_SRCDIR/tests/cli/mermaid.py" check "$TMP/block1.mmd" ||
	fail "irx-report's mermaid picture 1 does not parse"; } &&
{ "$PYTHON3" "$IRX_SRCDIR/tests/cli/mermaid.py" check "$TMP/block2.mmd" ||
	fail "irx-report's mermaid picture 2 does not parse"; }
EOT
test_expect "irx-report html escapes names" '
	expect_rc 0 "$REPORT" --format=html "$T/mlp.pt2" "$TMP/hostile.json" && cp "$TMP/out" "$TMP/report.html" &&
	! grep -q "<b>#35" "$TMP/report.html" && grep -q "&lt;b&gt;" "$TMP/report.html"'
if [ -n "$HAVE_DOT" ]; then
	test_expect "irx-report html: an SVG per model from graphviz" - <<'EOT'
[ "$(grep -c '^<svg' "$TMP/report.html")" = 2 ] ||
	fail "irx-report html: $(grep -c '<svg' "$TMP/report.html") SVGs"
EOT
else
	test_skip "irx-report html: an SVG per model from graphviz" "$NO_DOT"
fi
test_expect "irx-report refuses a file that is no model" 'expect_rc 2 "$REPORT" "$T/mlp.oracle.json"'

test_done
