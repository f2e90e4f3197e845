"""SambaY decoder-hybrid-decoder (Phi-4-mini-flash-reasoning), top-down: causal LM -> backbone -> decoder layer.

Parameter names are exactly Hugging Face's (`model.embed_tokens.weight`, `model.layers.{i}.attn.*`,
`model.layers.{i}.mlp.fc1.weight`, `model.final_layernorm.bias`, tied `lm_head.weight`), so an HF state dict
loads with `load_state_dict(sd, strict=True)`; `lm_head.weight` may be absent when the embeddings are tied.

Numerics (as HF): the residual stream is fp32 (fp64 for fp64 models); every LayerNorm input is cast back to
the model dtype; logits come back in fp32 (fp64).

Forward modes (`SambaYForCausalLM.forward(input_ids, cache=None, logits_to_keep=0)`):

* no cache: full causal forward over [B, T] tokens;
* empty cache (`cache.length == 0`): the same prefill, also filling the cache;
* filled cache: exactly one new token per sequence (T == 1), using and updating the cache.

`logits_to_keep=k > 0` returns logits for the last k positions only and runs the cross-decoder (layers
L/2+2 ...) on those positions only (vLLM's YOCO prefill skip): exact for those logits, because GMU, MLP and
norms are token-local and cross-attention reads only the layer-L/2+1 K/V, which the self-decoder computed for
every token. This makes prefill linear in the prompt length.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .cache import SambaYCache
from .config import (
    CROSS_ATTENTION,
    FULL_ATTENTION,
    GMU,
    MAMBA,
    MEMORY_MAMBA,
    SLIDING_ATTENTION,
    SambaYConfig,
)
from .errors import GenerationError
from .kernels import compute_dtype
from .layers import DifferentialAttention, GatedMemoryUnit, Mamba, SwiGLUMLP

SharedKV = tuple[torch.Tensor, torch.Tensor]


class SambaYForCausalLM(nn.Module):
    """Backbone `model` plus tied `lm_head`. `model(input_ids [B, T])` -> logits [B, T, vocab]."""

    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        self.config = config
        self.model = SambaYModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.tie_weights()
        # with_module=True and a plain function: a bound method here would make a reference cycle that keeps
        # a deleted model's (GPU) memory alive until the garbage collector runs
        self._register_load_state_dict_pre_hook(_fill_tied_head, with_module=True)

    def tie_weights(self) -> None:
        """Make `lm_head.weight` the embedding matrix (when `tie_word_embeddings`)."""
        if self.config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    @property
    def dtype(self) -> torch.dtype:
        return self.model.embed_tokens.weight.dtype

    @property
    def device(self) -> torch.device:
        return self.model.embed_tokens.weight.device

    def allocate_cache(self, batch_size: int, capacity: int) -> SambaYCache:
        """Empty cache for `batch_size` sequences of up to about `capacity` tokens (it grows if needed)."""
        return SambaYCache.allocate(self.config, batch_size, capacity, device=self.device, dtype=self.dtype)

    def forward(self, input_ids: torch.Tensor, cache: SambaYCache | None = None,
                logits_to_keep: int = 0) -> torch.Tensor:
        """input_ids [B, T] (int64) -> logits [B, T or logits_to_keep, vocab] in fp32 (fp64 for fp64 models)."""
        hidden = self.model(input_ids, cache=cache, logits_to_keep=logits_to_keep)
        return self.lm_head(hidden).to(compute_dtype(self.dtype))

    @torch.no_grad()
    def init_random(self, seed: int = 0, std: float = 0.02) -> SambaYForCausalLM:
        """Random weights for tests and benchmarks (HF-like init; normal(0, std) projections). Returns self.

        Deterministic for a given seed on a given device type (the generator lives on the model's device).
        """
        dev = self.device
        g = torch.Generator(device=dev).manual_seed(seed)

        def randn(shape: torch.Size) -> torch.Tensor:
            return torch.randn(shape, generator=g, device=dev)

        def normal(p: torch.Tensor, s: float) -> None:
            p.copy_(randn(p.shape) * s)

        for name, p in self.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if "layernorm" in name or "subln" in name:
                p.copy_(1.0 + randn(p.shape) * 0.1) if leaf == "weight" else normal(p, 0.02)
            elif leaf == "A_log":
                p.copy_(torch.log(torch.arange(1, p.shape[1] + 1, dtype=torch.float32, device=dev)).expand(p.shape))
            elif leaf == "D":
                p.fill_(1.0)
            elif name.endswith("dt_proj.bias"):
                dt = torch.exp(torch.rand(p.shape, generator=g, device=dev) * (math.log(0.1) - math.log(1e-3))
                               + math.log(1e-3)).clamp(min=1e-4)
                p.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
            elif leaf.startswith("lambda_"):
                normal(p, 0.1)
            elif name.endswith("conv1d.weight"):
                normal(p, 1.0 / math.sqrt(p.shape[-1]))
            elif leaf == "bias":
                normal(p, std)
            else:
                normal(p, std)
        return self


def _fill_tied_head(module: SambaYForCausalLM, state_dict: dict, prefix: str, local_metadata: dict,
                    strict: bool, missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
    """Accept tied checkpoints with or without `lm_head.weight`; a stored head must equal the embedding."""
    if not module.config.tie_word_embeddings:
        return
    head, emb = prefix + "lm_head.weight", prefix + "model.embed_tokens.weight"
    if emb not in state_dict:
        return
    if head not in state_dict:
        state_dict[head] = state_dict[emb]
    elif state_dict[head] is not state_dict[emb] and not torch.equal(state_dict[head], state_dict[emb]):
        error_msgs.append("lm_head.weight differs from model.embed_tokens.weight, but the config ties them "
                          "(tie_word_embeddings=True)")


class SambaYModel(nn.Module):
    """embed_tokens -> L decoder layers -> final_layernorm. Returns normalized hidden states (model dtype)."""

    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.final_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor, cache: SambaYCache | None = None,
                logits_to_keep: int = 0) -> torch.Tensor:
        """input_ids [B, T] -> hidden [B, T or logits_to_keep, d]."""
        if input_ids.dim() != 2 or input_ids.dtype not in (torch.int64, torch.int32):
            raise GenerationError(f"input_ids must be an int tensor [B, T], got {input_ids.dtype} "
                                  f"{tuple(input_ids.shape)}")
        B, T = input_ids.shape
        if T == 0:
            raise GenerationError("input_ids has no tokens")
        if logits_to_keep < 0:
            raise GenerationError(f"logits_to_keep={logits_to_keep} must be >= 0")
        stepping = cache is not None and cache.length > 0
        if cache is not None:
            if cache.batch_size != B:
                raise GenerationError(f"cache holds {cache.batch_size} sequences, input has {B}")
            if stepping and T != 1:
                raise GenerationError(f"a filled cache continues one token at a time; got {T} tokens "
                                      "(multi-token continuation is not supported)")
        dtype = self.embed_tokens.weight.dtype
        x = self.embed_tokens(input_ids).to(compute_dtype(dtype))  # residual stream [B, T, d], fp32
        memory: torch.Tensor | None = None
        shared: SharedKV | None = None
        skip_from = self.config.cross_decoder_start
        for i, layer in enumerate(self.layers):
            if i == skip_from and 0 < logits_to_keep < x.shape[1]:
                x = x[:, -logits_to_keep:]
                memory = None if memory is None else memory[:, -logits_to_keep:]
            x, memory, shared = layer(x, cache, memory, shared, stepping)
        if cache is not None:
            cache.memory = memory
            cache.length += T
        if 0 < logits_to_keep < x.shape[1]:
            x = x[:, -logits_to_keep:]
        return self.final_layernorm(x.to(dtype))


class DecoderLayer(nn.Module):
    """Pre-norm block: x += mixer(LN(x)); x += MLP(LN(x)). The mixer module is named `attn` for every kind."""

    def __init__(self, config: SambaYConfig, layer_idx: int) -> None:
        super().__init__()
        c = config
        self.layer_idx = layer_idx
        self.kind = c.layer_types[layer_idx]
        self.is_kv_layer = layer_idx == c.kv_layer
        self.input_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.post_attention_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = SwiGLUMLP(c.hidden_size, c.intermediate_size)
        self.attn: nn.Module
        if self.kind in (MAMBA, MEMORY_MAMBA):
            self.attn = Mamba(c.hidden_size, c.mamba_d_inner, c.mamba_d_state, c.mamba_d_conv, c.dt_rank,
                              is_memory=self.kind == MEMORY_MAMBA)
        elif self.kind == GMU:
            self.attn = GatedMemoryUnit(c.hidden_size, c.mamba_d_inner)
        elif self.kind in (SLIDING_ATTENTION, FULL_ATTENTION, CROSS_ATTENTION):
            self.attn = DifferentialAttention(
                c.hidden_size, c.num_attention_heads, c.num_key_value_heads, layer_idx,
                c.lambda_init(layer_idx), window=c.window_of(layer_idx), cross=self.kind == CROSS_ATTENTION)
        else:  # pragma: no cover - config validation makes this unreachable
            raise AssertionError(self.kind)

    def forward(self, x: torch.Tensor, cache: SambaYCache | None, memory: torch.Tensor | None,
                shared: SharedKV | None, stepping: bool
                ) -> tuple[torch.Tensor, torch.Tensor | None, SharedKV | None]:
        """x [B, T, d] residual (fp32) -> (x, GMU memory, shared K/V), the last two passed along the stack."""
        dtype = self.input_layernorm.weight.dtype
        h = self.input_layernorm(x.to(dtype))
        i = self.layer_idx
        if isinstance(self.attn, Mamba):
            a, mem = self.attn.step(h, cache, i) if stepping else self.attn(h, cache, i)  # type: ignore[arg-type]
            if self.attn.is_memory:
                memory = mem
        elif isinstance(self.attn, GatedMemoryUnit):
            if memory is None:
                raise GenerationError(f"GMU layer {i} has no memory (layer {i} precedes the memory layer?)")
            a = self.attn(h, memory)
        else:
            assert isinstance(self.attn, DifferentialAttention)
            if stepping:
                a, kv = self.attn.step(h, cache, shared)  # type: ignore[arg-type]
            else:
                a, kv = self.attn(h, cache, shared)
            if self.is_kv_layer:
                shared = kv
        x = x + a.to(x.dtype)
        x = x + self.mlp(self.post_attention_layernorm(x.to(dtype))).to(x.dtype)
        return x, memory, shared
