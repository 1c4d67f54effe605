#!/usr/bin/env python3
"""The verification sweep of maint/sweep-verify.sh: models that are in none
of the fixtures and none of the zoo lists (maint/zoo.py, maint/zoo-report.py),
captured with real (seeded) weights through src/tools/irx-capture.py, so that
irx-verify can hold irx against torch on each (issue 11's "Done when").

    python3 maint/sweep_models.py --list [--tsv] [--family F] [--only NAME]
    python3 maint/sweep_models.py --out DIR [--family F] [--only NAME] [--timeout S]

--list needs no torch (any python3). The capture needs torch 2.14 with
torchvision and transformers (the sid chroot; maint/sweep-verify.sh runs it
there). Families:

  tv-class     torchvision classification architectures in small configurations
  tv-seg       torchvision segmentation heads on small backbones
  tv-video     torchvision video architectures in small configurations
  tv-flow      torchvision RAFT optical flow (few flow updates, small images)
  hf-encoder   transformers encoders (text, vision, audio), tiny configurations
  hf-decoder   transformers decoder-only language models, tiny configurations
  hf-encdec    transformers encoder-decoders, tiny configurations
  hf-moe       transformers mixture-of-experts models, tiny configurations
  hf-ssm       transformers state-space and recurrent models, tiny configurations
  custom       hand-written modules: torch.cond, mixed dtypes, FFT, scatter,
               LSTM/GRU, dynamic shapes, buffer mutation, a custom operator

Each model is built on the CPU, its weights and inputs drawn from integers as
tests/fixtures/gen_runtime.py draws them (reinit, reinputs: the same on every
machine), and captured with irx-capture.py's capture() exactly as the README
says (meta-device export, state_dict.pt, constants.pt, inputs.pt,
expected.pt). Transformers models take keyword inputs, which irx-capture does
not (issue 11, part 2): they are wrapped in a module taking them positionally,
as maint/zoo-report.py does. A builder may return dynamic shapes, passed to
capture() as its third value; the models in DECOMPOSE are captured with
decompose=True (irx-capture --decompose).

One thing is added beyond irx-capture, for diagnosis only: when the capture
notes constants with no value anywhere (tensors made in forward, meta in a meta
export; issue 11, part 1), their values are taken from an export of the real
model on the CPU and written to NAME.lifted.pt, which the README's commands do
not read; maint/sweep-verify.sh uses it to say what lies behind such a
failure.

DIR/captures.tsv has one line per model (maint/zoo-report.py's format):
  name <TAB> ok|failed|skipped <TAB> seconds <TAB> export mode or reason <TAB> tied weights
"""

import argparse
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

FAMILIES = {
    "tv-class": "torchvision classification architectures, small configurations",
    "tv-seg": "torchvision segmentation heads on small backbones",
    "tv-video": "torchvision video architectures, small configurations",
    "tv-flow": "torchvision RAFT optical flow",
    "hf-encoder": "transformers encoders (text, vision, audio), tiny configurations",
    "hf-decoder": "transformers decoder-only language models, tiny configurations",
    "hf-encdec": "transformers encoder-decoders, tiny configurations",
    "hf-moe": "transformers mixture-of-experts models, tiny configurations",
    "hf-ssm": "transformers state-space and recurrent models, tiny configurations",
    "custom": "hand-written modules: cond, dtypes, FFT, scatter, RNNs, dynamic shapes, mutation, custom op",
}


def _zr():
    """maint/zoo-report.py (its capture loop, forking, lifted constants)."""
    mod = sys.modules.get("zoo_report")
    if mod is None:
        spec = importlib.util.spec_from_file_location("zoo_report", os.path.join(HERE, "zoo-report.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules["zoo_report"] = mod
        spec.loader.exec_module(mod)
    return mod


# --------------------------------------------------------------------------
# torchvision
# --------------------------------------------------------------------------


def img(n=1, c=3, h=32, w=32):
    import torch

    return torch.randn(n, c, h, w)


def _resnext_tiny():
    from torchvision.models.resnet import Bottleneck, ResNet

    return ResNet(Bottleneck, [1, 1, 1, 1], num_classes=10, groups=4, width_per_group=4), (img(),)


def _regnet_tiny():
    from torchvision.models.regnet import BlockParams, RegNet

    bp = BlockParams.from_init_params(depth=4, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25)
    return RegNet(bp, num_classes=10, stem_width=8), (img(),)


def _efficientnet_v2_tiny():
    from torchvision.models.efficientnet import EfficientNet, FusedMBConvConfig, MBConvConfig

    cfg = [FusedMBConvConfig(1, 3, 1, 8, 8, 1), FusedMBConvConfig(4, 3, 2, 8, 16, 1),
           MBConvConfig(4, 3, 2, 16, 24, 1), MBConvConfig(6, 3, 1, 24, 32, 1)]
    return EfficientNet(cfg, dropout=0.0, stochastic_depth_prob=0.0, num_classes=10, last_channel=64), (img(),)


def _maxvit_tiny():
    from torchvision.models.maxvit import MaxVit

    m = MaxVit(input_size=(32, 32), stem_channels=8, partition_size=2, block_channels=[16, 32], block_layers=[1, 1],
               head_dim=8, stochastic_depth_prob=0.0, num_classes=10)
    return m, (img(),)


def _swin_v2_tiny():
    from torchvision.models.swin_transformer import PatchMergingV2, SwinTransformer, SwinTransformerBlockV2

    m = SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
                        num_classes=10, block=SwinTransformerBlockV2, downsample_layer=PatchMergingV2,
                        stochastic_depth_prob=0.0)
    return m, (img(),)


def _mobilenet_v2_w035():
    import torchvision.models as tvm

    return tvm.mobilenet_v2(weights=None, width_mult=0.35, num_classes=10), (img(h=64, w=64),)


def _shufflenet_tiny():
    from torchvision.models.shufflenetv2 import ShuffleNetV2

    return ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10), (img(h=64, w=64),)


