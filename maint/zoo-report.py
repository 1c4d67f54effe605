#!/usr/bin/env python3
"""The categorized model zoo of maint/zoo-report.sh: small models captured with
real (seeded) weights for irx-verify, each in one or more categories.

    python3 maint/zoo-report.py --list [--tsv] [--full] [--category C] [--only NAME]
    python3 maint/zoo-report.py --out DIR [--full] [--category C] [--only NAME] [--timeout S]

--list needs no torch (any python3). The capture needs torch >= 2.1 with
torchvision (transformers for that category); maint/zoo-report.sh runs it in
the Debian chroots. Categories:

  attention       self-attention: nn.MultiheadAttention, SDPA, transformers
  multi-io        several inputs and/or several outputs
  skip            skip connections: residual adds, concatenations (U-Net, DenseNet)
  shared-weights  one tensor used in several places: tied embeddings and
                  heads (two state-dict names, one storage), a module applied twice
  torchvision     torchvision architectures (small configurations by default)
  transformers    Hugging Face transformers architectures (tiny configurations)

Selection: the default zoo (a few minutes), or every model with --full;
--category keeps the models in any of the named categories; --only names
models (default or not) and overrides the tier. Both options repeat and take
comma-separated lists.

For each model NAME the capture (src/tools/irx-capture.py, the same weights
and inputs on every machine: gen_runtime.py's reinit() and reinputs()) writes
into DIR:

  NAME.pt2, NAME.state_dict.pt[, .safetensors], NAME.constants.pt (when the
  program reads non-persistent buffers or constants), NAME.inputs.pt,
  NAME.expected.pt, NAME.capture.json     (see irx-capture.py)
  logs/NAME.log                           the capture's output

Tensor constants that forward makes while it is traced (transformers' T5
has three) get their values from irx-capture itself, which exports with fake
CPU parameters: they are in NAME.constants.pt.

and DIR/captures.tsv one line per model:
  name <TAB> ok|failed|skipped <TAB> seconds <TAB> export mode or reason <TAB> tied weights
Each model is captured in a forked child with a time limit, so that one
crash or hang does not stop the others.
"""

import argparse
import json
import os
import select
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

CATEGORIES = {
    "attention": "self-attention: nn.MultiheadAttention, scaled dot-product attention, transformers",
    "multi-io": "several inputs and/or several outputs",
    "skip": "skip connections: residual adds and concatenations",
    "shared-weights": "one weight used in several places: tied embeddings/heads, a module applied twice",
    "torchvision": "torchvision architectures",
    "transformers": "Hugging Face transformers architectures (tiny configurations)",
}


# --------------------------------------------------------------------------
# models: every builder returns (module, tuple of positional inputs), on the
# CPU; torch is imported inside the builders only (--list needs no torch)
# --------------------------------------------------------------------------


def _gf():
    """tests/fixtures/gen_runtime.py (which loads gen_fixtures.py and
    irx-capture.py, and makes gen_fixtures build on the CPU)."""
    sys.path.insert(0, os.path.join(TOP, "tests", "fixtures"))
    import gen_runtime

    return gen_runtime


def _zoo():
    """maint/zoo.py, building on the CPU instead of the meta device."""
    sys.path.insert(0, HERE)
    import zoo

    zoo.BUILD_DEVICE = "cpu"
    return zoo


def fixture(cls_name, *shapes):
    """A model class of tests/fixtures/gen_fixtures.py with inputs made by
    its mk() from these (shape[, dtype name]) specs."""
    def build():
        import torch

        gf = _gf().gf
        m = getattr(gf, cls_name)()
        return m, tuple(gf.mk(s[0], *(getattr(torch, d) for d in s[1:])) for s in shapes)
    return build


def runtime(fn_name):
    """A builder of tests/fixtures/gen_runtime.py (resnet_tiny, mobilenet_tiny)."""
    def build():
        m, args, _ = getattr(_gf(), fn_name)()
        return m, args
    return build


def _siamese():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Siamese(nn.Module):
        """One encoder applied to two inputs: its weights are shared by use
        (each weight feeds two nodes), not by tying two names."""

        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Linear(24, 8), nn.LayerNorm(8))

        def forward(self, a, b):
            ea, eb = self.enc(a), self.enc(b)
            return ea, eb, F.cosine_similarity(ea, eb, dim=-1)

    return Siamese(), (torch.randn(3, 12), torch.randn(3, 12))


