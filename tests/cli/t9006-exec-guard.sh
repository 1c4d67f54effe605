#!/bin/sh
# irx-exec and irx-verify on hostile IRs (irx-exec(1), "Untrusted IRs"):
# the operator policy, enums libtorch would take on trust, dtypes irx does
# not know, outputs that are not what the IR claims, missing bodies, and
# the bounds on memory, elements and loop rounds.  Each is exit 2 with one
# line on stderr naming the file and the node; a victim file beside the
# IR is never read, written or grown.
#
# The IRs are the real mlp fixture (tests/fixtures/rt214/mlp.pt2: x
# [3, 4] -> linear -> relu -> linear_1) with nodes added or claims
# changed by ir.py below; the while_loop is written by hand (no torch here
# exports one): these are malformed inputs.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

RT="$FIXTURES/rt214"
W="$RT/mlp.state_dict.pt"
IN="$RT/mlp.inputs.pt"
"$BIN/irx-export" "$RT/mlp.pt2" >"$TMP/p.json" && "$BIN/irx-convert" "$TMP/p.json" >"$TMP/mlp.ir.json" ||
	{ fail "mlp: export | convert"; finish; }

VICTIM="$TMP/victim.bin"
printf 'sixteen bytes!!\n' >"$VICTIM"
victim_sum=$(cksum <"$VICTIM")

# ir.py OUT EDIT...: the mlp IR with EDITs applied:
#   node JSON       a node put first (its outputs unused)
#   last JSON       a node put last, and its output made the graph output
#   claim NODE K FIELD JSON   output K of NODE claims FIELD = JSON
#   attr NODE NAME JSON       attrs[NAME] of NODE
cat >"$TMP/ir.py" <<'PY'
import json, sys
args = sys.argv[1:]
out = args.pop(0)
ir = json.load(open(sys.argv[0].rsplit("/", 1)[0] + "/mlp.ir.json"))
def node(spec):
    n = json.loads(spec)
    n.setdefault("attrs", {})
    for i, o in enumerate(n["outputs"]):
        o.update(producer_node=n["name"], producer_output_idx=i, output_index=i)
    return n
while args:
    cmd = args.pop(0)
    if cmd == "node":
        ir["nodes"].insert(0, node(args.pop(0)))
    elif cmd == "last":
        n = node(args.pop(0))
        ir["nodes"].append(n)
        ir["graph_outputs"] = [dict(n["outputs"][0])]
    elif cmd == "claim":
        name, k, field, value = args[:4]; del args[:4]
        [n] = [n for n in ir["nodes"] if n["name"] == name]
        n["outputs"][int(k)][field] = json.loads(value)
    elif cmd == "attr":
        name, key, value = args[:3]; del args[:3]
        [n] = [n for n in ir["nodes"] if n["name"] == name]
        n["attrs"][key] = json.loads(value)
json.dump(ir, open(out, "w"))
PY
ir() { python3 "$TMP/ir.py" "$@"; }
out() { printf '{"name": "%s", "shape": %s, "dtype": "%s"}' "$1" "$2" "$3"; }
x_in() { printf '{"name": "x", "arg": "%s"}' "$1"; }

# A guard that fails lets some IRs run for ever (a sum over 2^40
# elements): such a case must fail, not hang.
LIMIT=
command -v timeout >/dev/null 2>&1 && LIMIT="timeout 600"

# bad DESC IR WORD... [-- OPTION...]: irx-exec on IR exits 2 with one line
# naming the IR and every WORD, and the victim is as it was.
bad() {
	desc=$1 file=$2
	shift 2
	words=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do words="$words
$1"; shift; done
	[ $# -gt 0 ] && shift
	expect_rc 2 $LIMIT "$EXEC" "$file" -w "$W" -i "$IN" -o "$TMP/out.pt" "$@" || return 0
	expect_one_line_naming "$file" || return 0
	missing=$(echo "$words" | sed 1d | while IFS= read -r w; do grep -qF -- "$w" "$TMP/err" || echo "'$w'"; done)
	[ -z "$missing" ] || { fail "$desc: stderr does not name $missing: $(cat "$TMP/err")"; return 0; }
	[ "$(cksum <"$VICTIM")" = "$victim_sum" ] || { fail "$desc: the victim file changed"; return 0; }
	[ ! -e "$TMP/out.pt" ] || { fail "$desc: left $TMP/out.pt"; rm -f "$TMP/out.pt"; return 0; }
	pass "$desc"
}

# 1. The operator policy.
from_file='{"name": "ff", "op_type": "aten.from_file.default", "inputs": [],
  "attrs": {"filename": "'"$VICTIM"'", "shared": true, "size": 1048576, "dtype": "float32"},
  "outputs": ['"$(out ff '[1048576]' float32)"']}'
