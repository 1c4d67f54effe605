#!/usr/bin/env python3
"""Export a zoo of third-party models (torchvision, transformers) with real
PyTorch, for a robustness sweep of irx. Not fixtures: nothing here is
committed. Run inside a chroot with torch (maint/zoo.sh does that):

    python3 maint/zoo.py [--out DIR] [--only a,b] [--jobs N] [--timeout S] [--list]

For every model NAME this writes DIR/NAME.pt2 (torch.export.save of a model
built and exported on the meta device, torch.export.export(strict=False);
torch 2.6 falls back to strict=True) and DIR/NAME.oracle.json (the oracle of
tests/fixtures/gen_fixtures.py, same format). Models marked for it also get
a NAME.decomp variant: the same program after ep.run_decompositions(), and
some a NAME.dyn variant: exported with a dynamic batch (torchvision) or
sequence (transformers) dimension.
DIR defaults to /var/tmp/irx-zoo/<torch version>.

Each model is exported in its own subprocess with a timeout, so a crash or
a hang does not stop the sweep. DIR/RESULTS.tsv lists every model:
    name <TAB> ok|skip <TAB> export mode or reason <TAB> seconds <TAB> nodes
and DIR/logs/NAME.log holds the exporter's stderr.
"""

import argparse
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
RESULT_TAG = "ZOO-RESULT "

# --------------------------------------------------------------------------
# model registry: name -> (builder, decompose-variant?)
# a builder returns (module, args tuple, kwargs dict)
# --------------------------------------------------------------------------

# torchvision classification models that get a run_decompositions() variant
TV_DECOMP = {"resnet50", "mobilenet_v2", "efficientnet_b0", "densenet121", "vit_b_16",
             "swin_t", "inception_v3", "convnext_tiny"}
HF_DECOMP = {"gpt2", "bert", "t5", "mistral", "mixtral", "llama"}
# models that also get a NAME.dyn variant with a dynamic dimension:
# torchvision: batch (example batch 2); transformers: sequence length
DYN_BATCH = {"resnet50", "mobilenet_v3_large", "efficientnet_b0", "vit_b_16", "swin_t", "densenet121",
             "convnext_tiny", "r3d_18"}
DYN_SEQ = {"gpt2", "bert", "distilbert", "llama", "mistral", "qwen2", "gemma", "phi3", "mixtral"}


# The device the builders make their models and inputs on. The sweep exports
# on the meta device; maint/zoo-report.py sets "cpu" to build the same models
# with real weights.
BUILD_DEVICE = "meta"


def _meta():
    import torch

    return torch.device(BUILD_DEVICE)


def tv_classification(name):
    def build():
        import torch
        import torchvision.models as tvm

        kw = {"weights": None}
        size = 224
        if name == "googlenet":
            kw.update(aux_logits=False, init_weights=False)
        elif name == "inception_v3":
            kw.update(aux_logits=False, init_weights=False)
            size = 299
        if name.startswith("regnet_"):
            cpu_block_params()
        with torch.device(_meta()):
            m = tvm.get_model(name, **kw).eval()
            args = (torch.randn(1, 3, size, size),)
        return m, args, {}
    return build


def cpu_block_params():
    """torchvision's regnet BlockParams computes the stage widths with torch
    ops and .tolist(), which fails under the meta default device: compute
    them on the CPU."""
    import torch
    from torchvision.models import regnet

    orig = regnet.BlockParams.from_init_params.__func__
    if getattr(orig, "_zoo_cpu", False):
        return

    def from_init_params(cls, *a, **kw):
        with torch.device("cpu"):
            return orig(cls, *a, **kw)

    from_init_params._zoo_cpu = True
    regnet.BlockParams.from_init_params = classmethod(from_init_params)


def tv_segmentation(name):
    def build():
        import torch
        import torchvision.models as tvm

        kw = {"weights": None, "weights_backbone": None}
        if not name.startswith("lraspp"):
            kw["aux_loss"] = False
        with torch.device(_meta()):
            m = tvm.get_model(name, **kw).eval()
            args = (torch.randn(1, 3, 224, 224),)
        return m, args, {}
    return build


def tv_detection(name):
    def build():
        import torch
        import torchvision.models as tvm

        with torch.device(_meta()):
            m = tvm.get_model(name, weights=None, weights_backbone=None).eval()
            args = ([torch.randn(3, 224, 224)],)
        return m, args, {}
    return build