def _unet_tiny():
    import torch
    import torch.nn as nn

    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())

    class UNetTiny(nn.Module):
        """Two-level U-Net: max-pool down, transposed conv and nearest
        upsampling up, encoder features concatenated into the decoder."""

        def __init__(self, c=8):
            super().__init__()
            self.enc1, self.enc2, self.mid = block(3, c), block(c, 2 * c), block(2 * c, 4 * c)
            self.pool = nn.MaxPool2d(2)
            self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
            self.dec2 = block(4 * c, 2 * c)
            self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
            self.dec1 = block(3 * c, c)
            self.head = nn.Conv2d(c, 2, 1)

        def forward(self, x):
            e1 = self.enc1(x)
            e2 = self.enc2(self.pool(e1))
            m = self.mid(self.pool(e2))
            d2 = self.dec2(torch.cat([self.up2(m), e2], dim=1))
            d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
            return self.head(d1)

    return UNetTiny(), (torch.randn(1, 3, 16, 16),)


def _vit_tiny():
    import torch
    from torchvision.models.vision_transformer import VisionTransformer

    m = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                          mlp_dim=64, num_classes=10)
    return m, (torch.randn(1, 3, 32, 32),)


def _densenet_tiny():
    import torch
    from torchvision.models.densenet import DenseNet

    m = DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, bn_size=2, num_classes=10)
    return m, (torch.randn(1, 3, 32, 32),)


def _convnext_tiny():
    import torch
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt

    m = ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], num_classes=10)
    return m, (torch.randn(1, 3, 32, 32),)


def _swin_tiny():
    import torch
    from torchvision.models.swin_transformer import SwinTransformer

    m = SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4],
                        window_size=[4, 4], num_classes=10)
    return m, (torch.randn(1, 3, 32, 32),)


def tv(name, size=64):
    """A torchvision model at its full size (random weights), small input."""
    def build():
        import torch
        import torchvision.models as tvm

        kw = {"weights": None}
        if name in ("googlenet", "inception_v3"):
            kw.update(aux_logits=False, init_weights=False)
        return tvm.get_model(name, **kw), (torch.randn(1, 3, size, size),)
    return build


class _HFWrap:
    """Built lazily (needs torch): a module that calls a transformers model
    with keyword inputs given positionally (irx-capture takes positional
    inputs), returning its ModelOutput as a tuple."""

    cls = None

    @classmethod
    def make(cls, inner, keys):
        import torch

        if cls.cls is None:
            class HFKeywords(torch.nn.Module):
                def __init__(self, inner, keys):
                    super().__init__()
                    self.inner = inner
                    self.keys = list(keys)

                def forward(self, *args):
                    out = self.inner(**dict(zip(self.keys, args)))
                    return out.to_tuple() if hasattr(out, "to_tuple") else out

            cls.cls = HFKeywords
        return cls.cls(inner, keys)


def hf(name):
    """The tiny transformers model NAME of maint/zoo.py's HF_MODELS."""
    def build():
        z = _zoo()
        m, args, kw = dict(z.HF_MODELS)[name]()
        if kw:
            keys = list(kw)
            return _HFWrap.make(m, keys), tuple(args) + tuple(kw[k] for k in keys)
        return m, tuple(args)
    return build


A, MIO, SKIP, SH, TV, HF = "attention", "multi-io", "skip", "shared-weights", "torchvision", "transformers"

