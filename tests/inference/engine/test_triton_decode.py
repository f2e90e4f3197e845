"""The batch-1 Triton decode step (`inference.engine.triton_decode`) and its kernels against the torch formulas and
the eager decode step.

Runs on a CUDA machine (`pytest -m gpu tests/inference/engine/test_triton_decode.py`); with Triton installed and
`TRITON_INTERPRET=1` in the environment the same tests run on the CPU under Triton's interpreter (slowly; the
3.8B-shape checks are skipped there). Every projection mode is checked against its torch formula and the fp64
value at the same rounding points, with split-K and without; the step against :class:`DecodeStep`'s eager forward
(logits and every state it writes) across the sliding-window ring wrap and key-row buckets; inside a CUDA graph;
and the engine with it against the eager engine's greedy tokens.
"""

from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F

from inference.engine import triton_decode
from inference.engine import triton_decode_kernels as kd
from inference.engine.decode import DecodeStep
from inference.engine.slots import SlotCache
from inference.layers import GatedMemoryUnit
from inference.testing import tiny_random_model

INTERPRET = os.environ.get("TRITON_INTERPRET") == "1" and kd.AVAILABLE
CUDA = torch.cuda.is_available()
DEV = "cuda" if CUDA else "cpu"

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not (CUDA or INTERPRET), reason="needs a CUDA device"),
]
big = pytest.mark.skipif(INTERPRET and not CUDA, reason="3.8B shapes: too slow for the Triton interpreter")
# Triton 3.6's interpreter converts fp32 to bf16 by truncation, the GPU (and torch) round to nearest
bf16_on_gpu = pytest.mark.skipif(INTERPRET and not CUDA, reason="the Triton interpreter rounds bf16 unlike the GPU")

BF16, FP32 = torch.bfloat16, torch.float32


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    return ((a - b).norm() / b.norm()).item()


def _gen(seed: int) -> torch.Generator:
    return torch.Generator(device=DEV).manual_seed(seed)


def _randn(*shape: int, dtype: torch.dtype = FP32, seed: int = 0, scale: float = 1.0) -> torch.Tensor:
    return (torch.randn(*shape, generator=_gen(seed), device=DEV) * scale).to(dtype)


def _check(out: torch.Tensor, ref: torch.Tensor, exact: torch.Tensor, dtype: torch.dtype) -> None:
    """fp32: within 1e-5 of the fp64 value; bf16: bf16 noise around the torch formula and no further from the exact
    value than it (plus one rounding)."""
    assert out.shape == ref.shape
    if dtype == FP32:
        assert rel(out, exact) < 1e-5
    else:
        assert rel(out, ref) < 1e-2
        assert rel(out, exact) < 1.5 * rel(ref, exact) + 4e-3


def _ln(K: int, dtype: torch.dtype, seed: int) -> torch.nn.LayerNorm:
    ln = torch.nn.LayerNorm(K, eps=1e-5).to(DEV, dtype)
    with torch.no_grad():
        ln.weight.copy_(1 + 0.1 * _randn(K, seed=seed))
        ln.bias.copy_(0.05 * _randn(K, seed=seed + 1))
    return ln


# (N, K, dtype, config or None): small odd shapes with forced split-K configs (the fix-up path), and the 3.8B
# shapes with their table configs
# (a 5th config number: programs per SM looping over tiles; the tests pretend the device has one SM, so 1-3
# programs take every tile)
SMALL = [(38, 96, FP32, (4, 32, 2, 4)), (38, 96, FP32, None), (100, 200, BF16, (8, 64, 4, 4)),
         (64, 128, BF16, (16, 16, 8, 4)), (64, 128, FP32, (8, 64, 1, 4)), (100, 200, FP32, (8, 64, 4, 4, 3)),
         (64, 128, FP32, (8, 32, 1, 4, 2)), (38, 96, BF16, (4, 32, 2, 4, 1))]
BIG = [(20480, 2560, BF16, None), (10240, 2560, BF16, None), (5120, 2560, BF16, None), (2560, 2560, BF16, None),
       (2560, 10240, BF16, None), (2560, 5120, BF16, None), (192, 5120, BF16, None)]
SHAPES = [pytest.param(*s, id=f"{s[0]}x{s[1]}-{str(s[2])[6:]}-{s[3]}", marks=[bf16_on_gpu] if s[2] == BF16 else [])
          for s in SMALL] + [
    pytest.param(*s, id=f"{s[0]}x{s[1]}-{str(s[2])[6:]}", marks=big) for s in BIG]


