#!/bin/sh
# irx-export on every fixture from real torch 2.6 (legacy layout) and 2.14
# (PT2 archive): valid irx-program JSON whose provenance matches what torch
# said at export time; file, stdin and -o give the same document.
. "$IRX_SRCDIR/tests/cli/lib.sh"

for archive in "$FIXTURES"/t26/*.pt2 "$FIXTURES"/t214/*.pt2; do
	oracle=${archive%.pt2}.oracle.json
	name=${archive#"$FIXTURES"/}
	test_expect "$name: exports silently, provenance as torch said" - <<'EOT'
	expect_rc 0 "$BIN/irx-export" "$archive" &&
	{ [ ! -s "$TMP/err" ] || fail "unexpected stderr: $(cat "$TMP/err")"; } &&
	"$PYTHON3" - "$TMP/out" "$oracle" <<'PY'
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
    assert isinstance(node.get("target"), str), node
    for out in node["outputs"]:
        if "tensor" in out:
            assert out["tensor"] in values, out
PY
EOT
done

a="$FIXTURES/t214/resnet18.pt2"
test_expect "file, stdin, -o and --compact give the same document" - <<'EOT'
"$BIN/irx-export" "$a" >"$TMP/file.json" &&
"$BIN/irx-export" - <"$a" >"$TMP/stdin.json" &&
"$BIN/irx-export" -o "$TMP/o.json" "$a" &&
"$BIN/irx-export" --compact "$a" >"$TMP/compact.json" &&
"$PYTHON3" - "$TMP/file.json" "$TMP/stdin.json" "$TMP/o.json" "$TMP/compact.json" <<'PY'
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:]]
assert docs[1]["source"]["file"] != docs[0]["source"]["file"], "stdin is named as the file"
docs[1]["source"]["file"] = docs[0]["source"]["file"]
assert all(d == docs[0] for d in docs)
PY
EOT
test_expect "--compact is one line" '[ "$(wc -l <"$TMP/compact.json")" -eq 1 ]'
test_expect "-o writes what stdout gets, byte for byte" 'cmp "$TMP/file.json" "$TMP/o.json"'
test_expect "no temporary file left behind" '! ls -A "$TMP" | grep tmp'

# -o to a device or through a symlink writes there; it never replaces them.
if mknod "$TMP/dev" c 1 3 2>/dev/null; then
	test_expect "-o to a device writes to it" '"$BIN/irx-export" -o "$TMP/dev" "$a" && [ -c "$TMP/dev" ]'
else
	test_skip "-o to a device writes to it" "cannot make a device node here"
fi
test_expect "-o through a symlink writes its target" '
	echo old >"$TMP/target.json" && ln -s "$TMP/target.json" "$TMP/link.json" &&
	"$BIN/irx-export" -o "$TMP/link.json" "$a" && [ -L "$TMP/link.json" ] &&
	grep -q irx-program "$TMP/target.json"
'

# Export never reads payloads: the real-weights archive says it has data,
# the meta one says it has none.
test_expect "mlp_real has data" '
	"$BIN/irx-export" "$FIXTURES/t214/mlp_real.pt2" >"$TMP/real.json" && grep -q "\"has_data\": true" "$TMP/real.json"'
test_expect "meta mlp has no data" '
	"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" >"$TMP/meta.json" && grep -q "\"has_data\": false" "$TMP/meta.json" &&
	! grep -q "\"has_data\": true" "$TMP/meta.json"'
test_done
