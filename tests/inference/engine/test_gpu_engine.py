"""The engine's CUDA paths (graph replay, chunked window prefill, decode attention) against their CPU/eager twins.

Run on a CUDA machine: `pytest -m gpu tests/inference/engine`.
"""

from __future__ import annotations

import random

import pytest
import torch

from inference import kernels
from inference.engine import FINISH_CANCELLED, Engine, SamplingParams
from inference.engine.attention import diff_decode_attention, diff_decode_attention_reference
from inference.generate import stream
from inference.testing import tiny_random_model

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    return ((a - b).norm() / b.norm()).item()


@pytest.fixture(scope="module")
def cuda_model():
    model, _ = tiny_random_model(seed=5)
    return model.cuda()


def _run(engine: Engine, prompts, news, joins):
    """Submit prompt i at step joins[i]; step until all end; return each request's tokens."""
    handles: dict[int, object] = {}
    out: dict[int, list[int]] = {i: [] for i in range(len(prompts))}
    step = 0
    while len(handles) < len(prompts) or any(h.finish_reason is None for h in handles.values()):
        for i, at in enumerate(joins):
            if at == step and i not in handles:
                handles[i] = engine.submit(prompts[i], SamplingParams(max_new_tokens=news[i]))
        engine.step()
        for i, h in handles.items():
            while not h._queue.empty():
                item = h._queue.get()
                if isinstance(item, int):
                    out[i].append(item)
        step += 1
    return [out[i] for i in range(len(prompts))]


def assert_compiled_engine_matches_eager(model, seed: int, lengths: list[int], max_seq_len: int) -> None:
    """Graphs of the compiled step (with whatever switches the caller set) give the eager engine's greedy tokens
    (fp32 model) for len(lengths) requests of those prompt lengths joining at steps 0..20 and leaving (batches
    1..8). Dynamo is reset before and after, so the switches are traced afresh."""
    torch._dynamo.reset()
    rng = random.Random(seed)
    prompts = [[rng.randrange(1, 256) for _ in range(n)] for n in lengths]
    news = [rng.randrange(1, 30) for _ in lengths]
    joins = [0, 0, 0, 1, 2, 2, 3, 5, 8, 20]
    fast = Engine(model, max_batch=8, max_seq_len=max_seq_len)
    assert fast.compile_decode and fast.graphs is not None
    eager = Engine(model, max_batch=8, max_seq_len=max_seq_len, use_cuda_graphs=False)
    assert _run(fast, prompts, news, joins) == _run(eager, prompts, news, joins)
    torch._dynamo.reset()


def test_graph_engine_matches_eager_engine_and_stream(cuda_model):
    rng = random.Random(0)
    lengths = [3, 3, 9, 40, 1, 17, 300, 64, 5, 5, 5, 33]
    prompts = [[rng.randrange(1, 256) for _ in range(n)] for n in lengths]
    news = [rng.randrange(1, 40) for _ in lengths]
    news[6] = 300  # one long request crosses several key-row buckets
    joins = [0, 0, 0, 1, 2, 2, 3, 5, 8, 8, 20, 30]
    graphs = Engine(cuda_model, max_batch=8, max_seq_len=640, use_cuda_graphs=True, compile_decode=False)
    eager = Engine(cuda_model, max_batch=8, max_seq_len=640, use_cuda_graphs=False)
    g_out = _run(graphs, prompts, news, joins)
    e_out = _run(eager, prompts, news, joins)
    assert len(graphs.graphs.graphs) >= 3  # several (batch, rows) buckets were captured
    for i, p in enumerate(prompts):
        ref = list(stream(cuda_model, p, max_new_tokens=news[i]))
        assert g_out[i] == e_out[i] == ref, f"request {i}"


