#!/usr/bin/env python3
"""PyTorch baseline for the tensor-file benchmark (bench/tensors.sh): the torch
equivalent of `irx-dump --stats FILE`.

    python3 bench/torch_stats.py FILE [--json OUT.json] [--list]

import torch; torch.load(FILE, mmap=True, weights_only=True); then, for every
tensor of the state dict (tied tensors once per name, like irx-dump), the sum,
min, max and mean over its finite values and the count of non-finite ones:

    sum = t.sum(dtype=torch.float64); when it is finite, every value is
    (float32 and narrower cannot overflow a float64 sum), and min, max =
    torch.aminmax(t); else the same on t[torch.isfinite(t)], and the count
    of the rest (bool as uint8, complex as t.abs()).

The isfinite mask is only built for a tensor that needs it: on this machine
it costs more than the sum itself. Set ATEN_CPU_CAPABILITY=avx2 where torch's
CPU detection fails (bench/tensors.sh does): torch otherwise falls back to its
DEFAULT (non-vectorized) kernels.

Prints one line to stderr with the times measured with time.perf_counter
inside the process (interpreter start and `import torch` excluded from
load_s and stats_s):

    torch_stats: import_s=... load_s=... stats_s=... tensors=N threads=T torch=V

--json writes [{"name", "sum", "min", "max", "mean", "nonfinite"}, ...] for a
comparison with irx-dump --format=json. --list only loads and lists (names,
dtypes, shapes): no element is read.
"""
import sys
import time

t_start = time.perf_counter()
import torch  # noqa: E402

t_import = time.perf_counter() - t_start

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402


def tensor_stats(t):
    if t.is_complex():
        t = t.abs()
    elif t.dtype == torch.bool:
        t = t.to(torch.uint8)
    if t.numel() == 0:
        return 0.0, 0.0, 0.0, 0.0, 0
    s = float(t.sum(dtype=torch.float64))
    nonfinite = 0
    if not math.isfinite(s):  # a NaN or infinity (or a float64 overflow): mask
        finite = torch.isfinite(t)
        nonfinite = t.numel() - int(finite.count_nonzero())
        t = t[finite]
        if t.numel() == 0:
            return 0.0, 0.0, 0.0, 0.0, nonfinite
        s = float(t.sum(dtype=torch.float64))
    mn, mx = torch.aminmax(t)
    return s, float(mn), float(mx), s / t.numel(), nonfinite


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--json", metavar="OUT")
    ap.add_argument("--list", action="store_true", help="load and list only")
    a = ap.parse_args()

    t0 = time.perf_counter()
    sd = torch.load(a.file, mmap=True, weights_only=True)
    t1 = time.perf_counter()
    rows = []
    with torch.no_grad():
        for name, t in sd.items():
            if a.list:
                rows.append((name, str(t.dtype), tuple(t.shape)))
                continue
            s, mn, mx, mean, nf = tensor_stats(t)
            rows.append({"name": name, "sum": s, "min": mn, "max": mx, "mean": mean, "nonfinite": nf})
    t2 = time.perf_counter()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f)
    elif a.list:
        for r in rows:
            print(*r)
    print(f"torch_stats: import_s={t_import:.6f} load_s={t1 - t0:.6f} stats_s={t2 - t1:.6f} "
          f"tensors={len(rows)} threads={torch.get_num_threads()} torch={torch.__version__}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
