"""The Triton differential decode attention (`inference.engine.triton_attention`) against the torch path
(`attention.diff_decode_attention` + the `DiffCore` combine), and the decode step with `fused.TRITON_ATTENTION` on
against the eager step.

The kernel tests need a CUDA device: `pytest -m gpu tests/inference/engine/test_triton_attention.py`. bf16 results
are compared with the torch path and with the exact (fp64) value of the same formula; fp32 results with fp64.
"""

from __future__ import annotations

import pytest
import torch

from inference.engine import fused
from inference.engine import triton_attention as ta
from inference.engine.attention import diff_decode_attention
from inference.layers.attention import DiffCore
from inference.testing import tiny_random_model

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
BF16, FP32 = torch.bfloat16, torch.float32


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    return ((a - b).norm() / b.norm()).item()


def test_splits_cover_the_rows_in_slices_of_about_64_or_128_past_1k_rows():
    assert ta.num_splits(1) == 1 and ta.num_splits(64) == 1 and ta.num_splits(65) == 2
    assert ta.num_splits(512) == 8 and ta.num_splits(1024) == 16 and ta.num_splits(1025) == 9
    assert ta.num_splits(2048) == 16
    assert ta.num_splits(10**6) == ta.MAX_SPLITS


def test_the_switch_is_off_on_cpu(monkeypatch):
    model, _ = tiny_random_model(seed=1, hidden_size=128, num_attention_heads=4, num_key_value_heads=2)
    monkeypatch.setattr(fused, "TRITON_ATTENTION", True)
    layer = next(la for la in model.model.layers if hasattr(la.attn, "inner_cross_attn"))
    assert not fused._attention_kernel_on(torch.zeros(1, 8), layer.attn)
    assert not ta.supported(8, 8, 4, FP32)  # head_dim 8: tl.dot needs >= 16
    assert not ta.supported(64, 40, 20, torch.float64)


