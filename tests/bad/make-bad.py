#!/usr/bin/env python3
"""make-bad.py: generate the malformed inputs of the bad-input suite.

Usage: python3 tests/bad/make-bad.py [SRCDIR]

Writes tests/bad/files/* and tests/bad/README.md (the case table) from the
small real fixtures tests/fixtures/t26/mlp.pt2 (torch 2.6, legacy flat zip),
tests/fixtures/t214/mlp.pt2 and tests/fixtures/t214/mlp_real.pt2 (torch 2.14,
PT2 archive: prefix folder, data descriptors, "FB" padding, ZIP64 end
records), by mutating them, and by hand.  Standard library only; the output
is byte-for-byte deterministic (no clocks, no random module, fixed zip dates).

The generated files are committed; tests/cli/t3001-bad-input.sh runs the
tools on them and does not need Python.  Every case is one entry of CASES
below (file, what is wrong, tool, what the error line should mention); the
same table, in shell form, drives the test.
"""

import hashlib
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib

SRCDIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                         os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(SRCDIR, "tests", "fixtures")
OUTDIR = os.path.join(SRCDIR, "tests", "bad", "files")

T26 = open(os.path.join(FIX, "t26", "mlp.pt2"), "rb").read()
T214 = open(os.path.join(FIX, "t214", "mlp.pt2"), "rb").read()
T214R = open(os.path.join(FIX, "t214", "mlp_real.pt2"), "rb").read()

LEGACY_PROGRAM = "serialized_exported_program.json"
PT2_PROGRAM = "mlp/models/model.json"
PT2R_WCONFIG = "mlp_real/data/weights/model_weights_config.json"

# --------------------------------------------------------------------------
# Zip helpers
# --------------------------------------------------------------------------


def zip_entries(data):
    """[(ZipInfo, bytes)] of an archive, in central-directory order."""
    import io
    z = zipfile.ZipFile(io.BytesIO(data))
    return [(i, z.read(i)) for i in z.infolist()]


def legacy_write(entries, deflate=()):
    """A legacy (Python zipfile) archive from [(ZipInfo|name, bytes)].

    Dates are the source's (or 1980-01-01), so the output is deterministic.
    Entries named in `deflate` are deflated (level 9)."""
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info, payload in entries:
            name = info.filename if isinstance(info, zipfile.ZipInfo) else info
            date = info.date_time if isinstance(info, zipfile.ZipInfo) else (1980, 1, 1, 0, 0, 0)
            zi = zipfile.ZipInfo(name, date_time=date)
            zi.create_system = 3
            zi.external_attr = 0o600 << 16
            if name in deflate:
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, payload, compresslevel=9)
            else:
                zi.compress_type = zipfile.ZIP_STORED
                z.writestr(zi, payload)
    return buf.getvalue()


def replaced(data, name, payload, drop):
    """The entries of DATA with entry NAME's body replaced (or dropped)."""
    out = []
    for info, body in zip_entries(data):
        if info.filename == name:
            if drop:
                continue
            body = payload
        out.append((info, body))
    return out


def legacy_replace(data, name, payload, drop=False):
    return legacy_write(replaced(data, name, payload, drop))


def pt2_write(entries):
    """A PT2 archive laid out the way libtorch's PyTorchStreamWriter (miniz)
    writes it: local headers with CRC/sizes 0, flag 0x0808 and a 16-byte
    data descriptor (0x0800 and no descriptor for an empty entry), an "FB"
    extra field padding every payload to a multiple of 64, version fields 0,
    DOS time 0, then the central directory, a ZIP64 end record and locator
    and the classic end record.  pt2_write(zip_entries(x)) == x for the
    torch 2.14 fixtures (checked in main())."""
    out = bytearray()
    central = bytearray()
    for info, body in entries:
        name = (info.filename if isinstance(info, zipfile.ZipInfo) else info).encode()
        flag = 0x0808 if body else 0x0800
        off = len(out)
        pad = (-(off + 30 + len(name) + 4)) % 64
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, flag, 0, 0, 0, 0, 0, 0,
                           len(name), len(extra))
        out += name + extra + body
        crc = zlib.crc32(body) & 0xFFFFFFFF
        if body:
            out += struct.pack("<IIII", 0x08074B50, crc, len(body), len(body))
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, flag, 0, 0, 0,
                               crc, len(body), len(body), len(name), 0, 0, 0, 0, 0, off)
        central += name
    cd_off, n = len(out), len(entries)
    out += central
    z64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, n, n,
                       len(central), cd_off)
    out += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), cd_off, 0)
    return bytes(out)