def tv_video(name):
    def build():
        import torch
        import torchvision.models as tvm

        hw = 112 if name in ("r3d_18", "mc3_18", "r2plus1d_18") else 224
        with torch.device(_meta()):
            m = tvm.get_model(name, weights=None).eval()
            args = (torch.randn(1, 3, 16, hw, hw),)
        return m, args, {}
    return build


def tv_flow(name):
    def build():
        import torch
        import torchvision.models as tvm

        with torch.device(_meta()):
            m = tvm.get_model(name, weights=None).eval()
            args = (torch.randn(1, 3, 128, 128), torch.randn(1, 3, 128, 128))
        return m, args, {}
    return build


# ---- transformers: tiny configs, no downloads ------------------------------

SEQ = 16
VOCAB = 128
# small special-token ids (the defaults of some configs exceed VOCAB)
SPECIAL = dict(pad_token_id=0, bos_token_id=1, eos_token_id=2)
DECODER = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
               num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
               use_cache=False, **SPECIAL)


def ids(n=SEQ):
    import torch

    return torch.randint(0, VOCAB, (1, n), dtype=torch.int64)


def hf(cfg_name, model_name, cfg_kw, inputs):
    """inputs: () -> (args tuple, kwargs dict) built on the meta device."""
    def build():
        import torch
        import transformers

        cfg = getattr(transformers, cfg_name)(**cfg_kw)
        with torch.device(_meta()):
            m = getattr(transformers, model_name)(cfg).eval()
            args, kw = inputs()
        return m, args, kw
    return build


def ids_only():
    return (ids(),), {}


def enc_dec():
    return (), {"input_ids": ids(), "decoder_input_ids": ids()}


def pixels32():
    import torch

    return (torch.randn(1, 3, 32, 32),), {}


def whisper_inputs():
    import torch

    return (), {"input_features": torch.randn(1, 16, 64), "decoder_input_ids": ids()}


ENC = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
           intermediate_size=64, max_position_embeddings=64)

HF_MODELS = [
    ("gpt2", hf("GPT2Config", "GPT2LMHeadModel",
                dict(vocab_size=VOCAB, n_positions=64, n_embd=32, n_layer=2, n_head=2, use_cache=False,
                     bos_token_id=1, eos_token_id=2), ids_only)),
    ("bert", hf("BertConfig", "BertForMaskedLM", dict(ENC, pad_token_id=0), ids_only)),
    ("roberta", hf("RobertaConfig", "RobertaModel",
                   dict(ENC, max_position_embeddings=66, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                   ids_only)),
    ("distilbert", hf("DistilBertConfig", "DistilBertModel",
                      dict(vocab_size=VOCAB, dim=32, n_layers=2, n_heads=2, hidden_dim=64,
                           max_position_embeddings=64, pad_token_id=0), ids_only)),
    ("t5", hf("T5Config", "T5ForConditionalGeneration",
              dict(vocab_size=VOCAB, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_decoder_layers=2,
                   num_heads=2, use_cache=False, pad_token_id=0, eos_token_id=1,
                   decoder_start_token_id=0), enc_dec)),
    ("vit", hf("ViTConfig", "ViTForImageClassification",
               dict(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=2, intermediate_size=64, num_labels=10), pixels32)),
    ("whisper", hf("WhisperConfig", "WhisperForConditionalGeneration",
                   dict(vocab_size=VOCAB, num_mel_bins=16, encoder_layers=2, decoder_layers=2,
                        encoder_attention_heads=2, decoder_attention_heads=2, d_model=32,
                        encoder_ffn_dim=64, decoder_ffn_dim=64, max_source_positions=32,
                        max_target_positions=32, use_cache=False, pad_token_id=0, bos_token_id=1,
                        eos_token_id=2, decoder_start_token_id=1, suppress_tokens=[],
                        begin_suppress_tokens=[]), whisper_inputs)),
    ("mistral", hf("MistralConfig", "MistralForCausalLM", dict(DECODER), ids_only)),
    ("qwen2", hf("Qwen2Config", "Qwen2ForCausalLM", dict(DECODER), ids_only)),
    ("gemma", hf("GemmaConfig", "GemmaForCausalLM", dict(DECODER, head_dim=8, num_key_value_heads=1),
                 ids_only)),
    ("phi3", hf("Phi3Config", "Phi3ForCausalLM", dict(DECODER), ids_only)),
    ("mixtral", hf("MixtralConfig", "MixtralForCausalLM",
                   dict(DECODER, num_local_experts=4, num_experts_per_tok=2), ids_only)),
    ("falcon", hf("FalconConfig", "FalconForCausalLM",
                  dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       use_cache=False, bos_token_id=1, eos_token_id=2), ids_only)),
    # beyond the brief: a few more common decoder / seq2seq families
    ("llama", hf("LlamaConfig", "LlamaForCausalLM", dict(DECODER), ids_only)),
    ("qwen3", hf("Qwen3Config", "Qwen3ForCausalLM", dict(DECODER, head_dim=8), ids_only)),
    ("qwen3_moe", hf("Qwen3MoeConfig", "Qwen3MoeForCausalLM",
                     dict(DECODER, head_dim=8, num_experts=4, num_experts_per_tok=2,
                          moe_intermediate_size=32, decoder_sparse_step=1), ids_only)),
    ("gemma2", hf("Gemma2Config", "Gemma2ForCausalLM", dict(DECODER, head_dim=8), ids_only)),
    ("gemma3_text", hf("Gemma3TextConfig", "Gemma3ForCausalLM", dict(DECODER, head_dim=8), ids_only)),
    ("gpt_neox", hf("GPTNeoXConfig", "GPTNeoXForCausalLM",
                    dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=64, use_cache=False, **SPECIAL),
                    ids_only)),
    ("opt", hf("OPTConfig", "OPTForCausalLM",
               dict(vocab_size=VOCAB, hidden_size=32, ffn_dim=64, num_hidden_layers=2, num_attention_heads=4,
                    max_position_embeddings=64, word_embed_proj_dim=32, use_cache=False, pad_token_id=1,
                    bos_token_id=2, eos_token_id=2), ids_only)),
    ("bart", hf("BartConfig", "BartForConditionalGeneration",
                dict(vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2,
                     encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                     decoder_ffn_dim=64, max_position_embeddings=64, use_cache=False, pad_token_id=1,
                     bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                     forced_eos_token_id=2), enc_dec)),
]