ir "$TMP/from-file.json" node "$from_file"
bad "aten.from_file (shared, grown) is refused at planning" "$TMP/from-file.json" \
	"node ff" "aten.from_file.default" "file name" "--allow-op=aten.from_file.default"
expect_rc 2 "$VERIFY" "$TMP/from-file.json" -w "$W" -i "$IN" --expected "$RT/mlp.expected.pt" &&
	grep -qF "aten.from_file.default" "$TMP/err" && [ "$(cksum <"$VICTIM")" = "$victim_sum" ] &&
	pass "irx-verify refuses it too" || fail "irx-verify: $(cat "$TMP/err")"
expect_rc 2 "$VERIFY" "$TMP/from-file.json" -w "$W" -i "$IN" --per-node &&
	grep -qF "aten.from_file.default" "$TMP/err" && [ "$(cksum <"$VICTIM")" = "$victim_sum" ] &&
	pass "irx-verify --per-node refuses it too" || fail "irx-verify --per-node: $(cat "$TMP/err")"

# --allow-op opts back in, one operator at a time: a private read of a
# scratch file of exactly the size asked.
cp "$VICTIM" "$TMP/scratch.bin"
ir "$TMP/from-file-ok.json" node '{"name": "ff", "op_type": "aten.from_file.default", "inputs": [],
  "attrs": {"filename": "'"$TMP/scratch.bin"'", "shared": false, "size": 4, "dtype": "float32"},
  "outputs": ['"$(out ff '[4]' float32)"']}'
expect_rc 0 "$EXEC" "$TMP/from-file-ok.json" -w "$W" -i "$IN" --allow-op=aten.from_file.default &&
	pass "--allow-op=aten.from_file.default runs it" || fail "--allow-op: $(cat "$TMP/err")"
expect_rc 0 "$EXEC" "$TMP/from-file-ok.json" -w "$W" -i "$IN" --allow-op=aten.from_file &&
	pass "--allow-op=aten.from_file runs every overload" || fail "--allow-op (all overloads): $(cat "$TMP/err")"
bad "--allow-op of another operator does not" "$TMP/from-file-ok.json" "aten.from_file.default" -- \
	--allow-op=aten.from_file.out --allow-op=aten.from

"$EXEC" --list-refused-ops >"$TMP/refused" 2>"$TMP/err"
if grep -q "^aten\.from_file\.default	it takes a file name$" "$TMP/refused" &&
	! grep -q "^aten\.add\.Tensor	" "$TMP/refused" && ! grep -q "^aten\.linear\." "$TMP/refused"; then
	pass "--list-refused-ops lists aten.from_file and not aten.add or aten.linear"
else
	fail "--list-refused-ops: $(head -5 "$TMP/refused") $(cat "$TMP/err")"
fi

# 2. Values libtorch would take on trust (libtorch 1.13 types these as int).
ones() { printf '{"name": "o", "op_type": "aten.%s", "inputs": [], "attrs": {"size": [2]%s},
  "outputs": [%s]}' "$1" "$2" "$(out o '[2]' float32)"; }