def pt2_replace(data, name, payload=None, drop=False):
    return pt2_write(replaced(data, name, payload, drop))


def zip_index(data):
    """Offsets of the end record, the central directory and each entry:
    {"eocd": off, "cd": off, "z64": off or None, "loc": off or None,
     "entries": {name: {"cd": off of its central record,
                        "local": off of its local header,
                        "data": off of its payload, "csize": n}}}"""
    eocd = data.rfind(b"PK\x05\x06")
    n, cd_size, cd_off = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    idx = {"eocd": eocd, "cd": cd_off, "z64": None, "loc": None, "entries": {}}
    if data[eocd - 20:eocd - 16] == b"PK\x06\x07":
        idx["loc"] = eocd - 20
        idx["z64"] = struct.unpack("<Q", data[eocd - 12:eocd - 4])[0]
    p = cd_off
    while data[p:p + 4] == b"PK\x01\x02":
        csize, usize, nl, el, cl = struct.unpack("<IIHHH", data[p + 20:p + 34])
        local = struct.unpack("<I", data[p + 42:p + 46])[0]
        name = data[p + 46:p + 46 + nl].decode()
        lnl, lel = struct.unpack("<HH", data[local + 26:local + 30])
        idx["entries"][name] = {"cd": p, "local": local,
                                "data": local + 30 + lnl + lel, "csize": csize}
        p += 46 + nl + el + cl
    return idx


def patch(data, off, fmt, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, *values)
    return bytes(b)


# Central record field offsets (from the record start).
CD_METHOD, CD_CRC, CD_CSIZE, CD_USIZE, CD_NAMELEN, CD_LOCAL = 10, 16, 20, 24, 28, 42
# Local header field offsets.
LH_METHOD, LH_CRC, LH_CSIZE, LH_USIZE, LH_EXTRALEN = 8, 14, 18, 22, 28

# --------------------------------------------------------------------------
# Program JSON helpers
# --------------------------------------------------------------------------


def legacy_program(data=T26):
    return json.loads(dict((i.filename, b) for i, b in zip_entries(data))[LEGACY_PROGRAM])


def pt2_program(data=T214, name=PT2_PROGRAM):
    return json.loads(dict((i.filename, b) for i, b in zip_entries(data))[name])


def dumps(doc):
    # torch writes json.dumps(...) with the default separators.
    return json.dumps(doc).encode()


def legacy_with(mutate):
    doc = legacy_program()
    mutate(doc)
    return legacy_replace(T26, LEGACY_PROGRAM, dumps(doc))


def pt2_with(mutate, data=T214, name=PT2_PROGRAM):
    doc = pt2_program(data, name)
    mutate(doc)
    return pt2_replace(data, name, dumps(doc))


def graph(doc):
    return doc["graph_module"]["graph"]


def node(doc, name):
    """The node whose first output is the tensor `name` (torch 2.6 nodes
    have no "name" field)."""
    return next(n for n in graph(doc)["nodes"]
                if n["outputs"][0]["as_tensor"]["name"] == name)


def setter(path, value):
    """A mutation setting doc[path...] = value."""
    def mutate(doc):
        obj = doc
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return mutate


def pseudo_random(n, seed=b"irx-bad"):
    out = b""
    block = seed
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:n]


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

CASES = []  # (file, bytes, what is wrong, tool, should mention)


def case(name, data, what, tool, mention):
    CASES.append((name, data, what, tool, mention))