def _vit_convstem():
    from torchvision.models.vision_transformer import ConvStemConfig, VisionTransformer

    m = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
                          num_classes=10, representation_size=16,
                          conv_stem_configs=[ConvStemConfig(8, 3, 2), ConvStemConfig(16, 3, 2), ConvStemConfig(16, 3, 2)])
    return m, (img(),)


def _fcn_resnet18():
    from torchvision.models import resnet18
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.models.segmentation.fcn import FCN, FCNHead

    bb = IntermediateLayerGetter(resnet18(weights=None), return_layers={"layer4": "out"})
    return FCN(bb, FCNHead(512, 5)), (img(h=64, w=64),)


def _deeplabv3_resnet18():
    from torchvision.models import resnet18
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.models.segmentation.deeplabv3 import DeepLabHead, DeepLabV3

    bb = IntermediateLayerGetter(resnet18(weights=None), return_layers={"layer4": "out"})
    return DeepLabV3(bb, DeepLabHead(512, 5)), (img(h=64, w=64),)


def _lraspp_mnv3():
    import torchvision.models as tvm
    from torchvision.models.segmentation.lraspp import _lraspp_mobilenetv3

    bb = tvm.mobilenet_v3_large(weights=None, dilated=True, width_mult=0.25)
    return _lraspp_mobilenetv3(bb, 5), (img(h=64, w=64),)


def _deeplabv3_mnv3():
    import torchvision.models as tvm
    from torchvision.models.segmentation.deeplabv3 import _deeplabv3_mobilenetv3

    bb = tvm.mobilenet_v3_large(weights=None, dilated=True, width_mult=0.25)
    return _deeplabv3_mobilenetv3(bb, 5, False), (img(h=64, w=64),)


def vid(t=4, hw=32):
    import torch

    return torch.randn(1, 3, t, hw, hw)


def _r3d_tiny():
    from torchvision.models.video.resnet import BasicBlock, BasicStem, Conv3DSimple, VideoResNet

    return VideoResNet(BasicBlock, [Conv3DSimple] * 4, [1, 1, 1, 1], BasicStem, num_classes=10), (vid(),)


def _r2plus1d_tiny():
    from torchvision.models.video.resnet import BasicBlock, Conv2Plus1D, R2Plus1dStem, VideoResNet

    return VideoResNet(BasicBlock, [Conv2Plus1D] * 4, [1, 1, 1, 1], R2Plus1dStem, num_classes=10), (vid(),)


def _swin3d_tiny():
    from torchvision.models.video.swin_transformer import SwinTransformer3d

    m = SwinTransformer3d(patch_size=[2, 4, 4], embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=[2, 4, 4],
                          stochastic_depth_prob=0.0, num_classes=10)
    return m, (vid(),)


def raft(kind, updates, h, w):
    """torchvision's RAFT (raft_large or raft_small) with a fixed number of
    flow updates (a forward argument, not an input), returning the last flow
    estimate; two h x w images."""
    def build():
        import torch
        import torchvision.models as tvm

        class RaftUpdates(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = getattr(tvm.optical_flow, kind)(weights=None)

            def forward(self, a, b):
                return self.inner(a, b, num_flow_updates=updates)[-1]

        return RaftUpdates(), (img(h=h, w=w), img(h=h, w=w))
    return build


# --------------------------------------------------------------------------
# transformers: tiny configurations, keyword inputs given positionally
# --------------------------------------------------------------------------

SEQ = 12
VOCAB = 128
SPECIAL = dict(pad_token_id=0, bos_token_id=1, eos_token_id=2)
DEC = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
           num_key_value_heads=2, max_position_embeddings=64, use_cache=False, **SPECIAL)
ENC = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
           max_position_embeddings=64, pad_token_id=0)


def ids(n=SEQ, vocab=VOCAB):
    import torch

    g = torch.Generator().manual_seed(7)
    return torch.randint(3, vocab, (1, n), dtype=torch.int64, generator=g)


