"""Gated Memory Unit (cross-decoder layers L/2+2, L/2+4, ...): gates the layer-L/2 Mamba memory by the input."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..kernels import compute_dtype


class GatedMemoryUnit(nn.Module):
    """out = out_proj(silu(in_proj(x)) * memory). x [B, T, d], memory [B, T, Di] -> [B, T, d]. No state.

    HF names it `attn` (a `Phi3Mamba` with `yoco_cross=True`): parameters `in_proj.weight` [Di, d] and
    `out_proj.weight` [d, Di], both bias-free.
    """

    def __init__(self, hidden_size: int, d_inner: int) -> None:
        super().__init__()
        self.in_proj = nn.Linear(hidden_size, d_inner, bias=False)
        self.out_proj = nn.Linear(d_inner, hidden_size, bias=False)

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        if memory.shape[:-1] != x.shape[:-1]:
            raise ValueError(f"GMU memory {tuple(memory.shape)} does not match input {tuple(x.shape)}")
        c = compute_dtype(x.dtype)
        return self.out_proj((F.silu(self.in_proj(x).to(c)) * memory.to(c)).to(x.dtype))
