#!/usr/bin/env python3
"""Time a TorchScript module the way irx-exec --repeat times an IR, for
bench/exec.sh. Run with the host's python3 (torch 1.13: the same libtorch
shared library irx-exec links).

    python3 bench/ts_time.py TS.pt INPUTS.pt [--threads T] [--repeat N]
        [--warmup W] [-o OUT.pt] [--once]

Loads TS.pt (torch.jit.load) and INPUTS.pt (a torch.save list), sets
torch.set_num_threads(T), runs W untimed forwards (the profiling executor
specialises the graph during the first ones), then N forwards each timed
alone with time.perf_counter around the `module(*inputs)` call only, under
torch.no_grad() (irx-exec records no autograd graph either: its weights do
not require grad). Prints on standard error

    ts_time: N runs: median X ms, fastest Y ms

The Python interpreter's share of each timed call is one method call into
TorchScript, a few microseconds, against forwards of milliseconds to
seconds.

-o OUT.pt: torch.save the outputs of the last forward (a list of tensors).
--once: one forward, nothing timed (for peak RSS measured from outside).
--eager DIR: time the eager PyTorch model instead of TS.pt: the
    bench/exec_models.py model captured in DIR (bench.json names it), with
    DIR/state_dict.pt loaded (TS.pt is then not read; give "-").
--compare A.pt B.pt [...]: instead, compare torch.save lists of tensors
    pairwise against the first: max |diff|, allclose(rtol=1e-4, atol=1e-4).
"""

import argparse
import sys
import time

import torch


def flat(out):
    if isinstance(out, torch.Tensor):
        return [out]
    res = []
    for o in out:
        res.extend(flat(o))
    return res


def eager(d):
    """The eager model of bench/exec_models.py captured in D, weights loaded."""
    import json
    import os

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import exec_models

    with open(os.path.join(d, "bench.json")) as f:
        model, _ = exec_models.build(json.load(f)["model"])
    model.load_state_dict(torch.load(os.path.join(d, "state_dict.pt")), strict=True)
    return model


def compare(paths):
    ref = torch.load(paths[0])
    ok = True
    for p in paths[1:]:
        got = torch.load(p)
        if len(got) != len(ref):
            print(f"{p}: {len(got)} outputs, {paths[0]} has {len(ref)}")
            ok = False
            continue
        for i, (g, r) in enumerate(zip(got, ref)):
            if g.shape != r.shape or g.dtype != r.dtype:
                print(f"{p}[{i}]: {list(g.shape)} {g.dtype} vs {list(r.shape)} {r.dtype}")
                ok = False
                continue
            d = (g.double() - r.double()).abs()
            rel = float((d / r.double().abs().clamp_min(1e-6)).max())
            close = torch.allclose(g, r, rtol=1e-4, atol=1e-4)
            ok = ok and close
            print(f"{p}[{i}] vs {paths[0]}: max |diff| {float(d.max()):.3g}, max |ref| "
                  f"{float(r.abs().max()):.3g}, allclose(1e-4, 1e-4) {close}")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("ts", nargs="?")
    p.add_argument("inputs", nargs="?")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("-o", "--output")
    p.add_argument("--once", action="store_true")
    p.add_argument("--eager", metavar="DIR")
    p.add_argument("--compare", nargs="+")
    a = p.parse_args()
    if a.compare:
        return compare(a.compare)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    m = eager(a.eager) if a.eager else torch.jit.load(a.ts, map_location="cpu")
    m.eval()
    inputs = tuple(torch.load(a.inputs))
    with torch.no_grad():
        if a.once:
            out = m(*inputs)
        else:
            for _ in range(a.warmup):
                out = m(*inputs)
            ms = []
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                out = m(*inputs)
                ms.append((time.perf_counter() - t0) * 1e3)
            ms.sort()
            print(f"ts_time: {a.repeat} runs: median {ms[len(ms) // 2]:.3f} ms, fastest {ms[0]:.3f} ms "
                  f"(threads {torch.get_num_threads()}, torch {torch.__version__})", file=sys.stderr)
    if a.output:
        torch.save([t.contiguous() for t in flat(out)], a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