def ids_mask():
    import torch

    m = torch.ones(1, SEQ, dtype=torch.int64)
    m[0, -3:] = 0   # padded tail: the mask matters
    return {"input_ids": ids(), "attention_mask": m}


def hf(cfg_name, model_name, cfg_kw, inputs=lambda: {"input_ids": ids()}):
    def build():
        import transformers

        cfg = getattr(transformers, cfg_name)(**cfg_kw)
        m = getattr(transformers, model_name)(cfg)
        kw = inputs()
        keys = list(kw)
        return _zr()._HFWrap.make(m, keys), tuple(kw[k] for k in keys)
    return build


def enc_dec():
    return {"input_ids": ids(), "decoder_input_ids": ids(8)}


def enc_dec_masks():
    import torch

    kw = enc_dec()
    kw["attention_mask"] = ids_mask()["attention_mask"]
    kw["decoder_attention_mask"] = torch.ones(1, 8, dtype=torch.int64)
    return kw


def pixels(c=3, hw=32):
    def f():
        return {"pixel_values": img(c=c, h=hw, w=hw)}
    return f


def audio():
    import torch

    return {"input_values": torch.randn(1, 800)}


HF_SPECS = [
    # encoders
    ("electra", "hf-encoder", "ElectraConfig", "ElectraForMaskedLM", dict(ENC, embedding_size=16), ids_mask),
    ("albert", "hf-encoder", "AlbertConfig", "AlbertModel", dict(ENC, embedding_size=16), ids_mask),
    ("deberta_v2", "hf-encoder", "DebertaV2Config", "DebertaV2Model",
     dict(ENC, relative_attention=True, position_buckets=8, pos_att_type=["p2c", "c2p"]), ids_mask),
    ("mpnet", "hf-encoder", "MPNetConfig", "MPNetModel", dict(ENC, max_position_embeddings=66, pad_token_id=1),
     ids_mask),
    ("modernbert", "hf-encoder", "ModernBertConfig", "ModernBertModel",
     dict(ENC, global_attn_every_n_layers=2, local_attention=8, pad_token_id=0, bos_token_id=1, eos_token_id=2,
          cls_token_id=1, sep_token_id=2), ids_mask),
    ("convbert", "hf-encoder", "ConvBertConfig", "ConvBertModel", dict(ENC, embedding_size=32), ids_mask),
    ("dinov2", "hf-encoder", "Dinov2Config", "Dinov2Model",
     dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
          mlp_ratio=2), pixels()),
    ("segformer", "hf-encoder", "SegformerConfig", "SegformerForSemanticSegmentation",
     dict(num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[8, 16], patch_sizes=[7, 3],
          strides=[4, 2], num_attention_heads=[1, 2], mlp_ratios=[2, 2], decoder_hidden_size=16, num_labels=4),
     pixels()),
    ("wav2vec2", "hf-encoder", "Wav2Vec2Config", "Wav2Vec2Model",
     dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
          conv_dim=(16, 16, 16), conv_stride=(5, 2, 2), conv_kernel=(10, 3, 3), num_conv_pos_embeddings=16,
          num_conv_pos_embedding_groups=2, do_stable_layer_norm=True, feat_extract_norm="layer"), audio),
    # decoders
    ("bloom", "hf-decoder", "BloomConfig", "BloomForCausalLM",
     dict(vocab_size=VOCAB, hidden_size=32, n_layer=2, n_head=4, use_cache=False, **SPECIAL), ids_mask),
    ("gptj", "hf-decoder", "GPTJConfig", "GPTJForCausalLM",
     dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, rotary_dim=4, n_positions=64, use_cache=False,
          bos_token_id=1, eos_token_id=2)),
    ("gpt_bigcode", "hf-decoder", "GPTBigCodeConfig", "GPTBigCodeForCausalLM",
     dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=64, multi_query=True, use_cache=False,
          bos_token_id=1, eos_token_id=2)),
    ("codegen", "hf-decoder", "CodeGenConfig", "CodeGenForCausalLM",
     dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, rotary_dim=4, n_positions=64, n_ctx=64,
          use_cache=False, bos_token_id=1, eos_token_id=2)),
    ("stablelm", "hf-decoder", "StableLmConfig", "StableLmForCausalLM", dict(DEC, partial_rotary_factor=0.5)),
    ("olmo2", "hf-decoder", "Olmo2Config", "Olmo2ForCausalLM", dict(DEC)),
    ("starcoder2", "hf-decoder", "Starcoder2Config", "Starcoder2ForCausalLM", dict(DEC, sliding_window=8)),
    ("phi", "hf-decoder", "PhiConfig", "PhiForCausalLM", dict(DEC, partial_rotary_factor=0.5)),
    ("granite", "hf-decoder", "GraniteConfig", "GraniteForCausalLM",
     dict(DEC, embedding_multiplier=2.0, residual_multiplier=0.5, attention_multiplier=0.25, logits_scaling=4.0)),
    ("cohere", "hf-decoder", "CohereConfig", "CohereForCausalLM", dict(DEC)),
    # encoder-decoders
    ("pegasus", "hf-encdec", "PegasusConfig", "PegasusForConditionalGeneration",
     dict(vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
          decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
          use_cache=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0), enc_dec),
    ("marian", "hf-encdec", "MarianConfig", "MarianMTModel",
     dict(vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
          decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
          use_cache=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0), enc_dec),
    ("mt5", "hf-encdec", "MT5Config", "MT5ForConditionalGeneration",
     dict(vocab_size=VOCAB, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=2,
          use_cache=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0), enc_dec),
    ("mbart", "hf-encdec", "MBartConfig", "MBartForConditionalGeneration",
     dict(vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
          decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
          use_cache=False, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2), enc_dec),
    # mixture of experts
    ("olmoe", "hf-moe", "OlmoeConfig", "OlmoeForCausalLM", dict(DEC, num_experts=4, num_experts_per_tok=2)),
    ("granitemoe", "hf-moe", "GraniteMoeConfig", "GraniteMoeForCausalLM",
     dict(DEC, num_local_experts=4, num_experts_per_tok=2)),
    ("qwen2_moe", "hf-moe", "Qwen2MoeConfig", "Qwen2MoeForCausalLM",
     dict(DEC, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32, shared_expert_intermediate_size=32,
          decoder_sparse_step=1)),
    ("switch_transformers", "hf-moe", "SwitchTransformersConfig", "SwitchTransformersForConditionalGeneration",
     dict(vocab_size=VOCAB, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=2,
          num_experts=4, encoder_sparse_step=1, decoder_sparse_step=1, use_cache=False, pad_token_id=0,
          eos_token_id=1, decoder_start_token_id=0), enc_dec_masks),
    ("deepseek_v3", "hf-moe", "DeepseekV3Config", "DeepseekV3ForCausalLM",
     dict(DEC, num_key_value_heads=4, moe_intermediate_size=16, n_shared_experts=1, n_routed_experts=4,
          num_experts_per_tok=2, n_group=1, topk_group=1, first_k_dense_replace=1, q_lora_rank=16, kv_lora_rank=16,
          qk_rope_head_dim=4, qk_nope_head_dim=4, v_head_dim=8)),
    # state-space / recurrent
    ("mamba", "hf-ssm", "MambaConfig", "MambaForCausalLM",
     dict(vocab_size=VOCAB, hidden_size=32, state_size=8, num_hidden_layers=2, expand=2, conv_kernel=4,
          use_cache=False, **SPECIAL)),
    ("mamba2", "hf-ssm", "Mamba2Config", "Mamba2ForCausalLM",
     dict(vocab_size=VOCAB, hidden_size=32, state_size=8, num_hidden_layers=2, expand=2, conv_kernel=4,
          num_heads=8, head_dim=8, n_groups=1, chunk_size=4, use_cache=False, **SPECIAL)),
    ("falcon_mamba", "hf-ssm", "FalconMambaConfig", "FalconMambaForCausalLM",
     dict(vocab_size=VOCAB, hidden_size=32, state_size=8, num_hidden_layers=2, expand=2, conv_kernel=4,
          use_cache=False, **SPECIAL)),
    ("rwkv", "hf-ssm", "RwkvConfig", "RwkvForCausalLM",
     dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, attention_hidden_size=32, intermediate_size=64,
          context_length=64, use_cache=False, **SPECIAL)),
    ("jamba", "hf-ssm", "JambaConfig", "JambaForCausalLM",
     dict(DEC, num_experts=2, num_experts_per_tok=1, expert_layer_period=2, expert_layer_offset=1,
          attn_layer_period=2, attn_layer_offset=1, mamba_d_state=8, mamba_d_conv=4, mamba_expand=2,
          mamba_dt_rank=4, use_mamba_kernels=False)),
]


