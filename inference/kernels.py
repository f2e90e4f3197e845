"""Compute kernels: optional CUDA fast paths, each with a pure-PyTorch reference twin that always works.

Dispatch (per call, from the input tensor):

* ``selective_scan`` / ``selective_state_update`` (Mamba-1): `mamba_ssm`'s CUDA scan and Triton state update
  when the tensors are on CUDA and `mamba_ssm` imports; otherwise the reference loops below.
* ``attention``: on CUDA, one-token queries use two batched matmuls (GQA by reshape); longer queries use
  PyTorch SDPA (flash for plain causal, memory-efficient with a mask for windows / offset queries; a prompt
  longer than twice the window runs in window-sized query chunks, :func:`attention_windowed_chunks`, so
  sliding-window prefill is linear in the prompt length);
  an explicit masked-softmax reference elsewhere. `flash_attn` is not needed.
* ``causal_conv1d`` / ``causal_conv1d_update``: always the reference (F.conv1d in fp32; cheap next to the
  projections). The `causal_conv1d` package is not used: its state convention changed across versions.

Nothing here is imported or compiled at module import: `mamba_ssm` is imported lazily on the first CUDA call,
so `import inference` never touches CUDA. Tests force a path with :func:`override` (``"reference"`` or
``"fast"``); `"fast"` raises if the fast path cannot run.

Shapes: B batch, T query length, S key length, Di Mamba inner width, N SSM state size, H heads, D head dim.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F

from .errors import InferenceError

_MODES = ("auto", "reference", "fast")
_mode = "auto"
_mamba_ops: Any = None  # tuple(selective_scan_fn, selective_state_update) once imported; False if unavailable
_warned = False
_mamba_error = ""


def set_override(mode: str) -> None:
    """Force every kernel to ``"reference"`` or ``"fast"``, or back to ``"auto"`` (fast on CUDA when present)."""
    global _mode
    if mode not in _MODES:
        raise ValueError(f"kernel mode {mode!r}; expected one of {_MODES}")
    _mode = mode


@contextlib.contextmanager
def override(mode: str) -> Iterator[None]:
    """Context manager form of :func:`set_override` (restores the previous mode)."""
    previous = _mode
    set_override(mode)
    try:
        yield
    finally:
        set_override(previous)


def _load_mamba_ops() -> Any:
    global _mamba_ops, _mamba_error
    if _mamba_ops is None:
        try:
            from mamba_ssm.ops.selective_scan_interface import selective_scan_fn
            from mamba_ssm.ops.triton.selective_state_update import selective_state_update
            _mamba_ops = (selective_scan_fn, selective_state_update)
        except (ImportError, AttributeError, OSError, RuntimeError) as e:  # missing, or built for another torch
            _mamba_ops, _mamba_error = False, f"{type(e).__name__}: {e}"
    return _mamba_ops


def is_fast_path_available(device: torch.device | str = "cuda") -> dict[str, bool]:
    """Which fast kernels would run on `device` (imports `mamba_ssm` lazily; only call where CUDA is wanted)."""
    dev = torch.device(device)
    cuda = dev.type == "cuda" and torch.cuda.is_available()
    return {"mamba_ssm": bool(cuda and _load_mamba_ops()), "sdpa": cuda}


def _want_fast(t: torch.Tensor, needs_mamba: bool) -> bool:
    global _warned
    if _mode == "reference" or (_mode == "auto" and not t.is_cuda):
        return False
    ok = t.is_cuda and (not needs_mamba or bool(_load_mamba_ops()))
    if _mode == "fast" and not ok:
        raise InferenceError("kernel mode 'fast' forced, but the fast path cannot run here "
                             f"(device={t.device}, mamba_ssm importable={bool(_load_mamba_ops())})")
    if not ok and not _warned:
        _warned = True
        warnings.warn(f"mamba_ssm is not importable ({_mamba_error}): Mamba layers use the slow reference scan "
                      "on CUDA", stacklevel=3)
    return ok


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Accumulation dtype for a model dtype: float64 stays float64, everything else computes in float32."""
    return torch.float64 if dtype == torch.float64 else torch.float32