def make_cases():
    L = zip_index(T26)
    P = zip_index(T214)
    lp = L["entries"][LEGACY_PROGRAM]
    pp = P["entries"][PT2_PROGRAM]

    # --- not an archive at all --------------------------------------------
    case("empty.pt2", b"", "empty file", "export", "")
    case("random.pt2", pseudo_random(512), "512 pseudo-random bytes (sha256 chain), not a zip",
         "export", "")
    case("text.pt2", b"This is a text file, not a .pt2 archive.\n" * 4,
         "plain text, not a zip", "export", "")
    # torch.save before 1.6: a sequence of protocol-2 pickles (magic number,
    # protocol version, sys_info, the object) -- no zip at all.
    legacy_pickle = (pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
                     + pickle.dumps(1001, protocol=2)
                     + pickle.dumps({"protocol_version": 1001, "little_endian": True,
                                     "type_sizes": {"short": 2, "int": 4, "long": 4}},
                                    protocol=2)
                     + pickle.dumps({"fc1.weight": "storage"}, protocol=2))
    case("torch-legacy-pickle.pt2", legacy_pickle,
         "pre-1.6 torch.save output (bare protocol-2 pickles, starts \\x80\\x02), not a zip",
         "export", "")
    state_dict = dict((i.filename, b) for i, b in zip_entries(T26))["serialized_state_dict.pt"]
    case("torch-save-checkpoint.pt2", state_dict,
         "a plain torch.save zip (archive/data.pkl: the state dict nested in t26/mlp.pt2), "
         "not an exported program", "export", "")

    # --- truncated archives ----------------------------------------------
    case("trunc-local-header.pt2", T26[:20],
         "t26/mlp.pt2 cut after 20 bytes (inside the first local header)", "export", "")
    case("trunc-data.pt2", T26[:lp["data"] + 2000],
         "t26/mlp.pt2 cut inside the program JSON payload", "export", "")
    case("trunc-cd.pt2", T26[:L["cd"] + 100],
         "t26/mlp.pt2 cut inside the central directory", "export", "")
    case("trunc-before-eocd.pt2", T26[:L["eocd"]],
         "t26/mlp.pt2 cut just before the end-of-central-directory record", "export", "")
    case("pt2-trunc-data.pt2", T214[:pp["data"] + 3000],
         "t214/mlp.pt2 cut inside the models/model.json payload", "export", "")
    case("pt2-trunc-cd.pt2", T214[:P["cd"] + 150],
         "t214/mlp.pt2 cut inside the central directory", "export", "")
    case("pt2-trunc-before-eocd.pt2", T214[:P["eocd"]],
         "t214/mlp.pt2 cut just before the classic end record (ZIP64 record and locator kept)",
         "export", "")

    # --- end records and central directory that lie -----------------------
    case("eocd-cd-offset-past-end.pt2", patch(T26, L["eocd"] + 16, "<I", 0x7FFFFFF0),
         "end record puts the central directory at 0x7ffffff0, past the end", "export", "")
    case("eocd-count-lies.pt2", patch(T26, L["eocd"] + 8, "<HH", 65000, 65000),
         "end record claims 65000 entries, the directory holds 5", "export", "")
    case("pt2-zip64-locator-past-end.pt2", patch(T214, P["loc"] + 8, "<Q", 1 << 40),
         "ZIP64 locator points at offset 2^40", "export", "")
    z64 = P["z64"]
    huge = patch(T214, z64 + 24, "<QQ", 1 << 60, 1 << 60)
    huge = patch(huge, P["eocd"] + 8, "<HH", 0xFFFF, 0xFFFF)
    case("pt2-zip64-count-huge.pt2", huge,
         "ZIP64 end record claims 2^60 entries (classic record 0xffff)", "export", "")
    last = max(L["entries"].values(), key=lambda e: e["cd"])
    case("cd-name-overrun.pt2", patch(T26, last["cd"] + CD_NAMELEN, "<H", 0xFFFF),
         "last central record's name length 65535 runs past the end of the file", "export", "")
    case("cd-local-offset-past-end.pt2", patch(T26, lp["cd"] + CD_LOCAL, "<I", 0x7FFFFFF0),
         "central record of the program entry puts its local header at 0x7ffffff0",
         "export", LEGACY_PROGRAM)
    # Sizes are patched in the central record and in the local header alike,
    # so that the reader's own checks (not the local/central mismatch) fire.
    big = patch(T26, lp["cd"] + CD_CSIZE, "<II", 0x40000000, 0x40000000)
    big = patch(big, lp["local"] + LH_CSIZE, "<II", 0x40000000, 0x40000000)
    case("cd-size-past-end.pt2", big,
         "program entry claims 1 GiB (stored) in a 9 KB file", "export", LEGACY_PROGRAM)
    mis = patch(T26, lp["cd"] + CD_USIZE, "<I", lp["csize"] + 1000)
    mis = patch(mis, lp["local"] + LH_USIZE, "<I", lp["csize"] + 1000)
    case("cd-stored-size-mismatch.pt2", mis,
         "stored program entry whose uncompressed size is 1000 more than its compressed size",
         "export", LEGACY_PROGRAM)
    crc = struct.unpack("<I", T26[lp["cd"] + CD_CRC:lp["cd"] + CD_CRC + 4])[0] ^ 0xDEADBEEF
    bad = patch(T26, lp["cd"] + CD_CRC, "<I", crc)
    bad = patch(bad, lp["local"] + LH_CRC, "<I", crc)
    case("cd-bad-crc.pt2", bad, "program entry's CRC-32 is wrong (central and local)",
         "export", LEGACY_PROGRAM)
    crc = struct.unpack("<I", T214[pp["cd"] + CD_CRC:pp["cd"] + CD_CRC + 4])[0] ^ 0x1
    case("pt2-bad-crc.pt2", patch(T214, pp["cd"] + CD_CRC, "<I", crc),
         "models/model.json's CRC-32 in the central directory is wrong (PT2 layout)",
         "export", PT2_PROGRAM)
    bad = patch(T26, lp["local"], "<I", 0x04034B51)
    case("local-sig-bad.pt2", bad, "program entry's local header signature is broken",
         "export", LEGACY_PROGRAM)
    case("pt2-local-extra-overrun.pt2", patch(T214, pp["local"] + LH_EXTRALEN, "<H", 0xFFFF),
         "models/model.json's local extra-field length 65535 puts its data past the end",
         "export", PT2_PROGRAM)

    # --- compression ------------------------------------------------------
    ents = zip_entries(T26)
    deflated = legacy_write(ents, deflate=(LEGACY_PROGRAM,))
    D = zip_index(deflated)["entries"][LEGACY_PROGRAM]
    b = bytearray(deflated)
    mid = D["data"] + D["csize"] // 2
    for k in range(16):
        b[mid + k] ^= 0xA5
    case("deflate-corrupt.pt2", bytes(b),
         "program entry deflated, 16 bytes in the middle of the deflate stream flipped",
         "export", LEGACY_PROGRAM)
    lie = patch(deflated, D["cd"] + CD_USIZE, "<I", 0x7FFFFFFF)
    lie = patch(lie, D["local"] + LH_USIZE, "<I", 0x7FFFFFFF)
    case("deflate-size-lie.pt2", lie,
         "deflated program entry claims 2 GiB uncompressed from ~1.5 KB", "export",
         LEGACY_PROGRAM)
    m = patch(T26, lp["cd"] + CD_METHOD, "<H", 12)
    m = patch(m, lp["local"] + LH_METHOD, "<H", 12)
    case("method-bzip2.pt2", m, "program entry uses compression method 12 (bzip2)",
         "export", LEGACY_PROGRAM)

    # --- entries missing / wrong -------------------------------------------
    case("legacy-no-program.pt2", legacy_replace(T26, LEGACY_PROGRAM, None, drop=True),
         "legacy zip with version and state dicts but no serialized_exported_program.json",
         "export", LEGACY_PROGRAM)
    case("pt2-no-model.pt2", pt2_replace(T214, PT2_PROGRAM, None, drop=True),
         "PT2 archive (archive_format=pt2) without models/*.json and without data/aotinductor",
         "export", "models/")
    case("pt2-archive-version-9.pt2", pt2_replace(T214, "mlp/archive_version", b"9"),
         "archive_version is 9 (only 0 exists)", "export", "archive_version")
    wc = json.loads(dict((i.filename, b) for i, b in zip_entries(T214R))[PT2R_WCONFIG])
    wc["config"]["fc1.bias"]["path_name"] = "weight_7"
    case("pt2-missing-weight.pt2", pt2_replace(T214R, PT2R_WCONFIG, dumps(wc)),
         "t214/mlp_real.pt2 whose weights config points fc1.bias at data/weights/weight_7 "
         "(no such entry)", "export", "mlp_real/data/weights/weight_7")
    case("pt2-weight-short.pt2",
         pt2_replace(T214R, "mlp_real/data/weights/weight_1", b"\0" * 16),
         "t214/mlp_real.pt2 whose weight_1 (fc1.bias, 8 float32 = 32 bytes) holds 16 bytes",
         "export", "mlp_real/data/weights/weight_1")
    case("pt2-weights-config-invalid.pt2",
         pt2_replace(T214R, PT2R_WCONFIG, b'{"config": {"fc1.weight": '),
         "model_weights_config.json is not valid JSON", "export", PT2R_WCONFIG)

    # --- the program JSON text ---------------------------------------------
    text = dict((i.filename, b) for i, b in zip_entries(T26))[LEGACY_PROGRAM]
    case("json-invalid.pt2", legacy_replace(T26, LEGACY_PROGRAM, text[:1000]),
         "program JSON cut after 1000 bytes", "export", LEGACY_PROGRAM)
    case("pt2-json-invalid.pt2",
         pt2_replace(T214, PT2_PROGRAM, b'{"graph_module": {"graph": @@@ }}'),
         "models/model.json is not JSON", "export", PT2_PROGRAM)
    case("json-nul-byte.pt2", legacy_replace(T26, LEGACY_PROGRAM, text[:200] + b"\0" + text[200:]),
         "a NUL byte inside the program JSON", "export", LEGACY_PROGRAM)
    case("json-deep-nesting.pt2", legacy_replace(T26, LEGACY_PROGRAM, b"[" * 100000),
         "program JSON is 100000 '[' (nesting bomb)", "export", LEGACY_PROGRAM)
    case("json-not-object.pt2", legacy_replace(T26, LEGACY_PROGRAM, b"[1, 2, 3]"),
         "program JSON is an array", "export", LEGACY_PROGRAM)
    case("json-number-overflow.pt2", legacy_replace(
        T26, LEGACY_PROGRAM, text.replace(b'"sizes": [{"as_int": 3}', b'"sizes": [{"as_int": 1e999}', 1)),
         "a size written as 1e999 (JSON real overflow)", "export", LEGACY_PROGRAM)

    # --- wrong JSON types at paths -----------------------------------------
    case("json-gm-not-object.pt2", legacy_with(setter(["graph_module"], 5)),
         "graph_module is 5", "export", "/graph_module")
    case("json-nodes-not-array.pt2",
         pt2_with(setter(["graph_module", "graph", "nodes"], {"linear": 1})),
         "graph.nodes is an object", "export", "/graph_module/graph/nodes")
    case("json-target-not-string.pt2",
         legacy_with(lambda d: node(d, "relu").__setitem__("target", 42)),
         "nodes[1].target is 42", "export", "/graph_module/graph/nodes/1/target")
    case("json-dtype-garbage.pt2",
         pt2_with(setter(["graph_module", "graph", "tensor_values", "x", "dtype"], "garbage")),
         "tensor_values.x.dtype is the string \"garbage\"", "export",
         "/graph_module/graph/tensor_values/x/dtype")
    case("json-sizes-not-array.pt2",
         legacy_with(setter(["graph_module", "graph", "tensor_values", "x", "sizes"], 3)),
         "tensor_values.x.sizes is 3", "export", "/graph_module/graph/tensor_values/x/sizes")

    def two_keys(d):
        spec = d["graph_module"]["signature"]["input_specs"][0]
        spec["buffer"] = {"arg": {"name": "p_fc1_weight"}, "buffer_name": "fc1.weight",
                          "persistent": True}
    case("json-input-spec-2keys.pt2", pt2_with(two_keys),
         "input_specs[0] has two keys (parameter and buffer)", "export",
         "/graph_module/signature/input_specs/0")
    case("json-schema-major-99.pt2",
         legacy_with(setter(["schema_version"], {"major": 99, "minor": 0})),
         "schema_version is 99.0", "export", "/schema_version")
    case("json-dtype-77.pt2",
         pt2_with(setter(["graph_module", "graph", "tensor_values", "linear", "dtype"], 77)),
         "tensor_values.linear.dtype is 77 (no such ScalarType)", "export",
         "/graph_module/graph/tensor_values/linear/dtype, 77")
    case("json-size-negative.pt2",
         legacy_with(setter(["graph_module", "graph", "tensor_values", "x", "sizes"],
                            [{"as_int": -5}, {"as_int": 4}])),
         "tensor_values.x.sizes is [-5, 4]", "export",
         "/graph_module/graph/tensor_values/x/sizes/0, -5")

    def overflow(d):
        tv = d["graph_module"]["graph"]["tensor_values"]
        tv["x"]["sizes"] = [{"as_int": 1 << 62}, {"as_int": 1 << 62}]
        tv["x"]["strides"] = [{"as_int": 1 << 62}, {"as_int": 1}]
    case("json-size-overflow.pt2", pt2_with(overflow),
         "tensor_values.x.sizes is [2^62, 2^62]: element and byte counts overflow 64 bits",
         "export", "/graph_module/graph/tensor_values/x/sizes")

    # --- graph errors found by irx-convert (run export, then convert) -------
    def dangling(d):
        node(d, "relu")["inputs"][0]["arg"] = {"as_tensor": {"name": "ghost"}}
    case("dangling.pt2", legacy_with(dangling),
         "relu's input names tensor \"ghost\" that nothing produces", "export+convert",
         "/graph/nodes/1, ghost")

    def duplicate(d):
        node(d, "relu")["outputs"] = [{"as_tensor": {"name": "linear"}}]
        node(d, "linear_1")["inputs"][0]["arg"] = {"as_tensor": {"name": "linear"}}
        del d["graph_module"]["graph"]["tensor_values"]["relu"]
    case("duplicate-output.pt2", pt2_with(duplicate),
         "nodes linear and relu both produce \"linear\"", "export+convert",
         "/graph/nodes/1, linear")

    # --- irx-convert inputs --------------------------------------------------
    case("convert-empty.json", b"", "empty file", "convert", "")
    case("convert-invalid.json", b'{"format": "irx-program", "format_version": 1, "graph": {',
         "truncated JSON", "convert", "")
    case("convert-array.json", b"[]\n", "JSON array, not an object", "convert", "")
    case("convert-not-program.json", b'{"hello": "world"}\n',
         "JSON object with no \"format\": \"irx-program\"", "convert", "irx-program")
    ir = make_ir()
    case("convert-ir-input.json", (json.dumps(ir, indent=1) + "\n").encode(),
         "an irx-ir document (converter output) given back to the converter", "convert",
         "irx-program")
    prog = {"format": "irx-program", "format_version": 99,
            "source": {"file": "mlp.pt2", "model": "model"},
            "inputs": [], "outputs": [],
            "graph": {"inputs": [], "outputs": [], "nodes": [], "values": {}},
            "weights": [], "constants": []}
    case("convert-format-version-99.json", (json.dumps(prog, indent=1) + "\n").encode(),
         "irx-program with format_version 99", "convert", "/format_version")

    # --- irx-dump --check ----------------------------------------------------
    case("ir-valid.ir.json", (json.dumps(ir, indent=1) + "\n").encode(),
         "control: a valid hand-written IR (mlp), --check exits 0", "dump --check", "")
    bad_ir = make_ir()
    bad_ir["nodes"][1]["inputs"][0]["name"] = "ghost"
    bad_ir["nodes"][1]["inputs"][0]["producer_node"] = "ghost_node"
    case("ir-dangling.ir.json", (json.dumps(bad_ir, indent=1) + "\n").encode(),
         "IR whose relu input names \"ghost\" (produced by no node): --check exits 1 "
         "and lists the problem on stdout", "dump --check", "/nodes/1/inputs/0, ghost (stdout)")
    case("dump-not-ir.json", b'{"format": "something-else", "nodes": []}\n',
         "JSON that is not an irx-ir document", "dump --check", "irx-ir")


