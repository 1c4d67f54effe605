#!/bin/sh
# irx-export on every fixture from real torch 2.6 (legacy layout) and 2.14
# (PT2 archive): valid irx-program JSON whose provenance matches what torch
# said at export time; file, stdin and -o give the same document.
. "$IRX_SRCDIR/tests/cli/lib.sh"

n=0
for archive in "$FIXTURES"/t26/*.pt2 "$FIXTURES"/t214/*.pt2; do
	oracle=${archive%.pt2}.oracle.json
	name=$(basename "$archive")
	expect_rc 0 "$BIN/irx-export" "$archive" || continue
	[ -s "$TMP/err" ] && fail "$name: unexpected stderr: $(cat "$TMP/err")"
	"$PYTHON3" - "$TMP/out" "$oracle" <<'PY' || fail "$name: provenance"
import json, sys
doc = json.load(open(sys.argv[1]))
oracle = json.load(open(sys.argv[2]))
src = doc["source"]
assert doc["format"] == "irx-program" and doc["format_version"] == 1
assert src["torch_version"] == oracle["torch_version"], src
assert src["layout"] == {"legacy": "pt2-legacy", "pt2": "pt2"}[oracle["layout"]], src
assert src["model"] == "model" and src["models"] == ["model"]
major = src["schema_version"]["major"]
assert major == 8, src
# every node carries its target; tensor values cover every output
values = doc["graph"]["values"]
for node in doc["graph"]["nodes"]:
    for out in node["outputs"]:
        for k in ("tensor",):
            if k in out:
                assert out[k] in values, out
PY
	n=$((n + 1))
done
pass "$n archives exported"

a="$FIXTURES/t214/resnet18.pt2"
"$BIN/irx-export" "$a" >"$TMP/file.json"
"$BIN/irx-export" - <"$a" >"$TMP/stdin.json"
"$BIN/irx-export" -o "$TMP/o.json" "$a"
"$BIN/irx-export" --compact "$a" >"$TMP/compact.json"
[ "$(wc -l <"$TMP/compact.json")" -eq 1 ] || fail "--compact is not one line"
"$PYTHON3" - "$TMP/file.json" "$TMP/stdin.json" "$TMP/o.json" "$TMP/compact.json" <<'PY' || fail "file, stdin, -o and --compact differ"
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:]]
docs[1]["source"]["file"] = docs[0]["source"]["file"]
assert all(d == docs[0] for d in docs)
PY
cmp -s "$TMP/file.json" "$TMP/o.json" || fail "-o differs from stdout"
ls "$TMP" | grep -q tmp && fail "a temporary file was left behind"
pass "file, stdin, -o, --compact"

# -o to a device or through a symlink writes there; it never replaces them.
if mknod "$TMP/dev" c 1 3 2>/dev/null; then
	"$BIN/irx-export" -o "$TMP/dev" "$a" && [ -c "$TMP/dev" ] && pass "-o to a device" ||
		fail "-o replaced a device node"
fi
echo old >"$TMP/target.json"
ln -s "$TMP/target.json" "$TMP/link.json"
"$BIN/irx-export" -o "$TMP/link.json" "$a" && [ -L "$TMP/link.json" ] &&
	grep -q irx-program "$TMP/target.json" && pass "-o through a symlink" || fail "-o replaced a symlink"

# Export never reads payloads: the real-weights archive says it has data,
# the meta one says it has none.
"$BIN/irx-export" "$FIXTURES/t214/mlp_real.pt2" | grep -q '"has_data": true' || fail "mlp_real has data"
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" | grep -q '"has_data": true' && fail "meta mlp has no data"
finish
