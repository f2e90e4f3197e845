"""The fused decode step (`inference.engine.fused`) against the model's own modules, on CPU.

Each fused op is compared with its reference twin on fresh random inputs; the whole fused step with the eager
`DecodeStep.forward` (logits and every slot buffer it writes); and the compiled step through Dynamo (a compile
counter over "aot_eager", so no C++ toolchain is needed) with the claim the engine relies on: one compilation
for every key-row count at batch 1, and one more for every batch > 1.
"""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from inference import kernels
from inference.cache import MambaState
from inference.engine import Engine, SamplingParams, fused
from inference.engine.decode import DecodeStep, _MambaViews
from inference.engine.fused import (
    conv_step,
    diff_combine,
    diff_lambda,
    fused_decode_forward,
    gmu_step,
    k_splits,
    linear,
    mamba_decode_step,
    mlp_step,
    precompute_diff_lambdas,
)
from inference.engine.slots import SlotKV
from inference.layers import DifferentialAttention, GatedMemoryUnit, Mamba
from inference.testing import tiny_random_model


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    return ((a - b).norm() / b.norm().clamp_min(1e-300)).item()


@pytest.fixture(scope="module", params=[torch.float32, torch.float64], ids=["fp32", "fp64"])
def tiny(request):
    model, _ = tiny_random_model(seed=11, dtype=request.param)
    return model


def _tol(dtype: torch.dtype) -> float:
    return 1e-12 if dtype == torch.float64 else 2e-6


def _layer(model, cls, memory: bool | None = None):
    for i, layer in enumerate(model.model.layers):
        if isinstance(layer.attn, cls) and (memory is None or layer.attn.is_memory == memory):
            return i, layer.attn
    raise AssertionError(cls)


def test_linear_matches_nn_linear(tiny):
    g = torch.Generator().manual_seed(0)
    dt = tiny.dtype
    x, w, b = (torch.randn(s, generator=g).to(dt) for s in ((3, 7), (5, 7), (5,)))
    assert rel(linear(x, w, b), F.linear(x, w, b)) < _tol(dt)
    assert rel(linear(x, w), F.linear(x, w)) < _tol(dt)


def test_k_splits_for_the_released_shapes(monkeypatch):
    assert k_splits(2560, 10240) == 1  # off by default
    monkeypatch.setattr(fused, "SPLIT_K", True)
    assert [k_splits(n, k) for n, k in [(2560, 10240), (2560, 5120), (192, 5120), (2560, 2560), (5120, 2560),
                                         (10240, 2560), (20480, 2560), (200064, 2560), (5120, 160)]] == [
        8, 4, 4, 2, 2, 2, 1, 1, 1]
    assert k_splits(64, 96) == 1  # too short to split


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_split_k_linear_matches_mm(monkeypatch, dtype):
    monkeypatch.setattr(fused, "SPLIT_K", True)
    monkeypatch.setattr(fused, "SPLIT_K_MIN_SLICE", 8)
    g = torch.Generator().manual_seed(5)
    w = torch.randn(24, 64, generator=g).to(dtype)
    bias = torch.randn(24, generator=g).to(dtype)
    x = torch.randn(3, 64, generator=g).to(dtype)
    assert fused.k_splits(24, 64) == 8
    assert rel(linear(x, w, bias), F.linear(x, w, bias)) < _tol(dtype)
    monkeypatch.setattr(fused, "SPLIT_K", False)
    assert fused.k_splits(24, 64) == 1


def test_conv_step_matches_reference_update(tiny):
    g = torch.Generator().manual_seed(1)
    dt = tiny.dtype
    b, Di, K = 3, 10, 4
    x, w, bias = torch.randn(b, Di, generator=g).to(dt), torch.randn(Di, K, generator=g).to(dt), \
        torch.randn(Di, generator=g).to(dt)
    state = torch.randn(b, Di, K, generator=g).to(dt)
    ref_state = state.clone()
    ref = kernels.causal_conv1d_update(x, ref_state, w, bias)
    out = conv_step(x, state, w, bias)
    assert rel(out, ref) < _tol(dt)
    assert torch.equal(state, ref_state)


@pytest.mark.parametrize("memory", [False, True], ids=["mamba", "memory_mamba"])
def test_mamba_decode_step_matches_module_step(tiny, memory):
    i, mixer = _layer(tiny, Mamba, memory)
    cfg = tiny.config
    g = torch.Generator().manual_seed(2)
    b, dt = 3, tiny.dtype
    h = torch.randn(b, cfg.hidden_size, generator=g).to(dt)
    conv = torch.randn(b, cfg.mamba_d_inner, cfg.mamba_d_conv, generator=g).to(dt)
    ssm = torch.randn(b, cfg.mamba_d_inner, cfg.mamba_d_state, generator=g).to(kernels.compute_dtype(dt))

    class _Cache:  # what Mamba.step reads: cache.mamba(layer_idx)
        def __init__(self, st):
            self.st = st

        def mamba(self, _):
            return self.st

    ref_state = MambaState(conv.clone(), ssm.clone())
    with kernels.override("reference"):
        ref_out, ref_mem = mixer.step(h[:, None], _Cache(ref_state), i)
    state = MambaState(conv.clone(), ssm.clone())
    out, mem = mamba_decode_step(mixer, h, state)
    assert rel(out, ref_out[:, 0]) < _tol(dt)
    assert rel(state.conv, ref_state.conv) == 0 and rel(state.ssm, ref_state.ssm) < _tol(dt)
    if memory:
        assert rel(mem, ref_mem[:, 0]) < _tol(dt)
    else:
        assert mem is None and ref_mem is None


