#!/usr/bin/env python3
"""Hold irx's IR of a TorchScript archive against its IR of a torch.export
archive of the same module, weights and inputs.

usage: compare-ts-pt2.py CHECK TS.ir PT2.ir EXPORT.json

EXPORT.json is what torch said of the exported program
(tests/fixtures/gen_torchscript_more.py).  CHECK is one of:

  signature  the graph inputs and outputs: same shapes and dtypes, in order
  weights    the tensors the nodes read, by state_dict key: the same keys,
             shapes, dtypes and kinds
  operators  the multiset of operators, after the rules of TRACER_RULES
  torch      the .pt2 IR's operators are those of torch's exported graph
             (EXPORT.json's aten_ops, getitem aside): irx read it whole
  modules    every module path of the TorchScript IR's nodes is one of the
             .pt2 IR's, with the same class (a ModuleList's children
             included: encoder.layer.0, not encoder.0)

The two tracers do not write the same graph for the same module.  The
differences known, each with why, are the tables below (TRACER_RULES for
operators, the weights rules in bound(), SHAPE_QUIRKS for the signature);
docs/program-format.md lists them too.  Anything else is a difference, and
is printed.  Exit 1 if there is any.
"""
import collections
import json
import sys

INT64_MAX = 2**63 - 1


def base(op):
    """aten.add_.Tensor -> add_"""
    return op.split(".")[1] if op.startswith("aten.") else op


def producers(ir):
    return {n["name"]: n for n in ir["nodes"]}


def live_nodes(ir):
    """The nodes a graph output depends on, and the in-place ones (they
    may write a tensor that lives on)."""
    by_name = producers(ir)
    live = set()
    todo = [o["producer_node"] for o in ir["graph_outputs"] if o.get("producer_node")]
    todo += [n["name"] for n in ir["nodes"] if base(n["op_type"]).endswith("_")]
    while todo:
        name = todo.pop()
        if name in live or name not in by_name:
            continue
        live.add(name)
        for i in by_name[name]["inputs"]:
            if i.get("producer_node"):
                todo.append(i["producer_node"])
    return live


def conv_name(n):
    """aten._convolution as the public operator that calls it."""
    a = n["attrs"]
    k = len(n["inputs"][1]["shape"]) - 2
    if a.get("transposed"):
        return "aten.conv_transpose%dd.input" % k
    return "aten.conv%dd.default" % k


def whole_slice(n):
    """x[:] along one dimension: start 0, step 1, to the end."""
    a = n["attrs"]
    src = n["inputs"][0]["shape"]
    d = a.get("dim", 0)
    end = a.get("end")
    return (a.get("start") in (0, None) and a.get("step", 1) == 1 and
            (end is None or end >= src[d]) and n["outputs"][0]["shape"] == src)


def lifted_copy(n, ir):
    """aten.lift_fresh_copy of a lifted constant, or the aten.detach_ of
    its result."""
    if n["op_type"] == "aten.lift_fresh_copy.default":
        return True
    if n["op_type"] == "aten.detach_.default":
        p = producers(ir).get(n["inputs"][0].get("producer_node"))
        return p is not None and p["op_type"] == "aten.lift_fresh_copy.default"
    return False


