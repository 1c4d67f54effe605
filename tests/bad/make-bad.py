#!/usr/bin/env python3
"""make-bad.py: generate the malformed inputs of the bad-input suite.

Usage: python3 tests/bad/make-bad.py [SRCDIR]

Writes tests/bad/files/* and tests/bad/README.md (the case tables) from the
small real fixtures tests/fixtures/t26/mlp.pt2 (torch 2.6, legacy flat zip),
tests/fixtures/t214/mlp.pt2 and tests/fixtures/t214/mlp_real.pt2 (torch 2.14,
PT2 archive: prefix folder, data descriptors, "FB" padding, ZIP64 end
records), by mutating them, and by hand.  Standard library only; the output
is byte-for-byte deterministic (no clocks, no random module, fixed zip dates).

The tensor-file cases (TCASES, run by tests/cli/t9002-bad-tensors.sh with
irx-dump) are mutated from tests/fixtures/tensors/ (torch.save zips,
safetensors, .pt2 weights); their data.pkl edits are made at opcode
boundaries found with pickletools, and hostile pickles are written opcode
by opcode with the p_* helpers.  Nothing here unpickles anything.

The generated files are committed; tests/cli/t9001-bad-input.sh runs the
tools on them and does not need Python.  Every case is one entry of CASES
below (file, what is wrong, tool, what the error line should mention); the
same table, in shell form, drives the test.
"""

import hashlib
import json
import os
import pickle
import pickletools
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


# --------------------------------------------------------------------------
# One reading only, and bounded reading (the "untrusted inputs" cases)
# --------------------------------------------------------------------------


def renamed(data, rename):
    """The entries of a PT2-layout archive, each name passed through RENAME."""
    return pt2_write([(rename(i.filename), b) for i, b in zip_entries(data)])


def cd_flag(data, name, flag):
    """DATA with entry NAME's central-directory general-purpose flag set to FLAG."""
    return patch(data, zip_index(data)["entries"][name]["cd"] + 8, "<H", flag)


def dup_first_key(text, anchor, key_json):
    """TEXT (JSON) with KEY_JSON (a `"k": v` member) put right after ANCHOR,
    before the object's own members: the object then has key k twice."""
    k = text.index(anchor) + len(anchor)
    return text[:k] + key_json + b", " + text[k:]


def deflate_bomb(entries, name, head, fill, total):
    """A legacy zip of ENTRIES where entry NAME is HEAD followed by FILL bytes
    up to TOTAL bytes, deflated (level 9, streamed: never all in memory).
    Its sizes and CRC are honest: only its ratio is hostile."""
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info, payload in entries:
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.create_system = 3
            zi.external_attr = 0o600 << 16
            if info.filename != name:
                zi.compress_type = zipfile.ZIP_STORED
                z.writestr(zi, payload)
                continue
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.file_size = total
            with z.open(zi, "w") as f:
                f.write(head)
                chunk = fill * (1 << 20)
                left = total - len(head)
                while left:
                    f.write(chunk[:min(left, len(chunk))])
                    left -= min(left, len(chunk))
    return buf.getvalue()