@pytest.mark.parametrize("N,K,dtype,config", SHAPES)
@pytest.mark.parametrize("mode", ["layernorm_store", "plain_residual", "swiglu_residual", "layernorm_silu_mul",
                                  "layernorm_conv_state"])
def test_projection_modes(N, K, dtype, config, mode, monkeypatch):
    monkeypatch.setattr(kd, "_sm_count", lambda device: 1)
    ws = kd.Workspace(max(N, 64), torch.device(DEV))
    W = _randn(N, K, dtype=dtype, seed=1, scale=K ** -0.5)
    bias = _randn(N, dtype=dtype, seed=2, scale=0.1)
    c64 = torch.float64
    lin = F.linear

    if mode == "layernorm_store":
        x = _randn(K, seed=3, scale=2.0) + 0.5
        ln = _ln(K, dtype, 4)
        y = kd.projection(x, W, torch.empty(N, device=DEV, dtype=dtype), ws, prologue=kd.LAYERNORM, ln=ln,
                          bias=bias, config=config)
        h = ln(x.to(dtype))
        ref = lin(h, W, bias)
        exact = lin(h.to(c64), W.to(c64), bias.to(c64))
    elif mode == "plain_residual":
        x = _randn(K, dtype=dtype, seed=3)
        res = _randn(N, seed=5)
        y = kd.projection(x, W, torch.empty(N, device=DEV, dtype=FP32), ws, epilogue=kd.RESIDUAL, res=res,
                          bias=bias, config=config)
        ref = res + lin(x, W, bias).float()
        exact = res.to(c64) + lin(x.to(c64), W.to(c64), bias.to(c64))
    elif mode == "swiglu_residual":
        gu = _randn(2 * K, dtype=dtype, seed=3)
        res = _randn(N, seed=5)
        y = kd.projection(gu, W, torch.empty(N, device=DEV, dtype=FP32), ws, prologue=kd.SWIGLU,
                          epilogue=kd.RESIDUAL, res=res, config=config)
        g, u = gu.float().chunk(2)
        h = (F.silu(g) * u).to(dtype)
        ref = res + lin(h, W).float()
        exact = res.to(c64) + lin(h.to(c64), W.to(c64))
    elif mode == "layernorm_silu_mul":
        x = _randn(K, seed=3, scale=2.0)
        ln = _ln(K, dtype, 4)
        mem = _randn(N, dtype=dtype, seed=6)
        y = kd.projection(x, W, torch.empty(N, device=DEV, dtype=dtype), ws, prologue=kd.LAYERNORM, ln=ln,
                          epilogue=kd.SILU_MUL, mem=mem, config=config)
        h = ln(x.to(dtype))
        ref = (F.silu(lin(h, W).float()) * mem.float()).to(dtype)
        exact = F.silu(lin(h.to(c64), W.to(c64))) * mem.to(c64)
    else:  # Mamba in_proj: [x | z] out, silu(conv([state[1:], x])) of the first N/2 columns, the state shifted
        KC, Di = 4, N // 2
        x = _randn(K, seed=3, scale=2.0)
        ln = _ln(K, dtype, 4)
        state = _randn(Di, KC, dtype=dtype, seed=7)
        cw = _randn(Di, KC, dtype=dtype, seed=8, scale=0.5)
        cb = _randn(Di, dtype=dtype, seed=9, scale=0.1)
        before = state.clone()
        xc = torch.empty(Di, device=DEV, dtype=dtype)
        y = kd.projection(x, W, torch.empty(N, device=DEV, dtype=dtype), ws, prologue=kd.LAYERNORM, ln=ln,
                          epilogue=kd.CONV_STATE, conv=(state, cw, cb, xc), config=config)
        h = ln(x.to(dtype))
        ref = lin(h, W)
        exact = lin(h.to(c64), W.to(c64))
        window = torch.cat([before[:, 1:], y[:Di, None]], dim=1)  # the kernel's own x, so the check is exact
        assert torch.equal(state, window)
        conv = F.silu((window.to(c64) * cw.to(c64)).sum(-1) + cb.to(c64))
        assert rel(xc, conv) < (1e-6 if dtype == FP32 else 8e-3)
    _check(y, ref, exact, dtype)
    assert torch.equal(ws.counters, torch.zeros_like(ws.counters))  # every split-K counter is back at 0
    if mode == "plain_residual":  # bitwise reproducible (split-K slices summed in a fixed order)
        again = kd.projection(x, W, torch.empty_like(y), ws, epilogue=kd.RESIDUAL, res=res, bias=bias,
                              config=config)
        assert torch.equal(again, y)


