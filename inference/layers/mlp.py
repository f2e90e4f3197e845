"""SwiGLU MLP with a fused first projection (HF `SambaYMLP`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..kernels import compute_dtype


class SwiGLUMLP(nn.Module):
    """fc2(silu(gate) * up), [gate | up] = fc1(x). x [B, T, d] -> [B, T, d]; product in fp32."""

    def __init__(self, hidden_size: int, intermediate_size: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(hidden_size, 2 * intermediate_size, bias=False)
        self.fc2 = nn.Linear(intermediate_size, hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.fc1(x).chunk(2, dim=-1)
        c = compute_dtype(x.dtype)
        return self.fc2((F.silu(gate.to(c)) * up.to(c)).to(x.dtype))