# name, categories, in the default zoo?, python module needed, builder, what it is
MODELS = [
    ("attention", [A], True, None, fixture("Attention", ((2, 5, 16),)),
     "nn.MultiheadAttention (batch_first) + residual + LayerNorm"),
    ("sdpa", [A], True, None, fixture("SDPA", ((2, 5, 16),)),
     "causal F.scaled_dot_product_attention between linear projections"),
    ("multi_io", [MIO], True, None, fixture("MultiIO", ((3, 4),), ((3, 5),)),
     "two inputs, two outputs: linear, mean, cat, sum"),
    ("multi_out", [MIO], True, None, fixture("MultiOut", ((3, 6),)),
     "four outputs from max, split, chunk, topk (int64 indices)"),
    ("skip", [SKIP], True, None, fixture("Skip", ((1, 8, 6, 6),)),
     "conv / batch norm / relu residual block"),
    ("unet_tiny", [SKIP], True, None, _unet_tiny,
     "two-level U-Net: concatenated skips, max pool, transposed conv, nearest upsampling"),
    ("tied", [SH], True, None, fixture("Tied", ((2, 7), "int64")),
     "embedding and a linear head tied to it (two names, one storage)"),
    ("siamese", [SH, MIO], True, None, _siamese,
     "one encoder applied to two inputs; two embeddings and their cosine similarity"),
    ("resnet_tiny", [TV, SKIP], True, "torchvision", runtime("build_resnet_tiny"),
     "resnet18's structure, 16/32 channels: torchvision BasicBlocks with a downsample"),
    ("mobilenet_tiny", [TV, SKIP], True, "torchvision", runtime("build_mobilenet_tiny"),
     "torchvision mobilenet_v3_small, width 0.25: depthwise conv, hardswish, squeeze-excitation"),
    ("vit_tiny", [TV, A], True, "torchvision", _vit_tiny,
     "torchvision VisionTransformer, 2 layers, hidden 32, 32x32 images"),
    ("bert", [HF, A, SH], True, "transformers", hf("bert"),
     "BertForMaskedLM, tiny: the MLM decoder tied to the word embeddings"),
    ("gpt2", [HF, A, SH], True, "transformers", hf("gpt2"),
     "GPT2LMHeadModel, tiny: Conv1D projections, lm_head tied to wte"),
    ("llama", [HF, A], True, "transformers", hf("llama"),
     "LlamaForCausalLM, tiny: RMSNorm, rotary embeddings, grouped-query attention, SiLU MLP"),
    ("t5", [HF, A, MIO, SH], True, "transformers", hf("t5"),
     "T5ForConditionalGeneration, tiny: encoder-decoder, two inputs, two outputs, shared embeddings"),
    # ---- --full only ----
    ("dtypes", [MIO], False, None, fixture("Dtypes", ((2, 5), "int64"), ((2, 5), "bool"), ((3, 8), "float16")),
     "int64, bool and float16 inputs, three outputs: embedding, masked_fill, where, float16 linear"),
    ("densenet_tiny", [TV, SKIP], False, "torchvision", _densenet_tiny,
     "torchvision DenseNet, two dense blocks of two layers: concatenated features"),
    ("convnext_tiny", [TV, SKIP], False, "torchvision", _convnext_tiny,
     "torchvision ConvNeXt, two stages of one block: depthwise 7x7, LayerNorm2d, layer scale"),
    ("swin_tiny", [TV, A, SKIP], False, "torchvision", _swin_tiny,
     "torchvision SwinTransformer, two stages: shifted windows (roll, masks), patch merging"),
    ("resnet18", [TV, SKIP], False, "torchvision", tv("resnet18"), "torchvision resnet18 (11.7 M parameters), 64x64"),
    ("mobilenet_v3_small", [TV, SKIP], False, "torchvision", tv("mobilenet_v3_small"),
     "torchvision mobilenet_v3_small (2.5 M parameters), 64x64"),
    ("squeezenet1_1", [TV], False, "torchvision", tv("squeezenet1_1"), "torchvision squeezenet1_1, 64x64"),
    ("shufflenet_v2_x0_5", [TV], False, "torchvision", tv("shufflenet_v2_x0_5"),
     "torchvision shufflenet_v2_x0_5: channel shuffle, 64x64"),
    ("efficientnet_b0", [TV, SKIP], False, "torchvision", tv("efficientnet_b0"),
     "torchvision efficientnet_b0 (5.3 M parameters): SiLU, squeeze-excitation, 64x64"),
    ("mnasnet0_5", [TV, SKIP], False, "torchvision", tv("mnasnet0_5"), "torchvision mnasnet0_5, 64x64"),
    ("googlenet", [TV], False, "torchvision", tv("googlenet"),
     "torchvision googlenet: inception blocks (four branches concatenated), 64x64"),
]
for _n, _shared in (("roberta", False), ("distilbert", False), ("vit", False), ("whisper", True),
                    ("bart", True), ("mistral", False), ("qwen2", False), ("qwen3", False), ("gemma", True),
                    ("gemma2", True), ("gemma3_text", True), ("phi3", False), ("mixtral", False),
                    ("qwen3_moe", False), ("falcon", True), ("gpt_neox", False), ("opt", True)):
    _cats = [HF, A] + ([SH] if _shared else []) + ([MIO] if _n in ("whisper", "bart") else [])
    MODELS.append((_n, _cats, False, "transformers", hf(_n), f"transformers {_n}, tiny configuration (maint/zoo.py)"))


