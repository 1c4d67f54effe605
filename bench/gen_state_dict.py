#!/usr/bin/env python3
"""Write a torch.save state dict of a GPT-like transformer with random
weights, for the tensor-file benchmark (bench/tensors.sh).

Runs inside the sid chroot (torch 2.14):

    python3 bench/gen_state_dict.py OUT.pt [--size big|small] [--seed 0]

Both sizes have the same 345 tensors under the same names; only the widths
differ, so the two files show whether listing a file depends on its data size:

    big    hidden 1024, ffn 4096, vocab 32000, 20 layers: about 1.04 GB
    small  hidden   96, ffn  384, vocab  3000, 20 layers: about 10 MB

The mix (per layer: q/k/v/o projections and the MLP with biases, two
LayerNorms, and an int64 buffer):

- float32 for the embeddings and layers 0-15;
- bfloat16 for every tensor of layers 16-19;
- lm_head.weight tied to tok_embeddings.weight (one storage, saved once);
- int64 buffers: position_ids (1, 2048) and one 0-d num_batches_tracked
  per layer.

Values are normal(0, 0.02) (LayerNorm weights 1, biases 0): no NaN or
infinity, so every value counts in the sums. The file is written with the
default torch.save (zip format, storages stored uncompressed, 64-byte
aligned). Prints one line of statistics on standard error.
"""
import argparse
import os
import sys
import time

import torch

SIZES = {
    "big": dict(hidden=1024, ffn=4096, vocab=32000, layers=20, bf16_from=16, max_pos=2048),
    "small": dict(hidden=96, ffn=384, vocab=3000, layers=20, bf16_from=16, max_pos=2048),
}


def state_dict(cfg, gen):
    h, f, v = cfg["hidden"], cfg["ffn"], cfg["vocab"]

    def normal(*shape, dtype=torch.float32):
        return torch.empty(*shape, dtype=torch.float32).normal_(0.0, 0.02, generator=gen).to(dtype)

    sd = {}
    emb = normal(v, h)
    sd["tok_embeddings.weight"] = emb
    sd["position_ids"] = torch.arange(cfg["max_pos"], dtype=torch.int64).unsqueeze(0)
    for i in range(cfg["layers"]):
        dt = torch.bfloat16 if i >= cfg["bf16_from"] else torch.float32
        p = f"layers.{i}."
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            sd[p + f"attn.{n}.weight"] = normal(h, h, dtype=dt)
            sd[p + f"attn.{n}.bias"] = normal(h, dtype=dt)
        sd[p + "mlp.up_proj.weight"] = normal(f, h, dtype=dt)
        sd[p + "mlp.up_proj.bias"] = normal(f, dtype=dt)
        sd[p + "mlp.down_proj.weight"] = normal(h, f, dtype=dt)
        sd[p + "mlp.down_proj.bias"] = normal(h, dtype=dt)
        for n in ("ln_1", "ln_2"):
            sd[p + f"{n}.weight"] = torch.ones(h, dtype=dt)
            sd[p + f"{n}.bias"] = torch.zeros(h, dtype=dt)
        sd[p + "attn.num_batches_tracked"] = torch.tensor(1000 + i, dtype=torch.int64)
    sd["norm.weight"] = torch.ones(h)
    sd["norm.bias"] = torch.zeros(h)
    sd["lm_head.weight"] = emb  # tied: the same tensor, one storage
    return sd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--size", choices=sorted(SIZES), default="big")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(a.seed)
    sd = state_dict(SIZES[a.size], gen)
    t1 = time.perf_counter()
    tmp = a.out + ".tmp"
    torch.save(sd, tmp)
    os.replace(tmp, a.out)
    t2 = time.perf_counter()

    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in sd.values()}
    dtypes = {}
    for t in sd.values():
        dtypes[str(t.dtype).replace("torch.", "")] = dtypes.get(str(t.dtype).replace("torch.", ""), 0) + 1
    print(f"gen_state_dict: {a.out} size={a.size} tensors={len(sd)} storages={len(storages)} "
          f"data_bytes={sum(storages.values())} file_bytes={os.path.getsize(a.out)} "
          f"dtypes={','.join(f'{k}:{v}' for k, v in sorted(dtypes.items()))} "
          f"torch={torch.__version__} build_s={t1 - t0:.2f} save_s={t2 - t1:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
