"""Test checkpoints: tiny random SambaY models saved in the HF layout, for the real loader to read."""

from __future__ import annotations

from pathlib import Path

import torch

from inference import save_pretrained
from inference.testing import tiny_random_model


def save_tiny_model(path: Path, *, seed: int = 0, never_stop: bool = True) -> Path:
    """Save a tiny random model (about 0.3M parameters) with its byte tokenizer under ``path``.

    ``never_stop``: untie the output head and zero its stop-token rows, so greedy decoding never picks a stop
    token (a stop logit of exactly 0 is below the maximum of ~270 random logits) and every generation runs to
    its token budget: tests then know how long a stream is without depending on the random weights.
    """
    model, tokenizer = tiny_random_model(seed, tie_word_embeddings=not never_stop)
    if never_stop:
        with torch.no_grad():
            for stop in tokenizer.stop_ids:
                model.lm_head.weight[stop].zero_()
    return save_pretrained(model, tokenizer, path)
