#!/bin/sh
# t6004-verdict-pictures.sh: irx-verify --per-node's verdicts on the pictures,
# and subgraph nodes in traces (tests/fixtures/pn214: irx-capture
# --intermediates under torch 2.14; rt214/llama for --fold).
#   - irx-dump --format=dot|mermaid --verdicts=REPORT fills the first
#     divergence, the nodes that inherit its error and those that match
#     with their colours, draws a legend; a --depth box and a --fold
#     template take the worst verdict of the nodes they stand for;
#   - a bad REPORT: one line naming the file and the JSON path, exit 2,
#     nothing written;
#   - subgraph nodes (hop_cond's torch.cond branch) get their own and total
#     figures in an IR run, and a node changed inside the branch is named;
#   - irx-exec --dump-intermediates writes the subgraph records, and
#     --against the irx-capture trace compares them.
. "$IRX_SRCDIR/tests/cli/lib.sh"

P="$FIXTURES/pn214"
[ -f "$P/skip.pt2" ] || test_skip_all "no per-node fixtures ($P)"
. "$IRX_SRCDIR/tests/cli/exec-lib.sh"
DUMP="$BIN/irx-dump"

for m in skip multi_out hop_cond; do
	"$BIN/irx-export" "$P/$m.pt2" | "$BIN/irx-convert" >"$TMP/$m.ir.json" ||
		bail_out "$m: export | convert"
done

# The deliberately broken IRs (as t6003): skip with batch_norm's eps altered
# or relu swapped for sigmoid; skip with its module paths nested (for
# --depth); hop_cond with relu inside the branch swapped.
"$PYTHON3" - "$TMP" <<'PY' || bail_out "cannot edit the IRs"
import json, sys
t = sys.argv[1]
def edit(src, name, f):
    ir = json.load(open("%s/%s.ir.json" % (t, src)))
    f(ir)
    json.dump(ir, open("%s/%s.ir.json" % (t, name), "w"))
def node(nodes, name):
    return [n for n in nodes if n["name"] == name][0]
edit("skip", "skip-attr", lambda ir: node(ir["nodes"], "batch_norm")["attrs"].update(eps=0.5))
edit("skip", "skip-op", lambda ir: node(ir["nodes"], "relu").update(op_type="aten.sigmoid.default"))
def nest(ir):
    node(ir["nodes"], "batch_norm")["attrs"].update(eps=0.5)
    for k, p in {"conv2d": "blocks.0.conv", "batch_norm": "blocks.0.bn", "relu": "blocks.0.act",
                 "conv2d_1": "blocks.1.conv", "batch_norm_1": "blocks.1.bn"}.items():
        node(ir["nodes"], k)["module_path"] = p
edit("skip", "skip-nested", nest)
def branch(ir):
    sub = node(ir["nodes"], "cond")["subgraphs"]["true_graph_0"]
    node(sub["nodes"], "relu").update(op_type="aten.sigmoid.default")
edit("hop_cond", "hop_cond-sub", branch)
PY

# verify M IR [ARGS]: irx-verify --per-node against M's torch trace
verify() {
	m=$1 ir=$2
	shift 2
	"$VERIFY" "$ir" -w "$P/$m.state_dict.pt" -i "$P/$m.inputs.pt" --per-node \
		--trace "$P/$m.intermediates" "$@"
}
for c in attr op; do
	rc=0
	verify skip "$TMP/skip-$c.ir.json" --report=json >"$TMP/$c.json" 2>"$TMP/e" || rc=$?
	[ $rc = 1 ] || bail_out "irx-verify skip-$c: exit $rc: $(cat "$TMP/e")"
done
verify multi_out "$TMP/multi_out.ir.json" --report=json >"$TMP/multi.json" 2>"$TMP/e" ||
	bail_out "irx-verify multi_out: $(cat "$TMP/e")"

# colours FORMAT PICTURE: "NAME COLOUR" for every node drawn (the first line
# of its label), the legend's entries too.
cat >"$TMP/colours.py" <<'PY'
import re, sys
fmt, text = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
if fmt == "dot":
    for m in re.finditer(r'^\s*[A-Za-z0-9_]+ \[(.*?)label="(.*)"\];$', text, re.M):
        fill = re.search(r'fillcolor="(#[0-9a-f]{6})"', m.group(1))
        print(m.group(2).split("\\n")[0], fill.group(1) if fill else "-")
