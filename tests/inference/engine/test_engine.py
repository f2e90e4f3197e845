"""The engine on CPU (no graphs) against plain `generate.stream`, plus its building blocks against references."""

from __future__ import annotations

import random
import threading

import pytest
import torch

from inference import GenerationError, kernels
from inference.engine import (
    FINISH_CANCELLED,
    FINISH_LENGTH,
    FINISH_STOP,
    Engine,
    EngineError,
    SamplingParams,
    stream_text,
)
from inference.engine.attention import diff_decode_attention, diff_decode_attention_reference
from inference.engine.decode import batch_bucket, rows_bucket
from inference.engine.slots import SlotCache
from inference.generate import stream
from inference.generate import stream_text as plain_stream_text
from inference.testing import tiny_random_model


@pytest.fixture(scope="module")
def tiny():
    return tiny_random_model(seed=3)


@pytest.fixture(scope="module")
def tiny64():
    return tiny_random_model(seed=4, dtype=torch.float64)


def _prompt(rng: random.Random, n: int, vocab: int = 256) -> list[int]:
    return [rng.randrange(1, vocab) for _ in range(n)]


def _reference(model, prompt, params: SamplingParams) -> list[int]:
    return list(stream(model, prompt, max_new_tokens=params.max_new_tokens, temperature=params.temperature,
                       top_p=params.top_p, top_k=params.top_k, stop_ids=params.stop_ids, seed=params.seed))


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_greedy_matches_stream_with_requests_joining_and_leaving(tiny, pipeline):
    model, _ = tiny
    rng = random.Random(0)
    engine = Engine(model, pipeline=pipeline, max_batch=4, max_seq_len=64)
    # (submit at step, prompt length, new tokens): windows of 6 are overrun, equal lengths prefill together,
    # 9 requests for 4 slots so requests queue, and leave at different times (slots are compacted)
    plan = [(0, 5, 12), (0, 5, 3), (0, 17, 9), (1, 1, 7), (2, 30, 20), (2, 5, 1), (4, 12, 15), (6, 2, 25),
            (6, 12, 4)]
    prompts = [_prompt(rng, n) for _, n, _ in plan]
    handles: dict[int, object] = {}
    got: dict[int, list[int]] = {i: [] for i in range(len(plan))}
    step = 0
    while len(handles) < len(plan) or any(h.finish_reason is None for h in handles.values()):
        for i, (at, _, new) in enumerate(plan):
            if at == step and i not in handles:
                handles[i] = engine.submit(prompts[i], SamplingParams(max_new_tokens=new))
        engine.step()
        for i, h in handles.items():
            while not h._queue.empty():
                item = h._queue.get()
                if isinstance(item, int):
                    got[i].append(item)
        step += 1
        assert step < 200
    assert engine.num_active == 0 and engine.num_pending == 0
    for i, (_, _, new) in enumerate(plan):
        assert got[i] == _reference(model, prompts[i], SamplingParams(max_new_tokens=new)), f"request {i}"
        assert handles[i].finish_reason == FINISH_LENGTH and handles[i].num_tokens == new
    assert engine.stats["prefills"] < len(plan)  # equal-length prompts were prefilled together


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_iterating_handles_drives_the_engine_without_a_thread(tiny, pipeline):
    model, _ = tiny
    rng = random.Random(1)
    engine = Engine(model, pipeline=pipeline, max_batch=3, max_seq_len=48)
    prompts = [_prompt(rng, n) for n in (4, 9, 9, 13, 2)]
    handles = [engine.submit(p, SamplingParams(max_new_tokens=10)) for p in prompts]
    outs = [list(h) for h in reversed(handles)][::-1]
    for p, out in zip(prompts, outs, strict=True):
        assert out == _reference(model, p, SamplingParams(max_new_tokens=10))


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_background_thread_serves_concurrent_consumers(tiny, pipeline):
    model, _ = tiny
    rng = random.Random(2)
    prompts = [_prompt(rng, rng.randrange(1, 20)) for _ in range(8)]
    engine = Engine(model, pipeline=pipeline, max_batch=3, max_seq_len=64).start()
    results: dict[int, list[int]] = {}

    def consume(i: int) -> None:
        results[i] = list(engine.submit(prompts[i], SamplingParams(max_new_tokens=6 + i)))

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    engine.stop()
    assert not engine.running
    for i, p in enumerate(prompts):
        assert results[i] == _reference(model, p, SamplingParams(max_new_tokens=6 + i))


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_cancellation_frees_a_slot_within_one_step(tiny, pipeline):
    model, _ = tiny
    rng = random.Random(3)
    engine = Engine(model, pipeline=pipeline, max_batch=2, max_seq_len=64)
    pa, pb, pc = (_prompt(rng, 5) for _ in range(3))
    a, b, c = (engine.submit(p, SamplingParams(max_new_tokens=30)) for p in (pa, pb, pc))
    engine.step()
    assert engine.num_active == 2 and engine.num_pending == 1
    assert a.next() is not None
    a.cancel()
    engine.step()  # frees a's slot, admits c, decodes b and c
    assert a.finish_reason == FINISH_CANCELLED and engine.num_active == 2 and engine.num_pending == 0
    rest = list(a)
    assert a.num_tokens <= 2 and len(rest) == a.num_tokens - 1
    # b and c are unaffected by the slot reuse and by the compaction when b leaves first
    assert list(b) == _reference(model, pb, SamplingParams(max_new_tokens=30))
    assert list(c) == _reference(model, pc, SamplingParams(max_new_tokens=30))
    # a cancelled pending request never runs
    d = engine.submit([7, 8, 9], SamplingParams(max_new_tokens=5))
    d.cancel()
    assert list(d) == [] and d.finish_reason == FINISH_CANCELLED


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_sampling_params_are_per_request(tiny64, pipeline):
    model, _ = tiny64
    rng = random.Random(4)
    engine = Engine(model, pipeline=pipeline, max_batch=8, max_seq_len=64)
    cases = [SamplingParams(max_new_tokens=12, temperature=0.8, top_p=0.9, seed=11),
             SamplingParams(max_new_tokens=12),
             SamplingParams(max_new_tokens=12, temperature=1.3, seed=12),
             SamplingParams(max_new_tokens=12, temperature=0.7, top_k=5, seed=13),
             SamplingParams(max_new_tokens=12, temperature=1.0, top_p=0.5, seed=14)]
    prompts = [_prompt(rng, 7) for _ in cases]
    handles = [engine.submit(p, sp) for p, sp in zip(prompts, cases, strict=True)]
    outs = [list(h) for h in handles]
    for p, sp, out in zip(prompts, cases, outs, strict=True):
        assert out == _reference(model, p, sp)
    assert outs[0] != outs[1]  # sampling really happened
    # top_k=1 at any temperature is greedy
    g = engine.submit(prompts[0], SamplingParams(max_new_tokens=12, temperature=2.0, top_k=1))
    assert list(g) == _reference(model, prompts[0], SamplingParams(max_new_tokens=12))


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_stop_ids_end_a_request_without_being_yielded(tiny, pipeline):
    model, _ = tiny
    rng = random.Random(5)
    prompt = _prompt(rng, 9)
    free = _reference(model, prompt, SamplingParams(max_new_tokens=20))
    stop = free[6]
    expected = free[: free.index(stop)]
    engine = Engine(model, pipeline=pipeline, max_batch=2, max_seq_len=64)
    h = engine.submit(prompt, SamplingParams(max_new_tokens=20, stop_ids=frozenset({stop})))
    other = engine.submit(prompt, SamplingParams(max_new_tokens=20))
    assert list(h) == expected and h.finish_reason == FINISH_STOP
    assert list(other) == free


