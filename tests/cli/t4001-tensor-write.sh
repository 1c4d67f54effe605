#!/bin/sh
# irx's writers (irx_torch_save_write, irx_safetensors_write) make files that
# real torch and the safetensors package load with the right contents.
#
# Every tensor fixture with data (tests/fixtures/tensors/{t113,t26,t214}:
# torch.save, safetensors, .pt2 weights; not the ones irx must refuse, not
# meta) is copied by tests/tensor-copy to .pt in its own container (a state
# dict stays a dict), to .pt as a list, and to .safetensors. Then
#   (a) irx reads every copy back: irx-dump --format=json gives the same
#       names (positions for a list), dtypes, shapes and stats as for the
#       original, and a safetensors copy keeps the original's __metadata__;
#   (b) maint/check-written.sh loads the .pt copies with
#       torch.load(weights_only=True) in torch 1.13 (host), 2.6 (trixie
#       chroot) and 2.14 (sid chroot), and the .safetensors copies with
#       safetensors.torch.load_file in sid, and compares them with the
#       ORIGINAL's oracle (by position for the lists). torch 1.13 has no
#       uint16/32/64 or float8: it gets copies without those tensors (said
#       below), and its check does not expect them.
# Views come out as contiguous copies; their values must still match.
# A dtype safetensors cannot store (complex128) makes tensor-copy fail with
# one line, leaving no file; the same tensors go to .pt (as a tuple) fine.
# Torches that are not here are skipped with a message; with none at all the
# test skips after (a).
. "$IRX_SRCDIR/tests/cli/lib.sh"

COPY="$IRX_BUILDDIR/tests/tensor-copy"
CHECK="$IRX_SRCDIR/maint/check-written.sh"
TF="$FIXTURES/tensors"
[ -x "$COPY" ] || test_skip_all "no $COPY (built by make check)"

# Which real torches are here (as maint/check-written.sh finds them).
HOSTPY=${IRX_HOST_PYTHON:-/usr/bin/python3}
# why_t113, why_t26, why_t214: empty when that torch is here, else why not.
why_t113= why_t26= why_t214=
[ -x "$HOSTPY" ] && "$HOSTPY" -c 'import torch' >/dev/null 2>&1 ||
	why_t113="$HOSTPY cannot import torch (set IRX_HOST_PYTHON)"
for v in t26 t214; do
	if [ $v = t26 ]; then dir=$CHROOT_TRIXIE var=IRX_CHROOT_TRIXIE; else dir=$CHROOT_SID var=IRX_CHROOT_SID; fi
	if [ ! -f "$dir/.irx-chroot-complete" ]; then
		eval "why_$v=\"no chroot '\$dir' (\$var; maint/mkchroot.sh makes it)\""
	elif [ "$(id -u)" != 0 ]; then
		eval "why_$v=\"the chroot \$dir needs root\""
	fi
done

# dtypes torch 1.13 lacks; dtypes safetensors stores.
NOT_IN_113="uint16 uint32 uint64 float8_e4m3fn float8_e5m2 float8_e4m3fnuz float8_e5m2fnuz float8_e8m0fnu"
ST_DTYPES="float64 float32 float16 bfloat16 int64 int32 int16 int8 uint8 bool uint16 uint32 uint64 float8_e4m3fn float8_e5m2 float8_e8m0fnu complex64"

# One line per fixture to copy: PATH TAB CONTAINER TAB DTYPES
# (comma-separated, of the tensors with data).
"$PYTHON3" - "$TF" >"$TMP/fixtures" <<'PY'
import glob, json, os, sys
top = sys.argv[1]
for v in ("t113", "t26", "t214"):
    for oracle in sorted(glob.glob(os.path.join(top, v, "*.oracle.json"))):
        path = oracle[:-len(".oracle.json")]
        base = os.path.basename(path)
        if base.startswith("meta."):
            continue
        o = json.load(open(oracle))
        if "expect_error" in o:
            continue
        dts = sorted({e["dtype"] for e in o.get("tensors", []) if e["has_data"]})
        if dts:
            print(f"{path}\t{o.get('container', 'dict')}\t{','.join(dts)}")
PY
n_fixtures=$(wc -l <"$TMP/fixtures")
test_expect "at least 40 fixtures with data under tests/fixtures/tensors" '[ "$n_fixtures" -ge 40 ] || fail "only $n_fixtures"'

mkdir "$TMP/c"
: >"$TMP/batch-113"   # checks in torch 1.13
: >"$TMP/batch-2"     # checks in torch 2.6 and 2.14
: >"$TMP/batch-st"    # checks in the safetensors package (sid)
: >"$TMP/readback"    # ORIGINAL-DUMP COPY-DUMP MODE EXCLUDED ORIGINAL COPY
n_113=0 n_2pt=0 n_st=0
tab=$(printf '\t')

