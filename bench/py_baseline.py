#!/usr/bin/env python3
"""Python baseline for the irx benchmark: the torch equivalent of
`irx-export ARCHIVE | irx-convert > OUT`.

    python3 bench/py_baseline.py ARCHIVE OUT.json [--register-transformers] [--repeat N]

import torch, torch.export.load(ARCHIVE), walk ep.graph.nodes and write one JSON
list with, per node: name, op, target, repr of args and kwargs, and the
shape/dtype of meta["val"] (tensor, or list of tensors). Prints one line to
stderr with the time of `import torch`, of torch.export.load and of the walk
(plus JSON write), measured with time.perf_counter inside the process:

    py_baseline: import_s=... load_s=... walk_s=... nodes=N calls=C

--register-transformers imports transformers first, so that the pytree types
of its ModelOutput classes are registered (needed to load an archive exported
from LlamaForCausalLM directly; not needed for bench/gen_llama70b.py's default
logits-only wrapper). --repeat N repeats load+walk N times in the same process
and reports the best (import torch is counted once).
"""
import sys
import time

t_start = time.perf_counter()
import torch  # noqa: E402

t_import = time.perf_counter() - t_start

import argparse  # noqa: E402
import json  # noqa: E402


def val_info(v):
    if isinstance(v, torch.Tensor):
        return {"shape": [str(d) if not isinstance(d, int) else d for d in v.shape],
                "dtype": str(v.dtype).replace("torch.", "")}
    if isinstance(v, (list, tuple)):
        return [val_info(x) for x in v]
    if v is None:
        return None
    return {"value": repr(v)}


def target_name(t):
    if isinstance(t, str):
        return t
    n = getattr(t, "name", None)
    if callable(n):  # OpOverload.name() -> "aten::linear"
        return n()
    return getattr(t, "__qualname__", None) or repr(t)


def walk(ep):
    out = []
    for n in ep.graph.nodes:
        out.append({
            "name": n.name,
            "op": n.op,
            "target": target_name(n.target),
            "args": repr(n.args),
            "kwargs": repr(n.kwargs),
            "val": val_info(n.meta.get("val")),
        })
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("archive")
    p.add_argument("out")
    p.add_argument("--register-transformers", action="store_true")
    p.add_argument("--repeat", type=int, default=1)
    a = p.parse_args()

    if a.register_transformers:
        import transformers.modeling_outputs  # noqa: F401  (registers ModelOutput pytrees)

    best = None
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        ep = torch.export.load(a.archive)
        t1 = time.perf_counter()
        nodes = walk(ep)
        with open(a.out, "w") as f:
            json.dump(nodes, f, indent=1)
            f.write("\n")
        t2 = time.perf_counter()
        if best is None or (t2 - t0) < best[0] + best[1]:
            best = (t1 - t0, t2 - t1)
        count = len(nodes)
        calls = sum(1 for n in nodes if n["op"] == "call_function")
        del ep, nodes
    print(f"py_baseline: import_s={t_import:.4f} load_s={best[0]:.4f} walk_s={best[1]:.4f} "
          f"nodes={count} calls={calls}", file=sys.stderr)


if __name__ == "__main__":
    main()
