#!/bin/sh
# t2004-json-schemas.sh: the JSON Schemas of docs/ (ir, program,
# verify-report, stats; installed under $(datadir)/irx) hold what irx
# writes, and catch what it must not:
#   - every fixture's program document (irx-export) and IR (irx-convert;
#     --allow-dynamic where the program is dynamic) conforms, one check
#     per fixture folder;
#   - IRs and programs broken on purpose (a missing field, a dtype irx does
#     not know, a weight kind, a wrong format_version, an argument with two
#     keys) are rejected, at the right place;
#   - irx-verify --report=json (a match, a mismatch, --per-node) and
#     irx-dump --stats --format=json conform and carry format_version 1.
# Needs Python's jsonschema (Debian: python3-jsonschema).
. "$IRX_SRCDIR/tests/cli/lib.sh"

DOCS="$IRX_SRCDIR/docs"
CHECK="$IRX_SRCDIR/tests/cli/check-schema.py"
PY=
for p in "$PYTHON3" /usr/bin/python3 python3; do
	if "$p" -c 'import jsonschema' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || test_skip_all "no Python with jsonschema (install python3-jsonschema)"

# valid SCHEMA FILE...: every FILE conforms (the failures in $TMP/out)
valid() {
	expect_rc 0 "$PY" "$CHECK" "$DOCS" "$@" || fail "$(head -c 600 "$TMP/out")"
}
# invalid SCHEMA FILE PLACE [WORD]: FILE is rejected, the reason at a JSON
# path that starts with PLACE ("/:" for the top level), naming WORD
invalid() {
	expect_rc 1 "$PY" "$CHECK" "$DOCS" "$1" "$2" && grep -qF -- ": $3" "$TMP/out" &&
		grep -qF -- "${4:-}" "$TMP/out" ||
		fail "not rejected at $3 ${4:-}: $(head -c 600 "$TMP/out")"
}