# copy IN OUT [OPTIONS...]: tensor-copy, which must succeed silently.
copy() {
	cp_out=$2
	expect_rc 0 "$COPY" "$@" && [ ! -s "$TMP/err" ] && [ -f "$cp_out" ] && return 0
	fail "tensor-copy $*: $(head -c 300 "$TMP/err")"
}

# dump FILE JSON: irx-dump --format=json.
dump() {
	"$BIN/irx-dump" --format=json "$1" >"$2" 2>"$TMP/err" && return 0
	fail "irx-dump cannot read $1: $(head -c 300 "$TMP/err")"
}

while IFS="$tab" read -r f container dtypes; do
	v=$(basename "$(dirname "$f")")
	tag="$v-$(basename "$f")"
	c="$TMP/c/$tag"
	# torch 1.13: the same copies, or copies without the dtypes it lacks;
	# .safetensors when safetensors stores every dtype, else a clear error.
	lacking= cannot=
	for d in $(echo "$dtypes" | tr , ' '); do
		case " $NOT_IN_113 " in *" $d "*) lacking="$lacking${lacking:+,}$d" ;; esac
		case " $ST_DTYPES " in *" $d "*) ;; *) cannot=$d ;; esac
	done
	[ -z "$lacking" ] || note "torch 1.13: $tag is checked without its $lacking tensors (torch 1.13 has no such dtypes)"
	# .pt in its own container, and as a list. A list or tuple is written
	# flat: what it held nested ("0.0") is then found by position.
	if [ "$container" = dict ]; then
		own=names own_opt=
	else
		own=positions own_opt=--by-position
	fi
	test_expect "$tag: copies written silently, each read by irx-dump" - <<'EOT'
dump "$f" "$c.orig.json" || return 1
copy "$f" "$c.pt" && dump "$c.pt" "$c.pt.json" || return 1
echo "$c.orig.json $c.pt.json $own - $f $c.pt" >>"$TMP/readback"
printf '%s\t%s\n' "$own_opt${own_opt:+$tab}$f.oracle.json" "$c.pt" >>"$TMP/batch-2"
copy "$f" "$c.list.pt" --list && dump "$c.list.pt" "$c.list.pt.json" || return 1
echo "$c.orig.json $c.list.pt.json positions - $f $c.list.pt" >>"$TMP/readback"
printf -- '--by-position\t%s\t%s\n' "$f.oracle.json" "$c.list.pt" >>"$TMP/batch-2"
n_2pt=$((n_2pt + 2))
if [ -z "$lacking" ]; then
	printf '%s\t%s\n' "$own_opt${own_opt:+$tab}$f.oracle.json" "$c.pt" >>"$TMP/batch-113"
	printf -- '--by-position\t%s\t%s\n' "$f.oracle.json" "$c.list.pt" >>"$TMP/batch-113"
else
	copy "$f" "$c.t113.pt" --exclude-dtypes "$lacking" && dump "$c.t113.pt" "$c.t113.pt.json" || return 1
	echo "$c.orig.json $c.t113.pt.json $own $lacking $f $c.t113.pt" >>"$TMP/readback"
	printf '%s\t%s\n' "$own_opt${own_opt:+$tab}$f.oracle.json" "$c.t113.pt" >>"$TMP/batch-113"
	copy "$f" "$c.t113.list.pt" --list --exclude-dtypes "$lacking" &&
		dump "$c.t113.list.pt" "$c.t113.list.pt.json" || return 1
	echo "$c.orig.json $c.t113.list.pt.json positions $lacking $f $c.t113.list.pt" >>"$TMP/readback"
	printf -- '--by-position\t%s\t%s\n' "$f.oracle.json" "$c.t113.list.pt" >>"$TMP/batch-113"
fi
n_113=$((n_113 + 2))
if [ -z "$cannot" ]; then
	copy "$f" "$c.safetensors" && dump "$c.safetensors" "$c.safetensors.json" || return 1
	echo "$c.orig.json $c.safetensors.json names - $f $c.safetensors" >>"$TMP/readback"
	printf '%s\t%s\n' "$f.oracle.json" "$c.safetensors" >>"$TMP/batch-st"
	n_st=$((n_st + 1))
fi
EOT
	[ -z "$cannot" ] || test_expect "$tag: no safetensors copy ($cannot): one line, no file" '
		expect_rc 2 "$COPY" "$f" "$c.safetensors" && expect_one_line_naming "$cannot" &&
		[ ! -e "$c.safetensors" ]'
done <"$TMP/fixtures"

