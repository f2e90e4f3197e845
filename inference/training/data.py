"""Corpus reading, tokenization with a response-only loss mask, and length-bucketed padded batches.

One example is the chat prompt ``<|user|>{prompt}<|end|><|assistant|>`` followed by ``{response}<|end|>``;
the loss is taken on the response tokens and the closing ``<|end|>`` only (the model learns to answer and to
stop, not to predict the question).
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import InferenceError
from ..tokenizer import ASSISTANT, END, USER, Tokenizer


class DataError(InferenceError):
    """The training corpus is missing, malformed, or yields no usable example."""


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file (``.gz`` is decompressed); each needs string ``prompt`` and ``response``."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"corpus file not found: {p}")
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{p}:{n}: not valid JSON ({e})") from e
            if not isinstance(rec, dict) or not isinstance(rec.get("prompt"), str) \
                    or not isinstance(rec.get("response"), str):
                raise DataError(f"{p}:{n}: a record needs string 'prompt' and 'response' fields")
            if not rec["prompt"].strip() or not rec["response"].strip():
                raise DataError(f"{p}:{n}: empty prompt or response")
            yield rec


@dataclass(frozen=True)
class Example:
    """Token ids of prompt + response; positions >= `n_prompt` are trained on."""

    ids: tuple[int, ...]
    n_prompt: int


def encode(tokenizer: Tokenizer, record: dict[str, Any]) -> Example:
    prompt = tokenizer.chat_prompt_ids(record["prompt"])
    response = tokenizer.encode(record["response"]) + [tokenizer.token_id(END)]
    return Example(tuple(prompt + response), len(prompt))


def _encode_batch(tokenizer: Tokenizer, records: list[dict[str, Any]]) -> Iterator[Example]:
    """``encode`` of every record, the texts tokenized in parallel batches (same ids as ``encode``)."""
    hf = tokenizer.hf
    user, end, assistant = (tokenizer.token_id(t) for t in (USER, END, ASSISTANT))
    previous = hf.encode_special_tokens
    hf.encode_special_tokens = True  # special-token text typed in a prompt stays text, as in ``encode``
    try:
        for start in range(0, len(records), 8192):
            chunk = records[start:start + 8192]
            prompts = hf.encode_batch([r["prompt"] for r in chunk], add_special_tokens=False)
            responses = hf.encode_batch([r["response"] for r in chunk], add_special_tokens=False)
            for p, r in zip(prompts, responses, strict=True):
                prompt = [user, *p.ids, end, assistant]
                yield Example(tuple(prompt + list(r.ids) + [end]), len(prompt))
    finally:
        hf.encode_special_tokens = previous


def encode_all(tokenizer: Tokenizer, records: list[dict[str, Any]], max_len: int) -> tuple[list[Example], int]:
    """(examples of at most `max_len` tokens, number dropped for being longer)."""
    kept, dropped = [], 0
    for ex in _encode_batch(tokenizer, records):
        if len(ex.ids) > max_len:
            dropped += 1
        else:
            kept.append(ex)
    if not kept:
        raise DataError(f"no example fits in max_len={max_len} tokens ({dropped} dropped)")
    return kept, dropped


def padded_length(n: int, pad_to: int) -> int:
    """n rounded up to a multiple of `pad_to` (>= 1)."""
    return -(-n // pad_to) * pad_to


def collate(examples: list[Example], pad_id: int, pad_to: int = 1, tokens_per_batch: int | None = None
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """-> (inputs [B, T] int64, targets [B, T] int64, loss mask [B, T] float) for next-token prediction.

    Sequences are right-padded (a causal model never looks right, so padding changes nothing before it);
    target t is token t+1; the mask is 1 where token t+1 is a response token. T is the longest example's length
    - 1, rounded up to a multiple of `pad_to`; with `tokens_per_batch`, B is ``tokens_per_batch // T`` (rows of
    padding, mask 0, after the examples), so batches come in few shapes (one CUDA graph each, see
    :mod:`inference.training.step`).
    """
    T = padded_length(max(len(e.ids) for e in examples) - 1, pad_to)
    B = len(examples) if tokens_per_batch is None else tokens_per_batch // T
    if B < len(examples):
        raise DataError(f"{len(examples)} examples of up to {T} tokens do not fit {tokens_per_batch} tokens")
    inputs = torch.full((B, T), pad_id, dtype=torch.long)
    targets = torch.full((B, T), pad_id, dtype=torch.long)
    mask = torch.zeros((B, T))
    for b, e in enumerate(examples):
        ids = torch.tensor(e.ids, dtype=torch.long)
        n = len(e.ids) - 1
        inputs[b, :n] = ids[:-1]
        targets[b, :n] = ids[1:]
        mask[b, e.n_prompt - 1:n] = 1.0
    return inputs, targets, mask


def batches(examples: list[Example], tokens_per_batch: int, rng: random.Random, pad_to: int = 1
            ) -> Iterator[list[Example]]:
    """Endless stream of batches of similar length, each at most `tokens_per_batch` padded tokens (lengths
    rounded up to a multiple of `pad_to`, as :func:`collate` pads them).

    Every pass shuffles, sorts windows of 50 batches by length (little padding), and shuffles the batches.
    """
    longest = max(padded_length(len(e.ids), pad_to) for e in examples)
    if tokens_per_batch < longest:
        raise DataError(f"tokens_per_batch={tokens_per_batch} is below the longest example ({longest} tokens)")
    while True:
        order = examples[:]
        rng.shuffle(order)
        out: list[list[Example]] = []
        window = max(1, 50 * tokens_per_batch // longest)
        for w in range(0, len(order), window):
            chunk = sorted(order[w:w + window], key=lambda e: len(e.ids))
            batch: list[Example] = []
            for e in chunk:
                if batch and (len(batch) + 1) * padded_length(len(e.ids), pad_to) > tokens_per_batch:
                    out.append(batch)
                    batch = []
                batch.append(e)
            if batch:
                out.append(batch)
        rng.shuffle(out)
        yield from out