# --------------------------------------------------------------------------
# hand-written modules
# --------------------------------------------------------------------------


def _nn():
    import torch

    return torch, torch.nn, torch.nn.functional


def _cond_gate():
    torch, nn, F = _nn()

    class CondGate(nn.Module):
        """torch.cond on a data-dependent predicate, each branch with its own
        weights, then a second cond whose branches return two tensors."""

        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 4)

        def forward(self, x):
            y = torch.cond(x.mean() > 0, lambda t: F.gelu(self.a(t)), lambda t: torch.tanh(self.b(t)) * 2, (x,))
            p, q = torch.cond(y.sum() < 1.0, lambda t: (self.c(t), t.amax(-1)), lambda t: (self.c(-t), t.amin(-1)),
                              (y,))
            return p, q

    return CondGate(), (torch.randn(3, 8),)


def _mixed_dtypes():
    torch, nn, F = _nn()

    class MixedDtypes(nn.Module):
        """bfloat16 and float16 layers, float64 accumulation, int32 and bool
        arithmetic, casts between them."""

        def __init__(self):
            super().__init__()
            self.h = nn.Linear(6, 6).to(torch.bfloat16)
            self.c = nn.Conv1d(2, 2, 3, padding=1).to(torch.float16)
            self.register_buffer("scale", torch.linspace(0.5, 1.5, 6, dtype=torch.float64))

        def forward(self, x, idx):
            hb = self.h(x.to(torch.bfloat16)).float()
            d = (x.double() * self.scale).sum(-1, keepdim=True)
            c = self.c(x.half().view(x.shape[0], 2, 3)).float().flatten(1)
            i = (idx.to(torch.int32) * 3 + 1) % 5
            m = i > 2
            out = torch.where(m, hb, c) + d.float()
            return out, i, m.sum(-1)

    return MixedDtypes(), (torch.randn(4, 6), torch.randint(0, 10, (4, 6)))