def make_ir():
    """A small valid IR (the mlp of the fixtures), written by hand."""
    def t(name, shape, producer=None, extra=None):
        v = {"name": name, "shape": shape, "dtype": "float32",
             "producer_node": producer, "producer_output_idx": 0 if producer else None}
        v.update(extra or {})
        return v

    def linear(name, x, xs, w, ws, b, bs, out):
        return {"name": name, "op_type": "aten.linear.default",
                "inputs": [t(x, xs, x if x != "x" else None, {"arg": "input", "arg_index": 0}),
                           t(w, ws, None, {"arg": "weight", "arg_index": 1}),
                           t(b, bs, None, {"arg": "bias", "arg_index": 2})],
                "outputs": [t(name, out, name, {"output_index": 0})],
                "attrs": {}, "schema": "builtin"}
    nodes = [
        linear("linear", "x", [3, 4], "p_fc1_weight", [8, 4], "p_fc1_bias", [8], [3, 8]),
        {"name": "relu", "op_type": "aten.relu.default",
         "inputs": [t("linear", [3, 8], "linear", {"arg": "self", "arg_index": 0})],
         "outputs": [t("relu", [3, 8], "relu", {"output_index": 0})],
         "attrs": {}, "schema": "builtin"},
        linear("linear_1", "relu", [3, 8], "p_fc2_weight", [2, 8], "p_fc2_bias", [2], [3, 2]),
    ]
    weights = [("p_fc1_weight", [8, 4], "fc1.weight"), ("p_fc1_bias", [8], "fc1.bias"),
               ("p_fc2_weight", [2, 8], "fc2.weight"), ("p_fc2_bias", [2], "fc2.bias")]
    return {
        "format": "irx-ir", "format_version": 1, "model_name": "mlp",
        "source": {"file": "mlp.pt2", "layout": "pt2", "model": "model"},
        "graph_inputs": [t("x", [3, 4])],
        "graph_outputs": [t("linear_1", [3, 2], "linear_1")],
        "nodes": nodes,
        "weights": [{"name": n, "shape": s, "dtype": "float32", "kind": "parameter",
                     "has_data": False} for n, s, _ in weights],
        "weight_name_mapping": dict((n, k) for n, _, k in weights),
        "constants": [], "mutations": [],
    }


