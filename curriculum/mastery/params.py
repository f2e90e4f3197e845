"""Model parameters as plain data: per-skill BKT, per-item difficulty, predictor weights.

Everything here round-trips through JSON (``ModelParams.to_dict`` / ``ModelParams.from_dict``), so the
tutor can store a fitted parameter set in a table and the shipped defaults live in
``default_params.json`` next to this module.

Units and ranges
----------------
* BKT probabilities (``prior``, ``learn``, ``forget``, ``guess``, ``slip``) are per *opportunity* (one answer)
  and lie strictly inside (0, 1) (``forget`` may be 0).
* ``decay_per_day`` is a forgetting hazard in 1/day: between two practices ``dt`` days apart the probability
  of knowing decays as ``p * exp(-decay_per_day * dt)``.
* ``difficulty`` values are on the logit scale (Elo/Rasch): +1 means the odds of a correct answer are e times
  lower than on an average item for the same learner.
* ``weights`` are logistic-regression coefficients of the P(correct) predictor (see :mod:`.features`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from curriculum.mastery.errors import InvalidParamsError

FORMAT_VERSION = 1


def _prob(name: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParamsError(f"{name} must be a number, got {value!r}")
    v = float(value)
    low_ok = v >= 0.0 if allow_zero else v > 0.0
    if not (low_ok and v < 1.0) or math.isnan(v):
        bound = "[0, 1)" if allow_zero else "(0, 1)"
        raise InvalidParamsError(f"{name} must lie in {bound}, got {v}")
    return v


def _real(name: str, value: Any, *, nonneg: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParamsError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or (nonneg and v < 0):
        raise InvalidParamsError(f"{name} must be a finite{' non-negative' if nonneg else ''} number, got {v}")
    return v


def _weights(name: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise InvalidParamsError(f"{name} must be an object of feature -> number")
    return {str(k): _real(f"{name}[{k}]", v) for k, v in value.items()}


@dataclass(frozen=True)
class SkillParams:
    """BKT parameters of one skill plus its predictor terms.

    Attributes:
        prior: P(known) before the first answer (cold start).
        learn: P(unknown -> known) after one opportunity.
        guess: P(correct | unknown).
        slip: P(wrong | known).
        forget: P(known -> unknown) per opportunity (0 = classic BKT).
        decay_per_day: time-based forgetting hazard, 1/day (0 = none).
        difficulty: Elo difficulty (logit) used for items of this skill without their own fitted difficulty.
        bias: logit offset of the P(correct) predictor for this skill (fitted).
        weights: per-skill corrections added to the global predictor weights (feature name -> delta).
        n_obs: number of answers the parameters were fitted on (0 = prior only).
    """

    prior: float
    learn: float
    guess: float
    slip: float
    forget: float = 0.0
    decay_per_day: float = 0.0
    difficulty: float = 0.0
    bias: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)
    n_obs: int = 0

    def __post_init__(self) -> None:
        _prob("prior", self.prior)
        _prob("learn", self.learn)
        _prob("guess", self.guess)
        _prob("slip", self.slip)
        _prob("forget", self.forget, allow_zero=True)
        _real("decay_per_day", self.decay_per_day, nonneg=True)
        _real("difficulty", self.difficulty)
        _real("bias", self.bias)
        if self.guess + self.slip >= 1.0:
            raise InvalidParamsError(
                f"guess + slip must be < 1 (otherwise a correct answer is evidence of NOT knowing); "
                f"got guess={self.guess}, slip={self.slip}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "learn": self.learn,
            "guess": self.guess,
            "slip": self.slip,
            "forget": self.forget,
            "decay_per_day": self.decay_per_day,
            "difficulty": self.difficulty,
            "bias": self.bias,
            "weights": dict(self.weights),
            "n_obs": self.n_obs,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, where: str = "skill") -> SkillParams:
        if not isinstance(d, Mapping):
            raise InvalidParamsError(f"{where}: expected an object, got {type(d).__name__}")
        missing = [k for k in ("prior", "learn", "guess", "slip") if k not in d]
        if missing:
            raise InvalidParamsError(f"{where}: missing keys {missing}")
        unknown = set(d) - {
            "prior", "learn", "guess", "slip", "forget", "decay_per_day", "difficulty", "bias", "weights", "n_obs",
        }
        if unknown:
            raise InvalidParamsError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            return cls(
                prior=_prob(f"{where}.prior", d["prior"]),
                learn=_prob(f"{where}.learn", d["learn"]),
                guess=_prob(f"{where}.guess", d["guess"]),
                slip=_prob(f"{where}.slip", d["slip"]),
                forget=_prob(f"{where}.forget", d.get("forget", 0.0), allow_zero=True),
                decay_per_day=_real(f"{where}.decay_per_day", d.get("decay_per_day", 0.0), nonneg=True),
                difficulty=_real(f"{where}.difficulty", d.get("difficulty", 0.0)),
                bias=_real(f"{where}.bias", d.get("bias", 0.0)),
                weights=_weights(f"{where}.weights", d.get("weights", {})),
                n_obs=int(_real(f"{where}.n_obs", d.get("n_obs", 0), nonneg=True)),
            )
        except InvalidParamsError as exc:
            if str(exc).startswith(where):
                raise
            raise InvalidParamsError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class ItemParams:
    """Per-item (per template) parameters, fitted where the data allow.

    Attributes:
        difficulty: Elo difficulty on the logit scale (higher = harder).
        guess: item-specific P(correct | unknown), or ``None`` to use the skill's.
        slip: item-specific P(wrong | known), or ``None`` to use the skill's.
        n_obs: answers seen for this item when fitting.
    """

    difficulty: float = 0.0
    guess: float | None = None
    slip: float | None = None
    n_obs: int = 0

    def __post_init__(self) -> None:
        _real("item.difficulty", self.difficulty)
        if self.guess is not None:
            _prob("item.guess", self.guess)
        if self.slip is not None:
            _prob("item.slip", self.slip)
        if self.guess is not None and self.slip is not None and self.guess + self.slip >= 1.0:
            raise InvalidParamsError("item guess + slip must be < 1")

    def to_dict(self) -> dict[str, Any]:
        return {"difficulty": self.difficulty, "guess": self.guess, "slip": self.slip, "n_obs": self.n_obs}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, where: str = "item") -> ItemParams:
        if not isinstance(d, Mapping):
            raise InvalidParamsError(f"{where}: expected an object")
        unknown = set(d) - {"difficulty", "guess", "slip", "n_obs"}
        if unknown:
            raise InvalidParamsError(f"{where}: unknown keys {sorted(unknown)}")
        g, s = d.get("guess"), d.get("slip")
        return cls(
            difficulty=_real(f"{where}.difficulty", d.get("difficulty", 0.0)),
            guess=None if g is None else _prob(f"{where}.guess", g),
            slip=None if s is None else _prob(f"{where}.slip", s),
            n_obs=int(_real(f"{where}.n_obs", d.get("n_obs", 0), nonneg=True)),
        )


@dataclass(frozen=True)
class EloParams:
    """Online learner-ability update: ``theta += k0 / (1 + k_decay * n) * (credit - P_elo)``.

    Attributes:
        k0: step size of the first answer (logit units).
        k_decay: how fast the step shrinks with the number ``n`` of answers already seen.
        bound: |theta| is clamped to this value, so long streaks cannot drift without limit.
    """

    k0: float = 0.4
    k_decay: float = 0.05
    bound: float = 4.0

    def __post_init__(self) -> None:
        _real("elo.k0", self.k0, nonneg=True)
        _real("elo.k_decay", self.k_decay, nonneg=True)
        if _real("elo.bound", self.bound) <= 0:
            raise InvalidParamsError("elo.bound must be > 0")

    def to_dict(self) -> dict[str, Any]:
        return {"k0": self.k0, "k_decay": self.k_decay, "bound": self.bound}


@dataclass(frozen=True)
class ModelParams:
    """Everything the online update and the predictor need; JSON-serialisable.

    Attributes:
        default_skill: parameters used for any skill not in ``skills`` (cold start).
        skills: skill id -> :class:`SkillParams`.
        items: item (template) id -> :class:`ItemParams`.
        level_difficulty: authored difficulty level (1..3) -> Elo difficulty offset (logit) for items that have
            no fitted difficulty yet.
        weights: global predictor weights, feature name -> coefficient (see :data:`.features.FEATURES`),
            plus ``"intercept"``.
        elo: learner-ability update constants.
        hint_floor: evidence credit of a correct answer given after using *all* hints (0.5 = no evidence
            either way, 1 = hints ignored). A correct answer with no hints has credit 1; a wrong answer or a
            give-up has credit 0.
        meta: free-form provenance (what it was fitted on, when, with which command).
    """

    default_skill: SkillParams
    skills: Mapping[str, SkillParams] = field(default_factory=dict)
    items: Mapping[str, ItemParams] = field(default_factory=dict)
    level_difficulty: Mapping[int, float] = field(default_factory=lambda: {1: -0.7, 2: 0.0, 3: 0.7})
    weights: Mapping[str, float] = field(default_factory=dict)
    elo: EloParams = field(default_factory=EloParams)
    hint_floor: float = 0.5
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        h = _real("hint_floor", self.hint_floor)
        if not 0.0 <= h <= 1.0:
            raise InvalidParamsError(f"hint_floor must lie in [0, 1], got {h}")

    def skill(self, skill_id: str) -> SkillParams:
        """Parameters of ``skill_id``, falling back to ``default_skill`` for unknown skills."""
        return self.skills.get(skill_id, self.default_skill)

    def with_skills(self, skills: Mapping[str, SkillParams]) -> ModelParams:
        return replace(self, skills=dict(skills))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "default_skill": self.default_skill.to_dict(),
            "skills": {k: v.to_dict() for k, v in sorted(self.skills.items())},
            "items": {k: v.to_dict() for k, v in sorted(self.items.items())},
            "level_difficulty": {str(k): v for k, v in sorted(self.level_difficulty.items())},
            "weights": dict(self.weights),
            "elo": self.elo.to_dict(),
            "hint_floor": self.hint_floor,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ModelParams:
        """Inverse of :meth:`to_dict`; raises :class:`InvalidParamsError` with the offending key."""
        if not isinstance(d, Mapping):
            raise InvalidParamsError(f"model params: expected an object, got {type(d).__name__}")
        version = d.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise InvalidParamsError(f"model params: unsupported format_version {version!r}")
        if "default_skill" not in d:
            raise InvalidParamsError("model params: missing 'default_skill'")
        skills_raw = d.get("skills", {})
        items_raw = d.get("items", {})
        if not isinstance(skills_raw, Mapping) or not isinstance(items_raw, Mapping):
            raise InvalidParamsError("model params: 'skills' and 'items' must be objects")
        levels_raw = d.get("level_difficulty", {"1": -0.7, "2": 0.0, "3": 0.7})
        if not isinstance(levels_raw, Mapping):
            raise InvalidParamsError("model params: 'level_difficulty' must be an object")
        try:
            levels = {int(k): _real(f"level_difficulty[{k}]", v) for k, v in levels_raw.items()}
        except ValueError:
            raise InvalidParamsError("model params: level_difficulty keys must be integers") from None
        elo_raw = d.get("elo", {})
        if not isinstance(elo_raw, Mapping) or set(elo_raw) - {"k0", "k_decay", "bound"}:
            raise InvalidParamsError("model params: 'elo' must be an object with k0, k_decay, bound")
        meta = d.get("meta", {})
        if not isinstance(meta, Mapping):
            raise InvalidParamsError("model params: 'meta' must be an object")
        return cls(
            default_skill=SkillParams.from_dict(d["default_skill"], where="default_skill"),
            skills={str(k): SkillParams.from_dict(v, where=f"skills[{k}]") for k, v in skills_raw.items()},
            items={str(k): ItemParams.from_dict(v, where=f"items[{k}]") for k, v in items_raw.items()},
            level_difficulty=levels,
            weights=_weights("weights", d.get("weights", {})),
            elo=EloParams(**{k: _real(f"elo.{k}", v) for k, v in elo_raw.items()}),
            hint_floor=_real("hint_floor", d.get("hint_floor", 0.5)),
            meta=dict(meta),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> ModelParams:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidParamsError(f"model params: not valid JSON ({exc})") from None
        return cls.from_dict(data)


def default_params() -> ModelParams:
    """Cold-start parameters shipped with the package (``default_params.json``).

    They encode priors only (no learner data): a skill starts at P(known)=0.25, is learned with
    probability 0.15 per answer, guessed with 0.2 and slipped with 0.1; the predictor uses the BKT
    probability and the Elo ability with unit weight. Refit with :func:`curriculum.mastery.fit` once
    attempts are logged.
    """
    text = resources.files("curriculum.mastery").joinpath("default_params.json").read_text(encoding="utf-8")
    return ModelParams.from_json(text)