@pytest.mark.parametrize("dtype", [FP32, pytest.param(BF16, marks=bf16_on_gpu)])
@pytest.mark.parametrize("ring", [0, 5])
def test_projection_kv_epilogue_writes_the_cache_row(dtype, ring):
    H, Hkv, D, d = 4, 2, 16, 64
    N = (H + 2 * Hkv) * D
    ws = kd.Workspace(N, torch.device(DEV))
    W = _randn(N, d, dtype=dtype, seed=1, scale=d ** -0.5)
    bias = _randn(N, dtype=dtype, seed=2, scale=0.1)
    x = _randn(d, seed=3)
    ln = _ln(d, dtype, 4)
    R = 5 if ring else 12
    k = torch.full((Hkv, R, D), float("nan"), device=DEV, dtype=dtype)
    v = torch.full((Hkv // 2, R, 2 * D), float("nan"), device=DEV, dtype=dtype)
    pos = torch.tensor([7], device=DEV)
    qkv = kd.projection(x, W, torch.empty(N, device=DEV, dtype=dtype), ws, prologue=kd.LAYERNORM, ln=ln, bias=bias,
                        epilogue=kd.KV, kv=(k, v, pos, H * D, Hkv * D, ring), config=(8, 32, 2, 4))
    ref = F.linear(ln(x.to(dtype)), W, bias)
    assert rel(qkv, ref) < (1e-5 if dtype == FP32 else 1e-2)
    row = 7 % ring if ring else 7
    assert torch.equal(k[:, row], qkv[H * D: (H + Hkv) * D].view(Hkv, D))
    assert torch.equal(v[:, row], qkv[(H + Hkv) * D:].view(Hkv // 2, 2 * D))
    others = [r for r in range(R) if r != row]
    assert torch.isnan(k[:, others]).all() and torch.isnan(v[:, others]).all()  # nothing else written


def _pair(dtype: torch.dtype, seed: int = 3, **over):
    model, _ = tiny_random_model(seed=seed, dtype=dtype, hidden_size=128, num_attention_heads=4,
                                 num_key_value_heads=2, **over)
    model = model.to(DEV)
    c = model.config
    sa = SlotCache(c, 2, 40, device=DEV, dtype=dtype)
    sb = SlotCache(c, 2, 40, device=DEV, dtype=dtype)
    return model, DecodeStep(model, sa), triton_decode.TritonDecode(model, sb), sa, sb


def _states_close(sa: SlotCache, sb: SlotCache, tol: float) -> None:
    for i, (la, lb) in enumerate(zip(sa.layers, sb.layers)):
        if la is None:
            continue
        for name in ("conv", "ssm", "k", "v"):
            if hasattr(la, name):
                a, b = getattr(la, name)[0].double(), getattr(lb, name)[0].double()
                assert ((a - b).norm() / (a.norm() + 1e-30)).item() < tol, (i, name)


@pytest.mark.parametrize("dtype", [FP32, pytest.param(BF16, marks=bf16_on_gpu)])
def test_step_matches_the_eager_step(dtype):
    """Logits and every state the step writes, over more steps than the sliding window (the ring wraps), with the
    key rows read rounded up past the position (rows past pos must not count)."""
    model, ref, step, sa, sb = _pair(dtype)
    steps = 9 if INTERPRET and not CUDA else 24
    assert steps > model.config.sliding_window
    toks = torch.randint(0, model.config.vocab_size, (steps,), generator=torch.Generator().manual_seed(0))
    for t in range(steps):
        tk, p = toks[t:t + 1].to(DEV), torch.tensor([t], device=DEV)
        rows = t + 1 + (t % 3)
        a, b = ref(tk, p, rows), step(tk, p, rows)
        assert b.dtype == torch.float32 and b.shape == a.shape
        if dtype == FP32:
            assert rel(b, a) < 1e-4
            assert torch.equal(a.argmax(-1), b.argmax(-1))
        else:
            assert rel(b, a) < 5e-2
    _states_close(sa, sb, 1e-4 if dtype == FP32 else 5e-2)


def test_step_rejects_a_batch():
    _, _, step, _, _ = _pair(FP32)
    with pytest.raises(ValueError, match="one slot"):
        step(torch.zeros(2, dtype=torch.long, device=DEV), torch.zeros(2, dtype=torch.long, device=DEV), 1)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device (CUDA graphs)")
def test_step_replays_in_a_cuda_graph():
    _, ref, step, sa, sb = _pair(FP32, seed=4)
    tok = torch.tensor([5], device=DEV)
    pos = torch.tensor([0], device=DEV)
    for t in range(3):  # some history first (and the Triton compilation)
        pos.fill_(t)
        step(tok, pos, t + 1)
        ref(tok, pos, t + 1)
    pos.fill_(3)  # warm-up and capture at the next position (the replays rewrite that K/V row)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    snap_b = sb.mamba_snapshot(1)
    with torch.cuda.stream(s):
        step(tok, pos, 8)
    torch.cuda.current_stream().wait_stream(s)
    sb.mamba_restore(snap_b)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        out = step(tok, pos, 8)
    sb.mamba_restore(snap_b)
    for t in range(3, 7):
        pos.fill_(t)
        tok.fill_(7 + t)
        g.replay()
        a = ref(tok, pos, 8)
        assert rel(out, a) < 1e-4
    _states_close(sa, sb, 1e-4)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device (the engine's graphs)")
def test_engine_with_the_triton_step_gives_the_eager_engine_tokens():
    """Batch-1 steps through the Triton step, larger batches through the compiled step, requests joining and
    leaving: the eager engine's greedy tokens (fp32 model)."""
    from inference.engine import Engine

    from .test_gpu_engine import assert_compiled_engine_matches_eager

    model, _ = tiny_random_model(seed=6, hidden_size=128, num_attention_heads=4, num_key_value_heads=2)
    model = model.to(DEV)
    assert Engine(model, max_batch=2, max_seq_len=64)._decode.direct is not None  # the default on CUDA
    assert_compiled_engine_matches_eager(model, seed=6, lengths=[3, 3, 9, 40, 1, 17, 64, 5, 5, 33],
                                         max_seq_len=200)


@pytest.mark.parametrize("V", [50, 1024, pytest.param(200064, marks=big)])
def test_greedy_kernel_takes_the_first_maximum_and_feeds_it_back(V):
    ws = kd.Workspace(512, torch.device(DEV))
    for seed in range(3):
        logits = _randn(V, seed=seed)
        top = logits.max()
        logits[V // 3] = top + 1  # a tie at two places: the first one wins, as torch.argmax
        logits[V - 1] = top + 1
        nxt = torch.zeros(1, dtype=torch.long, device=DEV)
        tok = torch.zeros(1, dtype=torch.long, device=DEV)
        pos = torch.tensor([41], device=DEV)
        kd.greedy(logits, nxt, tok, pos, ws)
        assert nxt.item() == tok.item() == V // 3 == logits.argmax().item()
        assert pos.item() == 42
        assert torch.equal(ws.counters, torch.zeros_like(ws.counters))


@pytest.mark.skipif(not (CUDA and torch.cuda.get_device_capability()[0] >= 9), reason="needs a CUDA device of compute capability >= 9 (PDL)")
@pytest.mark.parametrize("shape,config", [((2560, 2560), None), ((2560, 5120), None), ((100, 200), (8, 64, 4, 4, 1))])
def test_pdl_and_l2_prefetch_change_nothing(shape, config, monkeypatch):
    """The same projection launched plainly, with Programmatic Dependent Launch, and with PDL + the L2 prefetch of
    its weights before the wait: bitwise the same result."""
    N, K = shape
    ws = kd.Workspace(N, torch.device(DEV))
    W = _randn(N, K, dtype=BF16, seed=1, scale=K ** -0.5)
    x = _randn(K, dtype=BF16, seed=2)
    res = _randn(N, seed=3)
    outs = []
    for pdl, l2 in ((False, False), (True, False), (True, True)):
        monkeypatch.setattr(kd, "PDL", pdl)
        outs.append(kd.projection(x, W, torch.empty(N, device=DEV), ws, epilogue=kd.RESIDUAL, res=res,
                                  config=config, prefetch_l2=l2))
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[0], outs[2])
    assert rel(outs[0], res + F.linear(x, W).float()) < 1e-2


@pytest.mark.parametrize("shape,config,dtype", [
    ((38, 96), (4, 32, 2, 4), FP32), ((100, 200), (8, 64, 4, 4, 3), FP32), ((64, 512), (8, 64, 1, 4), FP32),
    pytest.param((100, 200), (8, 64, 4, 4, 3), BF16, marks=bf16_on_gpu),
    pytest.param((2560, 10240), None, BF16, marks=big), pytest.param((20480, 2560), None, BF16, marks=big)])
def test_weight_tiles_loaded_ahead_change_no_bit(shape, config, dtype, monkeypatch):
    """The K loop with and without the next weight tile loaded ahead (slices of one, two and many K steps): bitwise
    the same outputs, LayerNorm and plain prologues."""
    monkeypatch.setattr(kd, "_sm_count", lambda device: 1)
    N, K = shape
    ws = kd.Workspace(N, torch.device(DEV))
    W = _randn(N, K, dtype=dtype, seed=1, scale=K ** -0.5)
    x = _randn(K, seed=2, scale=2.0)
    ln = _ln(K, dtype, 3)
    res = _randn(N, seed=4)
    W2 = W[:, :N].contiguous() if N <= K else None  # a square plain projection of the first one's output
    outs = []
    for ahead in (False, True):
        monkeypatch.setattr(kd, "PREFETCH", ahead)
        a = kd.projection(x, W, torch.empty(N, device=DEV, dtype=dtype), ws, prologue=kd.LAYERNORM, ln=ln,
                          config=config)
        b = None if W2 is None else kd.projection(a, W2, torch.empty(N, device=DEV), ws, epilogue=kd.RESIDUAL,
                                                  res=res)
        outs.append((a, b))
    for a, b in outs[1:]:
        assert torch.equal(a, outs[0][0])
        if b is not None:
            assert torch.equal(b, outs[0][1])
    assert rel(outs[0][0], F.linear(ln(x.to(dtype)), W)) < (1e-5 if dtype == FP32 else 1e-2)


# (M, K, D, dtype, config): odd shapes (tiles past M, K not a multiple of BLOCK_K, D not a power of two, programs
# looping over 1-8 tiles: the tests pretend one SM) and the 3.8B MLP / GMU shapes with their table configs
UPDOWN_SMALL = [(40, 96, 200, FP32, (8, 4, 2)), (37, 100, 64, FP32, (4, 4, 3)),
                (64, 128, 96, FP32, (16, 4, 8)), (37, 100, 200, BF16, (2, 4, 3))]
UPDOWN_BIG = [(10240, 2560, 2560, BF16, None), (5120, 2560, 2560, BF16, None)]
UPDOWN_SHAPES = [pytest.param(*s, id=f"{s[0]}-{s[1]}-{s[2]}-{str(s[3])[6:]}-{s[4]}",
                              marks=[bf16_on_gpu] if s[3] == BF16 else []) for s in UPDOWN_SMALL] + [
    pytest.param(*s, id=f"{s[0]}-{s[1]}-{s[2]}-{str(s[3])[6:]}", marks=big) for s in UPDOWN_BIG]


@pytest.mark.parametrize("M,K,D,dtype,config", UPDOWN_SHAPES)
@pytest.mark.parametrize("kind", ["mlp", "gmu"])
def test_updown_is_the_two_projections(M, K, D, dtype, config, kind, monkeypatch):
    """updown (up projection, SwiGLU or the GMU gate, down projection, residual) against the torch formula with the
    model's rounding points and the fp64 value; with and without weight tiles loaded ahead, bitwise reproducible;
    the residual input untouched."""
    monkeypatch.setattr(kd, "_sm_count", lambda device: 1)
    k = kd.MLP if kind == "mlp" else kd.GMU
    if config is None:
        config = kd.updown_config(M, K, k)
    dev = torch.device(DEV)
    ws = kd.Workspace(64, dev, updown_floats=kd.updown_programs(M, K, k, dev, config) * D)
    x = _randn(K, seed=1, scale=2.0) + 0.5
    ln = _ln(K, dtype, 2)
    W1 = _randn(2 * M if k == kd.MLP else M, K, dtype=dtype, seed=3, scale=K ** -0.5)
    W2 = _randn(D, M, dtype=dtype, seed=4, scale=M ** -0.5)
    mem = _randn(M, dtype=dtype, seed=5) if k == kd.GMU else None
    res = _randn(D, seed=6)
    before = res.clone()
    outs = []
    for ahead in (True, False, True):
        monkeypatch.setattr(kd, "UPDOWN_PREFETCH", ahead)
        outs.append(kd.updown(x, W1, W2.t().contiguous(), torch.empty(D, device=DEV), res, ws, ln=ln, kind=k,
                              mem=mem, config=config))
    assert torch.equal(res, before)
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[0], outs[2])
    h = ln(x.to(dtype))
    c64 = torch.float64
    if k == kd.MLP:
        g, u = F.linear(h, W1).float().chunk(2)
        mid = (F.silu(g) * u).to(dtype)
        g64, u64 = F.linear(h.to(c64), W1.to(c64)).chunk(2)
        mid64 = F.silu(g64) * u64
    else:
        mid = (F.silu(F.linear(h, W1).float()) * mem.float()).to(dtype)
        mid64 = F.silu(F.linear(h.to(c64), W1.to(c64))) * mem.to(c64)
    ref = res + F.linear(mid, W2).float()
    exact = res.to(c64) + F.linear(mid64, W2.to(c64))
    _check(outs[0], ref, exact, dtype)


def test_updown_rejects_what_it_cannot_compute():
    ws = kd.Workspace(64, torch.device(DEV), updown_floats=4096)
    ln = _ln(32, FP32, 1)
    x, res = _randn(32), _randn(16)
    W1, W2t = _randn(48, 32), _randn(24, 16)
    with pytest.raises(ValueError, match="mem exactly for GMU"):
        kd.updown(x, W1[:24], W2t, torch.empty(16, device=DEV), res, ws, ln=ln, kind=kd.GMU)
    with pytest.raises(ValueError, match="do not fit"):
        kd.updown(x, W1[:24], W2t, torch.empty(16, device=DEV), res, ws, ln=ln)  # the MLP's W1 has 2M rows
    with pytest.raises(ValueError, match="distinct"):
        kd.updown(x, W1, W2t, res, res, ws, ln=ln)
    with pytest.raises(ValueError, match="workspace too small"):
        kd.updown(x, W1, W2t, torch.empty(16, device=DEV), res, kd.Workspace(1, torch.device(DEV)), ln=ln)


@pytest.mark.skipif(not (CUDA and torch.cuda.get_device_capability()[0] >= 9), reason="needs a CUDA device of compute capability >= 9 (PDL)")
def test_updown_with_pdl_changes_nothing(monkeypatch):
    M, K, D = 10240, 2560, 2560
    ws = kd.Workspace(64, torch.device(DEV), updown_floats=kd.updown_programs(M, K, kd.MLP, torch.device(DEV)) * D)
    x, ln, res = _randn(K, seed=1), _ln(K, BF16, 2), _randn(D, seed=3)
    W1 = _randn(2 * M, K, dtype=BF16, seed=4, scale=K ** -0.5)
    W2t = _randn(M, D, dtype=BF16, seed=5, scale=M ** -0.5)
    outs = []
    for pdl in (False, True):
        monkeypatch.setattr(kd, "PDL", pdl)
        outs.append(kd.updown(x, W1, W2t, torch.empty(D, device=DEV), res, ws, ln=ln))
    assert torch.equal(outs[0], outs[1])


@pytest.mark.parametrize("updown", [False, True])
def test_step_with_and_without_updown_matches_the_eager_step(updown, monkeypatch):
    """The step with each MLP / GMU as updown and as two projections, against the eager step (fp32)."""
    monkeypatch.setattr(triton_decode, "UPDOWN", updown)
    model, ref, step, sa, sb = _pair(FP32, seed=5)
    layers = model.config.num_hidden_layers
    gmus = sum(isinstance(layer.attn, GatedMemoryUnit) for layer in model.model.layers)
    assert gmus > 0 and len(step._down) == (layers + gmus if updown else 0)  # every MLP and GMU
    for t in range(4):
        tk, p = torch.tensor([3 + t], device=DEV), torch.tensor([t], device=DEV)
        a, b = ref(tk, p, t + 1), step(tk, p, t + 1)
        assert rel(b, a) < 1e-4
    _states_close(sa, sb, 1e-4)


@pytest.mark.parametrize("dtype", [FP32, pytest.param(BF16, marks=bf16_on_gpu)])
def test_embed_kernel_copies_the_token_row_to_fp32(dtype):
    W = _randn(50, 1300, dtype=dtype, seed=1)  # D not a multiple of the kernel's block
    for t in (0, 17, 49):
        y = kd.embed(torch.tensor([t], device=DEV), W, torch.empty(1300, device=DEV))
        assert torch.equal(y, W[t].float())
    with pytest.raises(ValueError, match="one token"):
        kd.embed(torch.tensor([1, 2], device=DEV), W, torch.empty(1300, device=DEV))
