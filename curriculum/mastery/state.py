"""Learner state and answer records: small frozen values that round-trip through JSON.

A :class:`LearnerState` holds, per skill, a constant-size summary (BKT probability, success and failure
counts, when it was last practised), plus a learner-wide ability and totals. Its size grows with the number
of *skills* practised, never with the number of answers, so every update is O(1) in the answer history.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from curriculum.mastery.errors import InvalidObservationError, InvalidStateError

STATE_VERSION = 1


@dataclass(frozen=True)
class Observation:
    """One answer by one learner.

    Attributes:
        skills: every skill the item tests (non-empty, no duplicates). All of them are updated.
        item_id: the item's template id (difficulty is tracked per template).
        correct: whether the final answer was right.
        hints_used: hints the learner opened before answering (>= 0).
        hints_available: hints the item offers (>= 0); 0 with hints_used > 0 means "all of them".
        gave_up: the learner asked for the answer / skipped; counted as a wrong answer.
        timestamp: unix time of the answer in seconds.
    """

    skills: tuple[str, ...]
    item_id: str
    correct: bool
    hints_used: int = 0
    hints_available: int = 0
    gave_up: bool = False
    timestamp: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.skills, str) or not isinstance(self.skills, tuple):
            raise InvalidObservationError(f"skills must be a tuple of skill ids, got {self.skills!r}")
        if not self.skills:
            raise InvalidObservationError("an observation must test at least one skill")
        if any(not isinstance(s, str) or not s for s in self.skills):
            raise InvalidObservationError(f"skill ids must be non-empty strings, got {self.skills!r}")
        if len(set(self.skills)) != len(self.skills):
            raise InvalidObservationError(f"duplicate skill ids in {self.skills!r}")
        if not isinstance(self.item_id, str) or not self.item_id:
            raise InvalidObservationError("item_id must be a non-empty string")
        if not isinstance(self.correct, bool) or not isinstance(self.gave_up, bool):
            raise InvalidObservationError("correct and gave_up must be booleans")
        for name in ("hints_used", "hints_available"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise InvalidObservationError(f"{name} must be a non-negative integer, got {v!r}")
        if self.hints_available and self.hints_used > self.hints_available:
            raise InvalidObservationError(
                f"hints_used ({self.hints_used}) exceeds hints_available ({self.hints_available})"
            )
        if self.gave_up and self.correct:
            raise InvalidObservationError("an answer cannot be both correct and given up")
        ts = self.timestamp
        if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
            raise InvalidObservationError(f"timestamp must be a finite number of unix seconds, got {ts!r}")

    def credit(self, hint_floor: float) -> float:
        """Evidence credit in [0, 1]: 1 = clean correct, 0 = wrong or gave up.

        A correct answer after opening a fraction ``f`` of the hints gets ``1 - f * (1 - hint_floor)``.
        """
        if not self.correct:
            return 0.0
        if self.hints_used == 0:
            return 1.0
        frac = 1.0 if self.hints_available == 0 else self.hints_used / self.hints_available
        return 1.0 - frac * (1.0 - hint_floor)


@dataclass(frozen=True)
class SkillState:
    """Constant-size summary of one learner on one skill.

    Attributes:
        p_known: P(skill known) right after the last answer (before time decay), in (0, 1).
        wins: sum of evidence credits of answers on this skill.
        fails: sum of (1 - credit).
        n: answers on this skill.
        last_time: unix seconds of the last answer on this skill.
        last_index: the learner's total answer count (``LearnerState.n``) just after that answer.
        last_credit: credit of the last answer on this skill, in [0, 1].
        recent: exponentially weighted mean of ``2 * credit - 1`` on this skill, in [-1, 1] (newest weight
            ``1 - RECENCY_DECAY``).
    """

    p_known: float
    wins: float = 0.0
    fails: float = 0.0
    n: int = 0
    last_time: float = 0.0
    last_index: int = 0
    last_credit: float = 0.0
    recent: float = 0.0

    def to_list(self) -> list[float]:
        return [self.p_known, self.wins, self.fails, self.n, self.last_time, self.last_index, self.last_credit,
                self.recent]

    @classmethod
    def from_list(cls, v: Any, *, where: str) -> SkillState:
        if not isinstance(v, list) or len(v) != 8:
            raise InvalidStateError(f"{where}: expected a list of 8 numbers")
        if any(isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) for x in v):
            raise InvalidStateError(f"{where}: entries must be finite numbers")
        p, wins, fails, n, last_time, last_index, last_credit, recent = v
        if (not 0.0 < p < 1.0 or wins < 0 or fails < 0 or n < 0 or not 0.0 <= last_credit <= 1.0
                or not -1.0 <= recent <= 1.0):
            raise InvalidStateError(f"{where}: value out of range")
        return cls(float(p), float(wins), float(fails), int(n), float(last_time), int(last_index), float(last_credit),
                   float(recent))


@dataclass(frozen=True)
class LearnerState:
    """Everything the model knows about one learner. Store ``to_dict()`` in a JSON column.

    Attributes:
        skills: skill id -> :class:`SkillState` (only skills practised so far).
        ability: Elo ability on the logit scale (0 = average learner).
        n: total answers.
        wins: total evidence credit.
        fails: total (1 - credit).
        last_credit: credit of the learner's last answer (any skill), in [0, 1].
        recent: exponentially weighted mean of ``2 * credit - 1`` over all answers, in [-1, 1].
    """

    skills: Mapping[str, SkillState] = field(default_factory=dict)
    ability: float = 0.0
    n: int = 0
    wins: float = 0.0
    fails: float = 0.0
    last_credit: float = 0.0
    recent: float = 0.0

    @classmethod
    def new(cls) -> LearnerState:
        """State of a learner with no answers (cold start: every skill at its prior)."""
        return cls()

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON form: ``{"v": 1, "ability": .., "n": .., ..., "skills": {id: [8 numbers]}}``."""
        return {
            "v": STATE_VERSION,
            "ability": self.ability,
            "n": self.n,
            "wins": self.wins,
            "fails": self.fails,
            "last_credit": self.last_credit,
            "recent": self.recent,
            "skills": {k: s.to_list() for k, s in self.skills.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LearnerState:
        if not isinstance(d, Mapping):
            raise InvalidStateError(f"learner state: expected an object, got {type(d).__name__}")
        if d.get("v") != STATE_VERSION:
            raise InvalidStateError(f"learner state: unsupported version {d.get('v')!r}")
        skills = d.get("skills", {})
        if not isinstance(skills, Mapping):
            raise InvalidStateError("learner state: 'skills' must be an object")
        nums = {}
        for key in ("ability", "n", "wins", "fails", "last_credit", "recent"):
            v = d.get(key, 0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InvalidStateError(f"learner state: {key} must be a finite number")
            nums[key] = v
        if nums["n"] < 0 or nums["wins"] < 0 or nums["fails"] < 0:
            raise InvalidStateError("learner state: counts must be non-negative")
        if not 0.0 <= nums["last_credit"] <= 1.0 or not -1.0 <= nums["recent"] <= 1.0:
            raise InvalidStateError("learner state: last_credit must lie in [0, 1] and recent in [-1, 1]")
        return cls(
            skills={str(k): SkillState.from_list(v, where=f"skills[{k}]") for k, v in skills.items()},
            ability=float(nums["ability"]),
            n=int(nums["n"]),
            wins=float(nums["wins"]),
            fails=float(nums["fails"]),
            last_credit=float(nums["last_credit"]),
            recent=float(nums["recent"]),
        )
