"""Runs of projections as one persistent kernel (`inference.engine.triton_chain`) against one kernel per projection
(`triton_decode_kernels.projection`, itself tested against the torch formulas), and the decode step with it.

On a CUDA machine the chain runs with every SM's programs and real grid barriers; with Triton installed and
`TRITON_INTERPRET=1` the same tests run on the CPU under the interpreter with one program (which then takes every
tile of every phase: the barrier is passed at once).
"""

from __future__ import annotations

import os

import pytest
import torch

from inference.engine import triton_chain, triton_decode
from inference.engine import triton_decode_kernels as kd

from .test_triton_decode import _ln, _pair, _randn, _states_close, rel

INTERPRET = os.environ.get("TRITON_INTERPRET") == "1" and kd.AVAILABLE
CUDA = torch.cuda.is_available()
DEV = "cuda" if CUDA else "cpu"

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not (CUDA or INTERPRET), reason="needs a CUDA device"),
]
bf16_on_gpu = pytest.mark.skipif(INTERPRET and not CUDA, reason="the Triton interpreter rounds bf16 unlike the GPU")
BF16, FP32 = torch.bfloat16, torch.float32


class _Layer:
    """Operands of a small layer sequence: Mamba-like in_proj (conv) -> x_proj -> out_proj (residual) -> Wqkv (K/V
    row) -> GMU in_proj (silu * memory) -> GMU out_proj (residual) -> fc1 -> fc2 (SwiGLU, residual, bias)."""

    def __init__(self, dtype: torch.dtype, d: int = 64, Di: int = 48, F: int = 80, seed: int = 0) -> None:
        self.d, self.Di, self.F, self.dtype = d, Di, F, dtype
        w = lambda n, k, s: _randn(n, k, dtype=dtype, seed=seed + s, scale=k ** -0.5)
        self.W = {"in": w(2 * Di, d, 1), "xp": w(20, Di, 2), "out": w(d, Di, 3), "qkv": w(8 * 16, d, 4),
                  "gin": w(96, d, 5), "gout": w(d, 96, 6), "fc1": w(2 * F, d, 7), "fc2": w(d, F, 8)}
        self.ln = [_ln(d, dtype, seed + 10 + i) for i in range(4)]
        self.qkv_bias = _randn(8 * 16, dtype=dtype, seed=seed + 20, scale=0.1)
        self.fc2_bias = _randn(d, dtype=dtype, seed=seed + 21, scale=0.1)
        self.x = _randn(d, seed=seed + 22, scale=2.0) + 0.3
        self.mem = _randn(96, dtype=dtype, seed=seed + 23)
        self.conv = (_randn(Di, 4, dtype=dtype, seed=seed + 24), _randn(Di, 4, dtype=dtype, seed=seed + 25, scale=0.5),
                     _randn(Di, dtype=dtype, seed=seed + 26, scale=0.1))
        self.k = torch.full((2, 5, 16), float("nan"), device=DEV, dtype=dtype)
        self.v = torch.full((1, 5, 32), float("nan"), device=DEV, dtype=dtype)
        self.pos = torch.tensor([7], device=DEV)

    def run(self, project) -> dict[str, torch.Tensor]:
        """The sequence through project(x, W, y, **kw); returns every output and state (fresh copies of states)."""
        dt, f32, d, Di = self.dtype, torch.float32, self.d, self.Di
        e = lambda n, t=dt: torch.empty(n, device=DEV, dtype=t)
        state = self.conv[0].clone()
        k, v = self.k.clone(), self.v.clone()
        o = {"xc": e(Di), "state": state, "k": k, "v": v}
        o["xz"] = project(self.x, self.W["in"], e(2 * Di), prologue=kd.LAYERNORM, ln=self.ln[0],
                          epilogue=kd.CONV_STATE, conv=(state, self.conv[1], self.conv[2], o["xc"]))
        o["xp"] = project(o["xc"], self.W["xp"], e(20))
        o["x1"] = project(o["xc"], self.W["out"], e(d, f32), epilogue=kd.RESIDUAL, res=self.x)
        o["qkv"] = project(o["x1"], self.W["qkv"], e(8 * 16), prologue=kd.LAYERNORM, ln=self.ln[1],
                           bias=self.qkv_bias, epilogue=kd.KV, kv=(k, v, self.pos, 4 * 16, 2 * 16, 5))
        o["gate"] = project(o["x1"], self.W["gin"], e(96), prologue=kd.LAYERNORM, ln=self.ln[2], epilogue=kd.SILU_MUL,
                            mem=self.mem)
        o["x2"] = project(o["gate"], self.W["gout"], e(d, f32), epilogue=kd.RESIDUAL, res=o["x1"])
        o["gu"] = project(o["x2"], self.W["fc1"], e(2 * self.F), prologue=kd.LAYERNORM, ln=self.ln[3])
        o["x3"] = project(o["gu"], self.W["fc2"], e(d, f32), prologue=kd.SWIGLU, epilogue=kd.RESIDUAL, res=o["x2"],
                          bias=self.fc2_bias)
        return o


def _chain(dtype: torch.dtype, target: int | None = None) -> triton_chain.Chain:
    ws = kd.Workspace(256, torch.device(DEV))
    ch = triton_chain.Chain(ws, torch.device(DEV), dtype, 64, 16, 4)
    if target is not None:
        ch.tiles_target = target
    return ch