ir "$TMP/dtype-int.json" node "$(ones ones.default ', "dtype": 9999')"
bad "a dtype of 9999" "$TMP/dtype-int.json" "node o (aten.ones.default)" "argument 'dtype'" "9999"
ir "$TMP/dtype-neg.json" node "$(ones ones.default ', "dtype": -1')"
bad "a dtype of -1" "$TMP/dtype-neg.json" "node o" "argument 'dtype'"
ir "$TMP/dtype-name.json" node "$(ones ones.default ', "dtype": "float128"')"
bad "a dtype named float128" "$TMP/dtype-name.json" "node o" "argument 'dtype'" "float128"
ir "$TMP/layout.json" node "$(ones ones.default ', "layout": 77')"
bad "a layout of 77" "$TMP/layout.json" "node o" "argument 'layout'" "77"
ir "$TMP/mf.json" node "$(ones empty.memory_format ', "memory_format": 42')"
bad "a memory format of 42" "$TMP/mf.json" "node o" "argument 'memory_format'" "42"
ir "$TMP/device.json" node "$(ones ones.default ', "device": "cuda:7"')"
bad "a device that is not the CPU" "$TMP/device.json" "node o" "argument 'device'" "cuda:7"
ir "$TMP/reduction.json" node '{"name": "l", "op_type": "aten.mse_loss.default",
  "inputs": ['"$(x_in self), $(x_in target)"'], "attrs": {"reduction": 7},
  "outputs": ['"$(out l '[]' float32)"']}'
bad "a reduction of 7" "$TMP/reduction.json" "node l" "argument 'reduction'" "7"

# 3. What the IR claims.
ir "$TMP/f128.json" claim relu 0 dtype '"float128"'
bad "a tensor of dtype float128" "$TMP/f128.json" "'relu'" "float128"
ir "$TMP/shape.json" claim relu 0 shape '[3, 9]'
bad "an output of another shape than claimed" "$TMP/shape.json" "node relu" "float32[3, 8]" "float32[3, 9]"
ir "$TMP/dtype.json" claim relu 0 dtype '"float16"'
bad "an output of another dtype than claimed" "$TMP/dtype.json" "node relu" "float32[3, 8]" "float16[3, 8]"

# 4. Bounds: by the claims before anything runs, and by libtorch's
# allocations whatever the claims say.
big=$((1 << 20))
ir "$TMP/expand.json" node '{"name": "e", "op_type": "aten.expand.default", "inputs": ['"$(x_in self)"'],
  "attrs": {"size": [262144, 3, 4]}, "outputs": ['"$(out e '[262144, 3, 4]' float32)"']}' \
	last '{"name": "s", "op_type": "aten.sum.default", "inputs": [{"name": "e", "arg": "self"}],
  "outputs": ['"$(out s '[]' float32)"']}'
bad "a node past --max-elements" "$TMP/expand.json" "node e (aten.expand.default)" "--max-elements=1000000" -- \
	--max-elements=1000000
expect_rc 0 "$EXEC" "$TMP/expand.json" -w "$W" -i "$IN" --max-elements=none &&
	pass "the same IR runs with --max-elements=none" || fail "--max-elements=none: $(cat "$TMP/err")"
ir "$TMP/expand-lie.json" node '{"name": "e", "op_type": "aten.expand.default", "inputs": ['"$(x_in self)"'],
  "attrs": {"size": [1099511627776, 3, 4]}, "outputs": ['"$(out e '[1, 3, 4]' float32)"']}' \
	last '{"name": "s", "op_type": "aten.sum.default", "inputs": [{"name": "e", "arg": "self"}],
  "outputs": ['"$(out s '[]' float32)"']}'
bad "a view of 2^40 rows claimed as one is caught before the sum" "$TMP/expand-lie.json" \
	"node e" "float32[1099511627776, 3, 4]" "float32[1, 3, 4]"
bad "a node past --max-memory" "$TMP/mlp.ir.json" "node linear" "--max-memory=64" -- --max-memory=64
ir "$TMP/zeros-lie.json" node '{"name": "z", "op_type": "aten.zeros.default", "inputs": [],
  "attrs": {"size": [67108864], "dtype": "float32"}, "outputs": ['"$(out z '[1]' float32)"']}'
bad "an allocation past --max-memory that the IR understates" "$TMP/zeros-lie.json" \
	"node z (aten.zeros.default)" "--max-memory" -- --max-memory=64M
