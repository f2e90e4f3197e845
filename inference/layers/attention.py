"""Differential attention (HF `SambaYFlashAttention2` + `FlashDiffCustomAttention`), three uses:

* self-attention with a sliding window (self-decoder odd layers),
* full causal self-attention at layer L/2+1, whose K/V is shared with the cross-decoder,
* cross-attention (odd layers >= L/2+3): queries only, over layer L/2+1's K/V.

Math for q [B,T,H,D], k, v [B,S,Hkv,D] (stripe split: even heads branch 1, odd heads branch 2):
    a_i = softmax(q_i k_i^T / sqrt(D)) [v_1 | v_2]            (i = 1, 2; GQA within a branch; [B,T,H/2,2D])
    lambda = exp(<lambda_q1, lambda_k1>) - exp(<lambda_q2, lambda_k2>) + lambda_init(layer_idx)
    o = SubLN(a_1 - lambda a_2) * (1 - lambda_init)            (RMSNorm over 2D, eps 1e-5)
    out = out_proj(o.reshape(B, T, H*D))                       (row j's halves become heads 2j, 2j+1)
No positional encoding.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import kernels
from ..cache import SambaYCache
from ..kernels import compute_dtype


class SubLayerNorm(nn.Module):
    """RMSNorm over the last dim (width 2D) with a learnable weight; statistics in fp32."""

    def __init__(self, width: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.to(compute_dtype(x.dtype))
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


class DiffCore(nn.Module):
    """Holds the HF `inner_cross_attn` parameters: lambda_{q1,k1,q2,k2} [D] and subln.weight [2D]."""

    def __init__(self, head_dim: int, lambda_init: float) -> None:
        super().__init__()
        self.lambda_init = lambda_init
        self.lambda_q1 = nn.Parameter(torch.zeros(head_dim))
        self.lambda_k1 = nn.Parameter(torch.zeros(head_dim))
        self.lambda_q2 = nn.Parameter(torch.zeros(head_dim))
        self.lambda_k2 = nn.Parameter(torch.zeros(head_dim))
        self.subln = SubLayerNorm(2 * head_dim)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int | None) -> torch.Tensor:
        """q [B,T,H,D], k, v [B,S,Hkv,D] -> [B, T, H*D] (q.dtype)."""
        B, T, H, D = q.shape
        Hkv = v.shape[2]
        vv = v.reshape(*v.shape[:2], Hkv // 2, 2 * D)  # [B, S, Hkv/2, 2D]: pair j = [v_2j | v_2j+1] (a view)
        a1 = kernels.attention(q[:, :, 0::2], k[:, :, 0::2], vv, window)  # [B, T, H/2, 2D]
        a2 = kernels.attention(q[:, :, 1::2], k[:, :, 1::2], vv, window)
        c = compute_dtype(q.dtype)
        lam1 = torch.exp(torch.sum(self.lambda_q1 * self.lambda_k1).to(c)).to(q.dtype)
        lam2 = torch.exp(torch.sum(self.lambda_q2 * self.lambda_k2).to(c)).to(q.dtype)
        lam = lam1 - lam2 + self.lambda_init
        o = self.subln(a1 - lam * a2) * (1 - self.lambda_init)
        return o.reshape(B, T, H * D)


class DifferentialAttention(nn.Module):
    """Wqkv (+bias) -> differential attention -> out_proj (+bias). `cross=True`: Wqkv makes queries only."""

    def __init__(self, hidden_size: int, num_heads: int, num_kv_heads: int, layer_idx: int, lambda_init: float,
                 *, window: int | None, cross: bool) -> None:
        super().__init__()
        self.num_heads, self.num_kv_heads = num_heads, num_kv_heads
        self.head_dim = hidden_size // num_heads
        self.layer_idx, self.window, self.cross = layer_idx, window, cross
        kv = 2 * num_kv_heads * self.head_dim
        self.Wqkv = nn.Linear(hidden_size, hidden_size + (0 if cross else kv), bias=True)
        self.out_proj = nn.Linear(hidden_size, hidden_size, bias=True)
        self.inner_cross_attn = DiffCore(self.head_dim, lambda_init)

    def _project(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        B, T, _ = h.shape
        qkv = self.Wqkv(h)
        q = qkv[..., : self.num_heads * self.head_dim].view(B, T, self.num_heads, self.head_dim)
        if self.cross:
            return q, None, None
        k, v = qkv[..., self.num_heads * self.head_dim:].split(self.num_kv_heads * self.head_dim, dim=-1)
        return q, k.view(B, T, self.num_kv_heads, self.head_dim), v.view(B, T, self.num_kv_heads, self.head_dim)

    def forward(self, h: torch.Tensor, cache: SambaYCache | None = None,
                shared_kv: tuple[torch.Tensor, torch.Tensor] | None = None,
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None]:
        """A whole prompt. h [B, T, d] -> (out [B, T, d], (k, v) [B, T, Hkv, D] of this layer, None if cross).

        Cross layers need `shared_kv` [B, S, Hkv, D] with S >= T; their queries are the last T positions.
        With a cache, self-attention layers store their K/V in slot `layer_idx` (from position 0).
        """
        q, k, v = self._project(h)
        if self.cross:
            if shared_kv is None:
                raise ValueError(f"cross-attention layer {self.layer_idx} needs the shared K/V")
            return self.out_proj(self.inner_cross_attn(q, *shared_kv, None)), None
        assert k is not None and v is not None
        if cache is not None:
            cache.kv(self.layer_idx).write(k, v, start=0)
        return self.out_proj(self.inner_cross_attn(q, k, v, self.window)), (k, v)

    def step(self, h: torch.Tensor, cache: SambaYCache,
             shared_kv: tuple[torch.Tensor, torch.Tensor] | None = None,
             ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None]:
        """One token at position `cache.length`. h [B, 1, d] -> (out [B, 1, d], all valid (k, v) or None).

        Self-attention appends its K/V to the slot and attends over the valid keys (the ring buffer already
        holds exactly the window); cross-attention attends over `shared_kv` (which includes this token).
        """
        q, k, v = self._project(h)
        if self.cross:
            if shared_kv is None:
                raise ValueError(f"cross-attention layer {self.layer_idx} needs the shared K/V")
            return self.out_proj(self.inner_cross_attn(q, *shared_kv, None)), None
        assert k is not None and v is not None
        slot = cache.kv(self.layer_idx)
        slot.write(k, v, start=cache.length)
        keys, values = slot.view(cache.length + 1)
        return self.out_proj(self.inner_cross_attn(q, keys, values, None)), (keys, values)