else:
    fills = dict(re.findall(r"^\s*classDef (\S+) fill:(#[0-9a-f]{6})", text, re.M))
    cls = dict(re.findall(r"^\s*class (\S+) (\S+)$", text, re.M))
    for m in re.finditer(r'^\s*([A-Za-z0-9_]+)[\[\(]+"(.*?)"[\]\)]+$', text, re.M):
        print(m.group(2).split("<br>")[0], fills.get(cls.get(m.group(1)), "-"))
PY
FIRST="#e03131" MAKES="#f08080" INHERITS="#f5c77e" MATCH="#b7e1b0" NONE="#e9ecef"

# has_colour FILE NAME COLOUR...: every NAME drawn in FILE with COLOUR
has_colour() {
	hc_f=$1 hc_c=$2
	shift 2
	for hc_n in "$@"; do
		grep -qxF "$hc_n $hc_c" "$hc_f" ||
			{ fail "$hc_n is not $hc_c: $(grep "^$hc_n " "$hc_f")"; return 1; }
	done
}

for fmt in dot mermaid; do
	test_expect "$fmt: irx-dump --verdicts draws skip-attr's picture" '
		expect_rc 0 "$DUMP" --format=$fmt --verdicts="$TMP/attr.json" "$TMP/skip-attr.ir.json" &&
		cp "$TMP/out" "$TMP/attr.$fmt" &&
		"$PYTHON3" "$TMP/colours.py" $fmt "$TMP/attr.$fmt" >"$TMP/attr.$fmt.c"'
	test_expect "$fmt: the changed batch_norm has the first-divergence colour" '
		has_colour "$TMP/attr.$fmt.c" "$FIRST" batch_norm'
	test_expect "$fmt: the nodes after it have the inheriting colour" '
		has_colour "$TMP/attr.$fmt.c" "$INHERITS" relu conv2d_1 batch_norm_1 add relu_1'
	test_expect "$fmt: conv2d, before it, has the pass colour" '
		has_colour "$TMP/attr.$fmt.c" "$MATCH" conv2d'
	test_expect "$fmt: the legend names every verdict with its colour" '
		has_colour "$TMP/attr.$fmt.c" "$FIRST" "first divergence" &&
		has_colour "$TMP/attr.$fmt.c" "$MAKES" "makes an error" &&
		has_colour "$TMP/attr.$fmt.c" "$INHERITS" "inherits an error" &&
		has_colour "$TMP/attr.$fmt.c" "$MATCH" match &&
		has_colour "$TMP/attr.$fmt.c" "$NONE" "not compared"'
	test_expect "$fmt: skip-op: the swapped relu is the first divergence" '
		expect_rc 0 "$DUMP" --format=$fmt --verdicts="$TMP/op.json" "$TMP/skip-op.ir.json" &&
		"$PYTHON3" "$TMP/colours.py" $fmt "$TMP/out" >"$TMP/c" &&
		has_colour "$TMP/c" "$FIRST" relu && has_colour "$TMP/c" "$MATCH" conv2d batch_norm &&
		has_colour "$TMP/c" "$INHERITS" conv2d_1 relu_1'
	test_expect "$fmt: multi_out (nodes of several outputs) all in the pass colour" '
		expect_rc 0 "$DUMP" --format=$fmt --verdicts="$TMP/multi.json" "$TMP/multi_out.ir.json" &&
		"$PYTHON3" "$TMP/colours.py" $fmt "$TMP/out" >"$TMP/c" &&
		has_colour "$TMP/c" "$MATCH" max_1 topk chunk split_with_sizes add_1 mul &&
		has_colour "$TMP/c" "$NONE" _assert_tensor_metadata_default'
done
test_expect "mermaid with verdicts parses (mermaid.py check)" '
	"$PYTHON3" "$IRX_SRCDIR/tests/cli/mermaid.py" check "$TMP/attr.mermaid" >"$TMP/mc" 2>&1 ||
	fail "$(cat "$TMP/mc")"'
if command -v dot >/dev/null 2>&1; then
	test_expect "graphviz draws the dot picture with verdicts" '
		dot -Tsvg "$TMP/attr.dot" >"$TMP/attr.svg" 2>"$TMP/dot.err" && grep -q "<svg" "$TMP/attr.svg" ||
		fail "$(head -c 300 "$TMP/dot.err")"'
