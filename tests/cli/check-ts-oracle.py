#!/usr/bin/env python3
"""Hold the IR of a TorchScript archive against the oracle torch wrote.

usage: check-ts-oracle.py IR.json ORACLE.json

The oracle (tests/fixtures/gen_torchscript.py) comes from torch's own
objects: the method's inputs and outputs (shape, dtype), its state_dict
(key, kind, shape, dtype) and the aten operators of its inlined graph.
Checked: the IR's graph inputs and outputs are the method's; every weight
the IR binds is a state_dict entry of the same kind, shape and dtype, under
its state_dict key; every IR operator comes from an operator of the graph
(its aten name).  Prints every mismatch; exit 1 if any.
"""
import json
import sys

# TorchScript graphs spell some operators by their composite name; the
# IR holds what runs.  Each IR operator must come from one of these.
RUNS_AS = {
    "_convolution": {"conv1d", "conv2d", "conv3d", "convolution", "_convolution"},
}


def main(ir_path, oracle_path):
    ir = json.load(open(ir_path))
    oracle = json.load(open(oracle_path))
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    def metas(values):
        return [(v["shape"], v["dtype"]) for v in values]

    want_in = [(i["shape"], i["dtype"]) for i in oracle["inputs"]]
    check(metas(ir["graph_inputs"]) == want_in,
          "graph inputs %s, torch says %s" % (metas(ir["graph_inputs"]), want_in))
    want_out = [(o["shape"], o["dtype"]) for o in oracle["outputs"]]
    check(metas(ir["graph_outputs"]) == want_out,
          "graph outputs %s, torch says %s" % (metas(ir["graph_outputs"]), want_out))

    state = {e["key"]: e for e in oracle["state_dict"]}
    mapping = ir.get("weight_name_mapping") or {}
    kinds = {"parameter": "parameter", "buffer": "buffer"}
    bound = set()
    for w in ir["weights"]:
        key = mapping.get(w["name"], w["name"])
        e = state.get(key)
        if e is None:
            check(False, "weight %s (%s) is not a state_dict key" % (w["name"], key))
            continue
        bound.add(key)
        check(w["shape"] == e["shape"] and w["dtype"] == e["dtype"],
              "weight %s: %s %s, torch says %s %s" % (key, w["shape"], w["dtype"], e["shape"], e["dtype"]))
        check(kinds.get(e["kind"]) == w.get("kind"),
              "weight %s is a %s in the IR, a %s in torch" % (key, w.get("kind"), e["kind"]))
    check(bound, "the IR binds no weight of the state_dict")

    graph_ops = set()
    for op in oracle["aten_ops"]:
        name = op.split("::", 1)[1]
        graph_ops |= RUNS_AS.get(name, {name})
    for n in ir["nodes"]:
        t = n["op_type"]
        if not t.startswith("aten."):
            continue
        name = t.split(".")[1]
        check(name in graph_ops, "node %s runs %s, which is not in torch's graph" % (n["name"], t))

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