def _combine(core: DiffCore, a1: torch.Tensor, a2: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    o = core.subln(a1 - lam * a2) * (1 - core.lambda_init)
    return o.reshape(o.shape[0], -1)


def _case(H, Hkv, D, R, b, dtype, seed, ring):
    """Inputs with K/V buffers larger than needed (NaN outside slots [0, b) and rows [0, R), and in rows no slot
    may see) and q a column slice of a wider q|k|v row."""
    g = torch.Generator(device="cuda").manual_seed(seed)
    B, Rall = b + 2, R + 37
    qkv = torch.randn(b, (H + 2 * Hkv) * D, device="cuda", generator=g).to(dtype)
    k = torch.full((B, Hkv, Rall, D), float("nan"), device="cuda", dtype=dtype)
    v = torch.full((B, Hkv // 2, Rall, 2 * D), float("nan"), device="cuda", dtype=dtype)
    k[:b, :, :R] = torch.randn(b, Hkv, R, D, device="cuda", generator=g).to(dtype)
    v[:b, :, :R] = torch.randn(b, Hkv // 2, R, 2 * D, device="cuda", generator=g).to(dtype)
    if ring:  # all rows of a full window visible to slot 0, a filling window for the others
        pos = torch.tensor([R + 5] + [min(R - 1, 3 + 7 * j) for j in range(1, b)], device="cuda")
    else:
        pos = torch.tensor([R - 1] + [(R * j) // (b + 1) for j in range(1, b)], device="cuda")
    valid = torch.arange(R, device="cuda")[None, :] <= pos[:, None]
    k[:b, :, :R].masked_fill_(~valid[:, None, :, None], float("nan"))
    v[:b, :, :R].masked_fill_(~valid[:, None, :, None], float("nan"))
    core = DiffCore(D, lambda_init=0.2 + 0.05 * seed).cuda()
    with torch.no_grad():
        core.subln.weight.copy_(1 + 0.3 * torch.randn(2 * D, device="cuda", generator=g))
    return qkv, k, v, pos, valid, core.to(dtype)


SHAPES = [  # (H, Hkv, D, R, ring): the 3.8B model's window and shared K/V (2K; 20K: more than MAX_SPLITS slices),
    # odd row counts, rep 1 and 4, D 32 / 128
    (40, 20, 64, 512, True), (40, 20, 64, 2048, False), (40, 20, 64, 20000, False), (40, 20, 64, 777, False),
    (40, 20, 64, 1500, False),
    (8, 4, 32, 6, True),
    (4, 4, 32, 50, False), (16, 4, 32, 300, False), (8, 4, 128, 200, False)]


@cuda
@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [BF16, FP32], ids=["bf16", "fp32"])
@pytest.mark.parametrize("b", [1, 3])
@pytest.mark.parametrize("shape", SHAPES, ids=[f"H{s[0]}-Hkv{s[1]}-D{s[2]}-R{s[3]}" for s in SHAPES])
def test_kernel_matches_torch_attention_and_combine(shape, b, dtype):
    H, Hkv, D, R, ring = shape
    qkv, k, v, pos, valid, core = _case(H, Hkv, D, R, b, dtype, seed=H + R + b, ring=ring)
    lam = torch.tensor(0.37, device="cuda", dtype=dtype)
    out = ta.diff_decode_attention_combined(qkv, k, v, pos, R, lam, core.subln.weight, core.subln.eps,
                                            core.lambda_init, H)
    assert out.shape == (b, H * D) and out.dtype == dtype
    q = qkv[:, : H * D].view(b, H, D)
    keys, values = k[:b, :, :R].nan_to_num(), v[:b, :, :R].nan_to_num()  # the torch path multiplies every row
    ref = _combine(core, *diff_decode_attention(q, keys, values, valid), lam)
    core64 = DiffCore(D, core.lambda_init).cuda().double()
    core64.subln.weight.data.copy_(core.subln.weight.double())
    exact = _combine(core64, *diff_decode_attention(q.double(), keys.double(), values.double(), valid),
                     lam.double())
    if dtype == FP32:
        assert rel(out, exact) < 1e-5
    else:  # bf16: the kernel keeps the scores in fp32 (the torch path rounds them), otherwise the same roundings
        assert rel(out, ref) < 2e-2
        assert rel(out, exact) < 1.5 * rel(ref, exact) + 2e-3


@cuda
@pytest.mark.gpu
def test_slots_past_two_billion_elements():
    """A serving batch's K/V caches pass 2^31 elements (253 slots of 34K rows hold 2.3e10): here the slots are
    2^30 + 4096 elements apart (a stride that fits 32 bits), so slot 2 starts past 2^31 (4 GiB of bf16), and its
    attention must still read its own rows."""
    H, Hkv, D, R = 4, 2, 32, 96
    per_k, per_v = Hkv * R * D, (Hkv // 2) * R * 2 * D
    stride = 2 ** 30 + 4096
    try:
        flat = torch.empty(2 * stride + per_k + per_v, device="cuda", dtype=BF16)
    except torch.OutOfMemoryError:
        pytest.fail("needs 4 GiB of GPU memory")
    k = flat.as_strided((3, Hkv, R, D), (stride, R * D, D, 1), 0)
    v = flat.as_strided((3, Hkv // 2, R, 2 * D), (stride, R * 2 * D, 2 * D, 1), per_k)
    g = torch.Generator(device="cuda").manual_seed(5)
    for t in (k, v):
        for i in range(3):
            t[i].copy_(torch.randn(t[i].shape, device="cuda", generator=g))
    qkv = torch.randn(3, (H + 2 * Hkv) * D, device="cuda", generator=g).to(BF16)
    pos = torch.tensor([R - 1, R - 20, R - 7], device="cuda")
    core = DiffCore(D, lambda_init=0.3).cuda().to(BF16)
    lam = torch.tensor(0.37, device="cuda", dtype=BF16)
    out = ta.diff_decode_attention_combined(qkv, k, v, pos, R, lam, core.subln.weight, core.subln.eps,
                                            core.lambda_init, H)
    valid = torch.arange(R, device="cuda")[None, :] <= pos[:, None]
    q = qkv[:, : H * D].view(3, H, D)
    ref = _combine(core, *diff_decode_attention(q, k.contiguous(), v.contiguous(), valid), lam)
    del flat, k, v
    for i in range(3):
        assert rel(out[i], ref[i]) < 2e-2, f"slot {i}"


@cuda
@pytest.mark.gpu
def test_kernel_runs_inside_a_cuda_graph():
    qkv, k, v, pos, _, core = _case(40, 20, 64, 2048, 2, BF16, seed=3, ring=False)
    lam = torch.tensor(0.5, device="cuda", dtype=BF16)

    def run():
        return ta.diff_decode_attention_combined(qkv, k, v, pos, 2048, lam, core.subln.weight, 1e-5, 0.2, 40)

    want = run()
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        got = run()
    graph.replay()
    torch.cuda.synchronize()
    assert torch.equal(got, want)  # deterministic: no atomics, fixed merge order


@pytest.fixture(scope="module")
def cuda_model():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    model, _ = tiny_random_model(seed=5, hidden_size=128, num_attention_heads=4, num_key_value_heads=2)
    return model.cuda()


@cuda
@pytest.mark.gpu
def test_fused_step_with_attention_kernel_matches_eager_step(cuda_model, monkeypatch):
    """Uncompiled fused step with the switch on == the model's own modules (fp32 logits within 1e-4), batch 1..4,
    windows of 6 overrun; the K/V rows and Mamba states written are the eager step's."""
    from .test_fused import _busy_engine, fused_and_eager_step

    monkeypatch.setattr(fused, "TRITON_ATTENTION", True)
    engine = _busy_engine(cuda_model, 0, [3, 9, 20, 1], steps=5)
    layer = next(la for la in cuda_model.model.layers if hasattr(la.attn, "inner_cross_attn"))
    assert fused._attention_kernel_on(torch.zeros(1, 8, device="cuda"), layer.attn)
    for b in (1, 3, 4):
        out, ref, states = fused_and_eager_step(cuda_model, engine, b)
        assert rel(out, ref) < 1e-4, b
        for got, want in states:
            assert rel(got[0], want[0]) < 1e-5 and rel(got[1], want[1]) < 1e-5


@cuda
@pytest.mark.gpu
def test_compiled_engine_with_attention_kernel_matches_eager_engine(cuda_model, monkeypatch):
    """Graphs of the compiled step with the switch on: the same greedy tokens as the eager engine (fp32) while
    requests join and leave (batches 1..8, sliding windows overrun, several key-row buckets)."""
    from .test_gpu_engine import assert_compiled_engine_matches_eager

    monkeypatch.setattr(fused, "TRITON_ATTENTION", True)
    assert_compiled_engine_matches_eager(cuda_model, 4, [3, 3, 9, 40, 1, 17, 120, 64, 5, 300], max_seq_len=400)
