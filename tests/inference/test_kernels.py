"""Reference kernels: scan == repeated state updates, conv == repeated conv updates, attention masks; override hook."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from inference import InferenceError, kernels


def _g(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("gated", [True, False])
def test_scan_equals_sequence_of_state_updates(gated):
    g = _g(0)
    B, T, Di, N = 2, 7, 5, 3
    x, dt, z = (torch.randn(B, T, Di, generator=g, dtype=torch.float64) for _ in range(3))
    A = -torch.rand(Di, N, generator=g, dtype=torch.float64) - 0.1
    Bm, Cm = torch.randn(B, T, N, generator=g, dtype=torch.float64), torch.randn(B, T, N, generator=g,
                                                                                 dtype=torch.float64)
    D, bias = torch.randn(Di, generator=g, dtype=torch.float64), torch.randn(Di, generator=g, dtype=torch.float64)
    y, last = kernels.selective_scan(x, dt, A, Bm, Cm, D, bias, z if gated else None)
    state = torch.zeros(B, Di, N, dtype=torch.float64)
    steps = [kernels.selective_state_update(state, x[:, t], dt[:, t], A, Bm[:, t], Cm[:, t], D, bias,
                                            z[:, t] if gated else None) for t in range(T)]
    torch.testing.assert_close(torch.stack(steps, 1), y)
    torch.testing.assert_close(state, last)
    # first step by hand: h = softplus(dt+b) * x * B, y = h.C + D x
    delta = F.softplus(dt[:, 0] + bias)
    y0 = ((delta * x[:, 0])[:, :, None] * Bm[:, 0, None, :] * Cm[:, 0, None, :]).sum(-1) + D * x[:, 0]
    if gated:
        y0 = y0 * F.silu(z[:, 0])
    torch.testing.assert_close(y[:, 0], y0)


def test_conv_equals_sequence_of_conv_updates():
    g = _g(1)
    x = torch.randn(2, 6, 4, generator=g, dtype=torch.float64)
    w, b = torch.randn(4, 3, generator=g, dtype=torch.float64), torch.randn(4, generator=g, dtype=torch.float64)
    full = kernels.causal_conv1d(x, w, b)
    state = torch.zeros(2, 4, 3, dtype=torch.float64)
    steps = torch.stack([kernels.causal_conv1d_update(x[:, t], state, w, b) for t in range(6)], 1)
    torch.testing.assert_close(steps, full)
    torch.testing.assert_close(state, x[:, -3:].transpose(1, 2))
    # output 0 only sees input 0 (causal): silu(w[:, -1] * x0 + b)
    torch.testing.assert_close(full[:, 0], F.silu(w[:, -1] * x[:, 0] + b))


@pytest.mark.parametrize("T,S,window", [(5, 5, None), (5, 5, 2), (2, 7, None), (2, 7, 3), (1, 7, 3)])
def test_reference_attention_against_per_query_loop(T, S, window):
    g = _g(2)
    q = torch.randn(1, T, 4, 3, generator=g, dtype=torch.float64)
    k = torch.randn(1, S, 2, 3, generator=g, dtype=torch.float64)
    v = torch.randn(1, S, 2, 5, generator=g, dtype=torch.float64)
    out = kernels.attention(q, k, v, window)
    for t in range(T):
        p = S - T + t
        lo = 0 if window is None else max(0, p - window + 1)
        for h in range(4):
            kv = h // 2
            w = torch.softmax(k[0, lo:p + 1, kv] @ q[0, t, h] / 3 ** 0.5, 0)
            torch.testing.assert_close(out[0, t, h], w @ v[0, lo:p + 1, kv])
    # the CUDA decode path's math, run here on CPU, agrees as well
    if T == 1:
        torch.testing.assert_close(kernels._attention_decode(q, k, v, window), out)


def test_override_hook_and_forced_fast_without_cuda():
    x = torch.zeros(1, 1, 1, 2)
    with kernels.override("reference"):
        assert kernels._mode == "reference"
        with kernels.override("auto"):
            assert kernels._mode == "auto"
        assert kernels._mode == "reference"
    assert kernels._mode == "auto"
    with pytest.raises(ValueError, match="kernel mode"):
        kernels.set_override("turbo")
    with kernels.override("fast"), pytest.raises(InferenceError, match="fast path cannot run"):
        kernels.attention(x, x, x, None)


def test_compute_dtype():
    assert kernels.compute_dtype(torch.bfloat16) == torch.float32
    assert kernels.compute_dtype(torch.float32) == torch.float32
    assert kernels.compute_dtype(torch.float64) == torch.float64
