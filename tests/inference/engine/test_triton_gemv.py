"""The Triton matrix-vector kernels (`inference.engine.triton_gemv`) against their torch formulas, and the compiled
decode step with `fused.TRITON_GEMV` on against the eager step.

Run on a CUDA machine: `pytest -m gpu tests/inference/engine/test_triton_gemv.py`. Every check draws fresh random
inputs; bf16 results are compared with the torch formula (cuBLAS) and with its exact (fp64) value at the same
rounding points, fp32 results with the fp64 formula.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from inference.engine import fused
from inference.engine import triton_gemv as tg
from inference.testing import tiny_random_model

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

BF16, FP32 = torch.bfloat16, torch.float32
# (N, K, dtype): the 3.8B model's shapes in bf16; odd ones (N not a multiple of BLOCK_N, K not of BLOCK_K) in both
LN_SHAPES = [(20480, 2560, BF16), (10240, 2560, BF16), (5120, 2560, BF16), (1001, 2560, BF16), (1001, 2560, FP32),
             (37, 96, BF16), (37, 96, FP32), (300, 200, FP32)]
SWIGLU_SHAPES = [(2560, 10240, BF16), (2560, 5120, BF16), (37, 96, FP32), (1001, 1000, BF16), (1001, 1000, FP32)]
LINEAR_SHAPES = [(2560, 5120, BF16), (192, 5120, BF16), (2560, 2560, BF16), (5120, 160, BF16), (37, 96, FP32),
                 (1001, 1000, BF16), (1001, 1000, FP32)]
BATCHES = [1, 3, 8]


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    return ((a - b).norm() / b.norm()).item()


def _gen(seed: int) -> torch.Generator:
    return torch.Generator(device="cuda").manual_seed(seed)


def _poison() -> None:
    """Leave NaNs in freed cached blocks, so an output element the kernel never writes shows up as NaN."""
    junk = torch.full((64 << 20,), float("nan"), device="cuda")
    del junk


def _check(out: torch.Tensor, ref: torch.Tensor, exact: torch.Tensor, dtype: torch.dtype) -> None:
    assert out.dtype == ref.dtype and out.shape == ref.shape
    if dtype == torch.float32:
        assert rel(out, exact) < 1e-5
    else:  # bf16 noise: one rounding at the output (and the rounded LayerNorm / SwiGLU inputs)
        assert rel(out, ref) < 5e-3
        assert rel(out, exact) < 1.5 * rel(ref, exact) + 1e-3


@pytest.mark.parametrize("N,K,dtype", LN_SHAPES)
@pytest.mark.parametrize("b", BATCHES)
def test_ln_linear(b, N, K, dtype):
    g = _gen(N * 7 + K + b)
    x = torch.randn(b, K, device="cuda", generator=g) * 3 + 0.5  # fp32 residual stream, nonzero mean
    lw = (1 + 0.2 * torch.randn(K, device="cuda", generator=g)).to(dtype)
    lb = (0.1 * torch.randn(K, device="cuda", generator=g)).to(dtype)
    w = (torch.randn(N, K, device="cuda", generator=g) / K ** 0.5).to(dtype)
    bias = torch.randn(N, device="cuda", generator=g).to(dtype) if N % 2 else None
    h = F.layer_norm(x.to(dtype), (K,), lw, lb, 1e-5)
    ref = F.linear(h, w, bias)
    if dtype == torch.float32:
        h = F.layer_norm(x.to(dtype).double(), (K,), lw.double(), lb.double(), 1e-5)
    exact = F.linear(h.double(), w.double(), None if bias is None else bias.double())
    _poison()
    out = tg.ln_linear(x, lw, lb, 1e-5, w, bias)
    _check(out, ref, exact, dtype)


@pytest.mark.parametrize("N,I,dtype", SWIGLU_SHAPES)
@pytest.mark.parametrize("b", BATCHES)
def test_swiglu_linear(b, N, I, dtype):
    g = _gen(N * 5 + I + b)
    gu = (2 * torch.randn(b, 2 * I, device="cuda", generator=g)).to(dtype)
    w = (torch.randn(N, I, device="cuda", generator=g) / I ** 0.5).to(dtype)
    gate, up = gu.chunk(2, dim=-1)
    a = (F.silu(gate.float()) * up.float()).to(dtype)
    ref = F.linear(a, w)
    if dtype == torch.float32:
        a = F.silu(gate.double()) * up.double()
    exact = F.linear(a.double(), w.double())
    _poison()
    out = tg.swiglu_linear(gu, w)
    _check(out, ref, exact, dtype)


@pytest.mark.parametrize("N,K,dtype", LINEAR_SHAPES)
@pytest.mark.parametrize("b", BATCHES)
def test_linear(b, N, K, dtype):
    g = _gen(N * 3 + K + b)
    x = torch.randn(b, 2 * K, device="cuda", generator=g).to(dtype)[:, K:]  # row stride 2K, as chunk() gives
    w = (torch.randn(N, K, device="cuda", generator=g) / K ** 0.5).to(dtype)
    bias = torch.randn(N, device="cuda", generator=g).to(dtype) if N % 2 else None
    ref = F.linear(x, w, bias)
    exact = F.linear(x.double(), w.double(), None if bias is None else bias.double())
    _poison()
    out = tg.linear(x, w, bias)
    _check(out, ref, exact, dtype)


def test_lm_head_shape():
    g = _gen(9)
    N, K = 200064, 2560
    w = (torch.randn(N, K, device="cuda", generator=g) / K ** 0.5).bfloat16()
    lw = torch.ones(K, device="cuda").bfloat16()
    lb = torch.zeros(K, device="cuda").bfloat16()
    for b in (1, 8):
        x = torch.randn(b, K, device="cuda", generator=g)
        h = F.layer_norm(x.bfloat16(), (K,), lw, lb, 1e-5)
        ref = F.linear(h, w)
        out = tg.ln_linear(x, lw, lb, 1e-5, w)
        _check(out, ref, F.linear(h.double(), w.double()), torch.bfloat16)


@pytest.mark.parametrize("pdl", [False, True], ids=["plain", "pdl"])
def test_bitwise_reproducible_and_pdl_in_cuda_graphs(monkeypatch, pdl):
    """Two calls give identical bits (split-K partials summed in a fixed order); with PDL the ops also run inside a
    CUDA graph capture and replay to the same bits."""
    monkeypatch.setattr(tg, "PDL", pdl)
    g = _gen(3)
    K, I = 2560, 10240
    x = torch.randn(4, K, device="cuda", generator=g)
    lw, lb = torch.rand(K, device="cuda", generator=g).bfloat16(), torch.zeros(K, device="cuda").bfloat16()
    w1 = (torch.randn(2 * I, K, device="cuda", generator=g) / K ** 0.5).bfloat16()
    w2 = (torch.randn(K, I, device="cuda", generator=g) / I ** 0.5).bfloat16()
    wo = (torch.randn(K, 2 * K, device="cuda", generator=g) / K ** 0.5).bfloat16()

    def chain():
        gu = tg.ln_linear(x, lw, lb, 1e-5, w1)
        y = tg.swiglu_linear(gu, w2)
        return tg.linear(torch.cat([y, y], dim=-1), wo)

    a, b = chain(), chain()
    assert torch.equal(a, b)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        chain()
    torch.cuda.current_stream().wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = chain()
    for _ in range(3):
        out.zero_()
        graph.replay()
        torch.cuda.synchronize()
        assert torch.equal(out, a)


@pytest.mark.parametrize("pdl,inline", [
    (False, False), (True, False),
    pytest.param(False, True, marks=pytest.mark.xfail(reason="failed on the H100, 2026-11-22 (error not captured)")),
], ids=["opaque", "pdl", "triton_op"])
def test_ops_compile_without_graph_breaks(monkeypatch, pdl, inline):
    monkeypatch.setattr(tg, "PDL", pdl)
    monkeypatch.setattr(tg, "INLINE", inline)
    torch._dynamo.reset()
    g = _gen(4)
    K, I = 256, 512
    lw, lb = torch.rand(K, device="cuda", generator=g).bfloat16(), torch.rand(K, device="cuda", generator=g).bfloat16()
    w1 = torch.randn(2 * I, K, device="cuda", generator=g).bfloat16() / 16
    w2 = torch.randn(K, I, device="cuda", generator=g).bfloat16() / 16

    def step(x):
        y = tg.swiglu_linear(tg.ln_linear(x, lw, lb, 1e-5, w1), w2)
        return x + y.float()

    compiled = torch.compile(step, fullgraph=True, dynamic=None)
    for b in (1, 2, 5, 8):
        x = torch.randn(b, K, device="cuda", generator=g)
        if b > 1:
            torch._dynamo.maybe_mark_dynamic(x, 0)
        ref = step(x)
        assert rel(compiled(x), ref) < 1e-2  # the eager ops use a per-batch BLOCK_B, the dynamic graph 8
    torch._dynamo.reset()


@pytest.fixture(scope="module")
def cuda_model():
    model, _ = tiny_random_model(seed=5)
    return model.cuda()


def test_fused_step_with_gemv_matches_eager_step(cuda_model, monkeypatch):
    """Uncompiled fused step with the switch on == the model's own modules (fp32 logits within 1e-4), batch 1..4."""
    from .test_fused import _busy_engine, fused_and_eager_step

    monkeypatch.setattr(fused, "TRITON_GEMV", True)
    monkeypatch.setattr(fused, "GEMV_MAX_BATCH", 8)
    engine = _busy_engine(cuda_model, 0, [3, 9, 20, 1], steps=5)
    for b in (1, 3, 4):
        out, ref, _ = fused_and_eager_step(cuda_model, engine, b)
        assert rel(out, ref) < 1e-4, b  # fp32; summation order differs (the compiled torch step: 1e-4 too)


@pytest.mark.parametrize("pdl", [False, True], ids=["plain", "pdl"])
def test_compiled_gemv_engine_matches_eager_engine(cuda_model, monkeypatch, pdl):
    """Graphs of the compiled step with the switch on: the same greedy tokens as the eager engine (fp32) while
    requests join and leave (batches 1..8)."""
    from .test_gpu_engine import assert_compiled_engine_matches_eager

    monkeypatch.setattr(fused, "TRITON_GEMV", True)
    monkeypatch.setattr(fused, "GEMV_MAX_BATCH", 8)
    monkeypatch.setattr(tg, "PDL", pdl)
    assert_compiled_engine_matches_eager(cuda_model, 2, [3, 3, 9, 40, 1, 17, 120, 64, 5, 5], max_seq_len=320)