else
	test_skip "graphviz draws the dot picture with verdicts" "graphviz's dot is not installed"
fi

# ---- boxes and folded blocks take the worst verdict -------------------------
test_expect "--depth=1: box blocks.0 (conv2d, batch_norm, relu) takes the first divergence" '
	expect_rc 0 "$DUMP" --format=dot --depth=1 --verdicts="$TMP/attr.json" "$TMP/skip-nested.ir.json" &&
	"$PYTHON3" "$TMP/colours.py" dot "$TMP/out" >"$TMP/c" &&
	has_colour "$TMP/c" "$FIRST" blocks.0 && has_colour "$TMP/c" "$INHERITS" blocks.1'
test_expect "--depth=1 in mermaid: the same boxes, the same colours" '
	expect_rc 0 "$DUMP" --format=mermaid --depth=1 --verdicts="$TMP/attr.json" "$TMP/skip-nested.ir.json" &&
	"$PYTHON3" "$TMP/colours.py" mermaid "$TMP/out" >"$TMP/c" &&
	has_colour "$TMP/c" "$FIRST" blocks.0 && has_colour "$TMP/c" "$INHERITS" blocks.1'

# --fold draws llama's two decoder layers on layer 0's nodes: a node of
# layer 1 that makes an error shows on its template in layer 0.  The report
# is irx-verify's own (float64), with one verdict of layer 1 edited.
R="$FIXTURES/rt214"
if [ -f "$R/llama.pt2" ]; then
	"$BIN/irx-export" "$R/llama.pt2" | "$BIN/irx-convert" >"$TMP/llama.ir.json" ||
		bail_out "llama: export | convert"
	"$VERIFY" "$TMP/llama.ir.json" -w "$R/llama.state_dict.pt" -w "$R/llama.constants.pt" \
		-i "$R/llama.inputs.pt" --per-node --report=json >"$TMP/llama.json" 2>"$TMP/e" ||
		bail_out "irx-verify llama: $(cat "$TMP/e")"
	"$PYTHON3" - "$TMP/llama.ir.json" "$TMP/llama.json" "$TMP/llama-bad.json" >"$TMP/pair" <<'PY' ||
import json, sys
ir, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
l0 = [n["name"] for n in ir["nodes"] if n.get("module_path", "").startswith("model.layers.0")]
l1 = [n["name"] for n in ir["nodes"] if n.get("module_path", "").startswith("model.layers.1")]
assert len(l0) == len(l1) > 10, (len(l0), len(l1))
k = 5  # a node of layer 1 and its template in layer 0
for e in rep["nodes"]:
    assert e["node"] != l0[k] or e["verdict"] == "match", e
    if e["node"] == l1[k]:
        e["verdict"] = "diverges"
json.dump(rep, open(sys.argv[3], "w"))
print(l0[k], l1[k])
PY
		bail_out "cannot edit llama's report"
	read -r tmpl inst <"$TMP/pair"
	test_expect "--fold: layer 0's $tmpl takes layer 1's $inst error (it stands for both)" '
		expect_rc 0 "$DUMP" --format=dot --fold --verdicts="$TMP/llama-bad.json" "$TMP/llama.ir.json" &&
		"$PYTHON3" "$TMP/colours.py" dot "$TMP/out" >"$TMP/c" &&
		has_colour "$TMP/c" "$MAKES" "$tmpl" && ! grep -q "^$inst " "$TMP/c" ||
		fail "$(grep "^$tmpl " "$TMP/c")"'
	test_expect "--fold with the unedited report: $tmpl in the pass colour" '
		expect_rc 0 "$DUMP" --format=dot --fold --verdicts="$TMP/llama.json" "$TMP/llama.ir.json" &&
		"$PYTHON3" "$TMP/colours.py" dot "$TMP/out" >"$TMP/c" && has_colour "$TMP/c" "$MATCH" "$tmpl"'
	test_expect "--depth=1: the box model.layers takes the error, model.embed_tokens passes" '
		expect_rc 0 "$DUMP" --format=dot --depth=1 --verdicts="$TMP/llama-bad.json" "$TMP/llama.ir.json" &&
		"$PYTHON3" "$TMP/colours.py" dot "$TMP/out" >"$TMP/c" &&
		has_colour "$TMP/c" "$MAKES" model.layers && has_colour "$TMP/c" "$MATCH" model.embed_tokens'
