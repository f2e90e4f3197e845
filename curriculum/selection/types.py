"""Plain values exchanged with :func:`curriculum.selection.select_next`."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from curriculum.mastery import LearnerState, ModelParams
from curriculum.selection.errors import SelectionError


@dataclass(frozen=True)
class ItemInfo:
    """An item the learner could be given next.

    Attributes:
        item_id: the template id (difficulty and guess/slip are tracked per template).
        skills: skills the item tests (non-empty, no duplicates).
        difficulty: authored level, 1 (easy) .. 3 (hard); used until the template has a fitted difficulty.
    """

    item_id: str
    skills: tuple[str, ...]
    difficulty: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.item_id, str) or not self.item_id:
            raise SelectionError("ItemInfo.item_id must be a non-empty string")
        if isinstance(self.skills, str) or not isinstance(self.skills, tuple) or not self.skills:
            raise SelectionError(f"ItemInfo {self.item_id}: skills must be a non-empty tuple of skill ids")
        if any(not isinstance(s, str) or not s for s in self.skills) or len(set(self.skills)) != len(self.skills):
            raise SelectionError(f"ItemInfo {self.item_id}: skill ids must be distinct non-empty strings")
        if isinstance(self.difficulty, bool) or self.difficulty not in (1, 2, 3):
            raise SelectionError(f"ItemInfo {self.item_id}: difficulty must be 1, 2 or 3, got {self.difficulty!r}")


@dataclass(frozen=True)
class Selection:
    """What to practise next, and why.

    Attributes:
        skill_id: the skill the choice targets.
        item_id: the chosen item (template id).
        predicted_p_correct: the model's P(correct) for this learner on this item, in (0, 1).
        reason: short human-readable text, e.g. ``"review: last practised 9 days ago"``.
    """

    skill_id: str
    item_id: str
    predicted_p_correct: float
    reason: str


@dataclass(frozen=True)
class SelectionContext:
    """Everything a policy may look at; built and validated once by ``select_next``.

    Attributes:
        mastery: P(mastered) at ``now`` for every skill named by an item, the prerequisites or the assignment.
        items_by_skill: skill id -> items testing it, in the caller's order.
        scope: skills the learner should work on (the assignment, or every skill that has items), in order.
    """

    state: LearnerState
    prerequisites: Mapping[str, Sequence[str]]
    items: Sequence[ItemInfo]
    params: ModelParams
    rng: random.Random
    now: float
    assignment: Sequence[str] | None
    mastery_threshold: float
    target_band: tuple[float, float]
    recent_items: frozenset[str]
    review_after_days: float
    review_share: float
    mastery: Mapping[str, float] = field(default_factory=dict)
    items_by_skill: Mapping[str, Sequence[ItemInfo]] = field(default_factory=dict)
    scope: Sequence[str] = ()

    def mastered(self, skill_id: str) -> bool:
        return self.mastery[skill_id] >= self.mastery_threshold