def test_bad_requests_get_clear_errors(tiny):
    model, _ = tiny
    engine = Engine(model, max_batch=2, max_seq_len=16)
    with pytest.raises(GenerationError, match="max_seq_len"):
        engine.submit(list(range(1, 12)), SamplingParams(max_new_tokens=6))
    with pytest.raises(GenerationError, match="empty"):
        engine.submit([], SamplingParams())
    with pytest.raises(GenerationError, match="outside"):
        engine.submit([1, 99999], SamplingParams(max_new_tokens=2))
    with pytest.raises(GenerationError, match="SamplingParams"):
        engine.submit([1, 2], {"max_new_tokens": 3})  # type: ignore[arg-type]
    for bad in ({"max_new_tokens": -1}, {"temperature": -0.1}, {"top_p": 0.0}, {"top_k": 0}, {"seed": "x"},
                {"stop_ids": 5}, {"stop_ids": {"a"}}):
        with pytest.raises(GenerationError):
            SamplingParams(**bad)  # type: ignore[arg-type]
    with pytest.raises(GenerationError, match="CUDA"):
        Engine(model, use_cuda_graphs=True)
    with pytest.raises(GenerationError, match="max_batch"):
        Engine(model, max_batch=0)
    with pytest.raises(GenerationError, match="SambaYForCausalLM"):
        Engine(torch.nn.Linear(2, 2))  # type: ignore[arg-type]
    h = engine.submit([1, 2, 3], SamplingParams(max_new_tokens=0))
    assert list(h) == [] and h.finish_reason == FINISH_LENGTH