def make_untrusted_cases():
    legacy_text = dict((i.filename, b) for i, b in zip_entries(T26))[LEGACY_PROGRAM]
    pt2_text = dict((i.filename, b) for i, b in zip_entries(T214))[PT2_PROGRAM]
    first = zip_entries(T214)[0][0].filename   # "mlp/..." : the first central record

    # --- bounded reading: an honest deflate stream of 1 MB inflating to 1 GiB
    GIB = 1 << 30
    case("deflate-bomb.pt2",
         deflate_bomb(zip_entries(T26), LEGACY_PROGRAM, legacy_text, b" ",
                      GIB + (1 << 20)),
         "the program entry is the program JSON followed by spaces, 1 GiB + 1 MiB in all, "
         "deflated to about 1 MB: valid JSON with honest sizes and CRC, but past the "
         "1 GiB inflate limit", "export",
         LEGACY_PROGRAM + ",limit of 1073741824,IRX_MAX_INFLATE")

    # --- zip entries that two readers read two ways -------------------------
    ents = zip_entries(T214)
    i = next(k for k, (info, _) in enumerate(ents) if info.filename == PT2_PROGRAM)
    other = dumps(pt2_program()).replace(b'"relu"', b'"sigmoid"')
    ents.insert(i + 1, (PT2_PROGRAM, other))
    case("zip-dup-entry.pt2", pt2_write(ents),
         "mlp/models/model.json is in the central directory twice, with different programs",
         "export", PT2_PROGRAM + ",twice")
    ents = zip_entries(T26)
    ents.append((LEGACY_PROGRAM, ents[[e[0].filename for e in ents].index(LEGACY_PROGRAM)][1]))
    case("zip-dup-entry-legacy.pt2", pt2_write(ents),
         "serialized_exported_program.json twice (the same bytes), at the end of the directory",
         "export", LEGACY_PROGRAM + ",twice")
    case("zip-encrypted.pt2", cd_flag(T26, LEGACY_PROGRAM, 0x0001),
         "program entry flagged encrypted (general-purpose bit 0); the bytes are plain",
         "export", LEGACY_PROGRAM + ",encrypted")
    case("zip-strong-encrypted.pt2", cd_flag(T214, PT2_PROGRAM, 0x0808 | 0x0040),
         "models/model.json flagged with strong encryption (bit 6 alone)",
         "export", PT2_PROGRAM + ",encrypted")
    for tag, prefix, what in (("dotdot", "../", "'..'"), ("dot", "./", "'.'"),
                              ("empty", "/", "empty (names start with '/')"),
                              ("absolute", "/tmp/mlp/", "absolute ('/tmp/mlp/')")):
        case("pt2-prefix-%s.pt2" % tag,
             renamed(T214, lambda n, p=prefix: p + n[len("mlp/"):]),
             "t214/mlp.pt2 with its prefix folder mlp/ renamed: %s" % what, "export",
             prefix + first[len("mlp/"):] + ",not a plain relative path")
    ents = zip_entries(T214)
    ents.append(("mlp/extra/../../evil.json", b"{}"))
    case("zip-name-dotdot.pt2", pt2_write(ents),
         "an extra entry mlp/extra/../../evil.json", "export",
         "mlp/extra/../../evil.json,not a plain relative path")
    ents = zip_entries(T214)
    ents.append(("mlp\\extra\\evil.json", b"{}"))
    case("zip-name-backslash.pt2", pt2_write(ents),
         "an extra entry mlp\\\\extra\\\\evil.json (backslashes)", "export",
         "mlp\\extra\\evil.json,backslash")
    case("zip-name-nul.pt2",
         renamed(T214, lambda n: n + "\0.txt" if n == PT2_PROGRAM else n),
         "models/model.json named mlp/models/model.json\\0.txt (a NUL inside the name)",
         "export", "mlp/models/model.json?.txt,0x00")
    case("zip-name-control.pt2",
         renamed(T214, lambda n: n.replace("models/", "models/\x1b[2J") if n == PT2_PROGRAM
                 else n),
         "models/model.json named with an ANSI escape (ESC [2J) before model.json",
         "export", "entry name,0x1b")

    # --- JSON: duplicate keys, \u0000, control characters in names ----------
    case("json-dup-key.pt2",
         legacy_replace(T26, LEGACY_PROGRAM,
                        dup_first_key(legacy_text, b'"tensor_values": {',
                                      b'"x": {"dtype": 7, "sizes": [], "strides": [], '
                                      b'"storage_offset": {"as_int": 0}, "layout": 0, '
                                      b'"device": {"type": "cpu"}, "requires_grad": false}')),
         "tensor_values has \"x\" twice, first as a float64 scalar", "export",
         LEGACY_PROGRAM + ",/graph_module/graph/tensor_values/x,duplicate key")
    case("pt2-json-dup-key.pt2",
         pt2_replace(T214, PT2_PROGRAM,
                     pt2_text.replace(b'"target": "torch.ops.aten.relu.default"',
                                      b'"target": "torch.ops.aten.sigmoid.default", '
                                      b'"target": "torch.ops.aten.relu.default"', 1)),
         "nodes[1] has \"target\" twice (sigmoid, then relu)", "export",
         PT2_PROGRAM + ",/graph_module/graph/nodes/1/target,duplicate key")
    # The program's nodes and tensor values are read one at a time: only
    # delimited first (strings and brackets), each parsed in full later.
    case("pt2-json-node-bracket.pt2",
         pt2_replace(T214, PT2_PROGRAM,
                     pt2_text.replace(b'"target": "torch.ops.aten.relu.default"',
                                      b'"target": "torch.ops.aten.relu.default"]', 1)),
         "nodes[1]'s target is followed by a stray ']'", "export",
         PT2_PROGRAM + ",invalid JSON")
    case("pt2-json-node-bad-number.pt2",
         pt2_replace(T214, PT2_PROGRAM,
                     pt2_text.replace(b'"is_hop_single_tensor_return": null, "name": "relu"',
                                      b'"is_hop_single_tensor_return": 01, "name": "relu"', 1)),
         "nodes[1] holds the number 01 (a leading zero)", "export",
         PT2_PROGRAM + ",invalid JSON")
    case("pt2-json-node-unterminated.pt2",
         pt2_replace(T214, PT2_PROGRAM,
                     pt2_text[:pt2_text.index(b'"name": "relu"') + 12]),
         "the program ends inside nodes[1], in the string \"relu", "export",
         PT2_PROGRAM + ",invalid JSON,unterminated string")
    case("pt2-json-value-no-colon.pt2",
         pt2_replace(T214, PT2_PROGRAM,
                     pt2_text.replace(b'"tensor_values": {"p_fc1_weight": {',
                                      b'"tensor_values": {"p_fc1_weight" {', 1)),
         "tensor_values' first member has no ':' after its key", "export",
         PT2_PROGRAM + ",byte 2620: invalid JSON: expected")
    def values_array(d):
        graph(d)["tensor_values"] = [{"dtype": 7}]
    case("pt2-json-values-array.pt2", pt2_with(values_array),
         "tensor_values is an array, not an object", "export",
         PT2_PROGRAM + ",/graph_module/graph/tensor_values,expected an object")
    case("json-nul-escape.pt2",
         legacy_replace(T26, LEGACY_PROGRAM,
                        legacy_text.replace(b'"fc1.weight"', b'"fc1.weight\\u0000x"', 1)),
         "the first \"fc1.weight\" in the program JSON is \"fc1.weight\\u0000x\"", "export",
         LEGACY_PROGRAM + ",\\u0000")
    assert b'null, "name": "relu"}' in pt2_text
    case("json-node-name-control.pt2",
         pt2_replace(T214, PT2_PROGRAM,
                     pt2_text.replace(b'null, "name": "relu"}', b'null, "name": "relu\\u0007"}', 1)),
         "node relu is named \"relu\\u0007\" (BEL)", "export",
         PT2_PROGRAM + ",/graph_module/graph/nodes/1/name,0x07")

    def weight_name(d):
        spec = d["graph_module"]["signature"]["input_specs"][0]["parameter"]
        spec["parameter_name"] = "fc1.weight\x7f"
    case("json-weight-name-control.pt2", pt2_with(weight_name),
         "input_specs[0]'s parameter_name is \"fc1.weight\\u007f\" (DEL)", "export",
         PT2_PROGRAM + ",/graph_module/signature/input_specs/0/parameter/parameter_name,0x7f")

    def tensor_name(d):
        graph(d)["inputs"][0]["as_tensor"]["name"] = "x\x1b[8m"
    case("json-tensor-name-control.pt2", legacy_with(tensor_name),
         "graph input 0 is the tensor \"x\\u001b[8m\" (an ANSI escape)", "export",
         LEGACY_PROGRAM + ",/graph_module/graph/inputs/0/as_tensor/name,0x1b")
    ir_text = (json.dumps(make_ir(), indent=1) + "\n").encode()
    case("ir-dup-key.ir.json",
         ir_text.replace(b'"name": "relu",', b'"name": "relu",\n  "name": "sigmoid",', 1),
         "IR whose nodes[1] has \"name\" twice", "dump --check",
         "/nodes/1/name,duplicate key")
    case("convert-dup-key.json",
         b'{"format": "irx-program", "format_version": 1, "format": "irx-ir"}\n',
         "irx-program document with \"format\" twice", "convert",
         "/format,duplicate key")

    # --- tensor files (t9002) ------------------------------------------------
    sd = tfix("t214/state_dict.pt")
    pkl = entry(sd, "state_dict/data.pkl")
    for tag, bad_key, code in (("control", "conv\x1b[2J.weight", "0x1b"),
                               ("nul", "conv\0.weight", "0x00")):
        raw = bad_key.encode()
        new = pkl.replace(b"X\x0b\x00\x00\x00conv.weight",
                          b"X" + struct.pack("<I", len(raw)) + raw, 1)
        assert new != pkl
        tcase("ts-key-%s.pt" % tag, ts_with_pickle(sd, "state_dict/", new),
              "the state dict key conv.weight is %r" % bad_key, "", 2,
              "entry 'state_dict/data.pkl',dict key," + code)
    tp = tfix("t214/tensor.pt")
    frame = b"\x80\x04\x95" + struct.pack("<Q", 1000) + b"N."
    tcase("ts-frame-past-end.pt", ts_with_pickle(tp, "tensor/", frame),
          "protocol 4 data.pkl whose FRAME claims 1000 bytes, 2 are left", "", 2,
          "entry 'tensor/data.pkl': pickle offset 2,FRAME,1000")
    st = tfix("t214/state_dict.safetensors")
    sh, body = st_split(st)
    text = json.dumps(sh, separators=(",", ":")).encode()
    k = text.index(b'"conv.bias":')
    dup = text[:k] + b'"conv.bias":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},' + text[k:]
    tcase("st-dup-key.safetensors", st_join(dup, body),
          "conv.bias is in the header twice, first as an empty tensor", "", 2,
          "header: /conv.bias,duplicate key 'conv.bias'")
    tcase("st-name-control.safetensors",
          st_join(text.replace(b'"conv.bias"', b'"conv\\u0001bias"', 1), body),
          "conv.bias is named \"conv\\u0001bias\"", "", 2, "header: /conv,0x01")
    w29 = tfix("t214/weights.pt2")
    cfg_name = "weights/data/weights/model_weights_config.json"
    cfg = entry(w29, cfg_name)
    k = cfg.index(b'"lin.bias":')
    tcase("pt2w-config-dup-key.pt2",
          pt2_replace(w29, cfg_name, cfg[:k] + cfg[k:].replace(b'"lin.bias":', b'"lin.weight":', 1)),
          "the weights config names lin.weight twice (lin.bias renamed)", "", 2,
          "entry '%s': /config/lin.weight,duplicate key 'lin.weight'" % cfg_name)
    tcase("pt2w-name-control.pt2",
          pt2_replace(w29, cfg_name, cfg.replace(b'"lin.bias":', b'"lin\\u0001bias":', 1)),
          "the weights config names lin.bias \"lin\\u0001bias\"", "", 2,
          "entry '%s': /config/lin,0x01" % cfg_name)


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