else
	for n in "--fold: a layer-1 error on its template" "--fold: unedited" "--depth=1: llama's boxes"; do
		test_skip "$n" "no $R/llama.pt2"
	done
fi

# ---- a bad report ------------------------------------------------------------
printf 'not json' >"$TMP/notjson.json"
"$PYTHON3" - "$TMP/attr.json" "$TMP/badverdict.json" "$TMP/badnodes.json" "$TMP/badnested.json" <<'PY' || bail_out "edit"
import json, sys
d = json.load(open(sys.argv[1]))
d["nodes"][2]["verdict"] = "fine"
json.dump(d, open(sys.argv[2], "w"))
# as irx-verify --per-node --expected nests it
json.dump({"per_node": d}, open(sys.argv[4], "w"))
d["nodes"] = {"x": 1}
json.dump(d, open(sys.argv[3], "w"))
PY
test_expect "a report that is not JSON: exit 2, one line naming the file" '
	expect_error "$TMP/notjson.json" -- "$DUMP" --format=dot --verdicts="$TMP/notjson.json" "$TMP/skip.ir.json"'
test_expect "an unknown verdict: exit 2, one line naming the file and /nodes/2/verdict" '
	expect_error "$TMP/badverdict.json" ": /nodes/2/verdict:" -- \
		"$DUMP" --format=mermaid --verdicts="$TMP/badverdict.json" "$TMP/skip.ir.json"'
test_expect "the same in a nested report: the place is /per_node/nodes/2/verdict" '
	expect_error "$TMP/badnested.json" ": /per_node/nodes/2/verdict:" -- \
		"$DUMP" --format=mermaid --verdicts="$TMP/badnested.json" "$TMP/skip.ir.json"'
test_expect "nodes not a list: exit 2 naming /nodes; -o FILE is not written" '
	rm -f "$TMP/pic.dot" &&
	expect_error "$TMP/badnodes.json" ": /nodes:" -- \
		"$DUMP" --format=dot --verdicts="$TMP/badnodes.json" -o "$TMP/pic.dot" "$TMP/skip.ir.json" &&
	[ ! -e "$TMP/pic.dot" ] && [ ! -s "$TMP/out" ]'
test_expect "--verdicts with Model Explorer's format is a usage error (it takes --node-data)" '
	expect_rc 64 "$DUMP" --format=model-explorer --verdicts="$TMP/attr.json" "$TMP/skip.ir.json"'
test_expect "--verdicts without a picture format is a usage error" '
	expect_rc 64 "$DUMP" --verdicts="$TMP/attr.json" "$TMP/skip.ir.json"'

# ---- subgraph nodes ------------------------------------------------------------
check_json() {
	"$PYTHON3" -c "
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {(n['graph'], n['node']): n for n in d['nodes']}
$1" "$TMP/out"
}
B="cond/true_graph_0"
test_expect "hop_cond: the branch's nodes have their own and total figures, and match" '
	expect_rc 0 verify hop_cond "$TMP/hop_cond.ir.json" --report=json &&
	cp "$TMP/out" "$TMP/hop.json" &&
	check_json "