def test_a_failing_step_fails_its_requests_and_the_engine(tiny, monkeypatch):
    model, _ = tiny
    engine = Engine(model, max_batch=2, max_seq_len=32)
    h = engine.submit([1, 2, 3], SamplingParams(max_new_tokens=5))
    assert h.next() is not None

    def broken(*args, **kwargs):
        raise RuntimeError("device lost")

    monkeypatch.setattr(engine, "_decode", broken)
    with pytest.raises(EngineError, match="device lost"):
        list(h)
    assert h.finish_reason == "error"
    with pytest.raises(EngineError):
        engine.submit([1], SamplingParams(max_new_tokens=1))


@pytest.mark.parametrize("pipeline", [False, True], ids=["plain", "pipelined"])
def test_stop_cancels_outstanding_requests(tiny, pipeline):
    model, _ = tiny
    engine = Engine(model, pipeline=pipeline, max_batch=1, max_seq_len=400)
    hs = [engine.submit([1, 2, 3], SamplingParams(max_new_tokens=300)) for _ in range(2)]
    engine.start()
    assert hs[0].next(timeout=30) is not None
    engine.stop()
    for h in hs:
        list(h)
        assert h.finish_reason in (FINISH_CANCELLED, FINISH_LENGTH)
    assert hs[1].finish_reason == FINISH_CANCELLED