# --------------------------------------------------------------------------
# Tensor files (tests/cli/t9002-bad-tensors.sh, irx-dump only)
# --------------------------------------------------------------------------

TFIX = os.path.join(FIX, "tensors")


def tfix(rel):
    with open(os.path.join(TFIX, rel), "rb") as f:
        return f.read()


# The marker the exploit pickles would create in the tool's working
# directory if anything in them ran (the test asserts it never appears).
MARKER = "IRX-PWNED"

# Pickle opcodes, written by hand (the names are pickletools').


def p_int(i):
    """The shortest integer opcode torch's pickler would use for I."""
    if 0 <= i < 0x100:
        return b"K" + bytes([i])
    if 0 <= i < 0x10000:
        return b"M" + struct.pack("<H", i)
    if -0x80000000 <= i < 0x80000000:
        return b"J" + struct.pack("<i", i)
    n = (i.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + i.to_bytes(n, "little", signed=True)


def p_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def p_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_tuple(items):
    return b"(" + b"".join(items) + b"t"


def p_ints(values):
    return p_tuple([p_int(v) for v in values])


def p_tensor(key="0", numel=24, offset=0, size=(2, 3, 4), stride=(12, 4, 1),
             storage="FloatStorage"):
    """torch._utils._rebuild_tensor_v2 of storage KEY, as torch.save writes it."""
    pid = p_tuple([p_str("storage"), p_global("torch", storage), p_str(key), p_str("cpu"),
                   p_int(numel)])
    args = p_tuple([pid + b"Q", p_int(offset), p_ints(size), p_ints(stride), b"\x89",
                    p_global("collections", "OrderedDict") + b")R"])
    return p_global("torch._utils", "_rebuild_tensor_v2") + args + b"R"


PROTO2 = b"\x80\x02"
STOP = b"."


def pkl_ops(pkl):
    """[(opcode name, argument, position, end)] of a pickle."""
    ops = list(pickletools.genops(pkl))
    return [(op.name, arg, pos, ops[k + 1][2] if k + 1 < len(ops) else len(pkl))
            for k, (op, arg, pos) in enumerate(ops)]


def splice(data, pos, end, new):
    return data[:pos] + new + data[end:]


def tensor_ops(pkl, key):
    """The ops of the tensor stored under dict key KEY: {"numel": op of the
    persistent id's size, "key": op of the storage key, "rebuild": op that
    pushes _rebuild_tensor_v2, "offset": op, "size": [ops], "stride": [ops],
    "size_tuple": (pos, end) of the whole size tuple, "stride_tuple": same}."""
    ops = pkl_ops(pkl)
    k = next(i for i, o in enumerate(ops) if o[0] == "BINUNICODE" and o[1] == key)
    pid = next(i for i in range(k, len(ops)) if ops[i][0] == "BINPERSID")
    t = pid - 1
    while not ops[t][0].startswith("TUPLE"):
        t -= 1
    res = {"numel": ops[t - 1], "rebuild": ops[k + 2], "offset": ops[pid + 1],
           "key": next(o for o in ops[k + 1:t] if o[0] == "BINUNICODE" and o[1].isdigit())}
    i = pid + 2
    for field in ("size", "stride"):
        start = ops[i][2]
        if ops[i][0] == "MARK":
            i += 1
        ints = []
        while ops[i][0] in ("BININT1", "BININT2", "BININT", "LONG1"):
            ints.append(ops[i])
            i += 1
        assert ops[i][0] in ("TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_TUPLE"), ops[i]
        res[field] = ints
        res[field + "_tuple"] = (start, ops[i][3])
        i += 1
        if ops[i][0] == "BINPUT":
            i += 1
    return res


def entry(data, name):
    return dict((i.filename, b) for i, b in zip_entries(data))[name]


def ts_with_pickle(base, prefix, pkl):
    """The torch.save zip BASE with PREFIX/data.pkl replaced by PKL."""
    return pt2_replace(base, prefix + "data.pkl", pkl)


def st_split(data):
    """(header dict, data bytes) of a safetensors file."""
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def st_join(header, body):
    """A safetensors file the way the safetensors library writes it: compact
    JSON padded with spaces to a multiple of 8."""
    text = header if isinstance(header, bytes) else \
        json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


def st_with(data, mutate):
    header, body = st_split(data)
    mutate(header)
    return st_join(header, body)


TCASES = []  # (file, bytes, what is wrong, irx-dump arguments, exit status, should mention)


def tcase(name, data, what, args, rc, mention):
    TCASES.append((name, data, what, args, rc, mention))


def exploit(callee, arg):
    """A data.pkl that, unpickled by Python, would run CALLEE(ARG) through
    GLOBAL + REDUCE and create the marker file."""
    module, name = callee.rsplit(".", 1)
    return PROTO2 + p_global(module, name) + p_tuple([arg]) + b"R" + STOP


def make_torch_save_cases():
    sd = tfix("t214/state_dict.pt")   # prefix state_dict/, an OrderedDict of 9 tensors
    tp = tfix("t214/tensor.pt")       # prefix tensor/, one float32 [2, 3, 4] tensor
    pkl = entry(sd, "state_dict/data.pkl")
    pk = "state_dict/data.pkl"
    tpk = "tensor/data.pkl"
    ops = pkl_ops(pkl)
    at = "entry '%s': pickle offset %%d" % pk

    def sd_pkl(name, new, what, mention):
        tcase(name, ts_with_pickle(sd, "state_dict/", new), what, "", 2, mention)

    def tp_pkl(name, new, what, mention):
        tcase(name, ts_with_pickle(tp, "tensor/", new), what, "", 2, mention)

    # --- truncated data.pkl --------------------------------------------------
    sd_pkl("ts-pkl-cut-1.pt",
           pkl[:1], "data.pkl cut after 1 byte (inside PROTO)",
           at % 0 + ",truncated")
    sd_pkl("ts-pkl-cut-global.pt",
           pkl[:12], "data.pkl cut at byte 12, inside the first GLOBAL's module name",
           at % 2 + ",truncated GLOBAL")
    s = next(o for o in ops if o[1] == "conv.weight")
    sd_pkl("ts-pkl-cut-string.pt",
           pkl[:s[2] + 8], "data.pkl cut inside BINUNICODE 'conv.weight' (offset %d)" % s[2],
           at % s[2] + ",truncated")
    mid = next(o for o in ops if o[2] >= len(pkl) // 2)
    sd_pkl("ts-pkl-cut-middle.pt",
           pkl[:mid[2]], "data.pkl cut at offset %d, between two opcodes mid-way" % mid[2],
           at % mid[2] + ",no STOP")
    sd_pkl("ts-pkl-cut-stop.pt",
           pkl[:-1], "data.pkl without its final STOP",
           at % (len(pkl) - 1) + ",no STOP")

    # --- opcodes torch never writes ---------------------------------------
    f = tensor_ops(pkl, "conv.weight")
    rg = next(o for o in ops if o[2] > f["stride_tuple"][1] and o[0] == "NEWFALSE")
    sd_pkl("ts-opcode-unknown.pt",
           splice(pkl, rg[2], rg[3], b"\xff"),
           "conv.weight's requires_grad NEWFALSE replaced by 0xff (no such opcode)",
           at % rg[2] + ",0xff")
    # INST (protocol 0) imports and calls in one opcode: os.system(...)
    inst = PROTO2 + b"(" + p_str("touch " + MARKER) + b"ios\nsystem\n" + STOP
    tp_pkl("ts-inst-os-system.pt", inst,
           "data.pkl is MARK, 'touch %s', INST os system: Python would run the command"
           % MARKER, "entry '%s': pickle offset %d,'i'" % (tpk, inst.index(b"ios\n")))

    # --- refused globals: nothing runs ------------------------------------
    cmd = p_str("touch " + MARKER)
    for fname, callee, arg, what in (
            ("ts-global-os-system.pt", "os.system", cmd, "os.system('touch %s')"),
            ("ts-global-posix-system.pt", "posix.system", cmd, "posix.system('touch %s')"),
            ("ts-global-builtins-eval.pt", "builtins.eval",
             p_str("__import__('os').system('touch %s')" % MARKER),
             "builtins.eval(\"__import__('os').system('touch %s')\")"),
            ("ts-global-builtin-exec.pt", "__builtin__.exec",
             p_str("import os; os.system('touch %s')" % MARKER),
             "__builtin__.exec(\"import os; os.system('touch %s')\") (Python 2 name, "
             "mapped to builtins by Python 3)"),
            ("ts-global-subprocess-popen.pt", "subprocess.Popen",
             b"]" + b"(" + p_str("touch") + p_str(MARKER) + b"e",
             "subprocess.Popen(['touch', '%s'])")):
        tp_pkl(fname, exploit(callee, arg),
               "data.pkl is GLOBAL + REDUCE of " + what % MARKER + ": refused by name, "
               "nothing runs",
               "entry '%s': pickle offset 2,'%s'" % (tpk, callee))
    sg = (b"\x80\x04" + b"\x8c\x02os\x94" + b"\x8c\x06system\x94" + b"\x93\x94"
          + b"\x8c" + bytes([len("touch " + MARKER)]) + ("touch " + MARKER).encode()
          + b"\x94\x85\x94R\x94" + STOP)
    tp_pkl("ts-stack-global-os-system.pt", sg,
           "protocol 4 data.pkl: STACK_GLOBAL 'os' 'system', then REDUCE ('touch %s')" % MARKER,
           "entry '%s': pickle offset %d,'os.system'" % (tpk, sg.index(b"\x93")))
    b = tensor_ops(pkl, "conv.bias")["rebuild"]
    assert b[0] == "BINGET"
    sd_pkl("ts-global-load-from-bytes.pt",
           splice(pkl, b[2], b[3], p_global("torch.storage", "_load_from_bytes")),
           "conv.bias is rebuilt by torch.storage._load_from_bytes (an unpickler inside "
           "the pickle) instead of _rebuild_tensor_v2",
           at % b[2] + ",torch.storage._load_from_bytes")

    # --- the memo -----------------------------------------------------------
    g = next(o for o in ops if o[0] == "BINGET")
    sd_pkl("ts-memo-get-unset.pt",
           splice(pkl, g[2], g[3], b"h\xc8"), "BINGET 200: a memo slot never stored",
           at % g[2] + ",200")
    sd_pkl("ts-memo-get-huge.pt",
           splice(pkl, g[2], g[3], b"j\xff\xff\xff\xff"), "LONG_BINGET 0xffffffff",
           at % g[2] + ",4294967295")
    p = next(o for o in ops if o[0] == "BINPUT")
    sd_pkl("ts-memo-put-huge.pt",
           splice(pkl, p[2], p[3], b"r\xff\xff\xff\xff"),
           "LONG_BINPUT 0xffffffff (a 32 GB memo if believed)",
           at % p[2] + ",4294967295")

    # --- shapes of the object graph ------------------------------------------
    n = 100000
    tp_pkl("ts-deep-list.pt", PROTO2 + b"]" * n + b"a" * (n - 1) + STOP,
           "100000 EMPTY_LIST, 99999 APPEND: lists nested 100000 deep (legal pickle; "
           "refused when walked)", "entry '%s',deeper than 200" % tpk)
    tp_pkl("ts-deep-mark.pt", PROTO2 + b"(" * n + b"l" * n + STOP,
           "100000 MARK, 100000 LIST: lists nested 100000 deep",
           "entry '%s',deeper than 200" % tpk)
    tp_pkl("ts-deep-mark-open.pt", PROTO2 + b"(" * n + b"N" + STOP,
           "100000 MARKs never closed, then None and STOP",
           "entry '%s',100000 marks" % tpk)
    loop = (PROTO2 + b"}q\x00(" + p_str("w") + p_tensor() + p_str("loop")
            + b"]q\x01h\x01a" + b"u" + STOP)
    tp_pkl("ts-list-cycle.pt", loop,
           "{'w': tensor, 'loop': L} where L = [L] (a cycle through the memo)",
           "entry '%s',deeper than 200" % tpk)
    dag = PROTO2 + p_tensor() + b"q\x000"       # t, memo 0, popped
    for lvl in range(1, 62):                    # level n: [level n-1, level n-1], memo n
        dag += b"0" if lvl > 1 else b""
        dag += b"]q" + bytes([lvl]) + b"(h" + bytes([lvl - 1]) + b"h" + bytes([lvl - 1]) + b"e"
    tp_pkl("ts-dag-bomb.pt", dag + STOP,
           "x = [t, t], then 60 levels of [x, x]: 2^61 paths to one tensor in 1.4 KB",
           "entry '%s',more often than the pickle is long" % tpk)

    # --- storages -------------------------------------------------------------
    w = tensor_ops(pkl, "conv.weight")
    sd_pkl("ts-storage-too-big.pt",
           splice(pkl, w["numel"][2], w["numel"][3], p_int(1000)),
           "conv.weight's storage claims 1000 float32, entry state_dict/data/0 holds 216 bytes",
           "entry '%s',state_dict/data/0,4000" % pk)
    sd_pkl("ts-storage-size-overflow.pt",
           splice(pkl, w["numel"][2], w["numel"][3], p_int(1 << 62)),
           "conv.weight's storage claims 2^62 float32 (byte count overflows)",
           "entry '%s',storage '0'" % pk)
    c = tensor_ops(pkl, "conv.bias")
    sd_pkl("ts-storage-twice.pt",
           splice(pkl, c["key"][2], c["key"][3], p_str("0")),
           "conv.bias names storage '0' (54 float32) with 3 elements: one storage described "
           "twice, differently", "entry '%s',storage '0'" % pk)
    tcase("ts-data-entry-missing.pt", pt2_replace(sd, "state_dict/data/7", drop=True),
          "entry state_dict/data/7 (fc.weight's storage) is missing", "", 2,
          "entry '%s',state_dict/data/7" % pk)

    # --- tensor layouts -------------------------------------------------------
    o = c["offset"]
    sd_pkl("ts-offset-outside.pt",
           splice(pkl, o[2], o[3], p_int(2)),
           "conv.bias (3 float32 in a 12-byte storage) starts at element 2",
           "entry '%s',conv.bias,20" % pk)
    last = w["stride"][-1]
    sd_pkl("ts-stride-outside.pt",
           splice(pkl, last[2], last[3], p_int(7)),
           "conv.weight [3, 2, 3, 3] with strides (18, 9, 3, 7) reaches past its storage",
           "entry '%s',conv.weight" % pk)
    s0 = c["stride"][0]
    sd_pkl("ts-stride-negative.pt",
           splice(pkl, s0[2], s0[3], p_int(-1)), "conv.bias's stride is -1",
           "entry '%s',pickle offset,stride,-1" % pk)
    z0 = c["size"][0]
    sd_pkl("ts-size-negative.pt",
           splice(pkl, z0[2], z0[3], p_int(-3)), "conv.bias's size is -3",
           "entry '%s',pickle offset,size,-3" % pk)
    sd_pkl("ts-size-overflow.pt",
           splice(pkl, w["size"][0][2], w["size"][1][3], p_int(1 << 62) + p_int(1 << 62)),
           "conv.weight's size is (2^62, 2^62, 3, 3): the element count overflows int64",
           "entry '%s',conv.weight,overflows" % pk)
    st = c["size_tuple"][0]
    sd_pkl("ts-ndim-65.pt",
           splice(pkl, st, c["stride_tuple"][1], p_ints([1] * 65) + p_ints([1] * 65)),
           "conv.bias has 65 dimensions", "entry '%s',pickle offset,65" % pk)

    # --- numbers and strings --------------------------------------------------
    sd_pkl("ts-long1-9-bytes.pt",
           splice(pkl, o[2], o[3], b"\x8a\x09" + b"\x01" * 9),
           "conv.bias's storage offset is a 9-byte LONG1", at % o[2] + ",9 bytes")
    sd_pkl("ts-long4-huge.pt",
           splice(pkl, o[2], o[3], b"\x8b\xff\xff\xff\xff"),
           "conv.bias's storage offset is a LONG4 of 4294967295 bytes (past the end)",
           at % o[2])
    sd_pkl("ts-binunicode-past-end.pt",
           splice(pkl, s[2], s[2] + 5, b"X\xff\xff\xff\x7f"),
           "BINUNICODE 'conv.weight' claims 2147483647 bytes", at % s[2] + ",2147483647")
    sd_pkl("ts-binunicode8-huge.pt",
           splice(pkl, s[2], s[2] + 5, b"\x8d" + struct.pack("<Q", 1 << 63)),
           "BINUNICODE8 'conv.weight' claims 2^63 bytes", at % s[2] + ",9223372036854775808")

    # --- other entries ----------------------------------------------------------
    tcase("ts-byteorder-garbage.pt",
          pt2_replace(sd, "state_dict/byteorder", b"middle\xff\x01endian"),
          "byteorder is 'middle\\xff\\x01endian'", "", 2, "entry 'state_dict/byteorder'")
    tcase("ts-byteorder-huge.pt", pt2_replace(sd, "state_dict/byteorder", b"little" * 200),
          "byteorder is 1200 bytes long", "", 2, "entry 'state_dict/byteorder'")
    P = zip_index(sd)["entries"][pk]
    crc = struct.unpack("<I", sd[P["cd"] + CD_CRC:P["cd"] + CD_CRC + 4])[0] ^ 0x1
    tcase("ts-pkl-bad-crc.pt", patch(sd, P["cd"] + CD_CRC, "<I", crc),
          "data.pkl's CRC-32 in the central directory is wrong", "", 2, pk)
    D = zip_index(sd)["entries"]["state_dict/data/7"]
    bad = bytearray(sd)
    bad[D["data"] + 5] ^= 0x40
    tcase("ts-payload-bad-crc.pt", bytes(bad),
          "one byte of state_dict/data/7 (fc.weight) flipped: its CRC-32 does not match; "
          "reading it is fine, --check exits 1", "--check", 1, "state_dict/data/7")


def make_safetensors_cases():
    src = tfix("t214/state_dict.safetensors")
    header, body = st_split(src)
    hlen = struct.unpack("<Q", src[:8])[0]

    def sv(name, data, what, mention, rc=2):
        tcase(name, data, what, "", rc, mention)

    def setter_at(name, field, value):
        def mutate(h):
            if value is None:
                del h[name][field]
            else:
                h[name][field] = value
        return mutate

    sv("st-header-len-past-end.safetensors", patch(src, 0, "<Q", len(src) + 1),
       "header length is one more than the file size", "header length")
    sv("st-header-len-2-63.safetensors", patch(src, 0, "<Q", 1 << 63),
       "header length is 2^63", "header length")
    text = src[8:8 + hlen]
    k = text.index(b',"data_offsets"')
    sv("st-header-not-json.safetensors",
       src[:8] + text[:k] + b"@@@" + text[k + 3:] + src[8 + hlen:],
       "three bytes of the header JSON replaced by '@@@' (between two members)", "header")
    # (padded by 8 more spaces so that its length, 648 = 0x288, does not
    # begin with the bytes of a pickle PROTO opcode as 640 = 0x280 would)
    arr = st_join(b"[" + json.dumps(header, separators=(",", ":")).encode() + b"]" + b" " * 8,
                  body)
    sv("st-header-array.safetensors", arr,
       "the header is a JSON array (not recognised as safetensors: the file is "
       "no tensor file)", "")
    sv("st-tensor-not-object.safetensors",
       st_with(src, lambda h: h.__setitem__("conv.bias", 5)),
       "conv.bias's header entry is 5", "header: /conv.bias,conv.bias")
    sv("st-offsets-past-end.safetensors",
       st_with(src, setter_at("fc.weight", "data_offsets", [300, 4000])),
       "fc.weight's data_offsets [300, 4000] end past the data (492 bytes)",
       "header: /fc.weight/data_offsets")
    sv("st-offsets-reversed.safetensors",
       st_with(src, setter_at("conv.bias", "data_offsets", [68, 56])),
       "conv.bias's data_offsets are [68, 56] (end before begin)",
       "header: /conv.bias/data_offsets")
    sv("st-offsets-not-pair.safetensors",
       st_with(src, setter_at("conv.bias", "data_offsets", [56])),
       "conv.bias's data_offsets is [56]", "header: /conv.bias/data_offsets")
    sv("st-overlap.safetensors",
       st_with(src, setter_at("conv.bias", "data_offsets", [50, 62])),
       "conv.bias's range [50, 62] overlaps bn.weight's [44, 56]",
       "header: /conv.bias/data_offsets,bn.weight")
    def behind_empty(h):
        h["fc.bias"].update(shape=[0], data_offsets=[310, 310])
        h["conv.bias"]["data_offsets"] = [320, 332]
    sv("st-overlap-behind-empty.safetensors", st_with(src, behind_empty),
       "conv.bias's range [320, 332] lies inside fc.weight's [300, 492], with the empty "
       "fc.bias [310, 310] sorting between them",
       "header: /conv.bias/data_offsets,fc.weight")
    sv("st-size-mismatch.safetensors",
       st_with(src, setter_at("conv.bias", "shape", [4])),
       "conv.bias's shape is [4] (16 bytes) for a 12-byte range",
       "header: /conv.bias/data_offsets,16,12")
    sv("st-dtype-unknown.safetensors",
       st_with(src, setter_at("conv.bias", "dtype", "Q4_K")),
       "conv.bias's dtype is 'Q4_K'", "header: /conv.bias/dtype,Q4_K")
    sv("st-dtype-missing.safetensors",
       st_with(src, setter_at("conv.bias", "dtype", None)),
       "conv.bias has no dtype", "header: /conv.bias/dtype")
    sv("st-shape-negative.safetensors",
       st_with(src, setter_at("conv.bias", "shape", [-3])),
       "conv.bias's shape is [-3]", "header: /conv.bias/shape")
    sv("st-shape-float.safetensors",
       st_with(src, setter_at("conv.bias", "shape", [3.0])),
       "conv.bias's shape is [3.0]", "header: /conv.bias/shape")
    sv("st-shape-string.safetensors",
       st_with(src, setter_at("conv.bias", "shape", ["3"])),
       "conv.bias's shape is [\"3\"]", "header: /conv.bias/shape")
    sv("st-shape-65-dims.safetensors",
       st_with(src, setter_at("conv.bias", "shape", [1] * 62 + [3, 1, 1])),
       "conv.bias's shape has 65 dimensions", "header: /conv.bias/shape")
    sv("st-shape-overflow.safetensors",
       st_with(src, setter_at("conv.bias", "shape", [1 << 62, 1 << 62, 3])),
       "conv.bias's shape is [2^62, 2^62, 3]: the element count overflows int64",
       "conv.bias")
    sv("st-metadata-not-object.safetensors",
       st_with(src, lambda h: h.__setitem__("__metadata__", ["pt"])),
       "__metadata__ is [\"pt\"]", "header: /__metadata__")
    sv("st-metadata-not-string.safetensors",
       st_with(src, lambda h: h["__metadata__"].__setitem__("step", 5)),
       "__metadata__ has \"step\": 5", "header: /__metadata__/step")
    end = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
    sv("st-trunc-data.safetensors", src[:8 + hlen + end - 4],
       "the file cut 4 bytes before the end of the data (fc.weight's range)",
       "header: /fc.weight/data_offsets")


def make_pt2_weight_cases():
    w29 = tfix("t214/weights.pt2")   # prefix weights/, raw weights with a config
    cfg_name = "weights/data/weights/model_weights_config.json"
    cfg = json.loads(entry(w29, cfg_name))

    def with_config(mutate):
        doc = json.loads(json.dumps(cfg))
        mutate(doc["config"])
        return pt2_replace(w29, cfg_name, dumps(doc))

    def pv(name, data, what, mention):
        tcase(name, data, what, "", 2, mention)

    at = "entry '%s': /config/" % cfg_name
    pv("pt2w-missing-entry.pt2",
       with_config(lambda c: c["lin.bias"].__setitem__("path_name", "weight_9")),
       "lin.bias's path_name is weight_9 (no such entry)",
       at + "lin.bias/path_name,weights/data/weights/weight_9")
    # The entry exists under that name, so only the name itself is wrong.
    slash = with_config(lambda c: c["lin.bias"].__setitem__("path_name", "sub/weight_1"))
    ents = zip_entries(slash)
    i = next(k for k, (info, _) in enumerate(ents)
             if info.filename == "weights/data/weights/weight_1")
    ents.insert(i + 1, ("weights/data/weights/sub/weight_1", ents[i][1]))
    pv("pt2w-path-slash.pt2", pt2_write(ents),
       "lin.bias's path_name is 'sub/weight_1' (a folder; the entry exists)",
       at + "lin.bias/path_name")
    pv("pt2w-no-tensor-meta.pt2",
       with_config(lambda c: c["running"].__delitem__("tensor_meta")),
       "running has no tensor_meta", at + "running/tensor_meta")
    pv("pt2w-sizes-not-ints.pt2",
       with_config(lambda c: c["lin.weight"]["tensor_meta"].__setitem__(
           "sizes", [{"as_int": "3"}, {"as_int": 4}])),
       "lin.weight's sizes are [{\"as_int\": \"3\"}, {\"as_int\": 4}]",
       at + "lin.weight/tensor_meta")
    pv("pt2w-dtype-99.pt2",
       with_config(lambda c: c["lin.bias"]["tensor_meta"].__setitem__("dtype", 99)),
       "lin.bias's dtype is 99 (no such ScalarType)", at + "lin.bias/tensor_meta,lin.bias")
    pv("pt2w-stride-outside.pt2",
       with_config(lambda c: c["lin.weight"]["tensor_meta"].__setitem__(
           "strides", [{"as_int": 40}, {"as_int": 1}])),
       "lin.weight [3, 4] with strides (40, 1) reaches past its 48-byte file",
       "entry 'weights/data/weights/weight_0',lin.weight")
    pv("pt2w-weight-short.pt2", pt2_replace(w29, "weights/data/weights/weight_0", b"\0" * 20),
       "weight_0 (lin.weight, 3x4 float32 = 48 bytes) holds 20 bytes",
       "entry 'weights/data/weights/weight_0',lin.weight,48,20")
    pv("pt2w-config-invalid.pt2", pt2_replace(w29, cfg_name, b'{"config": {"lin.weight": '),
       "model_weights_config.json is not valid JSON", "entry '%s'" % cfg_name)
    pv("pt2w-config-not-object.pt2", pt2_replace(w29, cfg_name, b'{"config": [1, 2]}'),
       "model_weights_config.json's config is an array", at[:-1])

    legacy = tfix("t26/weights.pt2")  # torch 2.6: serialized_state_dict.pt is a torch.save zip
    nested = entry(legacy, "serialized_state_dict.pt")
    pv("pt2l-nested-trunc.pt2",
       legacy_replace(legacy, "serialized_state_dict.pt", nested[:len(nested) // 2]),
       "legacy .pt2 whose serialized_state_dict.pt is cut in half",
       "entry 'serialized_state_dict.pt'")
    bad = pt2_replace(nested, "archive/data.pkl",
                      exploit("os.system", p_str("touch " + MARKER)))
    pv("pt2l-nested-os-system.pt2", legacy_replace(legacy, "serialized_state_dict.pt", bad),
       "legacy .pt2 whose serialized_state_dict.pt's data.pkl is os.system('touch %s')"
       % MARKER,
       "entry 'serialized_state_dict.pt': entry 'archive/data.pkl': pickle offset 2,os.system")


def make_torchscript_cases():
    """TorchScript archives (`jit-*`), mutated from the torch 1.13 fixtures of
    tests/fixtures/ts (gen_ts_c.py); run by tests/cli/t9008-bad-torchscript.sh."""
    def ts_fix(name):
        with open(os.path.join(FIX, "ts", name), "rb") as f:
            return f.read()

    tied = ts_fix("tied_scripted.pt")      # prefix tied_scripted/
    consts = ts_fix("consts_traced.pt")    # prefix consts_traced/, constants/0 and 1
    pk = "tied_scripted/data.pkl"
    pkl = entry(tied, pk)
    ents = zip_entries(tied)

    def jc(name, data, what, mention):
        tcase(name, data, what, "", 2, mention)

    def without(pred):
        return pt2_write([(i, b) for i, b in ents if not pred(i.filename)])

    jc("jit-no-code.pt", without(lambda n: n.startswith("tied_scripted/code/")),
       "no code/ folder (data.pkl, constants.pkl and version are there)", "tied_scripted/code/")
    jc("jit-version-99.pt", pt2_replace(tied, "tied_scripted/version", b"99\n"),
       "version is 99", "entry 'tied_scripted/version',version '99'")
    jc("jit-version-text.pt", pt2_replace(tied, "tied_scripted/version", b"three\n"),
       "version is 'three'", "entry 'tied_scripted/version',version 'three'")
    jc("jit-version-missing.pt", without(lambda n: n == "tied_scripted/version"),
       "no version entry", "tied_scripted/version")
    jc("jit-global-os-system.pt",
       pt2_replace(tied, pk, exploit("os.system", p_str("touch " + MARKER))),
       "data.pkl is os.system('touch %s'), not a __torch__ class" % MARKER,
       "entry '%s': pickle offset 2,os.system" % pk)
    # a __torch__ object whose attribute is a call of builtins.eval
    evil = (PROTO2 + p_global("__torch__", "M") + b")\x81}" + p_str("a") +
            p_global("builtins", "eval") + p_tuple([p_str("1")]) + b"Rsb" + STOP)
    jc("jit-attr-builtins-eval.pt", pt2_replace(tied, pk, evil),
       "a module attribute made by builtins.eval('1')", "entry '%s',builtins.eval" % pk)
    # torch.save's pickle in a TorchScript archive: no module object
    sd = PROTO2 + p_global("collections", "OrderedDict") + b")R" + STOP
    jc("jit-not-module.pt", pt2_replace(tied, pk, sd),
       "data.pkl is an empty OrderedDict, not a module object", "entry '%s',module" % pk)
    # the storage of `mask` (HalfStorage '0', 3 elements) claims 4000
    pid = p_str("0") + b"q\x05" + p_str("cpu") + b"q\x06" + p_int(3)
    assert pkl.count(pid) == 1
    jc("jit-storage-too-big.pt", pt2_replace(tied, pk, pkl.replace(pid, pid[:-2] + p_int(4000))),
       "mask's storage says 4000 half elements; data/0 has 6 bytes",
       "entry '%s',tied_scripted/data/0,8000" % pk)
    # mask's size (3,) becomes (30,): it reaches past its storage
    size = b"q\x07" + p_int(0) + p_ints([3]) + p_ints([1])
    assert pkl.count(size) == 1
    jc("jit-size-lies.pt", pt2_replace(tied, pk, pkl.replace(size, size[:4] + p_ints([30]) +
                                                          p_ints([1]))),
       "mask is [30] on a 3-element storage", "entry '%s',mask" % pk)
    jc("jit-data-entry-missing.pt", without(lambda n: n == "tied_scripted/data/2"),
       "data/2 (embed.weight's storage) is missing", "tied_scripted/data/2")
    # constants.pkl: c0's storage claims 300 floats
    cpk = "consts_traced/constants.pkl"
    cpkl = entry(consts, cpk)
    cpid = p_str("0") + b"q\x03" + p_str("cpu") + b"q\x04" + p_int(3)
    assert cpkl.count(cpid) == 1, cpkl
    jc("jit-constants-storage-lie.pt",
       pt2_replace(consts, cpk, cpkl.replace(cpid, cpid[:-2] + p_int(300))),
       "constants.pkl: c0's storage says 300 floats; constants/0 has 12 bytes",
       "entry '%s',consts_traced/constants/0" % cpk)
    # objects nested 100000 deep: M(a=M(a=M(...)))
    n = 1000
    deep = (PROTO2 + p_global("__torch__", "M") + b"q\x00" + b")\x81}(X\x01\x00\x00\x00a" +
            b"h\x00)\x81}(X\x01\x00\x00\x00a" * (n - 1) + b"N" + b"ub" * n + STOP)
    jc("jit-deep-objects.pt", pt2_replace(tied, pk, deep),
       "__torch__ objects nested %d deep" % n, "entry '%s',deeper than 200" % pk)
    # one small object visited 100000 times under a 60000-byte path: the
    # pickle is 260 kB, the paths it would make 18 GB
    long_name = p_str("n" * 20000)
    opened = b"h\x00)\x81}("
    bomb = (PROTO2 + p_global("__torch__", "M") + b"q\x00)\x81}(" + long_name + b"q\x01" +
            opened + b"h\x01" + opened + b"h\x01" +
            b"](" + b"h\x00)\x81}b" + b"q\x02" + b"h\x02" * 99999 + b"e" +
            b"ub" * 3 + STOP)
    jc("jit-name-bomb.pt", pt2_replace(tied, pk, bomb),
       "one object listed 100000 times under a 60000-byte attribute path",
       "entry '%s',times the pickle's length" % pk)
    # a lite-interpreter archive that kept only its bytecode
    jc("jit-bytecode-only.ptl",
       pt2_write([(i, b) for i, b in ents if not i.filename.startswith("tied_scripted/code/")
                  and i.filename != pk] + [("tied_scripted/bytecode.pkl", PROTO2 + b")" + STOP)]),
       "bytecode.pkl without code/ or data.pkl", "bytecode-only")


def make_tensor_cases():
    make_torch_save_cases()
    make_safetensors_cases()
    make_pt2_weight_cases()
    make_torchscript_cases()


README_HEAD = """\
# Bad-input suite

Malformed inputs for `irx-export`, `irx-convert` and `irx-dump`, run by
`tests/cli/t9001-bad-input.sh`.  Every case must make the tool exit with
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


README_TENSORS = """
## Tensor files

Malformed torch.save zips (`ts-*.pt`), safetensors files
(`st-*.safetensors`) and the weights of .pt2 archives (`pt2w-*.pt2`: torch
>= 2.9 raw weights with a config, `pt2l-*.pt2`: legacy nested
serialized_state_dict.pt), run through `irx-dump` by
`tests/cli/t9002-bad-tensors.sh`.  They are mutated from the real
fixtures `tests/fixtures/tensors/t214/state_dict.pt`, `tensor.pt`,
`state_dict.safetensors`, `weights.pt2` and `t26/weights.pt2` (zips are
rebuilt in torch's own layout, so every CRC is right unless the case says
otherwise), or, for the pickles that are hostile in shape rather than in
detail, written by hand opcode by opcode (`p_*` helpers).

Every case runs three times: `irx-dump FILE`, `irx-dump --stats FILE` and
`irx-dump --format=json -o OUT FILE`; each must give the exit status below,
one line on stderr naming the file and each mention, no sanitizer report,
stay within `ulimit -v` 4 GB, and leave no OUT behind.  Mentions are the
place: `entry 'E'` names the zip entry (nested: the outer entry first),
`pickle offset N` the opcode that failed, `header: /P` a JSON pointer into
the safetensors header, `/config/...` a pointer into a .pt2 weights config,
and tensor names are quoted as they are in the file.

TorchScript archives (`jit-*.pt`, `jit-*.ptl`) are mutated from the torch
1.13 fixtures `tests/fixtures/ts/tied_scripted.pt` and `consts_traced.pt`
and run through `irx-dump` by `tests/cli/t9008-bad-torchscript.sh` (exit 2,
one line naming the file and each mention, no marker file): a missing
code/ folder or version entry, a version outside 2 to 10, a data.pkl whose
GLOBAL is not a `__torch__` class (refused by name, even as an attribute),
pickles that lie about storage sizes or shapes, a storage entry that is
missing, objects nested 1000 deep, a bytecode-only .ptl.

The exploit cases (`ts-global-*`, `ts-stack-global-*`, `ts-inst-*`,
`pt2l-nested-os-system.pt2`) hold pickles that Python's own `pickle.loads`
would act on: each would run `touch IRX-PWNED` (the test proves it once
with python3, when there is one, in a scratch directory).  irx-dump runs in
a directory of its own and the test asserts that `IRX-PWNED` never appears
there.

Deep and self-referencing object graphs are legal pickles: the reader is
not recursive (100000 levels cost a few MB and no C stack) and builds
them; the walk that names tensors refuses containers nested deeper than
200 levels (a cycle is infinitely deep) and stops after visiting more
containers and tensors than the pickle has bytes (plus 1024), so a DAG
whose paths double at every level cannot take exponential time.  Both are
exit 2: no real checkpoint is shaped like that.

`ts-payload-bad-crc.pt` opens and dumps (exit 0, with and without
`--stats`: payload CRCs are only verified on request); `irx-dump --check`
exits 1 and names the entry.  The test also runs irx-dump on the real
fixtures `quantized.pt` and `sparse.pt` of torch 1.13, 2.6 and 2.14 (exit
2 naming the tensor, `q` or `s`) and `legacy_format.pt` of torch 1.13 and
2.14 (the pre-1.6 format, exit 2).

Why these: truncations at several depths (inside an opcode, inside an
argument, between opcodes, before STOP) because every read of an argument
is a bounds check; opcodes and globals that run code in Python
(REDUCE/INST/STACK_GLOBAL of `os`, `posix`, `subprocess`, `eval`, `exec`,
`torch.storage._load_from_bytes`) because refusing them is the reader's
security promise; memo indices and lengths near 2^32 and 2^63 because
they size allocations; nesting, cycles and DAGs because a naive walk
recurses or explodes; storage sizes, offsets, strides, sizes and
dimensions because they decide which bytes a tensor's data pointer may
reach; byteorder, CRCs, quantized/sparse and the pre-1.6 format because
they are real files irx must refuse by name rather than misread.  The
safetensors cases cover every field of the header and its length prefix
(including an overlap hidden behind an empty tensor, which the reader
once missed), and the .pt2 cases the weights config of torch >= 2.9 and
the nested torch.save zip of torch 2.1-2.7.

| file | what is wrong | irx-dump arguments | exit | error mentions |
|---|---|---|---|---|
"""


# --------------------------------------------------------------------------
# Undeclared symbols, unknown dtypes, missing subgraphs (the "untrusted
# archives and IRs" checks of irx-convert and irx-dump --check)
# --------------------------------------------------------------------------

T214D = open(os.path.join(FIX, "t214", "dynamic.pt2"), "rb").read()


def make_hop_ir(false_graph=True):
    """make_ir() with a higher_order.cond node over linear_1 whose branches
    are one relu each."""
    ir = make_ir()

    def t(name, producer=None, extra=None):
        v = {"name": name, "shape": [3, 2], "dtype": "float32",
             "producer_node": producer, "producer_output_idx": 0 if producer else None}
        v.update(extra or {})
        return v

    def branch():
        return {"graph_inputs": [t("a")],
                "nodes": [{"name": "r", "op_type": "aten.relu.default",
                           "inputs": [t("a", None, {"arg": "self", "arg_index": 0})],
                           "outputs": [t("r", "r", {"output_index": 0})],
                           "attrs": {}, "schema": "builtin"}],
                "graph_outputs": [t("r", "r")]}
    subgraphs = {"true_graph_0": branch()}
    if false_graph:
        subgraphs["false_graph_0"] = branch()
    ir["nodes"].append({
        "name": "cond", "op_type": "higher_order.cond",
        "inputs": [t("linear_1", "linear_1", {"arg": "operands", "arg_index": 3,
                                              "list_index": 0})],
        "outputs": [t("cond", "cond", {"output_index": 0})],
        "attrs": {"pred": True, "true_fn": {"graph": "true_graph_0"},
                  "false_fn": {"graph": "false_graph_0"}},
        "subgraphs": subgraphs, "schema": "none"})
    ir["graph_outputs"] = [t("cond", "cond")]
    return ir


def make_untrusted_ir_cases():
    def ir_case(name, ir, what, rc_what, mention):
        case(name, (json.dumps(ir, indent=1) + "\n").encode(), what + rc_what,
             "dump --check", mention)

    if pt2_write(zip_entries(T214D)) != T214D:
        sys.exit("make-bad.py: pt2_write does not reproduce t214/dynamic.pt2")
    # Inside an expression: irx-export declares (unbounded) a symbol that
    # stands alone as a size, but not one that only appears in a product.
    undeclared = {"as_expr": {"expr_str": "Mul(Integer(2), Symbol('u5', positive=True, "
                                          "integer=True))", "hint": {"as_int": 6}}}
    data = pt2_with(setter(["graph_module", "graph", "tensor_values", "view", "sizes", 0],
                           undeclared), T214D, "dynamic/models/model.json")
    case("dynamic-undeclared-symbol.pt2", data,
         "t214/dynamic.pt2 whose tensor view has the size 2*u5, u5 a symbol "
         "range_constraints does not declare (refused with and without --allow-dynamic)", "export+convert",
         "/graph/values/view/shape/0, 'u5'")

    ir = make_ir()
    ir["graph_inputs"][0]["dtype"] = "float128"
    ir["nodes"][1]["outputs"][0]["dtype"] = "float128"
    ir["weights"][3]["dtype"] = "float128"
    ir_case("ir-dtype-float128.ir.json", ir,
            "IR whose graph input x, relu's output and weight p_fc2_bias have the dtype "
            "float128", ": --check exits 1",
            "/graph_inputs/0, /nodes/1/outputs/0, /weights/3, float128 (stdout)")
    ir_case("ir-hop-valid.ir.json", make_hop_ir(),
            "control: make_ir() plus a higher_order.cond node with both branches",
            ", --check exits 0", "")
    ir = make_hop_ir()
    ir["nodes"][3]["subgraphs"]["false_graph_0"]["nodes"][0]["outputs"][0]["dtype"] = "float128"
    ir_case("ir-subgraph-dtype-float128.ir.json", ir,
            "cond's false branch's relu output has the dtype float128", ": --check exits 1",
            "/nodes/3/subgraphs/false_graph_0/nodes/0/outputs/0, float128 (stdout)")
    ir_case("ir-subgraph-missing.ir.json", make_hop_ir(false_graph=False),
            "cond's attrs name false_graph_0, which is not in its subgraphs",
            ": --check exits 1", "/nodes/3/attrs/false_fn, false_graph_0 (stdout)")


def main():
    # The PT2 writer must reproduce real archives exactly.
    for src in (T214, T214R):
        if pt2_write(zip_entries(src)) != src:
            sys.exit("make-bad.py: pt2_write does not reproduce a torch 2.14 fixture")
    make_cases()
    make_untrusted_ir_cases()
    make_untrusted_cases()
    make_tensor_cases()
    os.makedirs(OUTDIR, exist_ok=True)
    names = set()
    for name, data in [c[:2] for c in CASES] + [c[:2] for c in TCASES]:
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
    trows = []
    for name, data, what, args, rc, mention in TCASES:
        what = what.replace("|", "\\|")
        trows.append("| `%s` | %s | %s | %d | %s |" % (
            name, what, "`%s`" % args if args else "", rc,
            ", ".join("`%s`" % m for m in mention.split(",")) if mention else "(the file)"))
    with open(os.path.join(SRCDIR, "tests", "bad", "README.md"), "w") as f:
        f.write(README_HEAD + "\n".join(rows) + "\n" + README_TENSORS + "\n".join(trows) + "\n")
    print("make-bad.py: %d files in %s" % (len(CASES) + len(TCASES),
                                           os.path.relpath(OUTDIR, SRCDIR)))


if __name__ == "__main__":
    main()