TV_SEGMENTATION = ["deeplabv3_mobilenet_v3_large", "deeplabv3_resnet50", "fcn_resnet50",
                   "lraspp_mobilenet_v3_large"]
TV_DETECTION = ["fasterrcnn_mobilenet_v3_large_320_fpn", "retinanet_resnet50_fpn",
                "ssdlite320_mobilenet_v3_large", "fcos_resnet50_fpn"]
TV_VIDEO = ["r3d_18", "mc3_18", "r2plus1d_18", "s3d", "mvit_v2_s", "swin3d_t"]
TV_FLOW = ["raft_small"]


def dyn_batch(args, kw):
    import torch
    from torch.export import Dim

    x = args[0]
    with torch.device(_meta()):
        x2 = torch.randn((2,) + tuple(x.shape[1:]), dtype=x.dtype)
    return (x2,) + tuple(args[1:]), kw, [({0: Dim("batch", min=1, max=64)},), ({0: Dim.AUTO},)]


def dyn_seq(args, kw):
    from torch.export import Dim

    return args, kw, [({1: Dim("seq", min=2, max=64)},), ({1: Dim.AUTO},)]


def dyn_for(name):
    if name in DYN_BATCH:
        return dyn_batch
    if name in DYN_SEQ:
        return dyn_seq
    return None


def registry():
    """[(name, builder, decompose, requirement)] in sweep order."""
    out = []
    try:
        import torchvision.models as tvm

        for n in tvm.list_models(module=tvm):
            out.append((n, tv_classification(n), n in TV_DECOMP, "torchvision"))
    except ImportError:
        for n in sorted(TV_DECOMP):
            out.append((n, tv_classification(n), True, "torchvision"))
    out += [(n, tv_segmentation(n), False, "torchvision") for n in TV_SEGMENTATION]
    out += [(n, tv_detection(n), False, "torchvision") for n in TV_DETECTION]
    out += [(n, tv_video(n), False, "torchvision") for n in TV_VIDEO]
    out += [(n, tv_flow(n), False, "torchvision") for n in TV_FLOW]
    out += [(n, b, n in HF_DECOMP, "transformers") for n, b in HF_MODELS]
    return out