def test_stream_text_matches_the_plain_generator(tiny):
    model, tokenizer = tiny
    engine = Engine(model, max_batch=2, max_seq_len=256)
    params = SamplingParams(max_new_tokens=40)
    text = "".join(stream_text(engine, tokenizer, "What is 12 * 13? é", params))
    plain = "".join(plain_stream_text(model, tokenizer, "What is 12 * 13? é", max_new_tokens=40,
                                      temperature=0.0, top_p=1.0, seed=None))
    assert text == plain
    calls = iter(range(100))
    short = "".join(stream_text(engine, tokenizer, "hi", params, should_stop=lambda: next(calls) >= 3))
    plain_hi = "".join(plain_stream_text(model, tokenizer, "hi", max_new_tokens=40, temperature=0.0, top_p=1.0,
                                         seed=None))
    assert plain_hi.startswith(short) and len(short) < len(plain_hi)
    engine.step()  # the cancelled request leaves its slot
    assert engine.num_active == 0 and engine.num_pending == 0


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_diff_decode_attention_matches_reference(dtype, tol):
    g = torch.Generator().manual_seed(0)
    for b, H, Hkv, R in [(3, 8, 4, 11), (2, 40, 20, 9), (4, 4, 2, 5), (1, 12, 2, 7)]:
        D = 16
        q = torch.randn(b, H, D, generator=g, dtype=dtype)
        k = torch.randn(b, Hkv, R, D, generator=g, dtype=dtype)
        v = torch.randn(b, Hkv // 2, R, 2 * D, generator=g, dtype=dtype)
        lengths = torch.randint(1, R + 1, (b,), generator=g)
        valid = torch.arange(R)[None] < lengths[:, None]
        valid[0] = torch.rand(R, generator=g) < 0.5  # any subset of rows (ring buffers are unordered)
        valid[0, 0] = True
        a1, a2 = diff_decode_attention(q, k, v, valid)
        r1, r2 = diff_decode_attention_reference(q, k, v, valid)
        assert a1.shape == (b, H // 2, 2 * D) and a1.dtype == dtype
        assert torch.allclose(a1, r1, atol=tol, rtol=tol) and torch.allclose(a2, r2, atol=tol, rtol=tol)


@pytest.mark.parametrize("T,window,Hq,Hk", [(40, 6, 8, 4), (37, 6, 8, 8), (13, 6, 4, 2), (100, 16, 6, 2)])
def test_windowed_chunks_match_reference(T, window, Hq, Hk):
    g = torch.Generator().manual_seed(T)
    q = torch.randn(2, T, Hq, 8, generator=g, dtype=torch.float64)
    k = torch.randn(2, T, Hk, 8, generator=g, dtype=torch.float64)
    v = torch.randn(2, T, Hk, 16, generator=g, dtype=torch.float64)
    out = kernels.attention_windowed_chunks(q, k, v, window)
    ref = kernels.attention_reference(q, k, v, window)
    assert out.shape == ref.shape and torch.allclose(out, ref, atol=1e-10)


def test_buckets():
    assert [batch_bucket(n, 128) for n in (1, 2, 3, 5, 64, 65, 128)] == [1, 2, 4, 8, 64, 128, 128]
    assert batch_bucket(100, 96) == 96
    for n in (1, 255, 256, 257, 1000, 2049, 5000, 33000):
        r = rows_bucket(n, 1 << 20)
        assert n <= r < n + max(256, n // 4 + 1)  # a bucket wastes at most 1/8 of next_pow2(n), or 256 rows
    assert rows_bucket(5000, 4500) == 4500


def test_slot_sizes(tiny):
    model, _ = tiny
    slots = SlotCache(model.config, 3, 50, device="cpu", dtype=torch.float32)
    assert slots.nbytes() == 3 * SlotCache.bytes_per_slot(model.config, 50, torch.float32)
    with pytest.raises(GenerationError):
        SlotCache(model.config, 0, 50, device="cpu", dtype=torch.float32)


def test_pipelined_decode_launches_ahead_and_discards_tokens_of_requests_that_ended(tiny):
    """With pipelining the engine holds the next step in flight while it emits the current one; a request that
    stops meanwhile gets no extra token, the others continue exactly as without pipelining."""
    model, _ = tiny
    rng = random.Random(9)
    prompts = [_prompt(rng, n) for n in (6, 6, 11)]
    free = _reference(model, prompts[0], SamplingParams(max_new_tokens=24))
    stop = free[5]
    params = [SamplingParams(max_new_tokens=24, stop_ids=frozenset({stop})), SamplingParams(max_new_tokens=24),
              SamplingParams(max_new_tokens=17)]
    outs = {}
    for pipeline in (False, True):
        engine = Engine(model, max_batch=4, max_seq_len=64, pipeline=pipeline)
        handles = [engine.submit(p, sp) for p, sp in zip(prompts, params, strict=True)]
        ahead_seen = 0
        while any(h.finish_reason is None for h in handles):
            engine.step()
            ahead_seen += engine._ahead is not None
        outs[pipeline] = ([list(h) for h in handles], [h.finish_reason for h in handles],
                          engine.stats["decode_tokens"])
        assert engine.num_active == 0 and engine._ahead is None
        if pipeline:
            assert ahead_seen > 10  # most steps had the next step in flight
    assert outs[True][0] == outs[False][0] and outs[True][1] == outs[False][1]
    assert outs[True][0][0] == free[: free.index(stop)] and outs[True][1][0] == FINISH_STOP
    # the token computed ahead for the stopped request was discarded, never emitted
    assert outs[True][2] > outs[False][2]


def test_updown_copy_bytes_counts_the_transposed_down_projections(monkeypatch):
    """What the batch-1 Triton step keeps beyond the weights (memory planners subtract it): every MLP's fc2 and
    every GMU's out_proj once; nothing with updown off."""
    from inference.engine import triton_decode
    from inference.layers import GatedMemoryUnit

    model, _ = tiny_random_model(seed=1)
    layers = model.model.layers
    gmus = [layer for layer in layers if isinstance(layer.attn, GatedMemoryUnit)]
    assert gmus
    expect = sum(layer.mlp.fc2.weight.numel() for layer in layers) * model.dtype.itemsize \
        + sum(layer.attn.out_proj.weight.numel() for layer in gmus) * model.dtype.itemsize
    assert triton_decode.updown_copy_bytes(model) == expect > 0
    monkeypatch.setattr(triton_decode, "UPDOWN", False)
    assert triton_decode.updown_copy_bytes(model) == 0
