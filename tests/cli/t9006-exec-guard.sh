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
	bail_out "mlp: export | convert"

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
ir() { "$PYTHON3" "$TMP/ir.py" "$@" || bail_out "ir.py $*"; }
out() { printf '{"name": "%s", "shape": %s, "dtype": "%s"}' "$1" "$2" "$3"; }
x_in() { printf '{"name": "x", "arg": "%s"}' "$1"; }

# A guard that fails lets some IRs run for ever (a sum over 2^40
# elements): such a case must fail, not hang.
LIMIT=
command -v timeout >/dev/null 2>&1 && LIMIT="timeout 600"

# bad DESC IR WORD... [-- OPTION...]: irx-exec on IR exits 2 with one line
# naming the IR and every WORD, and the victim is as it was.
bad() {
	b_desc=$1 b_file=$2
	shift 2
	b_words=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		b_words="$b_words$1
"
		shift
	done
	[ $# -gt 0 ] && shift
	rm -f "$TMP/out.pt"
	test_expect "$b_desc" '
		expect_rc 2 $LIMIT "$EXEC" "$b_file" -w "$W" -i "$IN" -o "$TMP/out.pt" "$@" &&
		expect_one_line_naming "$b_file" && err_names_each "$b_words" && victim_unchanged &&
		{ [ ! -e "$TMP/out.pt" ] || fail "left $TMP/out.pt"; }' "$@"
}
# err_names_each LINES: $TMP/err holds each line of LINES.
err_names_each() {
	printf '%s' "$1" | while IFS= read -r w; do
		grep -qF -- "$w" "$TMP/err" || { fail "stderr does not name '$w': $(cat "$TMP/err")"; return 1; }
	done
}
victim_unchanged() { [ "$(cksum <"$VICTIM")" = "$victim_sum" ] || fail "the victim file changed"; }

# 1. The operator policy.
from_file='{"name": "ff", "op_type": "aten.from_file.default", "inputs": [],
  "attrs": {"filename": "'"$VICTIM"'", "shared": true, "size": 1048576, "dtype": "float32"},
  "outputs": ['"$(out ff '[1048576]' float32)"']}'
ir "$TMP/from-file.json" node "$from_file"
bad "aten.from_file (shared, grown) is refused at planning" "$TMP/from-file.json" \
	"node ff" "aten.from_file.default" "file name" "--allow-op=aten.from_file.default"
test_expect "irx-verify refuses it too" '
	expect_rc 2 "$VERIFY" "$TMP/from-file.json" -w "$W" -i "$IN" --expected "$RT/mlp.expected.pt" &&
	expect_one_line_naming "aten.from_file.default" && victim_unchanged'
test_expect "irx-verify --per-node refuses it too" '
	expect_rc 2 "$VERIFY" "$TMP/from-file.json" -w "$W" -i "$IN" --per-node &&
	expect_one_line_naming "aten.from_file.default" && victim_unchanged'


# --allow-op opts back in, one operator at a time: a private read of a
# scratch file of exactly the size asked.
cp "$VICTIM" "$TMP/scratch.bin"
ir "$TMP/from-file-ok.json" node '{"name": "ff", "op_type": "aten.from_file.default", "inputs": [],
  "attrs": {"filename": "'"$TMP/scratch.bin"'", "shared": false, "size": 4, "dtype": "float32"},
  "outputs": ['"$(out ff '[4]' float32)"']}'
test_expect "--allow-op=aten.from_file.default runs it" '
	expect_rc 0 "$EXEC" "$TMP/from-file-ok.json" -w "$W" -i "$IN" --allow-op=aten.from_file.default'
test_expect "--allow-op=aten.from_file runs every overload" '
	expect_rc 0 "$EXEC" "$TMP/from-file-ok.json" -w "$W" -i "$IN" --allow-op=aten.from_file'

bad "--allow-op of another operator does not" "$TMP/from-file-ok.json" "aten.from_file.default" -- \
	--allow-op=aten.from_file.out --allow-op=aten.from

test_expect "--list-refused-ops lists aten.from_file and not aten.add or aten.linear" '
	expect_rc 0 "$EXEC" --list-refused-ops &&
	grep -q "^aten\.from_file\.default	it takes a file name$" "$TMP/out" &&
	! grep -q "^aten\.add\.Tensor	" "$TMP/out" && ! grep -q "^aten\.linear\." "$TMP/out" ||
	fail "$(head -5 "$TMP/out") $(cat "$TMP/err")"'


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
test_expect "the same IR runs with --max-elements=none" '
	expect_rc 0 "$EXEC" "$TMP/expand.json" -w "$W" -i "$IN" --max-elements=none'

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
for bound in --max-memory=-1 --max-memory=12Q --max-elements=0 --max-iterations=x; do
	test_expect "$bound is a usage error" 'expect_rc 64 "$EXEC" "$TMP/mlp.ir.json" -w "$W" -i "$IN" "$bound"'
done


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
st new "$TMP/none.safetensors" || bail_out "st new" # the loop has no weights
test_expect "an endless while_loop stops at --max-iterations" '
	expect_rc 2 $LIMIT "$EXEC" "$TMP/while-endless.json" -w "$TMP/none.safetensors" --random-inputs --max-iterations=1000 &&
	expect_one_line_naming "$TMP/while-endless.json" "--max-iterations=1000" "node w"'
test_expect "a while_loop whose body is missing is refused at planning" '
	expect_rc 2 "$EXEC" "$TMP/while.json" -w "$TMP/none.safetensors" --random-inputs &&
	expect_one_line_naming "$TMP/while.json" "node w (higher_order.while_loop): its body '\''body'\''"'

sed 's/"BODY"/"body"/; s/"body_fn": {"graph": "body"}/"body_fn": {"graph": "w"}/' "$TMP/while.json" \
	>"$TMP/while-self.json"
test_expect "a body that names its own node is refused" '
	expect_rc 2 "$EXEC" "$TMP/while-self.json" -w "$TMP/none.safetensors" --random-inputs &&
	expect_one_line_naming "$TMP/while-self.json" "its body '\''w'\''"'


test_done