assert len({m[0] for m in MODELS}) == len(MODELS)
assert all(c in CATEGORIES for m in MODELS for c in m[1])
assert all("." not in m[0] for m in MODELS)   # irx-report joins NAME.verify.json to NAME.ir.json by NAME


def split_list(values):
    return [v for x in values or [] for v in x.split(",") if v]


def choose(full, categories, only):
    """The models to run, in registry order."""
    names = {m[0] for m in MODELS}
    bad = [n for n in only if n not in names]
    if bad:
        print(f"zoo-report: unknown model(s): {', '.join(bad)} (--list-models lists them)", file=sys.stderr)
        sys.exit(64)
    bad = [c for c in categories if c not in CATEGORIES]
    if bad:
        print(f"zoo-report: unknown categor{'ies' if len(bad) > 1 else 'y'}: {', '.join(bad)} "
              f"(categories: {', '.join(CATEGORIES)})", file=sys.stderr)
        sys.exit(64)
    out = []
    for m in MODELS:
        if only:
            if m[0] not in only:
                continue
        elif not (full or m[2]):
            continue
        if categories and not set(categories) & set(m[1]):
            continue
        out.append(m)
    return out


# --------------------------------------------------------------------------
# capture (child process)
# --------------------------------------------------------------------------


def tied_names(model):
    """Groups of state-dict names that share one parameter: ["a=b", ...]."""
    groups = {}
    for n, p in model.named_parameters(remove_duplicate=False):
        groups.setdefault(id(p), []).append(n)
    return ["=".join(g) for g in groups.values() if len(g) > 1]


def captured(name, build, out, decompose=False):
    """Build NAME with deterministic weights and inputs (gen_runtime.py's
    reinit() and reinputs()) and capture it with irx-capture's capture()
    into out (also maint/sweep_models.py's). build() returns (module,
    inputs) or (module, inputs, dynamic shapes). Returns gen_runtime, the
    module, its inputs, the dynamic shapes, its tied weights and capture()'s
    result."""
    rt = _gf()
    rt.gf.seed_all(0)
    built = build()
    m, args = built[0], built[1]
    dyn = built[2] if len(built) > 2 else None
    m.eval()
    rt.reinit(m)
    args = rt.reinputs(args)
    tied = tied_names(m)
    with rt.gf.fixed_zip_time():
        doc = rt.cap.capture(m, args, out, name=name, dynamic_shapes=dyn, seed=0, reference=False,
                             decompose=decompose)
    return rt, m, args, dyn, tied, doc


def capture_one(name, build, out):
    """Build NAME and capture it into out (captured()); returns a result
    dict."""
    tied, doc = captured(name, build, out)[4:]
    return {"export": doc["export"], "tied": tied, "ops": len(doc["ops"]), "notes": doc["notes"]}


def run_forked(fn, args, log, timeout):
    """fn(*args) in a forked child writing to log; returns (ok, result or
    reason)."""
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.setsid()
            res = [True, fn(*args)]
        except BaseException as e:  # noqa: BLE001
            traceback.print_exc()
            msg = [line for line in str(e).strip().splitlines() if line.strip()]
            res = [False, f"{type(e).__name__}: {msg[0] if msg else ''}"[:300]]
            code = 1
        try:
            os.write(w, json.dumps(res).encode())
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(w)
    data = b""
    deadline = time.time() + timeout
    timed_out = False
    while True:
        left = deadline - time.time()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if not ready:
            continue
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return False, f"timed out after {timeout} s"
    if data:
        ok, info = json.loads(data)
        return ok, info
    return False, f"capture process died (wait status {status}); see logs/{os.path.basename(log)}"