def _fft_filter():
    torch, nn, F = _nn()

    class FFTFilter(nn.Module):
        """A learned frequency-domain filter (rfft, complex multiply,
        irfft), and the 2-D spectrum's magnitude."""

        def __init__(self, n=16):
            super().__init__()
            self.wr = nn.Parameter(torch.randn(n // 2 + 1))
            self.wi = nn.Parameter(torch.randn(n // 2 + 1))
            self.proj = nn.Linear(n, n)

        def forward(self, x):
            f = torch.fft.rfft(x, dim=-1)
            f = f * torch.complex(self.wr, self.wi)
            y = torch.fft.irfft(f, n=x.shape[-1], dim=-1)
            mag = torch.fft.fft2(x.view(x.shape[0], 4, 4)).abs()
            return self.proj(y), mag

    return FFTFilter(), (torch.randn(3, 16),)


def _scatter_ops():
    torch, nn, F = _nn()

    class ScatterOps(nn.Module):
        """scatter_add, scatter_reduce (amax, mean), index_add, index_put with
        accumulate, gather: a tiny graph-network aggregation."""

        def __init__(self):
            super().__init__()
            self.msg = nn.Linear(8, 8)

        def forward(self, x, src, dst):
            m = self.msg(x[src])
            n = x.shape[0]
            idx = dst.unsqueeze(-1).expand(-1, m.shape[1])
            s = x.new_zeros(n, 8).scatter_add(0, idx, m)
            mx = x.new_zeros(n, 8).scatter_reduce(0, idx, m, reduce="amax", include_self=False)
            mean = x.new_zeros(n, 8).scatter_reduce(0, idx, m, reduce="mean", include_self=True)
            ia = x.new_zeros(n, 8).index_add(0, dst, m, alpha=0.5)
            ip = x.new_zeros(n, 8).index_put((dst,), m, accumulate=True)
            g = torch.gather(s, 1, torch.argsort(mx, dim=1))
            return s + ia - ip, mx, mean, g

    src = torch.tensor([0, 1, 2, 3, 4, 0, 2, 4])
    dst = torch.tensor([1, 2, 3, 4, 0, 3, 3, 1])
    return ScatterOps(), (torch.randn(5, 8), src, dst)


def _lstm_bidir():
    torch, nn, F = _nn()

    class BiLSTMGRU(nn.Module):
        """A two-layer bidirectional LSTM (batch_first) feeding a GRU, with
        initial states given."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)
            self.gru = nn.GRU(16, 5, batch_first=True)

        def forward(self, x, h0, c0):
            y, (h, c) = self.lstm(x, (h0, c0))
            z, hg = self.gru(y)
            return z, h, c, hg

    return BiLSTMGRU(), (torch.randn(2, 7, 6), torch.randn(4, 2, 8), torch.randn(4, 2, 8))


def _dyn_seq_attention():
    torch, nn, F = _nn()
    from torch.export import Dim

    class DynSeqAttention(nn.Module):
        """Self-attention with a causal mask built from the (dynamic)
        sequence length, positions from arange."""

        def __init__(self):
            super().__init__()
            self.pos = nn.Embedding(64, 16)
            self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
            self.ln = nn.LayerNorm(16)

        def forward(self, x):
            t = x.shape[1]
            h = x + self.pos(torch.arange(t, device=x.device))
            mask = torch.triu(torch.ones(t, t, dtype=torch.bool, device=x.device), diagonal=1)
            a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
            return self.ln(h + a)

    return DynSeqAttention(), (torch.randn(2, 9, 16),), ({1: Dim("seq", min=2, max=64)},)


def _dyn_batch_cnn():
    torch, nn, F = _nn()
    from torch.export import Dim

    class DynBatchCNN(nn.Module):
        """A small CNN with a dynamic batch and dynamic image size; global
        pooling and a reshape by the symbolic batch."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.c2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            y = F.relu(self.bn(self.c1(x)))
            y = self.c2(y)
            y = y.reshape(x.shape[0], 8, -1).mean(-1)
            return self.fc(y)

    dims = {0: Dim("batch", min=1, max=32), 2: 2 * Dim("h", min=4, max=64), 3: 2 * Dim("w", min=4, max=64)}
    return DynBatchCNN(), (torch.randn(3, 3, 12, 10),), (dims,)


def _buffer_mutation():
    torch, nn, F = _nn()

    class EMANorm(nn.Module):
        """Updates two buffers in place in eval mode (an exponential moving
        average of the input and a call counter) and uses the new values."""

        def __init__(self):
            super().__init__()
            self.register_buffer("ema", torch.zeros(6))
            self.register_buffer("calls", torch.zeros((), dtype=torch.int64))
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            self.ema.mul_(0.9).add_(x.mean(0) * 0.1)
            self.calls.add_(1)
            return self.fc(x - self.ema) * self.calls.float()

    return EMANorm(), (torch.randn(4, 6),)


def _cpu_factory():
    torch, nn, F = _nn()

    class CPUFactory(nn.Module):
        """Tensors made in forward without a device (torch.arange,
        torch.zeros), as most user code writes them: on the CPU whatever
        device the model is on."""

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            pos = torch.arange(x.shape[1], dtype=torch.float32) / x.shape[1]
            acc = torch.zeros(x.shape[0], 6).index_add(0, torch.tensor([1, 0, 1]), self.fc(x + pos))
            return acc

    return CPUFactory(), (torch.randn(3, 6),)


_CUSTOM_OP = None


def _custom_op():
    torch, nn, F = _nn()
    global _CUSTOM_OP
    if _CUSTOM_OP is None:
        @torch.library.custom_op("irxsweep::scaled_softsign", mutates_args=())
        def scaled_softsign(x: torch.Tensor, s: float) -> torch.Tensor:
            return s * x / (1 + x.abs())

        @scaled_softsign.register_fake
        def _(x, s):
            return torch.empty_like(x)

        _CUSTOM_OP = scaled_softsign

    class CustomOp(nn.Module):
        """A torch.library.custom_op between two linear layers."""

        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(8, 8), nn.Linear(8, 3)

        def forward(self, x):
            return self.b(torch.ops.irxsweep.scaled_softsign(self.a(x), 1.5))

    return CustomOp(), (torch.randn(2, 8),)


def _vision_ops():
    torch, nn, F = _nn()

    class VisionOps(nn.Module):
        """grid_sample with an affine grid, bilinear interpolation with
        align_corners, pixel shuffle, unfold (im2col), adaptive max pool."""

        def __init__(self):
            super().__init__()
            self.theta = nn.Parameter(torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 0.8, -0.05]]]))
            self.c = nn.Conv2d(4, 16, 3, padding=1)

        def forward(self, x):
            grid = F.affine_grid(self.theta.expand(x.shape[0], 2, 3), list(x.shape), align_corners=False)
            w = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
            up = F.interpolate(w, scale_factor=2, mode="bilinear", align_corners=True)
            ps = F.pixel_shuffle(self.c(x), 2)
            cols = F.unfold(x, kernel_size=3, stride=2)
            return up + ps.mean(1, keepdim=True), cols, F.adaptive_max_pool2d(x, 3)

    return VisionOps(), (torch.randn(2, 4, 8, 8),)


