"""The one place where ``tutor`` adapts ``curriculum`` objects to and from its models.

Everything the web layer needs from the curriculum goes through here: the skill graph, the shipped
templates, re-instantiating a stored (template version, seed) pair, checking an answer, previewing input,
the learner model (state <-> JSON, observations, P(mastered)) and next-problem selection. Settings are
read here and passed *into* curriculum functions as arguments (curriculum never reads settings).

Objects crossing into the rest of ``tutor`` are either curriculum values (opaque, used only through the
functions below) or the small frozen dataclasses defined here.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

from curriculum.checking import configure as checker_pool_configure
from curriculum.checking import parse_student
from curriculum.mastery import (
    LearnerState,
    ModelParams,
    Observation,
    default_params,
    p_mastered,
    update,
)
from curriculum.selection import ItemInfo, Selection, select_next
from curriculum.skills import load_skill_graph
from curriculum.templates import check_instance_answer, instantiate, load_templates, parse_template


@dataclass(frozen=True)
class SkillRecord:
    """A curriculum skill as the tutor stores it. ``order`` is its index in the topological order."""

    code: str
    name: str
    family: str
    description: str
    prerequisites: tuple[str, ...]
    order: int


@dataclass(frozen=True)
class TemplateRecord:
    """A shipped template's identity and YAML source, ready to be stored as a versioned row."""

    code: str
    title: str
    declared_version: str
    skills: tuple[str, ...]
    difficulty: int
    source_yaml: str

    @property
    def source_hash(self) -> str:
        """sha256 (hex) of the YAML source: a changed source is a new version."""
        return source_hash(self.source_yaml)


@dataclass(frozen=True)
class PublicProblem:
    """What the browser may see of an instance *before* it is answered or given up.

    ``statement`` is Markdown + ``$LaTeX$``; ``input_kind`` tells the page which input to offer.
    Deliberately has no answer, answer_latex, wrong answers, checker options or solution.
    """

    statement: str
    input_kind: str
    hints_available: int


@dataclass(frozen=True)
class SolutionStep:
    text: str
    latex: str


@dataclass(frozen=True)
class Reveal:
    """What the browser may see *after* the student solved the problem or gave up."""

    answer_latex: str
    steps: tuple[SolutionStep, ...]
    final_latex: str


@dataclass(frozen=True)
class CheckOutcome:
    """The checker's verdict in tutor terms (``check_ms``: wall time of the check, milliseconds)."""

    valid: bool
    correct: bool
    score: float
    note: str
    feedback: str
    parsed: str
    parsed_latex: str
    check_ms: float


def source_hash(text: str) -> str:
    """sha256 (hex) of a template source text, as stored in ``TemplateVersion.source_hash``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- skills and templates


@lru_cache(maxsize=1)
def _skill_graph() -> Any:
    """The curriculum's SkillGraph, read once per process (shipped content changes only with a deploy)."""
    return load_skill_graph()


@lru_cache(maxsize=1)
def skills_shipped() -> tuple[SkillRecord, ...]:
    """The curriculum's skills in topological order (prerequisites first). Read once per process."""
    graph = _skill_graph()
    records = []
    for order, code in enumerate(graph.topological_order()):
        skill = graph.skills[code]
        records.append(
            SkillRecord(
                code=skill.id,
                name=skill.name,
                family=skill.family or "",
                description=skill.description or "",
                prerequisites=tuple(graph.prerequisites(code)),
                order=order,
            )
        )
    return tuple(records)


@lru_cache(maxsize=1)
def templates_shipped() -> tuple[TemplateRecord, ...]:
    """The curriculum's shipped templates, sorted by id. Parsed once per process (a few seconds)."""
    records = []
    for code, template in sorted(load_templates().items()):
        records.append(
            TemplateRecord(
                code=code,
                title=template.title,
                declared_version=str(template.version),
                skills=tuple(template.skills),
                difficulty=int(template.difficulty),
                source_yaml=template.source,
            )
        )
    return tuple(records)


@lru_cache(maxsize=256)
def _template_from_source(source_yaml: str) -> Any:
    """Parse a stored template version's YAML source into a curriculum ProblemTemplate (cached)."""
    return parse_template(source_yaml, origin="<stored template version>")


@lru_cache(maxsize=2048)
def _instantiate_cached(source_yaml: str, seed: int) -> Any:
    return instantiate(_template_from_source(source_yaml), seed)


def problem_build(*, source_yaml: str, seed: int) -> Any:
    """The curriculum ProblemInstance of a stored template version and seed (same seed, same problem)."""
    return _instantiate_cached(source_yaml, int(seed))


def problem_public(problem: Any) -> PublicProblem:
    """The before-answer view of ``problem`` (see :class:`PublicProblem`)."""
    return PublicProblem(
        statement=problem.statement,
        input_kind=str(getattr(problem, "input_kind", "expression") or "expression"),
        hints_available=len(problem.hints),
    )


def problem_hints(problem: Any) -> tuple[str, ...]:
    """The template's hint ladder for this instance, easiest first (Markdown + LaTeX)."""
    return tuple(str(h) for h in problem.hints)


