"""Per-request sampling parameters and the request handle's finish reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import GenerationError
from ..sampling import check_sampling_args

FINISH_STOP = "stop"            # a stop id was sampled (it is not yielded)
FINISH_LENGTH = "length"        # max_new_tokens were yielded
FINISH_CANCELLED = "cancelled"  # handle.cancel() or engine.stop()
FINISH_ERROR = "error"          # the engine failed; iterating raises EngineError


@dataclass(frozen=True)
class SamplingParams:
    """How one request picks its tokens (the same meaning as :func:`inference.generate.stream`).

    temperature 0 is greedy (argmax, ties to the lowest id); otherwise softmax(logits / temperature) restricted to
    the top-p nucleus and, if set, the top-k tokens. `seed` makes sampling reproducible and equal to
    `generate.stream` with the same seed (a per-request CPU generator). `stop_ids` end the request without being
    yielded.
    """

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int | None = None
    seed: int | None = None
    stop_ids: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.max_new_tokens, int) or isinstance(self.max_new_tokens, bool) \
                or self.max_new_tokens < 0:
            raise GenerationError(f"max_new_tokens={self.max_new_tokens!r} must be an int >= 0")
        check_sampling_args(self.temperature, self.top_p, self.top_k)
        if self.seed is not None and (not isinstance(self.seed, int) or isinstance(self.seed, bool)):
            raise GenerationError(f"seed={self.seed!r} must be an int or None")
        stops: Iterable[int] = self.stop_ids
        if isinstance(stops, int):
            raise GenerationError("stop_ids must be a collection of ints, not one int")
        ids = frozenset(stops)
        if any(not isinstance(s, int) or isinstance(s, bool) for s in ids):
            raise GenerationError(f"stop_ids must hold ints, got {sorted(map(repr, ids))}")
        object.__setattr__(self, "stop_ids", ids)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0
