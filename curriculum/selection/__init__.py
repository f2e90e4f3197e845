"""Next-item selection driven by the mastery model.

    from curriculum.selection import select_next, Selection, ItemInfo

:func:`select_next` validates its inputs once, computes P(mastered) of every relevant skill at ``now``
and hands a :class:`~curriculum.selection.types.SelectionContext` to the named policy
(:data:`~curriculum.selection.policies.POLICIES`). See ``docs/mastery.md``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

from curriculum.mastery import LearnerState, ModelParams, p_mastered
from curriculum.selection.errors import SelectionError
from curriculum.selection.policies import POLICIES, Policy, choose_item, register_policy, topological_order
from curriculum.selection.types import ItemInfo, Selection, SelectionContext

__all__ = [
    "POLICIES",
    "ItemInfo",
    "Policy",
    "Selection",
    "SelectionContext",
    "SelectionError",
    "choose_item",
    "register_policy",
    "select_next",
    "topological_order",
]


def select_next(
    state: LearnerState,
    *,
    prerequisites: Mapping[str, Sequence[str]],
    items: Sequence[ItemInfo],
    params: ModelParams,
    rng: random.Random,
    now: float,
    assignment: Sequence[str] | None = None,
    policy: str = "adaptive",
    mastery_threshold: float = 0.95,
    target_band: tuple[float, float] = (0.6, 0.8),
    recent_items: Sequence[str] = (),
    review_after_days: float = 7.0,
    review_share: float = 0.2,
) -> Selection:
    """Choose the next skill and item for one learner.

    Args:
        state: the learner's mastery state.
        prerequisites: skill id -> ids of its direct prerequisites (a plain mapping; skills absent = none).
        items: the candidate items (non-empty, unique ids).
        params: mastery-model parameters.
        rng: the only source of randomness (tie-breaks, review draws); same seed, same choice.
        now: unix seconds (time decay of mastery, review spacing).
        assignment: skills a teacher assigned, in order; ``None`` = every skill that has items.
        policy: a name in :data:`POLICIES` (``"adaptive"``, ``"lowest_mastery"``, ``"fixed_order"``).
        mastery_threshold: P(mastered) at or above which a skill counts as mastered, in (0, 1).
        target_band: (low, high) P(correct) the chosen item should have, ``0 < low < high < 1``.
        recent_items: item ids shown recently; avoided unless nothing else fits.
        review_after_days: a mastered skill is due for review after this many days without practice.
        review_share: probability that a due review is taken instead of new practice, in [0, 1].

    Raises:
        SelectionError: on any malformed input (messages name the offending value).
    """
    if not isinstance(state, LearnerState):
        raise SelectionError(f"state must be a LearnerState, got {type(state).__name__}")
    if not isinstance(params, ModelParams):
        raise SelectionError(f"params must be ModelParams, got {type(params).__name__}")
    if not isinstance(rng, random.Random):
        raise SelectionError("rng must be a random.Random (inject it; selection never seeds itself)")
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
        raise SelectionError(f"now must be finite unix seconds, got {now!r}")
    if policy not in POLICIES:
        raise SelectionError(f"unknown policy {policy!r}; known: {sorted(POLICIES)}")
    if not 0.0 < mastery_threshold < 1.0:
        raise SelectionError(f"mastery_threshold must lie in (0, 1), got {mastery_threshold}")
    try:
        lo, hi = (float(target_band[0]), float(target_band[1]))
    except (TypeError, ValueError, IndexError):
        raise SelectionError(f"target_band must be a pair of numbers, got {target_band!r}") from None
    if len(target_band) != 2 or not 0.0 < lo < hi < 1.0:
        raise SelectionError(f"target_band must satisfy 0 < low < high < 1, got {target_band!r}")
    if review_after_days < 0 or not 0.0 <= review_share <= 1.0:
        raise SelectionError("review_after_days must be >= 0 and review_share in [0, 1]")
    if not isinstance(prerequisites, Mapping):
        raise SelectionError("prerequisites must be a mapping skill id -> prerequisite skill ids")
    for k, v in prerequisites.items():
        if isinstance(v, str) or not all(isinstance(x, str) for x in v):
            raise SelectionError(f"prerequisites[{k!r}] must be a sequence of skill ids, got {v!r}")
    if not items:
        raise SelectionError("no items to choose from")
    if any(not isinstance(it, ItemInfo) for it in items):
        raise SelectionError("items must be ItemInfo values")
    ids = [it.item_id for it in items]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise SelectionError(f"duplicate item ids: {dup}")

    by_skill: dict[str, list[ItemInfo]] = {}
    for it in items:
        for s in it.skills:
            by_skill.setdefault(s, []).append(it)
    if assignment is not None:
        if isinstance(assignment, str) or not assignment:
            raise SelectionError("assignment must be a non-empty sequence of skill ids (or None)")
        missing = [s for s in assignment if s not in by_skill]
        if missing:
            raise SelectionError(f"assigned skills without any item: {missing}")
        scope = list(dict.fromkeys(assignment))
    else:
        scope = list(by_skill)
    named = set(by_skill) | set(prerequisites) | {p for v in prerequisites.values() for p in v} | set(scope)
    mastery = {s: p_mastered(state, s, params, now) for s in named}
    ctx = SelectionContext(
        state=state, prerequisites=prerequisites, items=list(items), params=params, rng=rng, now=float(now),
        assignment=None if assignment is None else list(assignment), mastery_threshold=mastery_threshold,
        target_band=(lo, hi), recent_items=frozenset(recent_items), review_after_days=review_after_days,
        review_share=review_share, mastery=mastery, items_by_skill=by_skill, scope=scope,
    )
    return POLICIES[policy](ctx)