# ---------------------------------------------------------------------------------------------- causal conv
def causal_conv1d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """silu(depthwise causal conv). x [B, T, Di]; weight [Di, K]; bias [Di] -> [B, T, Di] (x.dtype)."""
    c = compute_dtype(x.dtype)
    T, K = x.shape[1], weight.shape[-1]
    y = F.conv1d(x.transpose(1, 2).to(c), weight.to(c).unsqueeze(1), bias.to(c), padding=K - 1,
                 groups=weight.shape[0])[..., :T]
    return F.silu(y).transpose(1, 2).to(x.dtype)


def causal_conv1d_update(x: torch.Tensor, conv_state: torch.Tensor, weight: torch.Tensor,
                         bias: torch.Tensor) -> torch.Tensor:
    """One step. x [B, Di]; conv_state [B, Di, K] = last K raw inputs (newest last), updated in place."""
    conv_state.copy_(torch.roll(conv_state, shifts=-1, dims=-1))
    conv_state[:, :, -1] = x.to(conv_state.dtype)
    c = compute_dtype(x.dtype)
    y = (conv_state.to(c) * weight.to(c)).sum(-1) + bias.to(c)
    return F.silu(y).to(x.dtype)


# ---------------------------------------------------------------------------------------------- selective scan
def selective_scan(x: torch.Tensor, dt: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                   D: torch.Tensor, dt_bias: torch.Tensor, z: torch.Tensor | None = None,
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mamba-1 selective scan from a zero state.

    x, dt [B, T, Di] (dt before bias and softplus); A [Di, N] (negative, fp32); B, C [B, T, N]; D, dt_bias [Di];
    z [B, T, Di] or None. Returns y [B, T, Di] in x.dtype (``y * silu(z)`` if z is given, gate in fp32) and the
    final state [B, Di, N] in float32 (float64 for float64 inputs).
    """
    if _want_fast(x, needs_mamba=True):
        scan, _ = _load_mamba_ops()
        y, last = scan(x.transpose(1, 2).contiguous(), dt.transpose(1, 2).contiguous(), A.float(),
                       B.transpose(1, 2).contiguous(), C.transpose(1, 2).contiguous(), D.float(),
                       z=None if z is None else z.transpose(1, 2).contiguous(), delta_bias=dt_bias.float(),
                       delta_softplus=True, return_last_state=True)
        return y.transpose(1, 2), last
    return selective_scan_reference(x, dt, A, B, C, D, dt_bias, z)


def selective_scan_reference(x: torch.Tensor, dt: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                             C: torch.Tensor, D: torch.Tensor, dt_bias: torch.Tensor,
                             z: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequential reference twin of :func:`selective_scan` (same arguments and results)."""
    c = compute_dtype(x.dtype)
    Bsz, T, Di = x.shape
    xc, Ac, Dc = x.to(c), A.to(c), D.to(c)
    delta = F.softplus(dt.to(c) + dt_bias.to(c))  # [B, T, Di]
    Bc, Cc = B.to(c), C.to(c)
    s = x.new_zeros((Bsz, Di, A.shape[-1]), dtype=c)
    ys = []
    for t in range(T):
        dA = torch.exp(delta[:, t, :, None] * Ac)  # [B, Di, N]
        s = dA * s + (delta[:, t] * xc[:, t])[:, :, None] * Bc[:, t, None, :]
        ys.append((s * Cc[:, t, None, :]).sum(-1) + Dc * xc[:, t])
    y = torch.stack(ys, dim=1)
    if z is not None:
        y = y * F.silu(z.to(c))
    return y.to(x.dtype), s


def selective_state_update(state: torch.Tensor, x: torch.Tensor, dt: torch.Tensor, A: torch.Tensor,
                           B: torch.Tensor, C: torch.Tensor, D: torch.Tensor, dt_bias: torch.Tensor,
                           z: torch.Tensor | None = None) -> torch.Tensor:
    """One Mamba-1 step. state [B, Di, N] (updated in place); x, dt, z [B, Di]; B, C [B, N] -> y [B, Di]."""
    if _want_fast(x, needs_mamba=True):
        _, update = _load_mamba_ops()
        return update(state, x, dt, A.float(), B, C, D=D.float(), z=z, dt_bias=dt_bias.float(),
                      dt_softplus=True)
    return selective_state_update_reference(state, x, dt, A, B, C, D, dt_bias, z)


def selective_state_update_reference(state: torch.Tensor, x: torch.Tensor, dt: torch.Tensor, A: torch.Tensor,
                                     B: torch.Tensor, C: torch.Tensor, D: torch.Tensor, dt_bias: torch.Tensor,
                                     z: torch.Tensor | None = None) -> torch.Tensor:
    """Reference twin of :func:`selective_state_update` (same arguments and results)."""
    c = compute_dtype(x.dtype)
    xc = x.to(c)
    delta = F.softplus(dt.to(c) + dt_bias.to(c))  # [B, Di]
    s = torch.exp(delta[:, :, None] * A.to(c)) * state.to(c) + (delta * xc)[:, :, None] * B.to(c)[:, None, :]
    state.copy_(s)
    y = (s * C.to(c)[:, None, :]).sum(-1) + D.to(c) * xc
    if z is not None:
        y = y * F.silu(z.to(c))
    return y.to(x.dtype)


# ---------------------------------------------------------------------------------------------- attention
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int | None) -> torch.Tensor:
    """Causal softmax attention with GQA, bottom-right aligned, optional sliding window.

    q [B, T, Hq, D]; k [B, S, Hk, D]; v [B, S, Hk, Dv] with Hq % Hk == 0 (query head h uses kv head h // (Hq/Hk)).
    Query t sits at absolute position p = S - T + t and sees keys j with p - window < j <= p (all j <= p when
    window is None). Scale 1/sqrt(D). Returns [B, T, Hq, Dv] in q.dtype.
    """
    if _want_fast(q, needs_mamba=False):
        return _attention_sdpa(q, k, v, window)
    return attention_reference(q, k, v, window)