# --archive-name: torch takes the folder from the first entry.
sd="$TF/t214/state_dict.pt"
test_expect "--archive-name my_model names the zip folder" '
	copy "$sd" "$TMP/c/named.pt" --archive-name my_model &&
	"$PYTHON3" -c "import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); assert n[0] == \"my_model/data.pkl\" and all(x.startswith(\"my_model/\") for x in n), n" "$TMP/c/named.pt" &&
	printf "%s\t%s\n" "$sd.oracle.json" "$TMP/c/named.pt" >>"$TMP/batch-113" &&
	printf "%s\t%s\n" "$sd.oracle.json" "$TMP/c/named.pt" >>"$TMP/batch-2" &&
	n_113=$((n_113 + 1)) n_2pt=$((n_2pt + 1))'

# complex128: safetensors has no such dtype. A safetensors file (with
# metadata) holding one, made here, goes to .pt but not to .safetensors.
"$PYTHON3" - "$TMP/c/c128.safetensors" "$TMP/c/c128.oracle.json" <<'PY' || bail_out "cannot write c128.safetensors"
import json, struct, sys
z = [(1.5, -2.0), (-0.0, 3.25), (float("inf"), 0.5)]
f = [0.25, -1.0]
zb = b"".join(struct.pack("<dd", *c) for c in z)
fb = struct.pack("<2f", *f)
hdr = {"__metadata__": {"format": "pt", "by": "t4001"},
       "f": {"dtype": "F32", "shape": [2], "data_offsets": [0, len(fb)]},
       "z": {"dtype": "C128", "shape": [3], "data_offsets": [len(fb), len(fb) + len(zb)]}}
h = json.dumps(hdr).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + fb + zb)
def jf(v):
    return "inf" if v == float("inf") else v
json.dump({"container": "dict", "format": "safetensors", "tensors": [
    {"name": "f", "dtype": "float32", "shape": [2], "has_data": True, "values": f},
    {"name": "z", "dtype": "complex128", "shape": [3], "has_data": True,
     "values": [[jf(a), jf(b)] for a, b in z]}]}, open(sys.argv[2], "w"))
PY
c128="$TMP/c/c128.safetensors"
test_expect "complex128 to safetensors: exit 2, one line naming the tensor and dtype, no file left" '
	expect_rc 2 "$COPY" "$c128" "$TMP/c/c128-copy.safetensors" &&
	expect_one_line_naming "complex128" "'\''z'\''" && ! ls "$TMP/c" | grep c128-copy'
test_expect "complex128 to .pt (a tuple)" '
	dump "$c128" "$TMP/c/c128.orig.json" && copy "$c128" "$TMP/c/c128.pt" --tuple &&
	dump "$TMP/c/c128.pt" "$TMP/c/c128.pt.json" &&
	echo "$TMP/c/c128.orig.json $TMP/c/c128.pt.json positions - $c128 $TMP/c/c128.pt" >>"$TMP/readback" &&
	printf -- "--by-position\t%s\t%s\n" "$TMP/c/c128.oracle.json" "$TMP/c/c128.pt" >>"$TMP/batch-113" &&
	printf -- "--by-position\t%s\t%s\n" "$TMP/c/c128.oracle.json" "$TMP/c/c128.pt" >>"$TMP/batch-2" &&
	n_113=$((n_113 + 1)) n_2pt=$((n_2pt + 1))'
# Without it, the rest goes to safetensors with both metadata keys.
test_expect "--exclude-dtypes complex128: the rest to safetensors" '
	copy "$c128" "$TMP/c/c128-f.safetensors" --exclude-dtypes complex128 &&
	dump "$TMP/c/c128-f.safetensors" "$TMP/c/c128-f.safetensors.json" &&
	echo "$TMP/c/c128.orig.json $TMP/c/c128-f.safetensors.json names complex128 $c128 $TMP/c/c128-f.safetensors" >>"$TMP/readback" &&
	printf -- "--subset\t%s\t%s\n" "$TMP/c/c128.oracle.json" "$TMP/c/c128-f.safetensors" >>"$TMP/batch-st" &&
	n_st=$((n_st + 1))'
# Options that do not fit.
test_expect "unknown OUT suffix refused" '
	expect_rc 2 "$COPY" "$sd" "$TMP/c/x.npy" && expect_one_line_naming "x.npy" && [ ! -e "$TMP/c/x.npy" ]'
test_expect "--list with safetensors output refused" '
	expect_rc 2 "$COPY" "$sd" "$TMP/c/x.safetensors" --list && expect_one_line_naming "x.safetensors"'
test_expect "unreadable input: one line, no output" '
	expect_rc 2 "$COPY" "$TMP/nonexistent.pt" "$TMP/c/x.pt" && expect_one_line_naming "nonexistent.pt" &&
	[ ! -e "$TMP/c/x.pt" ]'