for k in (\"linear\", \"relu\"):
    e = nodes[(\"$B\", k)]
    assert e[\"verdict\"] == \"match\", e
    assert e[\"own\"][\"count\"] > 0 and e[\"total\"][\"count\"] > 0, e
assert d[\"nodes_compared\"] == 5, d[\"nodes_compared\"]
"'
# cond runs its branch: alone on the trace's inputs it makes the branch's
# error too (made in it), so it is a node that makes an error, not the first
test_expect "hop_cond, relu swapped inside the branch: it is the first divergence, before cond" '
	expect_rc 1 verify hop_cond "$TMP/hop_cond-sub.ir.json" --report=json &&
	cp "$TMP/out" "$TMP/hop-sub.json" &&
	check_json "
f = d[\"first_divergence\"]
assert (f[\"graph\"], f[\"node\"]) == (\"$B\", \"relu\"), f
assert not nodes[(\"$B\", \"relu\")][\"own\"][\"match\"], nodes[(\"$B\", \"relu\")]
assert nodes[(\"$B\", \"linear\")][\"verdict\"] == \"match\"
assert nodes[(\"\", \"cond\")][\"verdict\"] == \"diverges\", nodes[(\"\", \"cond\")]
assert d[\"diverging\"] == 2, d
"'
test_expect "hop_cond, text: first divergence: node relu in $B" '
	expect_rc 1 verify hop_cond "$TMP/hop_cond-sub.ir.json" &&
	grep -q "^first divergence: node relu (aten.sigmoid.default) in $B\$" "$TMP/out" ||
	fail "$(cat "$TMP/out")"'
for fmt in dot mermaid; do
	test_expect "$fmt: the branch's relu in the first-divergence colour, linear passes, cond makes the error" '
		expect_rc 0 "$DUMP" --format=$fmt --verdicts="$TMP/hop-sub.json" "$TMP/hop_cond-sub.ir.json" &&
		"$PYTHON3" "$TMP/colours.py" $fmt "$TMP/out" >"$TMP/c" &&
		has_colour "$TMP/c" "$FIRST" relu && has_colour "$TMP/c" "$MATCH" linear sum_1 gt &&
		has_colour "$TMP/c" "$MAKES" cond && has_colour "$TMP/c" "$NONE" cos mul'
done

# ---- irx-exec's trace of subgraphs ------------------------------------------------
test_expect "irx-exec --dump-intermediates writes the branch's records where irx-capture does" - <<'EOT'
rm -rf "$TMP/hd"
expect_rc 0 "$EXEC" "$TMP/hop_cond.ir.json" -w "$P/hop_cond.state_dict.pt" -i "$P/hop_cond.inputs.pt" \
	--dump-intermediates "$TMP/hd" -o "$TMP/hd.pt" &&
	[ "$(cd "$TMP/hd" && find . -name '*.safetensors' | sort)" = \
		"$(cd "$P/hop_cond.intermediates" && find . -name '*.safetensors' | sort)" ] ||
	fail "$(cd "$TMP/hd" && find .)"
EOT
test_expect "--against: irx-exec's trace against irx-capture's matches, the branch's nodes compared" '
	expect_rc 0 "$VERIFY" "$TMP/hop_cond.ir.json" --per-node --trace "$P/hop_cond.intermediates" \
		--against "$TMP/hd" --report=json &&
	check_json "
assert d[\"match\"] and d[\"nodes_compared\"] == 5, d
for k in (\"linear\", \"relu\"):
    assert nodes[(\"$B\", k)][\"total\"][\"count\"] > 0, nodes[(\"$B\", k)]
"'
test_expect "--against: irx-exec's trace of the IR changed in the branch names the branch's relu" - <<'EOT'
rm -rf "$TMP/hs"
"$EXEC" "$TMP/hop_cond-sub.ir.json" -w "$P/hop_cond.state_dict.pt" -i "$P/hop_cond.inputs.pt" \
	--dump-intermediates "$TMP/hs" -o "$TMP/hs.pt" >"$TMP/e" 2>&1 || fail "irx-exec: $(cat "$TMP/e")" || return 1
expect_rc 1 "$VERIFY" "$TMP/hop_cond.ir.json" --per-node --trace "$P/hop_cond.intermediates" \
	--against "$TMP/hs" &&
	grep -q "^first divergence: node relu (aten.relu.default) in $B\$" "$TMP/out" ||
	fail "$(cat "$TMP/out")"
EOT
test_expect "irx-exec: a symlink planted for NODE.subgraphs is an error, not followed" - <<'EOT'
rm -rf "$TMP/hl" "$TMP/elsewhere" && mkdir "$TMP/hl" "$TMP/elsewhere" &&
	ln -s "$TMP/elsewhere" "$TMP/hl/cond.subgraphs" &&
	expect_rc 2 "$EXEC" "$TMP/hop_cond.ir.json" -w "$P/hop_cond.state_dict.pt" \
		-i "$P/hop_cond.inputs.pt" --dump-intermediates "$TMP/hl" -o "$TMP/hl.pt" &&
	grep -qF "$TMP/hl/cond.subgraphs: not a directory" "$TMP/err" &&
	[ -z "$(ls "$TMP/elsewhere")" ] || fail "$(cat "$TMP/err"; ls -R "$TMP/elsewhere")"
EOT
test_done
