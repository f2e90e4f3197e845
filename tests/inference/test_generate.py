"""stream / stream_text / CLI on a tiny random model (CPU)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from inference import GenerationError, save_pretrained
from inference.generate import stream, stream_text
from inference.sampling import sample_next
from inference.testing import tiny_random_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny():
    return tiny_random_model(seed=11)


def test_greedy_stream_equals_argmax_of_full_forward(tiny):
    model, _ = tiny
    prompt = [5, 77, 120, 3, 9, 200, 14, 15, 16, 17]  # longer than the window (6)
    got = list(stream(model, prompt, max_new_tokens=8, temperature=0.0))
    ids = list(prompt)
    for _ in range(8):
        ids.append(int(model(torch.tensor([ids]))[0, -1].argmax()))
    assert got == ids[len(prompt):]


def test_stop_ids_end_the_stream_without_being_yielded(tiny):
    model, _ = tiny
    free = list(stream(model, [1, 2, 3], max_new_tokens=6, temperature=0.0))
    cut = list(stream(model, [1, 2, 3], max_new_tokens=6, temperature=0.0, stop_ids=[free[2]]))
    assert cut == free[: free.index(free[2])]


def test_seeded_sampling_is_reproducible_and_seed_dependent(tiny):
    model, _ = tiny
    runs = [list(stream(model, [7, 8], max_new_tokens=12, temperature=1.0, top_p=0.95, seed=s)) for s in (1, 1, 2)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_top_p_keeps_only_the_nucleus():
    logits = torch.tensor([[5.0, 4.0, 0.0, -1.0]])  # p ~ [0.72, 0.26, 0.005, 0.002]
    g = torch.Generator().manual_seed(0)
    seen = {int(sample_next(logits, temperature=1.0, top_p=0.5, generator=g)) for _ in range(50)}
    assert seen == {0}
    seen = {int(sample_next(logits, temperature=1.0, top_p=0.9, generator=g)) for _ in range(200)}
    assert seen == {0, 1}
    seen = {int(sample_next(logits, temperature=1.0, top_k=1, generator=g)) for _ in range(20)}
    assert seen == {0}


@pytest.mark.parametrize("kwargs,match", [
    ({"max_new_tokens": -1}, "max_new_tokens"),
    ({"max_new_tokens": 2, "temperature": -0.1}, "temperature"),
    ({"max_new_tokens": 2, "top_p": 0.0}, "top_p"),
    ({"max_new_tokens": 2, "top_k": 0}, "top_k"),
])
def test_bad_arguments(tiny, kwargs, match):
    model, _ = tiny
    with pytest.raises(GenerationError, match=match):
        list(stream(model, [1, 2], **kwargs))


def test_bad_prompts(tiny):
    model, tok = tiny
    with pytest.raises(GenerationError, match="empty"):
        list(stream(model, [], max_new_tokens=1))
    with pytest.raises(GenerationError, match="outside"):
        list(stream(model, [1, 10**6], max_new_tokens=1))
    with pytest.raises(GenerationError, match="non-empty"):
        list(stream_text(model, tok, "  ", max_new_tokens=1, temperature=0, top_p=1, seed=None))
    assert list(stream(model, torch.tensor([[1, 2]]), max_new_tokens=0)) == []


def test_stream_text_matches_token_stream_and_respects_should_stop(tiny):
    model, tok = tiny
    prompt = "Solve 2x = 4 ✓"
    kw = {"max_new_tokens": 15, "temperature": 0.8, "top_p": 0.9, "seed": 3}
    ids = list(stream(model, tok.chat_prompt_ids(prompt), stop_ids=tok.stop_ids, **kw))
    text = "".join(stream_text(model, tok, prompt, **kw))
    assert text == tok.decode(ids)
    calls = []

    def stop_after_four():
        calls.append(1)
        return len(calls) > 4

    deltas = list(stream_text(model, tok, prompt, should_stop=stop_after_four, **kw))
    assert len(calls) == 5
    assert "".join(deltas) == tok.decode(ids[:4])


@pytest.mark.slow
def test_cli_streams_text(tiny, tmp_path):
    model, tok = tiny
    save_pretrained(model, tok, tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "inference.generate", "--model", str(tmp_path), "--max-new-tokens", "6",
         "--temperature", "0", "--device", "cpu", "hello"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    ids = list(stream(model, tok.chat_prompt_ids("hello"), max_new_tokens=6, stop_ids=tok.stop_ids))
    assert out.stdout == tok.decode(ids) + "\n"
    bad = subprocess.run([sys.executable, "-m", "inference.generate", "--model", str(tmp_path / "x"), "hi"],
                         check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "model directory not found" in bad.stderr