n=0
for dir in t214 t26 rt214 rt26 dyn214 dyn26 tensors/t214 tensors/t26; do
	[ -d "$FIXTURES/$dir" ] || continue
	d=$(echo "$dir" | tr / -)
	mkdir -p "$TMP/$d"
	progs= irs= bad=
	for f in "$FIXTURES/$dir"/*.pt2; do
		[ -e "$f" ] || continue
		m=$(basename "$f" .pt2)
		if ! "$BIN/irx-export" "$f" >"$TMP/$d/$m.program.json" 2>/dev/null; then
			bad="$bad $m"
			continue
		fi
		progs="$progs $TMP/$d/$m.program.json"
		if "$BIN/irx-convert" "$TMP/$d/$m.program.json" >"$TMP/$d/$m.ir.json" 2>/dev/null ||
			"$BIN/irx-convert" --allow-dynamic "$TMP/$d/$m.program.json" >"$TMP/$d/$m.ir.json" 2>/dev/null; then
			irs="$irs $TMP/$d/$m.ir.json"
		else
			bad="$bad $m"
		fi
		n=$((n + 1))
	done
	[ -n "$progs" ] || continue
	# shellcheck disable=SC2086
	test_expect "$dir: every program document conforms to program.schema.json" '
		[ -z "$bad" ] || fail "not exported or converted:$bad"
		valid program.schema.json $progs'
	# shellcheck disable=SC2086
	test_expect "$dir: every IR conforms to ir.schema.json" 'valid ir.schema.json $irs'
	# shellcheck disable=SC2086
	test_expect "$dir: irx-dump --stats --format=json of every IR conforms to stats.schema.json" '
		for ir in $irs; do
			"$BIN/irx-dump" --stats --format=json "$ir" >"${ir%.ir.json}.stats.json" || exit 1
		done &&
		valid stats.schema.json $(echo "$irs" | sed "s/\.ir\.json/.stats.json/g")'
done
[ "$n" -gt 0 ] || test_skip_all "no fixtures"

# broken on purpose: one change each, from a real IR and program
ir="$TMP/t214/resnet18.ir.json"
prog="$TMP/t214/resnet18.program.json"
[ -f "$ir" ] || ir=$(ls "$TMP"/*/*.ir.json | head -1)
[ -f "$prog" ] || prog=$(ls "$TMP"/*/*.program.json | head -1)
"$PY" - "$ir" "$prog" "$TMP" <<'PY'
import copy, json, sys
ir, prog, tmp = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def edit(doc, name, f):
    d = copy.deepcopy(doc)
    f(d)
    json.dump(d, open(f"{tmp}/{name}.json", "w"))
edit(ir, "no-op-type", lambda d: d["nodes"][1].pop("op_type"))
edit(ir, "float128", lambda d: d["nodes"][1]["outputs"][0].update(dtype="float128"))
edit(ir, "weight-kind", lambda d: d["weights"][0].update(kind="param"))
edit(ir, "version-2", lambda d: d.update(format_version=2))
edit(ir, "no-weights", lambda d: d.pop("weights"))
edit(ir, "negative-size", lambda d: d["graph_inputs"][0]["shape"].__setitem__(0, -1))
edit(prog, "prog-float128", lambda d: next(iter(d["graph"]["values"].values())).update(dtype="float128"))
edit(prog, "prog-two-keys", lambda d: d["graph"]["nodes"][0]["inputs"][0]["arg"].update(int=3))
edit(prog, "prog-no-graph", lambda d: d.pop("graph"))
PY
test_expect "an IR node without op_type is rejected" 'invalid ir.schema.json "$TMP/no-op-type.json" "/nodes/1:" op_type'
test_expect "an IR tensor of dtype float128 is rejected" 'invalid ir.schema.json "$TMP/float128.json" /nodes/1/outputs/0/dtype: float128'
test_expect "an IR weight of kind param is rejected" 'invalid ir.schema.json "$TMP/weight-kind.json" /weights/0/kind:'
test_expect "an IR of format_version 2 is rejected" 'invalid ir.schema.json "$TMP/version-2.json" /format_version:'
test_expect "an IR without weights is rejected" 'invalid ir.schema.json "$TMP/no-weights.json" /: weights'
test_expect "an IR input of size -1 is rejected" 'invalid ir.schema.json "$TMP/negative-size.json" /graph_inputs/0/shape/0:'
test_expect "a program value of dtype float128 is rejected" 'invalid program.schema.json "$TMP/prog-float128.json" /graph/values/ float128'
test_expect "a program argument with two keys is rejected" 'invalid program.schema.json "$TMP/prog-two-keys.json" /graph/nodes/0/inputs/0/arg:'
test_expect "a program without graph is rejected" 'invalid program.schema.json "$TMP/prog-no-graph.json" /: graph'

# the reports, where libtorch runs them
"$BIN/irx-exec" --version >"$TMP/v" 2>&1 || :
if grep -q "libtorch: [0-9]" "$TMP/v" && [ -f "$FIXTURES/rt214/mlp.pt2" ]; then
	f="$FIXTURES/rt214/mlp"
	"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" >"$TMP/mlp.ir.json"
	test_expect "irx-verify --report=json (a match) conforms, format_version 1" '
		expect_rc 0 "$BIN/irx-verify" "$TMP/mlp.ir.json" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--expected "$f.expected.pt" --report=json && cp "$TMP/out" "$TMP/match.json" &&
		valid verify-report.schema.json "$TMP/match.json" &&
		grep -q "\"format_version\": 1" "$TMP/match.json"'
	test_expect "irx-verify --report=json (a mismatch) conforms" '
		expect_rc 1 "$BIN/irx-verify" "$TMP/mlp.ir.json" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--expected "$f.inputs.pt" --report=json && cp "$TMP/out" "$TMP/mismatch.json" &&
		valid verify-report.schema.json "$TMP/mismatch.json"'
	test_expect "irx-verify --per-node --report=json conforms" '
		expect_rc 0 "$BIN/irx-verify" "$TMP/mlp.ir.json" -w "$f.state_dict.pt" -i "$f.inputs.pt" \
			--expected "$f.expected.pt" --per-node --report=json && cp "$TMP/out" "$TMP/pernode.json" &&
		valid verify-report.schema.json "$TMP/pernode.json"'
	test_expect "a report without format_version is rejected" '
		"$PY" -c "import json, sys; d = json.load(open(sys.argv[1])); d.pop(\"format_version\"); json.dump(d, open(sys.argv[2], \"w\"))" \
			"$TMP/match.json" "$TMP/nover.json" &&
		invalid verify-report.schema.json "$TMP/nover.json" /: format_version'
else
	test_skip "irx-verify reports conform" "irx-verify is built without libtorch, or no rt214 fixtures"
fi
test_done
