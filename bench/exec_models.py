#!/usr/bin/env python3
"""The models of bench/exec.sh (irx-exec against TorchScript), in code that
runs on torch 1.13 (the host's, the libtorch irx-exec links) and on torch
2.x (the chroots', which have torch.export).

    # in the sid chroot (torch 2.14): meta-device export, real weights, inputs
    python3 bench/exec_models.py capture MODEL BATCH OUTDIR
    # on the host (torch 1.13): the TorchScript trace of the same model code,
    # the same state dict, the same inputs
    python3 bench/exec_models.py trace OUTDIR

MODEL is one of:
  resnet18     torchvision.models.resnet18 (ImageNet head), input (BATCH, 3, 224, 224)
  transformer  Transformer below: 4 pre-norm encoder blocks, d_model 512,
               8 heads, feed-forward 2048, GELU, softmax attention written
               out by hand; input (BATCH, 128, 512) float32
  tinymlp      64 residual blocks of Linear(64, 64), LayerNorm, GELU on (BATCH, 64):
               256 operators on tiny tensors, a probe of the cost per node
  trivial      one Linear(4, 4) on (1, 4): the RSS baseline of libtorch itself

capture writes OUTDIR/model.pt2 (torch.export.export on the meta device,
torch.export.save), state_dict.pt (real weights), inputs.pt (a list),
expected.pt (eager torch 2.x outputs) and capture.json, through
src/tools/irx-capture.py (no TorchScript: a 2.x TorchScript need not load in
1.13). Weights: the model's own initialisation under seed 0; resnet18's
batch-norm running statistics are then set by three training-mode forward
passes on random images (the initial 0/1 statistics would make every
batch norm nearly the identity and let activations grow layer by layer).

trace writes OUTDIR/ts.pt: torch.jit.trace (eval, no_grad, no freezing) of
the model built by the host's torch from the same code, with state_dict.pt
loaded strictly, on inputs.pt; and OUTDIR/ts-frozen.pt, the same trace after
torch.jit.freeze (which folds batch norms into convolutions and constants
into the graph: a different program from the exported one, timed for
reference only).
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 0


class Block(nn.Module):
    """A pre-norm transformer encoder block, attention written out."""

    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)

    def forward(self, x):
        b, t, c = x.shape
        h = self.n_heads
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=-1)
        q = q.reshape(b, t, h, c // h).transpose(1, 2)
        k = k.reshape(b, t, h, c // h).transpose(1, 2)
        v = v.reshape(b, t, h, c // h).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(c // h))
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Transformer(nn.Module):
    def __init__(self, n_layers=4, d_model=512, n_heads=8, d_ff=2048):
        super().__init__()
        self.blocks = nn.ModuleList([Block(d_model, n_heads, d_ff) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.ln_f(x)


class TinyMLP(nn.Module):
    """Many operators on tiny tensors: what each node costs besides its kernel."""

    def __init__(self, n_layers=64, width=64):
        super().__init__()
        self.layers = nn.ModuleList([nn.Sequential(nn.Linear(width, width), nn.LayerNorm(width), nn.GELU())
                                     for _ in range(n_layers)])

    def forward(self, x):
        for layer in self.layers:
            x = x + layer(x)
        return x


SEQ, D_MODEL = 128, 512


def build(name):
    """The model (eval mode, weights not yet meaningful) and an input shape
    function of the batch size."""
    if name == "resnet18":
        import torchvision

        return torchvision.models.resnet18(), lambda b: (b, 3, 224, 224)
    if name == "transformer":
        return Transformer(), lambda b: (b, SEQ, D_MODEL)
    if name == "tinymlp":
        return TinyMLP(), lambda b: (b, 64)
    if name == "trivial":
        return nn.Linear(4, 4), lambda b: (1, 4)
    raise SystemExit(f"exec_models.py: unknown model {name!r}")


def load_capture():
    sys.path.insert(0, os.path.join(TOP, "tests", "fixtures"))
    import capture_loader

    return capture_loader.load_capture()


def capture(name, batch, out):
    cap = load_capture()
    torch.manual_seed(SEED)
    model, shape = build(name)
    if name == "resnet18":
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(8, 3, 224, 224))
    model.eval()
    x = torch.randn(*shape(batch))
    doc = cap.capture(model, (x,), out, seed=SEED, reference=False, safetensors=False)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump({"model": name, "batch": batch, "input_shape": list(x.shape),
                   "torch": torch.__version__,
                   "parameters": sum(p.numel() for p in model.parameters())}, f, indent=1)
        f.write("\n")
    print(f"{name}: batch {batch}, export {doc['export']}, {len(doc['ops'])} operator kinds", file=sys.stderr)


def trace(out):
    with open(os.path.join(out, "bench.json")) as f:
        info = json.load(f)
    model, _ = build(info["model"])
    sd = torch.load(os.path.join(out, "state_dict.pt"))
    model.load_state_dict(sd, strict=True)
    model.eval()
    inputs = torch.load(os.path.join(out, "inputs.pt"))
    with torch.no_grad():
        ts = torch.jit.trace(model, tuple(inputs))
        torch.jit.save(ts, os.path.join(out, "ts.pt"))
        torch.jit.save(torch.jit.freeze(torch.jit.trace(model, tuple(inputs)).eval()),
                       os.path.join(out, "ts-frozen.pt"))
    print(f"{info['model']}: traced with torch {torch.__version__}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("model")
    c.add_argument("batch", type=int)
    c.add_argument("out")
    t = sub.add_parser("trace")
    t.add_argument("out")
    a = p.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1") or 1))
    if a.cmd == "capture":
        capture(a.model, a.batch, a.out)
    else:
        trace(a.out)


if __name__ == "__main__":
    main()