def problem_reveal(problem: Any) -> Reveal:
    """The after-answer view: the correct answer and the worked solution."""
    solution = problem.solution
    steps = tuple(SolutionStep(text=str(s.text), latex=str(s.latex or "")) for s in solution.steps)
    return Reveal(answer_latex=str(problem.answer_latex), steps=steps, final_latex=str(solution.final_latex))


def problem_wrong_answers(problem: Any) -> tuple[str, ...]:
    """Listed wrong answers of the instance (plain text); for tests and authoring previews only."""
    return tuple(str(w) for w in problem.wrong_answers)


def problem_answer_text(problem: Any) -> str:
    """The instance's correct answer as plain text; for tests and authoring previews only."""
    return str(problem.answer)


# --------------------------------------------------------------------------- checking


_pool_configured = False
_pool_lock = threading.Lock()


def _checker_pool_configure() -> None:
    """Size the curriculum's isolated checker pool from settings, once per process (never at import)."""
    global _pool_configured
    with _pool_lock:
        if not _pool_configured:
            checker_pool_configure(size=int(settings.TUTOR_CHECK_WORKERS),
                                   memory_limit_mb=int(settings.TUTOR_CHECK_MEMORY_MB))
            _pool_configured = True


def answer_check(problem: Any, *, text: str, input_format: str) -> CheckOutcome:
    """Check a student's answer with the instance's named checker and its listed common mistakes.

    Production and the demo check in the curriculum's isolated worker processes (wall-clock and memory
    bounds); ``TUTOR_CHECK_IN_PROCESS`` (tests) checks inline. Expected failures (invalid input, timeouts)
    come back as ``valid=False`` outcomes, never exceptions.
    """
    isolate = not settings.TUTOR_CHECK_IN_PROCESS
    if isolate:
        _checker_pool_configure()
    started = time.perf_counter()
    result = check_instance_answer(problem, text, input_format=input_format, locale=settings.TUTOR_LOCALE,
                                   isolate=isolate)
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    return CheckOutcome(
        valid=bool(result.valid),
        correct=bool(result.correct),
        score=float(result.score),
        note=str(result.note),
        feedback=str(result.feedback or ""),
        parsed=str(result.parsed or ""),
        parsed_latex=str(result.parsed_latex or ""),
        check_ms=elapsed_ms,
    )


def input_preview(text: str) -> dict[str, Any]:
    """A cheap, safe reading of what the student typed: ``{"valid", "latex", "error"}`` (no evaluation)."""
    result = parse_student(text, input_format="text", locale=settings.TUTOR_LOCALE)
    return {"valid": bool(result.valid), "latex": str(result.latex), "error": str(result.error)}


# --------------------------------------------------------------------------- learner model


@lru_cache(maxsize=1)
def model_params() -> ModelParams:
    """The mastery model parameters (the curriculum's shipped defaults until refits are stored)."""
    return default_params()


def learner_state_load(data: Mapping[str, Any] | None) -> LearnerState:
    """A LearnerState from its stored JSON (a fresh state for ``None`` / ``{}``)."""
    if not data:
        return LearnerState.new()
    return LearnerState.from_dict(dict(data))


def learner_state_dump(state: LearnerState) -> dict[str, Any]:
    """The JSON form stored in ``LearnerModelState.state``."""
    return state.to_dict()


def mastery_observe(
    state: LearnerState,
    *,
    skills: Sequence[str],
    item_id: str,
    correct: bool,
    hints_used: int,
    hints_available: int,
    gave_up: bool,
    now: float,
) -> LearnerState:
    """The learner state after one observed answer (``now``: unix seconds)."""
    observation = Observation(
        skills=tuple(skills),
        item_id=item_id,
        correct=correct,
        hints_used=hints_used,
        hints_available=hints_available,
        gave_up=gave_up,
        timestamp=float(now),
    )
    return update(state, observation, model_params())


def mastery_of(state: LearnerState, skill_code: str, *, now: float) -> float:
    """P(mastered) in [0, 1] of ``skill_code`` for this state at unix time ``now``."""
    return float(p_mastered(state, skill_code, model_params(), now))


def mastery_threshold() -> float:
    """P(mastered) at or above which a skill counts as mastered."""
    return float(settings.TUTOR_MASTERY_THRESHOLD)


def selection_next(
    state: LearnerState,
    *,
    items: Iterable[tuple[str, Sequence[str], int]],
    recent_items: Sequence[str],
    rng: random.Random,
    now: float,
    assignment: Sequence[str] | None = None,
) -> Selection | None:
    """The next (skill, template) for this learner, or ``None`` when no item can be offered.

    ``items``: (template code, skill codes, difficulty 1..3) of every template that may be served.
    """
    infos = [ItemInfo(code, tuple(skills), int(difficulty)) for code, skills, difficulty in items]
    if not infos:
        return None
    graph = _skill_graph()
    return select_next(
        state,
        prerequisites=graph.as_mapping(),
        items=infos,
        params=model_params(),
        rng=rng,
        now=now,
        assignment=list(assignment) if assignment else None,
        policy=settings.TUTOR_SELECTION_POLICY,
        mastery_threshold=float(settings.TUTOR_MASTERY_THRESHOLD),
        target_band=tuple(settings.TUTOR_TARGET_BAND),
        recent_items=list(recent_items),
    )
