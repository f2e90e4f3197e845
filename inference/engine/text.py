"""Text deltas from the engine for a chat prompt (what a web worker streams): the engine's `stream_text`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from ..errors import GenerationError
from ..tokenizer import Tokenizer
from .engine import Engine
from .params import SamplingParams


def stream_text(engine: Engine, tokenizer: Tokenizer, prompt: str, params: SamplingParams, *,
                should_stop: Callable[[], bool] | None = None, system: str | None = None,
                poll_seconds: float = 0.05) -> Iterator[str]:
    """Yield the assistant's reply to `prompt` as text deltas (never splitting a UTF-8 character).

    The tokenizer's stop ids are added to `params.stop_ids`. `should_stop()` is checked before each token and at
    least every `poll_seconds` while waiting (with a background thread); when it returns True the request is
    cancelled (its slot is freed within one engine step) and the stream ends after flushing completed text.
    Closing the generator early also cancels the request.
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise GenerationError("prompt must be a non-empty string")
    ids = tokenizer.chat_prompt_ids(prompt, system=system)
    params = replace(params, stop_ids=params.stop_ids | frozenset(tokenizer.stop_ids))
    handle = engine.submit(ids, params)
    detok = tokenizer.detokenizer()
    try:
        while True:
            if should_stop is not None and should_stop():
                break
            try:
                token = handle.next(timeout=poll_seconds if engine.running else None)
            except TimeoutError:
                continue
            if token is None:
                break
            delta = detok.push(token)
            if delta:
                yield delta
    finally:
        handle.cancel()
    tail = detok.flush()
    if tail:
        yield tail