def requirement_missing(req):
    if req is None:
        return None
    try:
        __import__(req)
    except ImportError as e:
        return f"python module {req} not available here ({e})"
    return None


def clean(s):
    return str(s).replace("\t", " ").replace("\n", " ")


def capture_all(models, out, timeout):
    import torch

    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    # import once here, so that every forked child starts with them loaded
    for req in sorted({m[3] for m in models if m[3]}):
        requirement_missing(req)
    _gf()
    if any(m[3] == "transformers" for m in models) and requirement_missing("transformers") is None:
        _zoo()
    print(f"zoo-report: capturing {len(models)} model(s) with torch {torch.__version__} into {out}",
          file=sys.stderr, flush=True)
    rows = []
    for name, cats, _, req, build, _ in models:
        rt = _gf()
        for p in rt.cap.paths(out, name).values():
            if os.path.exists(p):
                os.unlink(p)
        t0 = time.time()
        why = requirement_missing(req)
        if why is not None:
            row = [name, "skipped", 0.0, why, ""]
        else:
            ok, info = run_forked(capture_one, (name, build, out), os.path.join(out, "logs", name + ".log"),
                                  timeout)
            secs = round(time.time() - t0, 1)
            if ok:
                row = [name, "ok", secs, info["export"], ",".join(info["tied"])]
                if "shared-weights" in cats and not info["tied"]:
                    row[3] += " (weights shared by use, none tied)"
            else:
                row = [name, "failed", secs, info, ""]
        print(f"  {row[1]:7} {name} ({row[2]} s): {row[3]}", file=sys.stderr, flush=True)
        rows.append(row)
    # rows of models not captured this time (another selection) by the same
    # torch are kept
    path = os.path.join(out, "captures.tsv")
    head = f"# torch {torch.__version__}:"
    keep = {}
    if os.path.exists(path):
        with open(path) as f:
            lines = f.readlines()
        if lines and lines[0].startswith(head):
            for line in lines[1:]:
                if line.strip():
                    r = line.rstrip("\n").split("\t")
                    keep[r[0]] = r
    for row in rows:
        keep[row[0]] = [clean(x) for x in row]
    order = [m[0] for m in MODELS]
    with open(path + ".tmp", "w") as f:
        f.write(f"{head} name\tstatus\tseconds\texport mode or reason\ttied weights\n")
        for n in sorted(keep, key=lambda n: order.index(n) if n in order else len(order)):
            f.write("\t".join(keep[n]) + "\n")
    os.replace(path + ".tmp", path)
    ok = sum(1 for r in rows if r[1] == "ok")
    print(f"zoo-report: {ok} of {len(rows)} captured", file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="categories: " + ", ".join(CATEGORIES))
    ap.add_argument("--list", action="store_true", help="list the selected models and exit (no torch needed)")
    ap.add_argument("--tsv", action="store_true", help="with --list: name, categories, default|full, what")
    ap.add_argument("--full", action="store_true", help="every model, not only the default zoo")
    ap.add_argument("--category", action="append", help="only models in this category (repeatable, a,b)")
    ap.add_argument("--only", action="append", help="only these models (repeatable, a,b)")
    ap.add_argument("--out", help="capture into this folder")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per model (default 300)")
    a = ap.parse_args()
    models = choose(a.full, split_list(a.category), split_list(a.only))
    if a.list:
        if a.tsv:
            for name, cats, default, req, _, what in models:
                print("\t".join([name, ",".join(cats), "default" if default else "full", what]))
        else:
            w = max([len(m[0]) for m in models] + [5])
            wc = max([len(",".join(m[1])) for m in models] + [10])
            print(f"{'model':{w}}  {'categories':{wc}}  {'zoo':7}  what")
            for name, cats, default, req, _, what in models:
                print(f"{name:{w}}  {','.join(cats):{wc}}  {'default' if default else 'full':7}  {what}")
            print(f"-- {len(models)} model(s); categories: " + ", ".join(
                f"{c} {sum(1 for m in models if c in m[1])}" for c in CATEGORIES))
        return 0
    if not a.out:
        ap.error("--out DIR or --list")
    if not models:
        ap.error("no model selected")
    return capture_all(models, a.out, a.timeout)


if __name__ == "__main__":
    sys.exit(main())