# --------------------------------------------------------------------------
# one model (child process)
# --------------------------------------------------------------------------


def load_oracle_module():
    sys.path.insert(0, os.path.join(TOP, "tests", "fixtures"))
    import gen_fixtures  # noqa: E402  (its make_oracle is the reference format)

    return gen_fixtures


class Plain:
    """Wrap a module so that it returns a plain tensor tuple instead of a
    ModelOutput (used only when exporting the model itself fails)."""

    def __new__(cls, m):
        import torch

        class _W(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, *args, **kw):
                out = self.inner(*args, **kw)
                if hasattr(out, "to_tuple"):
                    out = out.to_tuple()
                if isinstance(out, dict):
                    out = tuple(out.values())
                return out

        return _W(m)


def do_export(m, args, kw):
    import torch

    tries = [("strict=False", m, False)]
    if type(m).__module__.startswith("transformers"):
        tries.append(("strict=False,plain-output", Plain(m), False))
    if tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]) < (2, 8):
        tries.append(("strict=True", m, True))
    first = None
    for how, mod, strict in tries:
        try:
            return torch.export.export(mod, args, kwargs=kw or None, strict=strict), how
        except Exception as e:  # noqa: BLE001
            if first is None:
                first = e
            msg = str(e).strip().splitlines()
            print(f"  {how} failed: {type(e).__name__}: {msg[0] if msg else ''}", file=sys.stderr)
            traceback.print_exc()
    raise first


def first_line(e):
    msg = [l for l in str(e).strip().splitlines() if l.strip()]
    return f"{type(e).__name__}: {msg[0] if msg else ''}"[:300]