def _index_math():
    torch, nn, F = _nn()

    class IndexMath(nn.Module):
        """einsum, cumsum/cumprod, topk, sort, one_hot, embedding_bag,
        integer floor division and remainder, masked_fill, clamp."""

        def __init__(self):
            super().__init__()
            self.bag = nn.EmbeddingBag(20, 6, mode="mean")
            self.w = nn.Parameter(torch.randn(6, 6))

        def forward(self, x, tok, offsets):
            e = self.bag(tok, offsets)
            y = torch.einsum("bi,ij,bj->b", e, self.w, x)
            c = torch.cumsum(x, 1) + torch.cumprod(torch.tanh(x), 1)
            v, i = torch.topk(c, 3, dim=1)
            s, _ = torch.sort(x, dim=1, descending=True)
            oh = F.one_hot(tok[:4] % 5, 5).float()
            q = torch.div(tok, 3, rounding_mode="floor") + torch.remainder(tok, 7)
            return y, v, i, s.masked_fill(s < 0, -1.0).clamp(-0.5, 0.75), oh, q

    return IndexMath(), (torch.randn(2, 6), torch.tensor([1, 4, 7, 19, 3, 0, 12]), torch.tensor([0, 3]))


def _conv_transformer_audio():
    torch, nn, F = _nn()

    class ConvAudio(nn.Module):
        """Conv1d front end with GLU, a TransformerEncoder layer (norm_first),
        depthwise separable conv, then a stft-free log-mel-like pooling."""

        def __init__(self):
            super().__init__()
            self.front = nn.Conv1d(1, 16, 9, stride=4, padding=4)
            self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                                        norm_first=True), num_layers=2,
                                             enable_nested_tensor=False)
            self.dw = nn.Conv1d(8, 8, 5, padding=2, groups=8)
            self.pw = nn.Conv1d(8, 4, 1)

        def forward(self, wav):
            h = F.glu(self.front(wav), dim=1)              # (b, 8, t)
            h = self.enc(h.transpose(1, 2)).transpose(1, 2)
            h = self.pw(F.silu(self.dw(h)))
            return torch.log1p(F.softplus(h)).mean(-1)

    return ConvAudio(), (torch.randn(2, 1, 128),)


