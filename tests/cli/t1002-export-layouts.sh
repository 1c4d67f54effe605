#!/bin/sh
# Archive variants made from real torch output: several models in one PT2
# archive, a re-zipped (deflated) copy, a renamed file; and files that are
# not programs, which must be named for what they are.
. "$IRX_SRCDIR/tests/cli/lib.sh"

"$PYTHON3" - "$FIXTURES/t214/mlp.pt2" "$FIXTURES/t26/mlp.pt2" "$TMP" <<'PY' || bail_out "cannot make the archive variants"
import sys, zipfile
pt2, legacy, tmp = sys.argv[1:]
src = zipfile.ZipFile(pt2)
names = src.namelist()
prog = src.read("mlp/models/model.json")
def copy(dst, rename=None, drop=(), method=zipfile.ZIP_STORED, extra=()):
    with zipfile.ZipFile(dst, "w", method) as z:
        for n in names:
            if n in drop:
                continue
            z.writestr(rename(n) if rename else n, src.read(n))
        for n, data in extra:
            z.writestr(n, data)
# package_pt2 with two programs: "model" and "tiny"
copy(f"{tmp}/two.pt2", extra=[("mlp/models/tiny.json", prog)])
# a user's extra file that happens to carry the legacy program's name
copy(f"{tmp}/extra.pt2", extra=[("mlp/extra/serialized_exported_program.json", b"not json")])
copy(f"{tmp}/noname.pt2", drop=("mlp/models/model.json",),
     extra=[("mlp/models/a.json", prog), ("mlp/models/b.json", prog)])
# a user unzipped and re-zipped with deflate
copy(f"{tmp}/deflated.pt2", method=zipfile.ZIP_DEFLATED)
# the legacy layout inside a folder (re-zipped directory)
lz = zipfile.ZipFile(legacy)
with zipfile.ZipFile(f"{tmp}/folder.pt2", "w", zipfile.ZIP_DEFLATED) as z:
    for n in lz.namelist():
        z.writestr("exported/" + n, lz.read(n))
PY
cp "$FIXTURES/t214/mlp.pt2" "$TMP/renamed.model.pt2"

test_expect "several models: model is the default" '
	expect_rc 0 "$BIN/irx-export" "$TMP/two.pt2" && grep -q "\"models\": \[\"model\", \"tiny\"\]" "$TMP/out" &&
	grep -q "\"model\": \"model\"" "$TMP/out"'
test_expect "an extra file named like the legacy program is not the program" '
	expect_rc 0 "$BIN/irx-export" "$TMP/extra.pt2" && grep -q "\"layout\": \"pt2\"" "$TMP/out"'
test_expect "--model picks a program" '
	expect_rc 0 "$BIN/irx-export" --model tiny "$TMP/two.pt2" && grep -q "\"model\": \"tiny\"" "$TMP/out"'
test_expect "unknown --model lists the names" '
	expect_rc 2 "$BIN/irx-export" --model nope "$TMP/two.pt2" && expect_one_line_naming "two.pt2" "nope" "'\''tiny'\''"'
test_expect "ambiguous archive lists the names" '
	expect_rc 2 "$BIN/irx-export" "$TMP/noname.pt2" && expect_one_line_naming "noname.pt2" "'\''a'\'', '\''b'\''" "--model"'

test_expect "deflated entries read like stored ones" - <<'EOT'
"$BIN/irx-export" "$FIXTURES/t214/mlp.pt2" >"$TMP/stored.json" &&
expect_rc 0 "$BIN/irx-export" "$TMP/deflated.pt2" && cp "$TMP/out" "$TMP/deflated.json" &&
"$PYTHON3" - "$TMP/stored.json" "$TMP/deflated.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    d["source"]["file"] = ""
    for w in d["weights"]:
        w.pop("bytes", None)
assert a == b
PY
EOT
test_expect "legacy layout inside a folder" '
	expect_rc 0 "$BIN/irx-export" "$TMP/folder.pt2" &&
	grep -q "\"entry\": \"exported/serialized_exported_program.json\"" "$TMP/out"'
test_expect "a renamed archive keeps its prefix" '
	expect_rc 0 "$BIN/irx-export" "$TMP/renamed.model.pt2" && grep -q "\"entry\": \"mlp/models/model.json\"" "$TMP/out"'

# Not programs: one line saying what the file is and what to do.
"$PYTHON3" - "$TMP" <<'PY' || bail_out "cannot make the non-programs"
import sys, zipfile
tmp = sys.argv[1]
with zipfile.ZipFile(f"{tmp}/ts.pt", "w") as z:
    for n in ("m/data.pkl", "m/constants.pkl", "m/code/__torch__.py", "m/version"):
        z.writestr(n, b"x")
with zipfile.ZipFile(f"{tmp}/save.pt2", "w") as z:
    for n in ("archive/data.pkl", "archive/data/0", "archive/version"):
        z.writestr(n, b"x")
with zipfile.ZipFile(f"{tmp}/aoti.pt2", "w") as z:
    z.writestr("package/archive_format", b"pt2")
    z.writestr("package/data/aotinductor/model/x.so", b"\x7fELF")
PY
for kind in "ts.pt:TorchScript" "save.pt2:torch.save checkpoint" "aoti.pt2:AOTInductor"; do
	test_expect "${kind#*:} named" '
		expect_rc 2 "$BIN/irx-export" "$TMP/${kind%%:*}" && expect_one_line_naming "$TMP/${kind%%:*}" "${kind#*:}"'
done
test_done