@pytest.mark.parametrize("compiled,tol", [(False, 1e-5), (True, 1e-4)])
def test_graph_step_logits_match_eager_step(cuda_model, compiled, tol):
    rng = random.Random(1)
    engine = Engine(cuda_model, max_batch=4, max_seq_len=256, use_cuda_graphs=True, compile_decode=compiled)
    assert engine.compile_decode is compiled
    for n in (5, 30, 7):
        engine.submit([rng.randrange(1, 256) for _ in range(n)], SamplingParams(max_new_tokens=50))
    for _ in range(4):
        engine.step()
    reqs = engine._active
    tokens = torch.tensor([r.last_token for r in reqs], device="cuda")
    pos = torch.tensor([r.pos for r in reqs], device="cuda")
    snap = engine.slots.mamba_snapshot(len(reqs))
    eager = engine._decode(tokens, pos, max(r.pos for r in reqs) + 1).clone()
    engine.slots.mamba_restore(snap)
    replay = engine.graphs(tokens, pos, max(r.pos for r in reqs)).clone()
    assert rel(replay, eager) < tol


def test_default_cuda_engine_is_compiled_and_matches_the_eager_engine(cuda_model):
    """The default GPU path (graphs of the compiled fused step): same tokens as the eager engine while requests
    join and leave across batch and key-row buckets, with at most one compilation per batch class."""
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()

    rng = random.Random(2)
    lengths = [3, 3, 9, 40, 1, 17, 300, 64, 5, 5]
    prompts = [[rng.randrange(1, 256) for _ in range(n)] for n in lengths]
    news = [rng.randrange(1, 30) for _ in lengths]
    news[6] = 280  # crosses several key-row buckets
    joins = [0, 0, 0, 1, 2, 2, 3, 5, 8, 20]
    fast = Engine(cuda_model, max_batch=8, max_seq_len=640)
    assert fast.compile_decode and fast.graphs is not None
    eager = Engine(cuda_model, max_batch=8, max_seq_len=640, use_cuda_graphs=False)
    f_out = _run(fast, prompts, news, joins)
    e_out = _run(eager, prompts, news, joins)
    assert len(fast.graphs.graphs) >= 3
    assert f_out == e_out
    assert counters["stats"]["unique_graphs"] <= 4  # batch 1 + batch > 1 (and a graph break each, at most)
    torch._dynamo.reset()


def test_cancel_with_graphs_frees_the_slot(cuda_model):
    engine = Engine(cuda_model, max_batch=2, max_seq_len=128, use_cuda_graphs=True, compile_decode=False)
    a, b, c = (engine.submit([1, 2, 3 + i], SamplingParams(max_new_tokens=60)) for i in range(3))
    engine.step()
    a.cancel()
    engine.step()
    assert a.finish_reason == FINISH_CANCELLED and engine.num_active == 2
    assert list(c) == list(stream(cuda_model, [1, 2, 5], max_new_tokens=60))
    assert list(b) == list(stream(cuda_model, [1, 2, 4], max_new_tokens=60))


@pytest.mark.parametrize("T,window", [(1500, 512), (1024, 512), (1100, 256)])
def test_windowed_chunks_on_cuda_match_reference(T, window):
    g = torch.Generator(device="cuda").manual_seed(T)
    q = torch.randn(2, T, 20, 64, device="cuda", generator=g).bfloat16()  # one differential branch
    k = torch.randn(2, T, 10, 64, device="cuda", generator=g).bfloat16()
    v = torch.randn(2, T, 10, 128, device="cuda", generator=g).bfloat16()
    with kernels.override("fast"):
        out = kernels.attention(q, k, v, window)
    ref = kernels.attention_reference(q.double(), k.double(), v.double(), window)
    assert rel(out, ref) < 1e-2


def test_decode_attention_on_cuda_matches_reference():
    g = torch.Generator(device="cuda").manual_seed(0)
    b, H, Hkv, R, D = 5, 40, 20, 700, 64
    q = torch.randn(b, H, D, device="cuda", generator=g).bfloat16()
    k = torch.randn(b, Hkv, R, D, device="cuda", generator=g).bfloat16()
    v = torch.randn(b, Hkv // 2, R, 2 * D, device="cuda", generator=g).bfloat16()
    valid = torch.arange(R, device="cuda")[None] <= torch.tensor([0, 10, 300, 511, 699], device="cuda")[:, None]
    a1, a2 = diff_decode_attention(q, k, v, valid)
    r1, r2 = diff_decode_attention_reference(q.double(), k.double(), v.double(), valid)
    assert rel(a1, r1) < 1e-2 and rel(a2, r2) < 1e-2