# name, family, python module needed, builder, what it is
MODELS = [
    ("tv_resnext_tiny", "tv-class", "torchvision", _resnext_tiny, "ResNet Bottleneck [1,1,1,1], groups 4 (ResNeXt)"),
    ("tv_regnet_tiny", "tv-class", "torchvision", _regnet_tiny, "RegNet, depth 4, width 8, squeeze-excitation"),
    ("tv_efficientnet_v2_tiny", "tv-class", "torchvision", _efficientnet_v2_tiny,
     "EfficientNet with FusedMBConv and MBConv stages (EfficientNetV2 structure)"),
    ("tv_maxvit_tiny", "tv-class", "torchvision", _maxvit_tiny,
     "MaxVit, two stages: block and grid attention, relative position bias"),
    ("tv_swin_v2_tiny", "tv-class", "torchvision", _swin_v2_tiny,
     "Swin V2: cosine attention, log-spaced continuous position bias, PatchMergingV2"),
    ("tv_mobilenet_v2_w035", "tv-class", "torchvision", _mobilenet_v2_w035, "mobilenet_v2 width 0.35, 64x64"),
    ("tv_shufflenet_tiny", "tv-class", "torchvision", _shufflenet_tiny, "ShuffleNetV2, channels 8..128, 64x64"),
    ("tv_vit_convstem", "tv-class", "torchvision", _vit_convstem,
     "VisionTransformer with a conv stem and a tanh pre-logits layer"),
    ("tv_fcn_resnet18", "tv-seg", "torchvision", _fcn_resnet18, "FCN head on resnet18 features, upsampled, 64x64"),
    ("tv_deeplabv3_resnet18", "tv-seg", "torchvision", _deeplabv3_resnet18,
     "DeepLabV3 (ASPP: dilated convs, image pooling) on resnet18, 64x64"),
    ("tv_lraspp_mnv3", "tv-seg", "torchvision", _lraspp_mnv3, "LR-ASPP on a dilated mobilenet_v3_large x0.25"),
    ("tv_deeplabv3_mnv3", "tv-seg", "torchvision", _deeplabv3_mnv3, "DeepLabV3 on a dilated mobilenet_v3_large x0.25"),
    ("tv_r3d_tiny", "tv-video", "torchvision", _r3d_tiny, "VideoResNet 3-D convs, one block per stage, 4x32x32"),
    ("tv_r2plus1d_tiny", "tv-video", "torchvision", _r2plus1d_tiny, "VideoResNet (2+1)-D convs, 4x32x32"),
    ("tv_swin3d_tiny", "tv-video", "torchvision", _swin3d_tiny, "SwinTransformer3d, two stages, 4x32x32"),
    ("tv_raft_large_u2", "tv-flow", "torchvision", raft("raft_large", 2, 128, 128),
     "raft_large, 2 flow updates, 128x128: correlation pyramid, grid_sample, GRU"),
    ("tv_raft_small_u3", "tv-flow", "torchvision", raft("raft_small", 3, 128, 160),
     "raft_small, 3 flow updates, 128x160"),
]
for _n, _fam, _cfg, _cls, _kw, *_inp in HF_SPECS:
    MODELS.append((_n, _fam, "transformers", hf(_cfg, _cls, _kw, *_inp), f"transformers {_cls}, tiny"))
# Captured with decompose=True (irx-capture --decompose): the fix irx should
# name for the functorch vmap nodes of the plain capture (issue 11, part 3).
DECOMPOSE = {"mamba_decomposed", "falcon_mamba_decomposed"}
MODELS.append(("mamba_decomposed", "hf-ssm", "transformers", dict((m[0], m[3]) for m in MODELS)["mamba"],
               "transformers MambaForCausalLM, tiny, captured with --decompose (run_decompositions)"))
MODELS.append(("falcon_mamba_decomposed", "hf-ssm", "transformers",
               dict((m[0], m[3]) for m in MODELS)["falcon_mamba"],
               "transformers FalconMambaForCausalLM, tiny, captured with --decompose (run_decompositions)"))
