"""Mamba-1 mixer (HF `Phi3Mamba`, self-decoder layers 0, 2, ..., L/2).

x, z = in_proj(h); x = silu(causal_conv(x)); dt, B, C = x_proj(x); dt = dt_proj.weight @ dt;
y = selective_scan(x, softplus(dt + dt_proj.bias), A = -exp(A_log), B, C, D); out = out_proj(y * silu(z)).

The memory layer (index L/2) runs the scan without the gate and returns the ungated y [B, T, Di] (model dtype)
as the Gated Memory Unit memory; its own output is out_proj(silu(z) * y) from that rounded y, as in HF.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import kernels
from ..cache import SambaYCache
from ..kernels import compute_dtype


class Mamba(nn.Module):
    """Parameters (HF names): in_proj [2Di, d], conv1d [Di, 1, K] + bias, x_proj [R+2N, Di],
    dt_proj [Di, R] + bias, A_log [Di, N], D [Di], out_proj [d, Di]."""

    def __init__(self, hidden_size: int, d_inner: int, d_state: int, d_conv: int, dt_rank: int,
                 *, is_memory: bool) -> None:
        super().__init__()
        self.d_inner, self.d_state, self.dt_rank, self.is_memory = d_inner, d_state, dt_rank, is_memory
        self.in_proj = nn.Linear(hidden_size, 2 * d_inner, bias=False)
        self.conv1d = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1, bias=True)
        self.x_proj = nn.Linear(d_inner, dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d_inner, bias=True)
        self.A_log = nn.Parameter(torch.empty(d_inner, d_state))
        self.D = nn.Parameter(torch.empty(d_inner))
        self.out_proj = nn.Linear(d_inner, hidden_size, bias=False)

    def _A(self, dtype: torch.dtype) -> torch.Tensor:
        return -torch.exp(self.A_log.to(compute_dtype(dtype)))  # [Di, N], always fp32 (fp64 for fp64)

    def _finish(self, y: torch.Tensor, z: torch.Tensor, dtype: torch.dtype
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """y is gated already unless this is the memory layer; returns (out_proj(...), memory | None)."""
        if not self.is_memory:
            return self.out_proj(y), None
        c = compute_dtype(dtype)
        gated = (F.silu(z.to(c)) * y.to(c)).to(dtype)
        return self.out_proj(gated), y

    def forward(self, h: torch.Tensor, cache: SambaYCache | None = None, layer_idx: int = -1
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A whole prompt from zero state. h [B, T, d] -> (out [B, T, d], memory [B, T, Di] or None).

        With a cache, writes the last K raw inputs (conv state) and the final SSM state of slot `layer_idx`.
        """
        T = h.shape[1]
        x, z = self.in_proj(h).chunk(2, dim=-1)  # [B, T, Di] each
        if cache is not None:
            st = cache.mamba(layer_idx)
            K = st.conv.shape[-1]
            st.conv.copy_(F.pad(x.transpose(1, 2), (max(0, K - T), 0))[..., -K:])
        x = kernels.causal_conv1d(x, self.conv1d.weight[:, 0, :], self.conv1d.bias)
        dt, B, C = self.x_proj(x).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        dt = F.linear(dt, self.dt_proj.weight)  # bias is added inside the scan, before softplus
        y, last = kernels.selective_scan(x, dt, self._A(h.dtype), B, C, self.D, self.dt_proj.bias,
                                         z=None if self.is_memory else z)
        if cache is not None:
            cache.mamba(layer_idx).ssm.copy_(last)
        return self._finish(y, z, h.dtype)

    def step(self, h: torch.Tensor, cache: SambaYCache, layer_idx: int
             ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One token. h [B, 1, d] -> (out [B, 1, d], memory [B, 1, Di] or None); updates the slot in place."""
        st = cache.mamba(layer_idx)
        x, z = self.in_proj(h[:, 0]).chunk(2, dim=-1)  # [B, Di]
        x = kernels.causal_conv1d_update(x, st.conv, self.conv1d.weight[:, 0, :], self.conv1d.bias)
        dt, B, C = self.x_proj(x).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        dt = F.linear(dt, self.dt_proj.weight)
        y = kernels.selective_state_update(st.ssm, x, dt, self._A(h.dtype), B, C, self.D, self.dt_proj.bias,
                                           z=None if self.is_memory else z)
        out, memory = self._finish(y, z, h.dtype)
        return out[:, None], None if memory is None else memory[:, None]