@pytest.mark.parametrize("dtype", [FP32, pytest.param(BF16, marks=bf16_on_gpu)])
@pytest.mark.parametrize("block", [(8, 512), (4, 32), (16, 16)])
@pytest.mark.parametrize("target", [None, 64])
def test_chain_matches_one_kernel_per_projection(dtype, block, target, monkeypatch):
    """Eight phases with every prologue and epilogue, each reading the one before (tile sizes that leave K one step
    or several; `target` 64 splits K for the phases with few tiles): the same outputs and states as one kernel per
    projection, and the barrier and split-K counters back at rest."""
    monkeypatch.setattr(triton_chain, "BLOCK_N", block[0])
    monkeypatch.setattr(triton_chain, "BLOCK_K", block[1])
    L = _Layer(dtype)
    ws = kd.Workspace(256, torch.device(DEV))
    ref = L.run(lambda x, W, y, **kw: kd.projection(x, W, y, ws, **kw))
    ch = _chain(dtype, target)
    got = L.run(ch.add)
    assert len(ch.pending) == 8
    if target is not None and block[1] <= 32:
        assert max(p[0][triton_chain.F_SPLIT] for p in ch.pending) > 1  # the split-K fix-up is exercised
    ch.flush()
    assert not ch.pending
    tol = 1e-5 if dtype == FP32 else 2e-2
    for name, a in ref.items():
        assert rel(got[name].nan_to_num(0.0), a.nan_to_num(0.0)) < tol, name
    row = 7 % 5
    assert torch.isnan(got["k"][:, [r for r in range(5) if r != row]]).all()  # only this position's row written
    assert torch.equal(ch.bar[0].cpu(), torch.tensor(0, dtype=torch.int32))
    assert int(ch.bar[1]) == 7  # one barrier between phases
    assert torch.equal(ch.ws.counters, torch.zeros_like(ch.ws.counters))


def test_chain_caches_the_table_and_rejects_bad_phases():
    L = _Layer(FP32)
    ch = _chain(FP32)
    y1, y2 = torch.empty(160, device=DEV), torch.empty(64, device=DEV)
    for _ in range(3):  # the same buffers at every call (as the decode step keeps them): one table
        ch.add(L.x, L.W["fc1"], y1, prologue=kd.LAYERNORM, ln=L.ln[3])
        ch.add(y1, L.W["fc2"], y2, prologue=kd.SWIGLU, epilogue=kd.RESIDUAL, res=L.x)
        ch.flush()
    assert len(ch.tables) == 1
    ch.add(L.x, L.W["fc1"], torch.empty(160, device=DEV), prologue=kd.LAYERNORM, ln=L.ln[3])
    ch.flush()
    assert len(ch.tables) == 2
    g, u = y1.double().chunk(2)
    ref = L.x.double() + torch.nn.functional.linear(torch.nn.functional.silu(g) * u, L.W["fc2"].double())
    assert rel(y2, ref) < 1e-5
    ch.flush()  # nothing pending: no launch
    with pytest.raises(ValueError, match="writes torch.float32, not torch.bfloat16"):
        ch.add(L.x, L.W["out"], torch.empty(64, device=DEV, dtype=BF16))  # STORE writes the weight dtype
    with pytest.raises(ValueError, match="needs its operand"):
        ch.add(L.x, L.W["out"], torch.empty(64, device=DEV), epilogue=kd.RESIDUAL)
    with pytest.raises(ValueError, match="must not be res"):
        y = torch.empty(64, device=DEV)
        ch.add(L.x, L.W["out"], y, epilogue=kd.RESIDUAL, res=y)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device (every SM's programs at the barrier)")
def test_chain_repeats_with_every_program_resident():
    """Many launches back to back with all programs (a barrier miscount would hang or race): same result each time."""
    L = _Layer(BF16)
    ch = _chain(BF16)
    assert ch.programs >= torch.cuda.get_device_properties(0).multi_processor_count
    first = None
    for _ in range(50):
        o = L.run(ch.add)
        ch.flush()
        if first is None:
            first = o
        else:
            for name in ("xz", "xp", "x1", "qkv", "gate", "x2", "gu", "x3"):
                assert torch.equal(o[name], first[name]), name
    torch.cuda.synchronize()
    assert int(ch.bar[0]) == 0 and int(ch.bar[1]) == 50 * 7


@pytest.mark.parametrize("dtype", [FP32, pytest.param(BF16, marks=bf16_on_gpu)])
def test_step_with_chains_matches_the_eager_step(dtype, monkeypatch):
    """The decode step with its projection runs chained: the eager step's logits and states over the ring wrap."""
    monkeypatch.setattr(triton_decode, "CHAIN", True)
    model, ref, step, sa, sb = _pair(dtype)
    assert step.chain is not None
    steps = 7 if INTERPRET and not CUDA else 24
    toks = torch.randint(0, model.config.vocab_size, (steps,), generator=torch.Generator().manual_seed(0))
    for t in range(steps):
        tk, p = toks[t:t + 1].to(DEV), torch.tensor([t], device=DEV)
        rows = t + 1 + (t % 3)
        a, b = ref(tk, p, rows), step(tk, p, rows)
        assert rel(b, a) < (1e-4 if dtype == FP32 else 5e-2)
    _states_close(sa, sb, 1e-4 if dtype == FP32 else 5e-2)