# The known differences between the graph TorchScript's tracer records and
# the one torch.export records, for the same module on the same inputs.
# Each rule rewrites or drops nodes of one side before the multisets are
# compared ("ts" or "pt2"); "surplus" rules drop only the surplus of an
# operator that one side has more of.
TRACER_RULES = [
    # F.conv2d and friends are composite: TorchScript's tracer records the
    # aten::_convolution they call (with its cudnn/benchmark flags),
    # torch.export the public operator.  Same computation, same count.
    ("ts", "aten._convolution is aten.conv1d/conv2d/conv3d (conv_transpose)",
     lambda n, ir: n["op_type"] == "aten._convolution.default", conv_name),
    # x[:, 0], x[None, :]: TorchScript records an aten::slice(dim, 0,
    # INT64_MAX, 1) for every ":", torch.export nothing for a slice that
    # takes the whole dimension (it is the tensor itself).
    ("ts", "whole-dimension aten.slice (x[:]) dropped",
     lambda n, ir: n["op_type"] == "aten.slice.Tensor" and whole_slice(n), None),
    # torch.export (torch 2.14) checks the input of Tensor.to(...) with
    # aten._assert_tensor_metadata: an assertion, it computes nothing.
    ("pt2", "aten._assert_tensor_metadata dropped",
     lambda n, ir: n["op_type"] == "aten._assert_tensor_metadata.default", None),
    # A tensor literal in the model's code (torch.tensor(0.0)): torch.export
    # lifts it as a constant (lifted_tensor_N) and copies it
    # (lift_fresh_copy, detach_); TorchScript's trace has the value in the
    # graph, which irx writes as a number.
    ("pt2", "aten.lift_fresh_copy (and its detach_) of a lifted literal dropped", lifted_copy, None),
]
# t.contiguous() of a tensor that already is contiguous returns t:
# torch.export records nothing, TorchScript's tracer records the call.  So
# the TorchScript graph may have more of them, never fewer.
SURPLUS_TS = {"aten.contiguous.default": "t.contiguous() of a contiguous tensor: recorded by TorchScript only"}
# Dead code: torch.jit.trace removes what no output depends on, torch.export
# keeps it (transformers' attention mask builds a head index that a
# bidirectional mask never reads: an arange and three unsqueezes).  Both
# sides are compared without it (live_nodes).

# (torch version prefix of the .pt2, operator, output index): how torch
# recorded that output's shape there, against what the run gives.  torch
# 2.6's export records aten.lstm.input's hy and cy as [layers, 1, batch,
# hidden] (its own ep.module() returns [layers, batch, hidden]; torch 2.14
# records them right): an extra dimension of 1 at 1.
SHAPE_QUIRKS = {
    ("2.6.", "aten.lstm.input", 1): 1,
    ("2.6.", "aten.lstm.input", 2): 1,
}


def ops_after_rules(ir, side, notes):
    """The operators of ir: TRACER_RULES applied, then dead code left out."""
    live = live_nodes(ir)
    dead = collections.Counter()
    out = collections.Counter()
    for n in ir["nodes"]:
        op = n["op_type"]
        for rside, what, match, rewrite in TRACER_RULES:
            if rside == side and match(n, ir):
                notes.append("%s: %s: %s" % (side, what, n["name"]))
                op = rewrite(n) if rewrite else None
                break
        else:
            if n["name"] not in live:
                dead[op] += 1
                op = None
        if op:
            out[op] += 1
    if dead:
        notes.append("%s: dead code left out: %s" % (side, dict(dead)))
    return out


def check_operators(ts, pt2, _export, problems, notes):
    a = ops_after_rules(ts, "ts", notes)
    b = ops_after_rules(pt2, "pt2", notes)
    for op, why in SURPLUS_TS.items():
        if a[op] > b[op]:
            notes.append("ts: %d more %s (%s)" % (a[op] - b[op], op, why))
            a[op] = b[op]
    for op in sorted(set(a) | set(b)):
        if a[op] != b[op]:
            problems.append("%s: %d in the TorchScript IR, %d in the .pt2 IR" % (op, a[op], b[op]))


def check_torch(_ts, pt2, export, problems, _notes):
    got = collections.Counter(n["op_type"] for n in pt2["nodes"])
    want = collections.Counter({k.replace("torch.ops.", ""): v for k, v in export["aten_ops"].items()})
    for op in sorted(set(got) | set(want)):
        if got[op] != want[op]:
            problems.append("%s: %d in the .pt2 IR, %d in torch's exported graph" % (op, got[op], want[op]))


def quirk(pt2, out):
    v = pt2["source"].get("torch_version") or ""
    p = producers(pt2).get(out.get("producer_node"))
    if p is None:
        return None
    for (prefix, op, idx), dim in SHAPE_QUIRKS.items():
        if v.startswith(prefix) and p["op_type"] == op and out.get("producer_output_idx") == idx:
            return dim
    return None


