"""A parallel (log-space) Mamba-1 selective scan for training, equal to `kernels.selective_scan_reference`.

The reference scan is a Python loop over time: fine for decoding, but on a GPU its T small launches per
layer (and as many again backwards) dominate a training step. Here the recurrence

    s_t = exp(delta_t A) * s_{t-1} + delta_t x_t B_t,        y_t = <s_t, C_t> + D x_t

is solved in closed form with cumulative sums: with c_t = sum_{j<=t} delta_j A (<= 0, decreasing),
s_t = sum_{k<=t} exp(c_t - c_k) u_k, u_k = delta_k x_k B_k. The positive and negative parts of u are summed
separately in log space (`logcumsumexp`), so no exp overflows however long the sequence: every term is
computed as exp(c_t + logcumsumexp_k(log u_k - c_k)), chunk by chunk.

Memory: a handful of [B, T, Di, N] fp32 tensors per Mamba layer (kept for backward). Used only inside
:func:`parallel_scan` (a context manager that points `inference.kernels.selective_scan` here while it is
active), so inference code and checkpoints are untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from .. import kernels

CHUNK = 32  # time steps solved in parallel at once (see selective_scan_parallel)
_TINY = 1e-30  # floor for log(|u|): a zero term contributes 1e-30 * exp(c_t - c_k) <= 1e-30


def _log_part(u: torch.Tensor, positive: bool) -> torch.Tensor:
    """log of max(+-u, 0), floored at log(_TINY) (finite, so logcumsumexp's backward never sees -inf)."""
    part = u if positive else -u
    return torch.log(part.clamp_min(_TINY))


def selective_scan_parallel(x: torch.Tensor, dt: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                            C: torch.Tensor, D: torch.Tensor, dt_bias: torch.Tensor,
                            z: torch.Tensor | None = None, *, chunk: int = CHUNK
                            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Same arguments and results as `inference.kernels.selective_scan_reference`:
    x, dt [B, T, Di]; A [Di, N] (negative); B, C [B, T, N]; D, dt_bias [Di]; z [B, T, Di] or None ->
    (y [B, T, Di] in x.dtype, gated by silu(z) if z is given; final state [B, Di, N] fp32).

    Time is cut into chunks of `chunk` steps; within a chunk the closed form above runs in parallel, and the
    state is carried from chunk to chunk (T / chunk sequential steps), which keeps |c_t| (and so the fp32
    rounding of c_t + logcumsumexp(...)) at the scale of one chunk.
    """
    if chunk < 1:
        raise ValueError(f"chunk={chunk} must be >= 1")
    c = kernels.compute_dtype(x.dtype)
    xc = x.to(c)
    delta = F.softplus(dt.to(c) + dt_bias.to(c))  # [B, T, Di]
    dA = delta[..., None] * A.to(c)  # [B, T, Di, N], <= 0
    u = (delta * xc)[..., None] * B.to(c)[:, :, None, :]  # [B, T, Di, N]
    state = xc.new_zeros((x.shape[0], x.shape[2], A.shape[-1]))  # [B, Di, N]
    states = []
    for start in range(0, x.shape[1], chunk):
        cum = torch.cumsum(dA[:, start:start + chunk], dim=1)  # [B, t, Di, N], decreasing in t
        uc = u[:, start:start + chunk]
        pos = torch.exp(cum + torch.logcumsumexp(_log_part(uc, True) - cum, dim=1))
        neg = torch.exp(cum + torch.logcumsumexp(_log_part(uc, False) - cum, dim=1))
        s = pos - neg + torch.exp(cum) * state[:, None]  # the state after each step of the chunk
        states.append(s)
        state = s[:, -1]
    s_all = torch.cat(states, dim=1)
    y = torch.einsum("btdn,btn->btd", s_all, C.to(c)) + D.to(c) * xc
    if z is not None:
        y = y * F.silu(z.to(c))
    return y.to(x.dtype), state


@contextlib.contextmanager
def parallel_scan() -> Iterator[None]:
    """Route `inference.kernels.selective_scan` (whole-sequence scans) to :func:`selective_scan_parallel`
    while the block runs; restores the original on exit. One-token `selective_state_update` is unchanged."""
    original = kernels.selective_scan
    kernels.selective_scan = selective_scan_parallel
    try:
        yield
    finally:
        kernels.selective_scan = original
