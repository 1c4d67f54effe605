#!/bin/sh
# t5002-trace-names.sh: node names come from the IR, which is untrusted;
# irx-exec --dump-intermediates DIR writes inside DIR whatever they are,
# and irx-verify --per-node --trace DIR reads back what it wrote
# (docs/trace-format.md).
#
# tests/fixtures/rt214 (or rt26) resnet_tiny's IR, its nodes renamed to
# '../../victim', an absolute path, '..', '.', '', 'a/b' and 'a%2Fb',
# '.hidden', a newline, 'a' and 'a\x01b', two 300-byte names that differ
# only past byte 300, and 'linked', whose file name is planted in DIR as a
# symlink to a victim.  Then:
#   - nothing outside DIR is created or changed (every path, file and link
#     of the test's work area before and after, a victim's bytes);
#   - DIR holds one file per node, plain files only, the link replaced,
#     each holding the node's outputs and its name (irx.node) encoded;
#   - irx-verify --per-node --trace DIR compares every node and passes;
#     its own float64 trace passes too and leaves nothing in TMPDIR;
#   - a trace entry that is a symlink, or another node's record under a
#     node's file name, is an error (exit 2) naming the file.
. "$IRX_SRCDIR/tests/cli/lib.sh"

. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

f=
for v in rt214 rt26; do
	[ -f "$FIXTURES/$v/resnet_tiny.pt2" ] && { f="$FIXTURES/$v/resnet_tiny"; break; }
done
[ -n "$f" ] || test_skip_all "no resnet_tiny runtime fixture"
w="-w $f.state_dict.pt"
[ -f "$f.constants.pt" ] && w="$w -w $f.constants.pt"
"$BIN/irx-export" "$f.pt2" | "$BIN/irx-convert" >"$TMP/plain.ir.json" || bail_out "$v: export | convert"

# The work area: DIR two levels down, a victim beside it, the absolute
# name inside it too, so that an escape is seen and harms nothing.
base="$TMP/w"
dir="$base/sub/dump"
mkdir -p "$base/sub" "$TMP/vt"
printf 'victim\n' >"$base/victim.safetensors"
printf 'victim 2\n' >"$base/victim2"

# rename IN OUT ABS: the nodes renamed in order (producer_node follows);
# prints the number of nodes.
"$PYTHON3" - "$TMP/plain.ir.json" "$TMP/hostile.ir.json" "$base/abs" <<'PY' >"$TMP/n" ||
import json, sys
ir = json.load(open(sys.argv[1]))
hostile = ["../../victim", sys.argv[3], "..", ".", "", "a/b", "a%2Fb", ".hidden",
           "line\nbreak", "a", "a\x01b", "n" * 300 + "x", "n" * 300 + "y", "linked"]
nodes = ir["nodes"]
assert len(nodes) >= len(hostile), len(nodes)
new = {}
for n, name in zip(nodes, hostile):
    new[n["name"]] = name
    n["name"] = name
def walk(v):
    if isinstance(v, dict):
        if v.get("producer_node") in new:
            v["producer_node"] = new[v["producer_node"]]
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(ir)
json.dump(ir, open(sys.argv[2], "w"))
print(len(nodes))
PY
	bail_out "cannot rename the nodes"
n=$(cat "$TMP/n")
ir="$TMP/hostile.ir.json"

# Every path under the work area but DIR's contents: its type, and its
# bytes or link target.
snapshot() {
	"$PYTHON3" - "$base" "$dir" <<'PY'
import hashlib, os, sys
base, skip = sys.argv[1], sys.argv[2]
for root, dirs, files in os.walk(base):
    for e in sorted(dirs + files):
        p = os.path.join(root, e)
        if p.startswith(skip + "/"):
            continue
        if os.path.islink(p):
            print(p, "link", os.readlink(p))
        elif os.path.isfile(p):
            print(p, "file", hashlib.sha256(open(p, "rb").read()).hexdigest())
        else:
            print(p, "dir")
PY
}

# The file name irx gives 'linked' ('linked.safetensors'), planted as a
# symlink to a victim before DIR is written.
mkdir "$dir"
ln -s ../../victim2 "$dir/linked.safetensors"
snapshot >"$TMP/before"
cksum <"$base/victim.safetensors" >"$TMP/victim.sum"

# shellcheck disable=SC2086
test_expect "irx-exec --dump-intermediates runs with hostile node names" '
	expect_rc 0 "$EXEC" "$ir" $w -i "$f.inputs.pt" --dump-intermediates "$dir"'