# (a) irx reads every copy back as the original.
test_expect "irx reads every copy back with the original's names, dtypes, shapes, stats and metadata" - <<'EOT'
"$PYTHON3" - "$TMP/readback" <<'PY'
import json, struct, sys

def tensors(path):
    d = json.load(open(path))
    return d["tensors"]

def metadata(path):
    if not path.endswith(".safetensors"):
        return None
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)).get("__metadata__")

bad = 0
n = 0
for line in open(sys.argv[1]):
    orig, copy, mode, excluded, src, out = line.split()
    excluded = set() if excluded == "-" else set(excluded.split(","))
    want = [t for t in tensors(orig) if t["stats"] is not None and t["dtype"] not in excluded]
    got = tensors(copy)
    if mode == "positions":
        want = [dict(t, name=str(i)) for i, t in enumerate(want)]
    why = None
    if len(got) != len(want):
        why = f"{len(got)} tensors, expected {len(want)}"
    else:
        for w, g in zip(want, got):
            for k in ("name", "dtype", "shape", "stats"):
                if w[k] != g[k]:
                    why = f"tensor {w['name']}: {k} {g[k]}, expected {w[k]}"
                    break
            if why:
                break
    if not why and out.endswith(".safetensors") and metadata(out) != metadata(src):
        why = f"__metadata__ {metadata(out)}, expected {metadata(src)}"
    n += 1
    if why:
        bad += 1
        print(f"FAIL: irx reads {out} unlike {src}: {why}")
print(f"irx read back {n - bad} of {n} copies as their originals")
sys.exit(1 if bad or n == 0 else 0)
PY
EOT

# (b) real torch.
note "checking $n_113 copies in torch 1.13, $n_2pt .pt copies in torch 2.6 and 2.14, $n_st .safetensors copies in sid"

# check_output LOG TORCH N: LOG has N lines for TORCH ("1.13"), all OK.
check_output() {
	"$PYTHON3" - "$@" <<'PY'
import re, sys
log, torch, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ok = bad = 0
for line in open(log):
    m = re.match(r"(OK|SKIP|MISMATCH|ERROR) (\S+) \[torch (\d+\.\d+)", line)
    if not m or m.group(3) != torch:
        continue
    status, path = m.group(1), m.group(2)
    if status == "OK":
        ok += 1
    else:
        bad += 1
        print(f"FAIL: torch {torch}: {line.rstrip()}")
if ok + bad != n:
    print(f"FAIL: torch {torch}: {ok + bad} results, expected {n}")
    bad += 1
print(f"torch {torch}: {ok} of {n} OK")
sys.exit(1 if bad else 0)
PY
}

# run_check NAME TORCHES BATCH: maint/check-written.sh, its output shown and
# kept in $TMP/log-NAME.
run_check() {
	rc=0
	"$CHECK" --torch "$2" --batch "$3" >"$TMP/log-$1" 2>"$TMP/err-$1" || rc=$?
	cat "$TMP/log-$1"
	[ ! -s "$TMP/err-$1" ] || { echo "stderr:"; cat "$TMP/err-$1"; }
	[ $rc = 0 ] || fail "check-written.sh --torch $2 exited $rc"
}

# torch_check NAME WHY-NOT DESCRIPTION CHECK...: a result, or a SKIP saying why.
torch_check() {
	if [ -n "$2" ]; then
		test_skip "$3" "$2"
	else
		tc_desc=$3
		shift 3
		test_expect "$tc_desc" '"$@"' "$@"
	fi
}
torch_check t113 "$why_t113" "torch 1.13 loads every .pt copy right (torch.load weights_only=True)" \
	eval 'run_check 113 t113 "$TMP/batch-113" && check_output "$TMP/log-113" 1.13 "$n_113"'
torches=
[ -n "$why_t26" ] || torches=t26
[ -n "$why_t214" ] || torches="$torches${torches:+,}t214"
rc_2=0
[ -z "$torches" ] || run_check 2 "$torches" "$TMP/batch-2" >"$TMP/run-2" 2>&1 || rc_2=1
torch_check t26 "$why_t26" "torch 2.6 loads every .pt copy right (torch.load weights_only=True)" \
	eval 'cat "$TMP/run-2" && [ $rc_2 = 0 ] && check_output "$TMP/log-2" 2.6 "$n_2pt"'
torch_check t214 "$why_t214" "torch 2.14 loads every .pt copy right (torch.load weights_only=True)" \
	eval 'cat "$TMP/run-2" && [ $rc_2 = 0 ] && check_output "$TMP/log-2" 2.14 "$n_2pt"'
torch_check t214 "$why_t214" "the safetensors package (sid) loads every .safetensors copy right (safetensors.torch.load_file)" \
	eval 'run_check st t214 "$TMP/batch-st" && check_output "$TMP/log-st" 2.14 "$n_st"'
test_done
