"""Tokenizer wrapper (HF `tokenizers`), the Phi-4 chat prompt, and an incremental UTF-8-safe detokenizer.

Chat format (Phi-4-mini-flash-reasoning): ``[<|system|>{system}<|end|>]<|user|>{prompt}<|end|><|assistant|>``.
Generation stops on ``<|end|>`` or ``<|endoftext|>`` (plus any ids from `generation_config.json`).

User text is hostile: special-token strings typed into it (``"<|end|>"``) are encoded as plain text, never as
control tokens, so a student cannot end the turn or impersonate the assistant.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer

from .errors import TokenizerError

USER, ASSISTANT, SYSTEM, END, END_OF_TEXT = "<|user|>", "<|assistant|>", "<|system|>", "<|end|>", "<|endoftext|>"
CHAT_TOKENS = (USER, ASSISTANT, SYSTEM, END, END_OF_TEXT)


class Tokenizer:
    """A `tokenizers.Tokenizer` plus the chat format. `stop_ids` are the ids that end a reply."""

    def __init__(self, tokenizer: HFTokenizer, extra_stop_ids: Iterable[int] = ()) -> None:
        self.hf = tokenizer
        stops = [i for i in (tokenizer.token_to_id(END), tokenizer.token_to_id(END_OF_TEXT)) if i is not None]
        for i in extra_stop_ids:
            if not isinstance(i, int) or not 0 <= i < self.vocab_size:
                raise TokenizerError(f"stop id {i!r} is outside the vocabulary [0, {self.vocab_size})")
            if i not in stops:
                stops.append(i)
        if not stops:
            raise TokenizerError(f"tokenizer has neither {END} nor {END_OF_TEXT} and no stop ids were given")
        self.stop_ids: tuple[int, ...] = tuple(stops)

    @classmethod
    def from_file(cls, path: str | Path, extra_stop_ids: Iterable[int] = ()) -> Tokenizer:
        """Load a `tokenizer.json`."""
        p = Path(path)
        if not p.is_file():
            raise TokenizerError(f"tokenizer file not found: {p}")
        try:
            hf = HFTokenizer.from_file(str(p))
        except Exception as e:  # tokenizers raises a bare Exception on malformed JSON
            raise TokenizerError(f"cannot read tokenizer {p}: {e}") from e
        return cls(hf, extra_stop_ids)

    def save(self, path: str | Path) -> None:
        self.hf.save(str(path))

    @property
    def vocab_size(self) -> int:
        """Number of token ids including added (special) tokens."""
        return self.hf.get_vocab_size(with_added_tokens=True)

    def token_id(self, token: str) -> int:
        i = self.hf.token_to_id(token)
        if i is None:
            raise TokenizerError(f"tokenizer has no token {token!r}")
        return i

    def encode(self, text: str) -> list[int]:
        """Plain text -> ids. Special-token strings inside `text` are encoded as ordinary text."""
        if not isinstance(text, str):
            raise TokenizerError(f"encode expects str, got {type(text).__name__}")
        previous = self.hf.encode_special_tokens
        self.hf.encode_special_tokens = True
        try:
            return list(self.hf.encode(text, add_special_tokens=False).ids)
        finally:
            self.hf.encode_special_tokens = previous

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = True) -> str:
        return self.hf.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def chat_prompt_ids(self, prompt: str, system: str | None = None) -> list[int]:
        """Ids of ``[<|system|>{system}<|end|>]<|user|>{prompt}<|end|><|assistant|>``."""
        ids: list[int] = []
        end = self.token_id(END)
        if system is not None:
            ids += [self.token_id(SYSTEM), *self.encode(system), end]
        ids += [self.token_id(USER), *self.encode(prompt), end, self.token_id(ASSISTANT)]
        return ids

    def detokenizer(self) -> IncrementalDetokenizer:
        return IncrementalDetokenizer(self)


class IncrementalDetokenizer:
    """Turns a stream of ids into text deltas that never split a UTF-8 character.

    Byte-level BPE tokens may hold part of a character; decoding such a prefix yields U+FFFD. `push` holds text
    back until the decoded tail is complete; `flush` returns whatever is left at the end of the stream. The
    concatenation of all deltas equals `tokenizer.decode(all ids)`. Special tokens decode to "".
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self._prefix = 0  # start of the window that is re-decoded for context
        self._read = 0  # ids before this index have been emitted as text

    def push(self, token_id: int) -> str:
        """Add one id; return the newly completed text ('' while a character is incomplete)."""
        self.ids.append(token_id)
        before = self.tokenizer.decode(self.ids[self._prefix:self._read])
        after = self.tokenizer.decode(self.ids[self._prefix:])
        if len(after) > len(before) and not after.endswith("\ufffd"):
            self._prefix, self._read = self._read, len(self.ids)
            return after[len(before):]
        return ""

    def flush(self) -> str:
        """Text not yet emitted (possibly ending in U+FFFD if the stream stopped mid-character)."""
        before = self.tokenizer.decode(self.ids[self._prefix:self._read])
        after = self.tokenizer.decode(self.ids[self._prefix:])
        self._prefix = self._read = len(self.ids)
        return after[len(before):]
