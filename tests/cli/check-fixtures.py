#!/usr/bin/env python3
"""Hold an irx IR against the oracle torch wrote for the same archive.

usage: check-fixtures.py IR.json ORACLE.json

The oracle (tests/fixtures/gen_fixtures.py) comes from torch's own objects
at export time: node targets, output shapes and dtypes, the graph
signature, the state dict.  Prints every mismatch; exit 1 if any.
"""
import json
import sys


def flat_oracle(outputs):
    """Tensor outputs of an oracle node, flattened, as (shape, dtype)."""
    out = []
    for o in outputs or ():  # null: a node torch gave no value (an assertion)
        if isinstance(o, list):
            out.extend(flat_oracle(o))
        elif isinstance(o, dict) and "dtype" in o:
            out.append((o["shape"], o["dtype"]))
    return out


def main(ir_path, oracle_path):
    ir = json.load(open(ir_path))
    oracle = json.load(open(oracle_path))
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    nodes = ir["nodes"]
    onodes = oracle["nodes"]
    check(len(nodes) == len(onodes),
          f"{len(nodes)} nodes, torch has {len(onodes)}")
    for n, o in zip(nodes, onodes):
        tag = f"node {o['name']}"
        check(n["op_type"] == o["target"],
              f"{tag}: op_type {n['op_type']}, torch says {o['target']}")
        want = flat_oracle(o["outputs"])
        got = [(m["shape"], m["dtype"]) for m in n["outputs"] if "dtype" in m]
        check(got == want, f"{tag}: outputs {got}, torch says {want}")
        # Node names: torch >= 2.7 writes them; older archives lose the FX
        # name of multi-output nodes, irx then derives one.
        if oracle["layout"] == "pt2" or (
                len(n["outputs"]) == 1 and "list_index" not in n["outputs"][0]
                and "dtype" in n["outputs"][0]):
            check(n["name"] == o["name"], f"{tag}: named {n['name']}")

    mapping = ir["weight_name_mapping"]
    weights = {w["name"]: w for w in ir["weights"]}
    constants = {c["name"]: c for c in ir["constants"]}
    inputs = {t["name"]: t for t in ir["graph_inputs"]}
    for spec in oracle["inputs"]:
        name, kind = spec["name"], spec["kind"]
        tag = f"input {name} ({kind})"
        if kind == "user_input":
            if "dtype" in spec:
                t = inputs.get(name)
                check(t is not None, f"{tag}: not a graph input")
                if t:
                    check((t["shape"], t["dtype"]) == (spec["shape"], spec["dtype"]),
                          f"{tag}: {t['shape']} {t['dtype']}, torch says "
                          f"{spec['shape']} {spec['dtype']}")
            continue
        check(mapping.get(name) == spec["target"],
              f"{tag}: maps to {mapping.get(name)}, torch says {spec['target']}")
        table = weights if kind == "parameter" or (
            kind == "buffer" and spec["persistent"]) else constants
        entry = table.get(name)
        check(entry is not None, f"{tag}: missing from {'weights' if table is weights else 'constants'}")
        if entry and "dtype" in spec:
            check((entry["shape"], entry["dtype"]) == (spec["shape"], spec["dtype"]),
                  f"{tag}: {entry['shape']} {entry['dtype']}, torch says "
                  f"{spec['shape']} {spec['dtype']}")
    check(len(weights) + len(constants) == len(
        [s for s in oracle["inputs"] if s["kind"] not in ("user_input", "token")]),
        "weights and constants do not cover the lifted inputs")

    outs = [t["name"] for t in ir["graph_outputs"]]
    muts = {m["name"]: m for m in ir.get("mutations", [])}
    for spec in oracle["outputs"]:
        tag = f"output {spec['name']} ({spec['kind']})"
        if spec["kind"] == "user_output":
            check(spec["name"] in outs, f"{tag}: not a graph output")
        else:
            m = muts.get(spec["name"])
            check(m is not None and m["kind"] == spec["kind"] and m.get("target") == spec["target"],
                  f"{tag}: mutation entry {m}")
    check(len(outs) == len([s for s in oracle["outputs"] if s["kind"] == "user_output"]),
          f"graph outputs {outs}")

    # State dict keys: every one is reachable through the mapping.
    keys = set(mapping.values())
    for key, meta in oracle["state_dict"].items():
        check(key in keys, f"state_dict key {key} has no graph name")

    for sym, (lo, hi) in oracle.get("range_constraints", {}).items():
        r = ir.get("symbols", {}).get(sym)
        check(r is not None and r["min"] == lo and r["max"] == hi,
              f"symbol {sym}: {r}, torch says [{lo}, {hi}]")

    for p in problems:
        print(f"{ir_path}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
