# exec-lib.sh: what the irx-exec and irx-verify tests share (sourced after
# lib.sh): skip the script without libtorch or tests/tensor-copy, and st(),
# a safetensors editor and comparer in the standard library of Python.
"$BIN/irx-exec" --version >"$TMP/v" 2>&1 || :
grep -q "libtorch: [0-9]" "$TMP/v" || test_skip_all "irx-exec is built without libtorch"
LIBTORCH=$(sed -n 's/.*libtorch: //p' "$TMP/v")
COPY="$IRX_BUILDDIR/tests/tensor-copy"
[ -x "$COPY" ] || test_skip_all "no $COPY (built by make check)"
EXEC="$BIN/irx-exec"
VERIFY="$BIN/irx-verify"

# st.py: safetensors files made and edited with the standard library.
cat >"$TMP/st.py" <<'PY'
import json, struct, sys

SIZE = {"F64": 8, "F32": 4, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}
FMT = {"F64": "d", "F32": "f", "I64": "q", "I32": "i", "U8": "B", "BOOL": "?"}
ST = {"float64": "F64", "float32": "F32", "int64": "I64", "int32": "I32", "bool": "BOOL"}

def load(path, data_order=False):
    """{key: [dtype, shape, bytes]} in header order, or in the order of the data"""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop("__metadata__", None)
    t = {}
    items = h.items()
    if data_order:
        items = sorted(items, key=lambda kv: kv[1]["data_offsets"][0])
    for k, v in items:
        s, e = v["data_offsets"]
        t[k] = [v["dtype"], v["shape"], b[8 + n + s:8 + n + e]]
    return t

def save(path, t):
    h, data = {}, b""
    for k, (dt, shape, raw) in t.items():
        h[k] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    hb = json.dumps(h).encode()
    hb += b" " * (-len(hb) % 8)
    open(path, "wb").write(struct.pack("<Q", len(hb)) + hb + data)

def unpack(dt, raw):
    return list(struct.unpack("<%d%s" % (len(raw) // SIZE[dt], FMT[dt]), raw))

def pack(dt, vals):
    conv = float if dt[0] == "F" else bool if dt == "BOOL" else int
    return struct.pack("<%d%s" % (len(vals), FMT[dt]), *[conv(v) for v in vals])

def dims(s):
    return [int(d) for d in s.split(",") if d]

args = sys.argv[1:]
cmd = args.pop(0)
if cmd == "new":  # new OUT NAME:DTYPE:D0,D1 ...: small deterministic values
    out, t = args.pop(0), {}
    for spec in args:
        name, dt, shape = spec.split(":")
        n = 1
        for d in dims(shape):
            n *= d
        t[name] = [dt, dims(shape), pack(dt, [(i % 7) * 0.25 - 0.5 if dt[0] == "F" else i % 3 for i in range(n)])]
    save(out, t)
    sys.exit(0)
if cmd == "same":  # same A B: the same keys, dtypes, shapes and bytes; prints the keys
    a, b = load(args[0]), load(args[1])
    if sorted(a) != sorted(b):
        sys.exit(f"keys differ: {sorted(a)} vs {sorted(b)}")
    bad = [k for k in a if a[k] != b[k]]
    if bad:
        sys.exit(f"values differ: {bad}")
    print(" ".join(sorted(a)))
    sys.exit(0)
if cmd == "close":  # close A B: the same keys in the same data order, dtypes, and values
    # within 1e-5; prints the keys
    a, b = load(args[0], True), load(args[1], True)
    if list(a) != list(b):
        sys.exit(f"keys differ: {list(a)} vs {list(b)}")
    for k in a:
        x, y = (a[k][0], unpack(a[k][0], a[k][2])), (b[k][0], unpack(b[k][0], b[k][2]))
        if x[0] != y[0] or any(abs(p - q) > 1e-5 for p, q in zip(x[1], y[1])):
            sys.exit(f"{k} differs: {x} vs {y}")
    print(" ".join(a))
    sys.exit(0)
src, out = args.pop(0), args.pop(0)
t = load(src)
if cmd == "add":        # add KEY INDEX DELTA: one element changed
    dt, shape, raw = t[args[0]]
    v = unpack(dt, raw)
    v[int(args[1])] += float(args[2])
    t[args[0]][2] = pack(dt, v)
elif cmd == "drop":     # drop KEY
    del t[args[0]]
elif cmd == "cast":     # cast KEY DTYPE: values converted
    dt, shape, raw = t[args[0]]
    t[args[0]] = [args[1], shape, pack(args[1], unpack(dt, raw))]
elif cmd == "shape":    # shape KEY D0,D1: the same bytes, another shape
    t[args[0]][1] = dims(args[1])
elif cmd == "consts":   # consts ORACLE: add the constants an oracle lists, with its values
    for c in json.load(open(args[0]))["constants"]:
        dt = ST[c["dtype"]]
        t[c["name"]] = [dt, c["shape"], pack(dt, c["values"])]
else:
    sys.exit("st.py: unknown command " + cmd)
save(out, t)
PY
st() { "$PYTHON3" "$TMP/st.py" "$@"; }