MODELS += [
    ("cond_gate", "custom", None, _cond_gate, "two torch.cond, branches with weights, a two-output cond"),
    ("mixed_dtypes", "custom", None, _mixed_dtypes, "bfloat16, float16, float64, int32, bool in one graph"),
    ("fft_filter", "custom", None, _fft_filter, "rfft, complex multiply, irfft, fft2 magnitude"),
    ("scatter_ops", "custom", None, _scatter_ops, "scatter_add, scatter_reduce, index_add, index_put, gather"),
    ("lstm_bidir", "custom", None, _lstm_bidir, "2-layer bidirectional LSTM with initial states, then a GRU"),
    ("dyn_seq_attention", "custom", None, _dyn_seq_attention,
     "MultiheadAttention with a dynamic sequence length (Dim seq 2..64)"),
    ("dyn_batch_cnn", "custom", None, _dyn_batch_cnn, "CNN with a dynamic batch and dynamic even image sizes"),
    ("buffer_mutation", "custom", None, _buffer_mutation, "in-place buffer updates in eval mode (EMA, counter)"),
    ("custom_op", "custom", None, _custom_op, "a torch.library.custom_op between two linear layers"),
    ("cpu_factory", "custom", None, _cpu_factory, "torch.arange and torch.zeros in forward with no device"),
    ("vision_ops", "custom", None, _vision_ops, "affine_grid, grid_sample, bilinear interpolate, pixel_shuffle, unfold"),
    ("index_math", "custom", None, _index_math, "einsum, cumsum, cumprod, topk, sort, one_hot, embedding_bag, int math"),
    ("conv_audio", "custom", None, _conv_transformer_audio,
     "conv1d, GLU, TransformerEncoder (norm_first), depthwise conv1d, softplus"),
]

assert len({m[0] for m in MODELS}) == len(MODELS)
assert all(m[1] in FAMILIES for m in MODELS)
assert all("." not in m[0] for m in MODELS)


# --------------------------------------------------------------------------
# capture
# --------------------------------------------------------------------------


def capture_one(name, build, out):
    """Build NAME with deterministic weights and inputs and capture it with
    irx-capture's capture() into out; returns zoo-report's result dict."""
    import torch

    lifted = os.path.join(out, name + ".lifted.pt")
    if os.path.exists(lifted):
        os.unlink(lifted)
    rt, m, args, dyn, tied, doc = _zr().captured(name, build, out, decompose=name in DECOMPOSE)
    how = doc["export"] + (", dynamic" if dyn is not None else "")
    prefix = "constants with no value anywhere (meta in the archive, not attributes of the model): "
    missing = [n for note in doc["notes"] if note.startswith(prefix) for n in note[len(prefix):].split(", ")]
    if missing:
        # for diagnosis only (see the module comment): not in constants.pt
        meta = torch.export.load(rt.cap.paths(out, name)["pt2"]).constants
        ep = torch.export.export(m, args, dynamic_shapes=dyn, strict="strict=True" in doc["export"])
        vals = {}
        for n in missing:
            v, want = ep.constants.get(n), meta.get(n)
            if isinstance(v, torch.Tensor) and v.device.type != "meta" and isinstance(want, torch.Tensor) \
                    and v.shape == want.shape and v.dtype == want.dtype:
                vals[n] = v.detach().clone()
        torch.save(vals, lifted)
        how += f", {len(missing)} constant(s) meta in the capture ({len(vals)} recovered in lifted.pt)"
    ops = doc["ops"]
    return {"export": how, "tied": tied, "ops": len(ops), "notes": doc["notes"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="families: " + ", ".join(FAMILIES))
    ap.add_argument("--list", action="store_true", help="list the selected models and exit (no torch needed)")
    ap.add_argument("--tsv", action="store_true", help="with --list: name, family, what")
    ap.add_argument("--family", action="append", help="only models of this family (repeatable, a,b)")
    ap.add_argument("--only", action="append", help="only these models (repeatable, a,b)")
    ap.add_argument("--out", help="capture into this folder")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per model (default 300)")
    a = ap.parse_args()
    split = _zr().split_list
    only, fams = split(a.only), split(a.family)
    names = {m[0] for m in MODELS}
    bad = [n for n in only if n not in names] + [f for f in fams if f not in FAMILIES]
    if bad:
        print(f"sweep_models: unknown model(s) or famil(ies): {', '.join(bad)} (--list lists them)", file=sys.stderr)
        return 64
    models = [m for m in MODELS if (not only or m[0] in only) and (not fams or m[1] in fams)]
    if a.list:
        for name, fam, req, _, what in models:
            print("\t".join([name, fam, what]) if a.tsv else f"{name:24} {fam:11} {what}")
        if not a.tsv:
            print(f"-- {len(models)} model(s): " + ", ".join(
                f"{f} {sum(1 for m in models if m[1] == f)}" for f in FAMILIES))
        return 0
    if not a.out:
        ap.error("--out DIR or --list")
    if not models:
        ap.error("no model selected")
    zr = _zr()
    # zoo-report's capture loop (forked child per model, time limit,
    # captures.tsv kept across selections) over our models
    zr.capture_one = capture_one
    zr.MODELS = [(n, [f], False, req, b, w) for n, f, req, b, w in MODELS]
    # one model at a time, so that captures.tsv has every finished model's
    # row when a run is interrupted (sweep-verify.sh --resume goes on from there)
    for n, f, req, b, w in models:
        zr.capture_all([(n, [f], False, req, b, w)], a.out, a.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