expect_rc 64 "$EXEC" "$TMP/mlp.ir.json" -w "$W" -i "$IN" --max-memory=-1 &&
	expect_rc 64 "$EXEC" "$TMP/mlp.ir.json" -w "$W" -i "$IN" --max-memory=12Q &&
	expect_rc 64 "$EXEC" "$TMP/mlp.ir.json" -w "$W" -i "$IN" --max-elements=0 &&
	expect_rc 64 "$EXEC" "$TMP/mlp.ir.json" -w "$W" -i "$IN" --max-iterations=x &&
	pass "bounds that are not numbers are usage errors" || fail "bounds usage: $(cat "$TMP/err")"

# 5. Higher-order operators: an endless while_loop, a missing body.
cat >"$TMP/while.json" <<EOF
{"format": "irx-ir", "format_version": 1, "model_name": "loop",
 "graph_inputs": [$(out x '[3, 4]' float32)],
 "graph_outputs": [{"name": "w", "shape": [3, 4], "dtype": "float32", "producer_node": "w", "producer_output_idx": 0}],
 "weights": [], "constants": [], "weight_name_mapping": {},
 "nodes": [{"name": "w", "op_type": "higher_order.while_loop",
   "inputs": [{"name": "x", "arg": "carried_inputs", "list_index": 0}],
   "tensor_lists": {"carried_inputs": 1, "additional_inputs": 0},
   "attrs": {"cond_fn": {"graph": "cond"}, "body_fn": {"graph": "body"}},
   "outputs": [{"name": "w", "shape": [3, 4], "dtype": "float32", "producer_node": "w", "producer_output_idx": 0, "output_index": 0, "list_index": 0}],
   "subgraphs": {
     "cond": {"graph_inputs": [$(out a '[3, 4]' float32)],
              "nodes": [{"name": "t", "op_type": "aten.ones.default", "inputs": [], "attrs": {"size": [], "dtype": "bool"},
                         "outputs": [{"name": "t", "shape": [], "dtype": "bool", "output_index": 0}]}],
              "graph_outputs": [{"name": "t", "shape": [], "dtype": "bool"}]},
     "BODY": {"graph_inputs": [$(out a '[3, 4]' float32)],
              "nodes": [{"name": "c", "op_type": "aten.clone.default", "inputs": [{"name": "a", "arg": "self"}], "attrs": {},
                         "outputs": [{"name": "c", "shape": [3, 4], "dtype": "float32", "output_index": 0}]}],
              "graph_outputs": [{"name": "c", "shape": [3, 4], "dtype": "float32"}]}}}]}
EOF
sed 's/"BODY"/"body"/' "$TMP/while.json" >"$TMP/while-endless.json"
st new "$TMP/none.safetensors" # the loop has no weights
expect_rc 2 $LIMIT "$EXEC" "$TMP/while-endless.json" -w "$TMP/none.safetensors" --random-inputs --max-iterations=1000 &&
	expect_one_line_naming "$TMP/while-endless.json" && grep -qF -- "--max-iterations=1000" "$TMP/err" &&
	grep -qF "node w" "$TMP/err" && pass "an endless while_loop stops at --max-iterations" ||
	fail "endless while_loop: $(cat "$TMP/err")"
expect_rc 2 "$EXEC" "$TMP/while.json" -w "$TMP/none.safetensors" --random-inputs &&
	expect_one_line_naming "$TMP/while.json" && grep -qF "node w (higher_order.while_loop): its body 'body'" "$TMP/err" &&
	pass "a while_loop whose body is missing is refused at planning" || fail "missing body: $(cat "$TMP/err")"
sed 's/"BODY"/"body"/; s/"body_fn": {"graph": "body"}/"body_fn": {"graph": "w"}/' "$TMP/while.json" \
	>"$TMP/while-self.json"
expect_rc 2 "$EXEC" "$TMP/while-self.json" -w "$TMP/none.safetensors" --random-inputs &&
	expect_one_line_naming "$TMP/while-self.json" && grep -qF "its body 'w'" "$TMP/err" &&
	pass "a body that names its own node is refused" || fail "self body: $(cat "$TMP/err")"

finish
