#!/usr/bin/env python3
"""Write a .pt2 archive of a Llama-70B-configuration model, built on the meta
device (no weights are allocated), for the irx benchmark (bench/run.sh).

Runs inside the sid chroot (torch 2.14, transformers 5.x):

    python3 bench/gen_llama70b.py OUT.pt2 [--layers 80] [--vocab 32000] [--seq 128] [--raw]

Configuration: Llama-2-70B (hidden 8192, 80 layers, 64 heads, 8 KV heads,
intermediate 28672, vocab 32000; --vocab 128256 gives the Llama-3 vocabulary),
use_cache=False. Exported with torch.export.export(strict=False) on a meta
input_ids tensor of shape (1, SEQ), int64, and saved with torch.export.save.

By default the model is wrapped in a module whose forward returns only the
logits tensor: Python's torch.export.load cannot read back a program whose
output is a transformers ModelOutput (its pytree type has no serialized name
registered for deserialization), and the Python baseline must load the same
archive irx reads. --raw exports LlamaForCausalLM itself (ModelOutput output).

Falls back to a hand-written Llama (same graph structure: embedding, RMSNorm,
rotary embedding, grouped-query attention via SDPA, SwiGLU MLP, lm_head) when
transformers is missing or its model fails to export.
"""
import argparse
import math
import os
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

META = torch.device("meta")


# --------------------------------------------------------------------------
# hand-written fallback
# --------------------------------------------------------------------------


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        dt = x.dtype
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dt)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Rotary(nn.Module):
    def __init__(self, head_dim, theta):
        super().__init__()
        inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, x, pos):
        f = self.inv_freq[None, :, None].float().expand(pos.shape[0], -1, 1) @ pos[:, None, :].float()
        emb = torch.cat((f.transpose(1, 2), f.transpose(1, 2)), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.nh, self.nkv = c.num_attention_heads, c.num_key_value_heads
        self.hd = c.hidden_size // self.nh
        self.q_proj = nn.Linear(c.hidden_size, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, -1, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, -1, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, -1, self.hd).transpose(1, 2)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.nh // self.nkv
        k = k[:, :, None].expand(b, self.nkv, rep, s, self.hd).reshape(b, self.nh, s, self.hd)
        v = v[:, :, None].expand(b, self.nkv, rep, s, self.hd).reshape(b, self.nh, s, self.hd)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1.0 / math.sqrt(self.hd))
        return self.o_proj(o.transpose(1, 2).reshape(b, s, -1))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.rotary_emb = Rotary(c.hidden_size // c.num_attention_heads, c.rope_theta)


class HandLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = Backbone(c)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)

    def forward(self, input_ids):
        x = self.model.embed_tokens(input_ids)
        pos = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        cos, sin = self.model.rotary_emb(x, pos)
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.model.norm(x))


class Cfg:
    def __init__(self, **kw):
        self.__dict__.update(kw)


# --------------------------------------------------------------------------


class LogitsOnly(nn.Module):
    """Returns a plain tensor instead of a ModelOutput, so that Python's
    torch.export.load can read the archive back."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m(input_ids).logits


def config_kwargs(a):
    return dict(vocab_size=a.vocab, hidden_size=8192, intermediate_size=28672,
                num_hidden_layers=a.layers, num_attention_heads=64, num_key_value_heads=8,
                max_position_embeddings=4096, rms_norm_eps=1e-5, rope_theta=10000.0,
                tie_word_embeddings=False, use_cache=False)


def build_transformers(a):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(**config_kwargs(a))
    with torch.device(META):
        m = LlamaForCausalLM(cfg).eval()
    return (m if a.raw else LogitsOnly(m).eval()), "transformers LlamaForCausalLM"


def build_hand(a):
    kw = config_kwargs(a)
    kw.pop("use_cache")
    with torch.device(META):
        m = HandLlama(Cfg(**kw)).eval()
    return m, "hand-written Llama"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--layers", type=int, default=80)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--raw", action="store_true", help="export LlamaForCausalLM itself (ModelOutput)")
    p.add_argument("--hand", action="store_true", help="use the hand-written model")
    a = p.parse_args()

    with torch.device(META):
        ids = torch.zeros((1, a.seq), dtype=torch.int64)

    t0 = time.perf_counter()
    builders = [build_hand] if a.hand else [build_transformers, build_hand]
    ep = None
    for build in builders:
        try:
            m, what = build(a)
            t1 = time.perf_counter()
            with torch.no_grad():
                ep = torch.export.export(m, (ids,), strict=False)
            break
        except Exception as e:  # transformers missing or its export failed
            print(f"gen_llama70b: {build.__name__} failed: {type(e).__name__}: {e}", file=sys.stderr)
    if ep is None:
        sys.exit(1)
    t2 = time.perf_counter()

    out = os.path.abspath(a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    # torch.export.save names the archive's top folder after the file, so save
    # under the final base name in a temporary folder, then move it in place.
    tmpdir = tempfile.mkdtemp(prefix=".gen-", dir=os.path.dirname(out))
    tmp = os.path.join(tmpdir, os.path.basename(out))
    try:
        torch.export.save(ep, tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        os.rmdir(tmpdir)
    t3 = time.perf_counter()

    nodes = len(ep.graph.nodes)
    print(f"gen_llama70b: {what}{' (raw ModelOutput)' if a.raw else ''}, torch {torch.__version__}, "
          f"layers={a.layers} vocab={a.vocab} seq={a.seq}: {nodes} nodes, "
          f"{len(ep.state_dict)} state_dict entries; build {t1 - t0:.1f}s export {t2 - t1:.1f}s "
          f"save {t3 - t2:.1f}s -> {out} ({os.path.getsize(out)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