def _visible(T: int, S: int, window: int | None, device: torch.device) -> torch.Tensor:
    """Boolean [T, S]: may query t see key j."""
    p = torch.arange(S - T, S, device=device)[:, None]
    j = torch.arange(S, device=device)[None, :]
    ok = j <= p
    if window is not None:
        ok = ok & (j > p - window)
    return ok


def attention_reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int | None) -> torch.Tensor:
    """Reference twin of :func:`attention`: explicit scores and softmax in fp32 (fp64 for fp64 inputs)."""
    c = compute_dtype(q.dtype)
    T, S, Hq, Hk = q.shape[1], k.shape[1], q.shape[2], k.shape[2]
    if S < T:
        raise InferenceError(f"attention with fewer keys ({S}) than queries ({T})")
    rep = Hq // Hk
    qh = q.to(c).transpose(1, 2)  # [B, Hq, T, D]
    kh = k.to(c).transpose(1, 2).repeat_interleave(rep, dim=1)
    vh = v.to(c).transpose(1, 2).repeat_interleave(rep, dim=1)
    scores = qh @ kh.transpose(-1, -2) * (q.shape[-1] ** -0.5)
    scores = scores.masked_fill(~_visible(T, S, window, q.device), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ vh
    return out.transpose(1, 2).to(q.dtype)


def _attention_decode(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int | None) -> torch.Tensor:
    """T == 1 on CUDA: two batched matmuls with GQA by reshaping (no K/V copies, no per-length plans)."""
    B, _, Hq, D = q.shape
    if window is not None and k.shape[1] > window:  # the single query sees exactly the last `window` keys
        k, v = k[:, -window:], v[:, -window:]
    Hk = k.shape[2]
    qg = q.view(B, Hk, Hq // Hk, D)  # query head h -> kv head h // (Hq/Hk)
    scores = torch.matmul(qg, k.permute(0, 2, 3, 1)).float() * (D ** -0.5)  # [B, Hk, rep, S]
    probs = torch.softmax(scores, dim=-1).to(v.dtype)
    out = torch.matmul(probs, v.transpose(1, 2))  # [B, Hk, rep, Dv]
    return out.reshape(B, 1, Hq, v.shape[-1])


def _attention_sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int | None) -> torch.Tensor:
    """T > 1 on CUDA: SDPA flash (plain causal) or efficient (masked); value halves of width D each.

    cuDNN is left out on purpose: it builds an execution plan per new sequence length (seconds on first use).
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel

    T, S, Hq, Hk, D = q.shape[1], k.shape[1], q.shape[2], k.shape[2], q.shape[3]
    if T == 1:
        return _attention_decode(q, k, v, window)
    if window is not None and T == S and T > 2 * window:
        return attention_windowed_chunks(q, k, v, window)
    qh, kh = q.transpose(1, 2), k.transpose(1, 2)
    causal = T == S and window is None
    mask = None if causal else _visible(T, S, window, q.device)
    if not causal and Hq != Hk:  # the masked (efficient) kernel has no GQA: expand kv heads
        kh = kh.repeat_interleave(Hq // Hk, dim=1)
    outs = []
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
        for part in v.split(D, dim=-1):
            vh = part.transpose(1, 2)
            if not causal and Hq != Hk:
                vh = vh.repeat_interleave(Hq // Hk, dim=1)
            outs.append(F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask, is_causal=causal,
                                                       enable_gqa=causal and Hq != Hk))
    return torch.cat(outs, dim=-1).transpose(1, 2)


def attention_windowed_chunks(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int) -> torch.Tensor:
    """Sliding-window causal attention of a whole prompt (T == S), linear in T: SDPA on query chunks.

    The queries are cut into chunks of `window` rows; chunk i (positions iW .. iW+W-1) sees at most the keys
    iW-W .. iW+W-1, so it attends over those 2W keys with a [W, 2W] mask (front padding and keys past T masked).
    Same arguments and result as :func:`attention` with T == S. Works on any device (SDPA's math kernel on CPU).
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel

    B, T, Hq, D = q.shape
    Hk, Dv, C = k.shape[2], v.shape[3], window
    if k.shape[1] != T:
        raise InferenceError(f"attention_windowed_chunks needs as many keys as queries, got {k.shape[1]} and {T}")
    n = -(-T // C)
    pad = n * C - T
    qc = F.pad(q, (0, 0, 0, 0, 0, pad)).view(B, n, C, Hq, D).permute(0, 1, 3, 2, 4).reshape(B * n, Hq, C, D)

    def windows(t: torch.Tensor) -> torch.Tensor:  # [B, T, Hk, X] -> [B*n, Hq, 2C, X] (GQA expanded)
        tp = F.pad(t, (0, 0, 0, 0, C, pad))  # [B, (n+1)C, Hk, X]
        w = tp.unfold(1, 2 * C, C).permute(0, 1, 2, 4, 3).reshape(B * n, Hk, 2 * C, t.shape[-1])
        return w.repeat_interleave(Hq // Hk, dim=1) if Hq != Hk else w

    qa = torch.arange(n, device=q.device)[:, None, None] * C + torch.arange(C, device=q.device)[None, :, None]
    ka = torch.arange(n, device=q.device)[:, None, None] * C - C + torch.arange(2 * C, device=q.device)[None, None]
    mask = (ka <= qa) & (ka > qa - window) & (ka >= 0)  # [n, C, 2C]
    mask = mask[None].expand(B, n, C, 2 * C).reshape(B * n, 1, C, 2 * C)
    kc = windows(k)
    outs = []
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
        for part in v.split(D, dim=-1):
            outs.append(F.scaled_dot_product_attention(qc, kc, windows(part), attn_mask=mask))
    out = torch.cat(outs, dim=-1)  # [B*n, Hq, C, Dv]
    return out.view(B, n, Hq, C, Dv).permute(0, 1, 3, 2, 4).reshape(B, n * C, Hq, Dv)[:, :T]
