"""Streaming generation: token ids (`stream`), text deltas for a chat prompt (`stream_text`), and the CLI.

    python -m inference.generate --model DIR "What is 12 * 13?"

`stream` prefills the prompt once (cross-decoder on the last token only) and then decodes one token per step
with the cache. It is a plain generator: the caller may stop iterating at any time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

import torch

from .errors import GenerationError, InferenceError
from .model import SambaYForCausalLM
from .sampling import check_sampling_args, sample_next
from .tokenizer import Tokenizer


@torch.inference_mode()
def stream(model: SambaYForCausalLM, prompt_ids: Sequence[int] | torch.Tensor, *, max_new_tokens: int,
           temperature: float = 0.0, top_p: float = 1.0, top_k: int | None = None, stop_ids: Iterable[int] = (),
           seed: int | None = None) -> Iterator[int]:
    """Yield up to `max_new_tokens` new token ids for one prompt. A stop id ends the stream (it is not yielded).

    temperature 0 is greedy; otherwise softmax(logits / temperature) restricted to the top-p nucleus (and top-k).
    `seed` makes sampling reproducible (a CPU generator, so equal on any device).
    """
    ids = _prompt_list(prompt_ids, model.config.vocab_size)
    if not isinstance(max_new_tokens, int) or max_new_tokens < 0:
        raise GenerationError(f"max_new_tokens={max_new_tokens!r} must be an int >= 0")
    check_sampling_args(temperature, top_p, top_k)
    stops = frozenset(int(s) for s in stop_ids)
    if max_new_tokens == 0:
        return
    generator = torch.Generator(device="cpu").manual_seed(seed) if seed is not None else None
    cache = model.allocate_cache(1, len(ids) + max_new_tokens)
    tokens = torch.tensor([ids], dtype=torch.long, device=model.device)
    logits = model(tokens, cache=cache, logits_to_keep=1)[:, -1]
    for n in range(max_new_tokens):
        nxt = sample_next(logits, temperature=temperature, top_p=top_p, top_k=top_k, generator=generator)
        token = int(nxt.item())
        if token in stops:
            return
        yield token
        if n + 1 < max_new_tokens:
            logits = model(nxt.view(1, 1), cache=cache)[:, -1]


def stream_text(model: SambaYForCausalLM, tokenizer: Tokenizer, prompt: str, *, max_new_tokens: int,
                temperature: float, top_p: float, seed: int | None,
                should_stop: Callable[[], bool] | None = None, system: str | None = None) -> Iterator[str]:
    """Yield text deltas of the assistant's reply to `prompt` (chat format, stops on the tokenizer's stop ids).

    Deltas never split a UTF-8 character. `should_stop()` is polled before every token; when it returns True
    the stream ends (after flushing completed text).
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise GenerationError("prompt must be a non-empty string")
    ids = tokenizer.chat_prompt_ids(prompt, system=system)
    detok = tokenizer.detokenizer()
    tokens = stream(model, ids, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p,
                    stop_ids=tokenizer.stop_ids, seed=seed)
    try:
        while True:
            if should_stop is not None and should_stop():
                break
            token = next(tokens, None)
            if token is None:
                break
            delta = detok.push(token)
            if delta:
                yield delta
    finally:
        tokens.close()
    tail = detok.flush()
    if tail:
        yield tail


def _prompt_list(prompt_ids: Sequence[int] | torch.Tensor, vocab_size: int) -> list[int]:
    if isinstance(prompt_ids, torch.Tensor):
        if prompt_ids.dim() == 2 and prompt_ids.shape[0] == 1:
            prompt_ids = prompt_ids[0]
        if prompt_ids.dim() != 1:
            raise GenerationError(f"prompt_ids must be 1-D (one prompt), got shape {tuple(prompt_ids.shape)}")
        ids = [int(i) for i in prompt_ids.tolist()]
    else:
        ids = list(prompt_ids)
    if not ids:
        raise GenerationError("prompt_ids is empty")
    bad = [i for i in ids if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < vocab_size]
    if bad:
        raise GenerationError(f"prompt_ids holds ids outside [0, {vocab_size}): {bad[:5]}")
    return ids


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: stream a reply to the terminal."""
    from .loading import load_pretrained

    ap = argparse.ArgumentParser(prog="python -m inference.generate", description=__doc__.splitlines()[0])
    ap.add_argument("prompt", help="the user message")
    ap.add_argument("--model", required=True, help="directory with config.json, *.safetensors, tokenizer.json")
    ap.add_argument("--system", default=None, help="optional system message")
    ap.add_argument("--max-new-tokens", type=int, default=1024)
    ap.add_argument("--temperature", type=float, default=0.6, help="0 = greedy (default 0.6, the authors')")
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--dtype", default=None, choices=["float32", "bfloat16", "float16", "float64"])
    args = ap.parse_args(argv)
    dtype = getattr(torch, args.dtype) if args.dtype else None
    try:
        model, tokenizer = load_pretrained(args.model, device=args.device, dtype=dtype)
        for delta in stream_text(model, tokenizer, args.prompt, max_new_tokens=args.max_new_tokens,
                                 temperature=args.temperature, top_p=args.top_p, seed=args.seed,
                                 system=args.system):
            sys.stdout.write(delta)
            sys.stdout.flush()
    except InferenceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
