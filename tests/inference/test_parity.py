"""The contract: the model equals an independent spec reference, and cached generation equals a full forward."""

from __future__ import annotations

import pytest
import torch

from inference import GenerationError
from inference.testing import tiny_random_model

from .spec_reference import spec_forward

WINDOW = 6  # tiny_config's sliding window


def _ids(B: int, T: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 261, (B, T), generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def model64():
    model, _ = tiny_random_model(seed=0, dtype=torch.float64)
    return model


def test_tiny_config_has_enough_heads_to_expose_gqa_mistakes(model64):
    c = model64.config
    assert c.num_attention_heads >= 8 and c.num_key_value_heads >= 4
    assert c.layer_types == ("mamba", "sliding_attention", "mamba", "sliding_attention", "memory_mamba",
                             "full_attention", "gmu", "cross_attention")


@pytest.mark.parametrize("B,T", [(1, 4), (2, 13)])
def test_forward_matches_independent_spec_reference(model64, B, T):
    ids = _ids(B, T, seed=T)
    got = model64(ids)
    want = spec_forward(model64.state_dict(), model64.config, ids)
    assert got.shape == (B, T, model64.config.vocab_size)
    torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("B,prompt,total", [
    (1, 3, 5),             # prompt and whole sequence shorter than the window
    (2, 4, 15),            # short prompt, decode runs past the window
    (2, WINDOW + 5, 20),   # prompt longer than the window
    (3, 1, 12),            # one-token prompt (conv state shorter than the kernel)
])
def test_prefill_plus_steps_equal_full_forward(model64, B, prompt, total):
    ids = _ids(B, total, seed=prompt * 100 + total)
    full = model64(ids)
    cache = model64.allocate_cache(B, capacity=4)  # small on purpose: the full-attention buffer must grow
    parts = [model64(ids[:, :prompt], cache=cache)]
    for t in range(prompt, total):
        parts.append(model64(ids[:, t:t + 1], cache=cache))
    torch.testing.assert_close(torch.cat(parts, dim=1), full, rtol=1e-10, atol=1e-10)
    assert cache.length == total


def test_prefill_skip_gives_exact_last_logits_and_fills_same_cache(model64):
    ids = _ids(2, 17, seed=5)
    full = model64(ids)
    c1, c2 = model64.allocate_cache(2, 32), model64.allocate_cache(2, 32)
    last = model64(ids, cache=c1, logits_to_keep=1)
    model64(ids, cache=c2)
    assert last.shape == (2, 1, model64.config.vocab_size)
    torch.testing.assert_close(last[:, 0], full[:, -1], rtol=1e-10, atol=1e-10)
    nxt = ids[:, -1:]
    torch.testing.assert_close(model64(nxt, cache=c1), model64(nxt, cache=c2), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model64(ids, logits_to_keep=3), full[:, -3:], rtol=1e-10, atol=1e-10)


def test_sliding_window_is_the_true_window_not_the_first_tokens(model64):
    """Changing a token that left the window of every SWA layer still matters (Mamba, full attention)...
    but a model whose window covers everything gives different logits, so the window is really applied."""
    ids = _ids(1, 12, seed=7)
    wide, _ = tiny_random_model(seed=0, dtype=torch.float64, sliding_window=64)
    assert not torch.allclose(model64(ids)[:, -1], wide(ids)[:, -1])
    # below the window the two agree exactly (every key visible either way)
    short = ids[:, :WINDOW]
    torch.testing.assert_close(model64(short), wide(short), rtol=1e-12, atol=1e-12)


def test_float32_matches_float64():
    m32, _ = tiny_random_model(seed=1, dtype=torch.float32)
    m64, _ = tiny_random_model(seed=1, dtype=torch.float64)
    ids = _ids(2, 9, seed=9)
    out32 = m32(ids)
    assert out32.dtype == torch.float32
    torch.testing.assert_close(out32.double(), m64(ids), rtol=1e-4, atol=1e-4)


def test_cache_misuse_is_a_clear_error(model64):
    cache = model64.allocate_cache(2, 8)
    with pytest.raises(GenerationError, match="2 sequences"):
        model64(_ids(1, 3, 0), cache=cache)
    model64(_ids(2, 3, 0), cache=cache)
    with pytest.raises(GenerationError, match="one token at a time"):
        model64(_ids(2, 2, 0), cache=cache)
    with pytest.raises(GenerationError, match="int tensor"):
        model64(torch.zeros(2, 3))
