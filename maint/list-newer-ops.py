#!/usr/bin/python3
"""List the operators of torch 2.14 that the linked libtorch (Debian's 1.13)
lacks: every aten/prims operator of the schema table (data/aten-schemas.txt),
and those the fixtures' programs and a zoo report's IRs use, marked with
what irx does about each (a decomposition in src/exec/decompose.c, or a
built-in executor in src/exec/executors.c). Writes the Markdown table of
docs/newer-ops.md to stdout.

Run with the host's /usr/bin/python3, whose torch is the libtorch irx
links (python3-torch 1.13 on Debian 12): torch._C._jit_get_all_schemas()
lists the operators its dispatcher has, as irx_th_each_schema() does.

    /usr/bin/python3 maint/list-newer-ops.py [ZOO_REPORT_DIR ...] > table.md
"""
import glob
import json
import os
import re
import sys

import torch

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(TOP)
have = {(s.name, s.overload_name) for s in torch._C._jit_get_all_schemas()}


def key(op_type):
    ns, rest = op_type.split(".", 1)
    name, ov = rest.rsplit(".", 1)
    return ns + "::" + name, "" if ov == "default" else ov


def op_type(schema_name):
    name, _, ov = schema_name.partition(".")
    return name.replace("::", ".") + "." + (ov or "default")


def table_of(path, pattern):
    with open(path) as f:
        return set(re.findall(pattern, f.read()))


HANDLED = r'\{"((?:aten|prims)\.[^"]+)", [a-z_]+\}'
handled = {m: "decomposition" for m in table_of("src/exec/decompose.c", HANDLED)}
handled.update({m: "executor (checked or skipped)" for m in table_of("src/exec/executors.c", HANDLED)})
used = {}
OPS = r'"(?:target|op_type)": *"((?:aten|prims)\.[^".]+\.[^".]+)"'
for f in sorted(glob.glob("tests/fixtures/*/*.oracle.json") + glob.glob("tests/fixtures/*/*.capture.json")):
    found = table_of(f, OPS)
    if f.endswith(".capture.json"):
        with open(f) as j:
            d = json.load(j)
        found |= {m for m in list(d.get("ops", [])) + list(d.get("subgraph_ops", [])) if re.match(r"(aten|prims)\.", m)}
    for m in found:
        used.setdefault(m, set()).add(f.split("/")[2])
for d in sys.argv[1:]:
    for f in glob.glob(os.path.join(d, "irx", "*.ir.json")):
        for m in table_of(f, OPS):
            used.setdefault(m, set()).add("zoo:" + os.path.basename(f).split(".")[0])

missing = []
with open("data/aten-schemas.txt") as f:
    for line in f:
        if line.startswith("#"):
            continue
        name = line.split("(")[0]
        n, _, ov = name.partition(".")
        if (n, ov) not in have:
            missing.append(op_type(name))
for m in used:
    if key(m) not in have and m not in missing:
        missing.append(m)

print(f"libtorch {torch.__version__} lacks {len(missing)} of the operators of torch 2.14's schema table.")
print("Those that the fixtures or the zoo use, and what irx runs instead:\n")
print("| operator | used by | in irx |")
print("|---|---|---|")
for m in sorted(missing):
    if m in used:
        u = sorted(used[m])
        shown = ", ".join(u[:6]) + (f" and {len(u) - 6} more" if len(u) > 6 else "")
        print(f"| `{m}` | {shown} | {handled.get(m, '**none**')} |")
print("\nThe others (no fixture or zoo model uses them):\n")
print(", ".join(f"`{m}`" + (f" ({handled[m]})" if m in handled else "") for m in sorted(missing) if m not in used))