def save(gf, name, ep, out):
    pt2 = os.path.join(out, name + ".pt2")
    oracle = os.path.join(out, name + ".oracle.json")
    import torch

    doc = gf.make_oracle(name, ep)
    torch.export.save(ep, pt2)
    with open(oracle, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    return len(doc["nodes"])


def export_dyn(m, args, kw, dyn):
    """Export with each dynamic_shapes spec of dyn in turn; returns (ep, how)."""
    import torch

    args, kw, specs = dyn(args, kw)
    first = None
    for ds in specs:
        how = "strict=False,dynamic_shapes=" + repr(ds).replace(" ", "")
        try:
            return torch.export.export(m, args, kwargs=kw or None, strict=False, dynamic_shapes=ds), how
        except Exception as e:  # noqa: BLE001
            if first is None:
                first = e
            print(f"  {how} failed: {first_line(e)}", file=sys.stderr)
            traceback.print_exc()
    raise first


def one(name, out):
    """Export one model (and its decomposed variant); print one result line
    per program to stdout."""
    import torch

    gf = load_oracle_module()
    reg = {n: (b, d) for n, b, d, _ in registry()}
    build, decomp = reg[name]

    def emit(n, status, info, secs, nodes=0):
        print(RESULT_TAG + json.dumps([n, status, info, round(secs, 1), nodes]), flush=True)

    t0 = time.time()
    try:
        gf.seed_all(0)
        m, args, kw = build()
        ep, how = do_export(m, args, kw)
        nodes = save(gf, name, ep, out)
        emit(name, "ok", how, time.time() - t0, nodes)
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        emit(name, "skip", first_line(e), time.time() - t0)
        if decomp:
            emit(name + ".decomp", "skip", "base export failed", 0)
        if dyn_for(name) is not None:
            emit(name + ".dyn", "skip", "base export failed", 0)
        return 0
    if decomp:
        t1 = time.time()
        try:
            dep = ep.run_decompositions()
            nodes = save(gf, name + ".decomp", dep, out)
            emit(name + ".decomp", "ok", how + ",run_decompositions", time.time() - t1, nodes)
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            emit(name + ".decomp", "skip", first_line(e), time.time() - t1)
    dyn = dyn_for(name)
    if dyn is not None:
        t1 = time.time()
        try:
            gf.seed_all(0)
            m, args, kw = build()
            dep, dhow = export_dyn(m, args, kw, dyn)
            nodes = save(gf, name + ".dyn", dep, out)
            emit(name + ".dyn", "ok", dhow, time.time() - t1, nodes)
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            emit(name + ".dyn", "skip", first_line(e), time.time() - t1)
    return 0


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------


def result_rows(stdout):
    """The result rows a child printed, by model name."""
    rows = {}
    for line in stdout.splitlines():
        if line.startswith(RESULT_TAG):
            r = json.loads(line[len(RESULT_TAG):])
            rows[r[0]] = r
    return rows


def run_child(name, decomp, out, timeout):
    """Run `zoo.py --one NAME` in a new session; returns result rows."""
    names = [name] + ([name + ".decomp"] if decomp else []) + ([name + ".dyn"] if dyn_for(name) else [])
    for n in names:
        for suf in (".pt2", ".oracle.json"):
            p = os.path.join(out, n + suf)
            if os.path.exists(p):
                os.unlink(p)
    log = os.path.join(out, "logs", name + ".log")
    t0 = time.time()
    with open(log, "w") as lf:
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--one", name, "--out", out],
                             stdout=subprocess.PIPE, stderr=lf, text=True, start_new_session=True)
        try:
            stdout, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            stdout, _ = p.communicate()
            rows = result_rows(stdout)
            for n in names:
                if n not in rows:
                    rows[n] = [n, "skip", f"timeout after {timeout} s", round(time.time() - t0, 1), 0]
            return [rows[n] for n in names]
    rows = result_rows(stdout)
    for n in names:
        if n not in rows:
            rows[n] = [n, "skip", f"exporter process died (exit {p.returncode}), see logs/{name}.log",
                       round(time.time() - t0, 1), 0]
    # an ok row whose files are missing (killed while saving) is no ok
    for n in names:
        if rows[n][1] == "ok" and not os.path.exists(os.path.join(out, n + ".oracle.json")):
            rows[n] = [n, "skip", "files missing after export", rows[n][3], 0]
    return [rows[n] for n in names]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="output folder (default /var/tmp/irx-zoo/<torch version>)")
    ap.add_argument("--only", help="comma-separated model names")
    ap.add_argument("--skip", help="comma-separated model names to leave out")
    ap.add_argument("--jobs", type=int, default=1, help="models exported at once (default 1)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per model (default 300; "
                    "doubled for models with a decomposed variant)")
    ap.add_argument("--list", action="store_true", help="list the models and exit")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()

    import torch

    out = a.out or os.path.join("/var/tmp/irx-zoo", torch.__version__.split("+")[0])
    if a.one:
        return one(a.one, out)

    reg = registry()
    if a.list:
        for n, _, d, req in reg:
            print(n + (" (+decomp)" if d else ""), req)
        return 0
    only = set(a.only.split(",")) if a.only else None
    skip = set(a.skip.split(",")) if a.skip else set()
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    print(f"torch {torch.__version__} -> {out}", file=sys.stderr)

    todo, rows = [], []
    for n, _, d, req in reg:
        if (only is not None and n not in only) or n in skip:
            continue
        try:
            __import__(req)
        except ImportError as e:
            print(f"  skip {n}: {req} not available", file=sys.stderr)
            rows.append([n, "skip", f"python module {req} not available ({e})", 0, 0])
            continue
        todo.append((n, d))

    def work(item):
        n, d = item
        return run_child(n, d, out, a.timeout * (1 + bool(d) + bool(dyn_for(n))))

    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as ex:
        for res in ex.map(work, todo):
            for r in res:
                print(f"  {r[1]:4} {r[0]} ({r[3]} s{', %d nodes' % r[4] if r[1] == 'ok' else ''}): {r[2]}",
                      file=sys.stderr, flush=True)
                rows.append(r)

    path = os.path.join(out, "RESULTS.tsv")
    old = {}
    if only is not None and os.path.exists(path):  # partial run: keep the other rows
        with open(path) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                r = line.rstrip("\n").split("\t")
                old[r[0]] = r
    for r in rows:
        old[r[0]] = [str(x) for x in r]
    order = [n for n, *_ in reg]

    def key(n):
        base = n.split(".")[0]
        return (order.index(base) if base in order else len(order), n)

    with open(path, "w") as f:
        f.write(f"# torch {torch.__version__}: name\tstatus\texport mode or reason\tseconds\tnodes\n")
        for n in sorted(old, key=key):
            f.write("\t".join(str(x).replace("\t", " ").replace("\n", " ") for x in old[n]) + "\n")
    ok = sum(1 for r in old.values() if r[1] == "ok")
    print(f"{ok} of {len(old)} programs exported; see {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