def check_signature(ts, pt2, _export, problems, notes):
    for what in ("graph_inputs", "graph_outputs"):
        a, b = ts[what], pt2[what]
        if len(a) != len(b):
            problems.append("%s: %d in the TorchScript IR, %d in the .pt2 IR" % (what, len(a), len(b)))
            continue
        for i, (x, y) in enumerate(zip(a, b)):
            ys = y["shape"]
            dim = quirk(pt2, y) if what == "graph_outputs" else None
            if dim is not None and len(ys) == len(x["shape"]) + 1 and ys[dim] == 1:
                notes.append("%s %d: torch %s recorded %s for %s" % (
                    what, i, pt2["source"]["torch_version"], ys, x["shape"]))
                ys = ys[:dim] + ys[dim + 1:]
            if (x["shape"], x["dtype"]) != (ys, y["dtype"]):
                problems.append("%s %d (%s / %s): %s %s in the TorchScript IR, %s %s in the .pt2 IR" % (
                    what, i, x["name"], y["name"], x["shape"], x["dtype"], y["shape"], y["dtype"]))


def bound(ir, tied, notes, side):
    """key -> (shape, dtype, kind) of the weights and constants the nodes
    read (after the operator rules: a lifted literal's constant is read by
    lift_fresh_copy only), keyed by state_dict key.  Weights rules:
      - a binding no node reads is left out: torch.export's signature lists
        every parameter and buffer of the module (num_batches_tracked), a
        TorchScript run binds what the code read;
      - tied weights: TorchScript's module holds one tensor, which irx
        binds under the key the code reached first (emb.weight); torch.export
        lists every key as an input and its graph reads one of them for all
        uses (head.weight, the last).  Keys are taken to the first key of
        their tensor (EXPORT.json's "tied", from torch's state_dict);
      - a non-persistent buffer (transformers' position_ids) is a buffer of
        the TorchScript module (which does not record persistence) and a
        constant of the .pt2 IR (not in the state_dict): both are "buffer".
    """
    mapping = ir.get("weight_name_mapping") or {}
    live = live_nodes(ir)
    read = set()
    for n in ir["nodes"]:
        if n["name"] in live and not (side == "pt2" and lifted_copy(n, ir)):
            read.update(i["name"] for i in n["inputs"] if "name" in i and not i.get("producer_node"))
    out = {}
    for w in ir["weights"] + ir["constants"]:
        key = mapping.get(w["name"], w["name"])
        if w["name"] not in read:
            notes.append("%s: %s (%s) is read by no node" % (side, w["name"], key))
            continue
        key = tied.get(key, key)
        out[key] = (w["shape"], w["dtype"], w.get("kind"))
    return out


def check_weights(ts, pt2, export, problems, notes):
    tied = export.get("tied", {})
    a = bound(ts, tied, notes, "ts")
    b = bound(pt2, tied, notes, "pt2")
    for k in sorted(set(a) | set(b)):
        if k not in b:
            problems.append("%s %s: read in the TorchScript IR only" % (k, a[k]))
        elif k not in a:
            problems.append("%s %s: read in the .pt2 IR only" % (k, b[k]))
        elif a[k] != b[k]:
            problems.append("%s: %s in the TorchScript IR, %s in the .pt2 IR" % (k, a[k], b[k]))


def check_modules(ts, pt2, _export, problems, _notes):
    types = {}
    for n in pt2["nodes"]:
        if n.get("module_path") is not None:
            types.setdefault(n["module_path"], n.get("module_type"))
    for n in ts["nodes"]:
        path = n.get("module_path")
        if path is None or path in ("",):
            continue
        if path not in types:
            problems.append("node %s: module path %s is not in the .pt2 IR" % (n["name"], path))
        elif types[path] is not None and n.get("module_type") != types[path]:
            problems.append("node %s: module %s is a %s, the .pt2 IR says %s" % (
                n["name"], path, n.get("module_type"), types[path]))


CHECKS = {"signature": check_signature, "weights": check_weights,
          "operators": check_operators, "torch": check_torch, "modules": check_modules}


def main(argv):
    if len(argv) != 5 or argv[1] not in CHECKS:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 64
    ts, pt2, export = (json.load(open(p)) for p in argv[2:5])
    problems, notes = [], []
    CHECKS[argv[1]](ts, pt2, export, problems, notes)
    for p in problems:
        print(p)
    if problems:
        for n in notes:
            print("note: " + n)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
