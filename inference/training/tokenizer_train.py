"""Train a byte-level BPE tokenizer (HF `tokenizers`) on a prompt/response corpus, with the chat markers of
Phi-4-mini-flash-reasoning as special tokens.

    python -m inference.training.tokenizer_train --data corpus.jsonl[.gz] --out tokenizer.json --vocab-size 2048

Layout of the result: ids 0..5 are the special tokens ``<|endoftext|>`` (0, also padding, as the real
config's ``pad_token_id`` 0), ``<|assistant|>``, ``<|end|>``, ``<|user|>``, ``<|system|>``, ``<|tag|>``; then
the 256 byte symbols (any UTF-8 text encodes, nothing is ever unknown); then the learned merges.
Pre-tokenization: every digit is its own token (so the model reads numbers digit by digit, which small
models learn arithmetic from far better than from 1-3 digit chunks), then GPT-2 byte-level splitting.
The real model's tokenizer differs only in size (200064) and the digit rule (o200k groups up to 3 digits).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from ..errors import TokenizerError
from ..tokenizer import ASSISTANT, END, END_OF_TEXT, SYSTEM, USER, Tokenizer
from .data import read_jsonl

TAG = "<|tag|>"
SPECIAL_TOKENS = (END_OF_TEXT, ASSISTANT, END, USER, SYSTEM, TAG)
MIN_VOCAB = len(SPECIAL_TOKENS) + 256


def _texts(records: Iterable[dict]) -> Iterator[str]:
    for r in records:
        yield r["prompt"]
        yield r["response"]


def train_tokenizer(texts: Iterable[str], vocab_size: int, *, min_frequency: int = 2) -> Tokenizer:
    """Byte-level BPE with `vocab_size` ids in all (special tokens and the 256 bytes included)."""
    if not isinstance(vocab_size, int) or vocab_size < MIN_VOCAB:
        raise TokenizerError(f"vocab_size={vocab_size!r} must be an int >= {MIN_VOCAB} "
                             "(special tokens + 256 bytes)")
    hf = HFTokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    hf.train_from_iterator(texts, trainer=trainer)
    for i, tok in enumerate(SPECIAL_TOKENS):
        if hf.token_to_id(tok) != i:  # pragma: no cover - the trainer always puts special tokens first
            raise TokenizerError(f"special token {tok} got id {hf.token_to_id(tok)}, expected {i}")
    return Tokenizer(hf)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m inference.training.tokenizer_train",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path, help="JSONL (optionally .gz) with prompt/response")
    ap.add_argument("--out", required=True, type=Path, help="tokenizer.json to write")
    ap.add_argument("--vocab-size", type=int, default=2048)
    ap.add_argument("--min-frequency", type=int, default=2)
    args = ap.parse_args(argv)
    tok = train_tokenizer(_texts(read_jsonl(args.data)), args.vocab_size, min_frequency=args.min_frequency)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tok.save(args.out)
    print(f"wrote {args.out}: {tok.vocab_size} tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