test_expect "nothing outside DIR was created or changed" '
	snapshot >"$TMP/after" && cmp "$TMP/before" "$TMP/after" &&
	cksum <"$base/victim.safetensors" | cmp - "$TMP/victim.sum" ||
	fail "outside DIR: $(diff "$TMP/before" "$TMP/after" | head -c 600)"'

# One plain file per node in DIR, each the node's: its irx.node decodes
# to the name, its tensors are the node's outputs.
test_expect "DIR: one plain file per node, each naming its node, the link replaced" - <<'EOT'
"$PYTHON3" - "$ir" "$dir" "$n" <<'PY' || fail "files: $(ls -A "$dir" | head -c 600)"
import json, os, re, struct, sys
ir = json.load(open(sys.argv[1]))
d = sys.argv[2]
def decode(k):
    if k == "%":
        return b""
    return re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), k.encode())
want = sorted(n["name"].encode() for n in ir["nodes"])
got = []
for e in sorted(os.listdir(d)):
    p = os.path.join(d, e)
    assert not os.path.islink(p) and os.path.isfile(p), "not a plain file: %r" % e
    assert e.endswith(".safetensors") and not e.startswith(".") and len(e) <= 255, e
    b = open(p, "rb").read()
    h = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
    key = h.pop("__metadata__")["irx.node"]
    name = decode(key)
    node = [x for x in ir["nodes"] if x["name"].encode() == name]
    assert len(node) == 1, (e, key)
    assert sorted(h) == sorted(o["name"] for o in node[0]["outputs"]), (e, sorted(h))
    stem = e[:-len(".safetensors")]
    assert stem == key or ("~" in stem and key.startswith(stem.split("~")[0])), (e, key)
    got.append(name)
assert sorted(got) == want, (len(got), len(want))
assert len(got) == int(sys.argv[3]), (len(got), sys.argv[3])
PY
EOT
test_expect "the planted link's target is untouched" '
	[ "$(cat "$base/victim2")" = "victim 2" ] || fail "$(head -c 100 "$base/victim2")"'

# irx-verify reads back every node's record and agrees.
# shellcheck disable=SC2086
test_expect "irx-verify --per-node --trace DIR: all $n nodes compared, every one matches" '
	expect_rc 0 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --per-node --trace "$dir" &&
	grep -qF "every node matches the reference trace ($dir; $n nodes compared)" "$TMP/out" ||
	fail "$(cat "$TMP/out")"'
# shellcheck disable=SC2086
test_expect "--report=json: nodes_compared is $n" '
	expect_rc 0 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --per-node --trace "$dir" --report=json &&
	"$PYTHON3" -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"match\"] is True and d[\"nodes_compared\"] == int(sys.argv[2]), d" "$TMP/out" "$n"'

# Its own float64 trace: the same names, and nothing left in TMPDIR.
# shellcheck disable=SC2086
test_expect "irx-verify --per-node (float64): $n nodes compared, its trace removed" '
	expect_rc 0 env TMPDIR="$TMP/vt" "$VERIFY" "$ir" $w -i "$f.inputs.pt" --per-node &&
	grep -qF "every node matches the reference trace (float64; $n nodes compared)" "$TMP/out" &&
	[ -z "$(ls -A "$TMP/vt")" ] || fail "$(cat "$TMP/out") left: $(ls -A "$TMP/vt")"'

# A trace entry that is a symlink is not followed, even to a good record.
cp -R "$dir" "$TMP/t2"
mv "$TMP/t2/a.safetensors" "$TMP/a.safetensors"
ln -s ../a.safetensors "$TMP/t2/a.safetensors"
# shellcheck disable=SC2086
test_expect "a symlink in the trace is refused, not followed" '
	expect_rc 2 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --per-node --trace "$TMP/t2" &&
	expect_one_line_naming "$TMP/t2/a.safetensors" "not a regular file"'

# Another node's record under a node's file name is not taken for it.
rm -rf "$TMP/t3"
cp -R "$dir" "$TMP/t3"
cp "$TMP/t3/a%01b.safetensors" "$TMP/t3/a.safetensors"
# shellcheck disable=SC2086
test_expect "another node's record under a node's file name is refused" '
	expect_rc 2 "$VERIFY" "$ir" $w -i "$f.inputs.pt" --per-node --trace "$TMP/t3" &&
	expect_one_line_naming "$TMP/t3/a.safetensors" "the record of node '\''a%01b'\'', not of '\''a'\''"'
test_done