def test_gmu_mlp_and_combine_match_modules(tiny):
    g = torch.Generator().manual_seed(3)
    dt, cfg = tiny.dtype, tiny.config
    b = 4
    h = torch.randn(b, cfg.hidden_size, generator=g).to(dt)
    _, gmu = _layer(tiny, GatedMemoryUnit)
    mem = torch.randn(b, cfg.mamba_d_inner, generator=g).to(dt)
    assert rel(gmu_step(gmu, h, mem), gmu(h, mem)) < _tol(dt)
    mlp = tiny.model.layers[0].mlp
    assert rel(mlp_step(mlp, h), mlp(h)) < _tol(dt)
    _, attn = _layer(tiny, DifferentialAttention)
    H, D = attn.num_heads, attn.head_dim
    a1, a2 = (torch.randn(b, H // 2, 2 * D, generator=g).to(dt) for _ in range(2))
    core = attn.inner_cross_attn  # DiffCore's own tail on the same branch outputs (T = 1)
    lam = (torch.exp(torch.sum(core.lambda_q1 * core.lambda_k1)) - torch.exp(torch.sum(core.lambda_q2 * core.lambda_k2))
           + core.lambda_init)
    ref = (core.subln(a1 - lam * a2) * (1 - core.lambda_init)).reshape(b, H * D)
    assert rel(diff_combine(attn, a1, a2), ref) < _tol(dt)


def test_diff_lambda_is_precomputed_per_model_dtype_and_equals_the_formula(tiny):
    _, attn = _layer(tiny, DifferentialAttention)
    core = attn.inner_cross_attn
    ref = (torch.exp(torch.sum(core.lambda_q1 * core.lambda_k1)) - torch.exp(torch.sum(core.lambda_q2 * core.lambda_k2))
           + core.lambda_init)
    core._buffers.pop("_decode_lambda", None)
    computed = diff_lambda(attn, tiny.dtype)  # no buffer: the formula
    assert rel(computed, ref) < _tol(tiny.dtype)
    state = set(tiny.state_dict())
    precompute_diff_lambdas(tiny)
    lam = diff_lambda(attn, tiny.dtype)
    assert lam is core._decode_lambda and lam.shape == () and not lam.requires_grad
    assert torch.equal(lam, computed)
    assert set(tiny.state_dict()) == state  # non-persistent: checkpoints are unchanged
    assert diff_lambda(attn, torch.bfloat16).dtype == torch.bfloat16  # another dtype: computed, not the buffer


@pytest.mark.parametrize("min_slice", [None, 8], ids=["unsplit", "split-k"])
def test_compiled_decode_step_is_one_graph_without_breaks(tiny, monkeypatch, min_slice):
    """A graph break inside the layer loop makes Dynamo skip the whole step and compile its callees one by one
    (hundreds of extra kernels; it happened once through `module.__dict__.setdefault`). The step must trace as one
    graph; bench/check_decode_graph.py checks the same on a GPU, where the PyTorch version differs."""
    if min_slice is not None:
        monkeypatch.setattr(fused, "SPLIT_K", True)
        monkeypatch.setattr(fused, "SPLIT_K_MIN_SLICE", min_slice)
    model, _ = tiny_random_model(seed=11, dtype=tiny.dtype)
    engine = Engine(model, max_batch=2, max_seq_len=32, use_cuda_graphs=False)
    step = DecodeStep(model, engine.slots, compile=True, compile_backend="eager")
    attn_layers = [la.attn for la in model.model.layers if isinstance(la.attn, DifferentialAttention)]
    assert attn_layers and all(a.inner_cross_attn._decode_lambda.dtype == tiny.dtype for a in attn_layers)
    tokens, pos = torch.tensor([3]), torch.tensor([5])
    valid = torch.arange(16)[None, :] <= pos[:, None]
    explained = torch._dynamo.explain(step._fused)(tokens, pos, valid)
    assert explained.graph_break_count == 0 and explained.graph_count == 1, explained.break_reasons


def _busy_engine(model, seed: int, lengths: list[int], steps: int) -> Engine:
    """An eager CPU engine with requests at different positions (windows of 6 overrun)."""
    rng = random.Random(seed)
    engine = Engine(model, max_batch=4, max_seq_len=96, use_cuda_graphs=False)
    for n in lengths:
        engine.submit([rng.randrange(1, 256) for _ in range(n)], SamplingParams(max_new_tokens=60))
    for _ in range(steps):
        engine.step()
    return engine


def _snapshot(slots):
    out = []
    for s in slots.layers:
        if isinstance(s, MambaState):
            out.append((s.conv.clone(), s.ssm.clone()))
        elif isinstance(s, SlotKV):
            out.append((s.k.clone(), s.v.clone()))
        else:
            out.append(None)
    return out


def _restore(slots, snap):
    for s, saved in zip(slots.layers, snap, strict=True):
        if isinstance(s, MambaState):
            s.conv.copy_(saved[0])
            s.ssm.copy_(saved[1])
        elif isinstance(s, SlotKV):
            s.k.copy_(saved[0])
            s.v.copy_(saved[1])


def fused_and_eager_step(model, engine: Engine, b: int):
    """One decode step for the first b active requests of `engine`, twice from the same slot state: the model's own
    modules (reference kernels) and :func:`fused_decode_forward`. -> (fused logits, eager logits, [(fused, eager)
    (conv, ssm) or (k, v) pair per stateful layer]); the slots are left as they were."""
    reqs = engine._active[:b]
    dev = engine.slots.device
    tokens = torch.tensor([r.last_token for r in reqs], device=dev)
    pos = torch.tensor([r.pos for r in reqs], device=dev)
    rows = max(r.pos for r in reqs) + 7  # rows past the longest sequence are masked out
    valid = torch.arange(rows, device=dev)[None, :] <= pos[:, None]
    before = _snapshot(engine.slots)
    with torch.inference_mode(), kernels.override("reference"):
        ref = engine._decode.forward(tokens, pos, valid)
    ref_state = _snapshot(engine.slots)
    _restore(engine.slots, before)
    with torch.inference_mode():
        out = fused_decode_forward(model, engine.slots, tokens, pos, valid)
    states = [(got, want) for got, want in zip(_snapshot(engine.slots), ref_state, strict=True) if want is not None]
    _restore(engine.slots, before)
    return out, ref, states


@pytest.mark.parametrize("min_slice", [None, 8], ids=["unsplit", "split-k"])
def test_fused_step_matches_eager_step_and_writes_the_same_state(tiny, monkeypatch, min_slice):
    if min_slice is not None:  # the tiny model's projections are too short to split at the real threshold
        monkeypatch.setattr(fused, "SPLIT_K", True)
        monkeypatch.setattr(fused, "SPLIT_K_MIN_SLICE", min_slice)
        assert fused.k_splits(tiny.config.hidden_size, tiny.config.intermediate_size) > 1
    engine = _busy_engine(tiny, 0, [3, 9, 20], steps=5)
    out, ref, states = fused_and_eager_step(tiny, engine, 3)
    assert rel(out, ref) < _tol(tiny.dtype)
    assert len(states) == sum(layer is not None for layer in engine.slots.layers)
    for got, want in states:
        assert rel(got[0], want[0]) < _tol(tiny.dtype) and rel(got[1], want[1]) < _tol(tiny.dtype)


def test_compiled_step_compiles_once_for_all_rows_and_once_more_for_batches():
    from torch._dynamo.testing import CompileCounterWithBackend

    torch._dynamo.reset()
    model, _ = tiny_random_model(seed=12)
    engine = _busy_engine(model, 1, [4, 4, 11, 25], steps=3)
    counter = CompileCounterWithBackend("aot_eager")
    step = DecodeStep(model, engine.slots, compile=True, compile_backend=counter)
    reqs = engine._active
    assert len(reqs) == 4
    max_pos = max(r.pos for r in reqs)
    for b, rows in [(1, 32), (1, 40), (1, 96), (1, 64), (2, 40), (4, 96), (4, 64), (3, 90), (4, 33)]:  # 96 = max_seq_len
        tokens = torch.tensor([r.last_token for r in reqs[:b]])
        pos = torch.tensor([r.pos for r in reqs[:b]])
        rows = max(rows, max_pos + 1)
        snap = _snapshot(engine.slots)
        with kernels.override("reference"):
            ref = engine._decode(tokens, pos, rows)
        _restore(engine.slots, snap)
        out = step(tokens, pos, rows)
        _restore(engine.slots, snap)
        assert rel(out, ref) < 2e-6, (b, rows)
    assert counter.frame_count == 2  # batch 1 (every row count) + batch > 1 (every batch and row count)
    torch._dynamo.reset()


def test_engine_compiles_by_default_only_with_cuda_graphs():
    model, _ = tiny_random_model(seed=13)
    assert Engine(model, max_batch=1, max_seq_len=16).compile_decode is False  # CPU: eager, no graphs
    assert Engine(model, max_batch=1, max_seq_len=16, compile_decode=True)._decode.compiled is True


def test_mamba_views_and_fused_step_agree_on_slot_views(tiny):
    """The fused step reads slot views [0, b) exactly as the eager step's `_MambaViews` does."""
    engine = _busy_engine(tiny, 2, [5, 7], steps=2)
    views = _MambaViews(engine.slots, 1)
    i, _ = _layer(tiny, Mamba, False)
    st = views.mamba(i)
    assert st.conv.data_ptr() == engine.slots.layers[i].conv.data_ptr() and st.conv.shape[0] == 1
