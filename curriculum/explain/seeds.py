"""The train/evaluation split of template seeds, and the skill family of a template or instance.

Rule: an instance drawn for training has a template seed in ``TRAIN_SEEDS`` = [0, 1_000_000); an instance
drawn for evaluation has a seed in ``EVAL_SEEDS`` = [1_000_000, 2**31). The two ranges are disjoint, so no
evaluation *instance* is a training instance. (Small templates have few distinct problems, so two different
seeds can still give the same statement; ``docs/model.md`` reports how often that happens.)
"""

from __future__ import annotations

import random

from curriculum.explain.errors import ExplainError
from curriculum.templates.model import ProblemInstance, ProblemTemplate

TRAIN_SEEDS = range(1_000_000)
EVAL_SEEDS = range(1_000_000, 2**31)
SPLITS = {"train": TRAIN_SEEDS, "eval": EVAL_SEEDS}


def seeds_of(split: str) -> range:
    """The seed range of ``"train"`` or ``"eval"``."""
    try:
        return SPLITS[split]
    except KeyError:
        raise ExplainError(f"split must be one of {sorted(SPLITS)}, not {split!r}") from None


def check_seed(seed: object, split: str) -> int:
    """``seed`` as an int, or ExplainError if it is not an int of the ``split`` range."""
    allowed = seeds_of(split)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ExplainError(f"a template seed must be an int, got {type(seed).__name__}")
    if seed not in allowed:
        raise ExplainError(f"seed {seed} is not a {split} seed: {split} seeds are in "
                           f"[{allowed.start}, {allowed.stop})")
    return seed


def eval_problem_seeds(seed: int, n: int) -> list[int]:
    """``n`` distinct evaluation seeds drawn with ``random.Random(seed)`` (same arguments, same seeds)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ExplainError(f"n must be an int >= 0, got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ExplainError(f"seed must be an int, got {type(seed).__name__}")
    rng = random.Random(seed)
    return rng.sample(EVAL_SEEDS, n)


def family_of(item: ProblemTemplate | ProblemInstance) -> str:
    """Skill family (the part of the first skill id before the dot): ``"fractions"`` for
    ``fractions.add_subtract``."""
    if not isinstance(item, ProblemTemplate | ProblemInstance):
        raise ExplainError(f"family_of expects a ProblemTemplate or ProblemInstance, got {type(item).__name__}")
    if not item.skills:
        raise ExplainError(f"{item.template_id if isinstance(item, ProblemInstance) else item.id} has no skills")
    return item.skills[0].split(".", 1)[0]
