"""Next-token selection: greedy (temperature 0), or temperature + nucleus (top-p) + optional top-k sampling."""

from __future__ import annotations

import torch

from .errors import GenerationError


def check_sampling_args(temperature: float, top_p: float, top_k: int | None) -> None:
    if not temperature >= 0:
        raise GenerationError(f"temperature={temperature} must be >= 0")
    if not 0 < top_p <= 1:
        raise GenerationError(f"top_p={top_p} must be in (0, 1]")
    if top_k is not None and top_k < 1:
        raise GenerationError(f"top_k={top_k} must be >= 1 or None")


def sample_next(logits: torch.Tensor, *, temperature: float, top_p: float = 1.0, top_k: int | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """logits [B, V] -> token ids [B] (int64). temperature 0 = argmax; ties go to the lowest id."""
    check_sampling_args(temperature, top_p, top_k)
    if temperature == 0:
        return logits.argmax(dim=-1)
    scores = logits.float() / temperature
    if top_k is not None and top_k < scores.shape[-1]:
        kth = torch.topk(scores, top_k, dim=-1).values[..., -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1.0:
        sorted_scores, order = torch.sort(scores, dim=-1, descending=True)
        probs = torch.softmax(sorted_scores, dim=-1)
        # drop a token when the tokens ranked above it already reach top_p (the top token always stays)
        drop_sorted = (probs.cumsum(dim=-1) - probs) >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        scores = scores.masked_fill(drop, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    # sample on the CPU generator when one is given, so a seed gives the same tokens on any device
    if generator is not None:
        return torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(-1).to(logits.device)
    return torch.multinomial(probs, 1).squeeze(-1)