README_HEAD = """\
# Bad-input suite

Malformed inputs for `irx-export`, `irx-convert` and `irx-dump`, run by
`tests/cli/t3001-bad-input.sh`.  Every case must make the tool exit with
status 2 (except the two `dump --check` cases marked below), print exactly
one line on stderr naming the file and, where it applies, the place (zip
entry, JSON path, value name), not crash, not allocate absurdly (the test
runs under `ulimit -v 4000000`), and, with `-o OUT`, leave neither OUT nor
`OUT.tmp*` behind.

The files in `files/` are generated by `make-bad.py` (Python 3, standard
library only, deterministic) from the fixtures `tests/fixtures/t26/mlp.pt2`
(torch 2.6, legacy flat zip), `tests/fixtures/t214/mlp.pt2` and
`tests/fixtures/t214/mlp_real.pt2` (torch 2.14, PT2 archive with prefix
folder `mlp/`, data descriptors, ZIP64 end records).  Regenerate with

    python3 tests/bad/make-bad.py

and commit the result; the test itself needs no Python.  PT2-layout
archives are rebuilt in the same layout (miniz-style local headers, "FB"
padding, ZIP64 end record); the script checks that rebuilding an unchanged
fixture gives back its exact bytes.

"export+convert" means `irx-export` succeeds (the archive is well formed)
and `irx-convert` must then reject the exported program; the error names the
exported JSON file.  Besides the files below the test runs each tool on a
nonexistent path and on a directory, `irx-export --model nosuch` on a
good fixture, and reuses some files with other tools: `irx-dump` on
`random.pt2`, `trunc-cd.pt2`, `pt2-bad-crc.pt2`,
`json-target-not-string.pt2` and `convert-invalid.json`, `irx-dump --check`
on `convert-invalid.json`, `irx-convert` on `text.pt2`.  JSON paths are
JSON pointers into the entry named before them.

| file | what is wrong | tool | error mentions |
|---|---|---|---|
"""


def main():
    # The PT2 writer must reproduce real archives exactly.
    for src in (T214, T214R):
        if pt2_write(zip_entries(src)) != src:
            sys.exit("make-bad.py: pt2_write does not reproduce a torch 2.14 fixture")
    make_cases()
    os.makedirs(OUTDIR, exist_ok=True)
    names = set()
    for name, data, _, _, _ in CASES:
        assert name not in names, name
        names.add(name)
        with open(os.path.join(OUTDIR, name), "wb") as f:
            f.write(data)
    for stale in sorted(set(os.listdir(OUTDIR)) - names):
        os.unlink(os.path.join(OUTDIR, stale))
    rows = []
    for name, data, what, tool, mention in CASES:
        what = what.replace("|", "\\|")
        rows.append("| `%s` | %s | %s | %s |" % (
            name, what, tool, "`%s`" % mention if mention else "(the file)"))
    with open(os.path.join(SRCDIR, "tests", "bad", "README.md"), "w") as f:
        f.write(README_HEAD + "\n".join(rows) + "\n")
    print("make-bad.py: %d files in %s" % (len(CASES), os.path.relpath(OUTDIR, SRCDIR)))


if __name__ == "__main__":
    main()
