"""Reads of the practice loop, always scoped to the requesting learner."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from tutor import curriculum_gateway as cg
from tutor.errors import NotFound
from tutor.models import Attempt, LearnerModelState, ProblemInstance, ProblemTemplate, Skill, User


@dataclass(frozen=True)
class ServeableItem:
    """A template that can be served: its code, skill codes and difficulty (1..3)."""

    code: str
    skills: tuple[str, ...]
    difficulty: int


def serveable_items() -> list[ServeableItem]:
    """Active templates that have a current version and at least one active skill."""
    templates = (
        ProblemTemplate.objects.filter(is_active=True, current_version__isnull=False)
        .prefetch_related("skills")
        .order_by("code")
    )
    items = []
    for t in templates:
        skills = tuple(s.code for s in t.skills.all() if s.is_active)
        if skills:
            items.append(ServeableItem(code=t.code, skills=skills, difficulty=t.difficulty))
    return items


def recent_item_codes(*, learner: User) -> list[str]:
    """Template codes of the learner's most recent instances, newest first (``TUTOR_RECENT_ITEMS`` of them)."""
    return list(
        ProblemInstance.objects.filter(learner=learner)
        .order_by("-created_at", "-id")
        .values_list("template_version__template__code", flat=True)[: settings.TUTOR_RECENT_ITEMS]
    )


def selection_rng(*, learner: User) -> random.Random:
    """The selection RNG for the learner's next problem: seeded by learner id and instances so far."""
    count = ProblemInstance.objects.filter(learner=learner).count()
    return random.Random(f"{learner.pk}:{count}")


def instance_get_for_learner(*, learner: User, instance_id: int) -> ProblemInstance:
    """The learner's own instance; NotFound for anyone else's (indistinguishable from a missing one)."""
    instance = (
        ProblemInstance.objects.select_related("template_version__template", "skill")
        .filter(pk=instance_id, learner=learner)
        .first()
    )
    if instance is None:
        raise NotFound("No such problem.")
    return instance


def attempt_list_for_instance(*, learner: User, instance: ProblemInstance) -> QuerySet[Attempt]:
    """Attempts of ``learner`` on ``instance`` (empty for anyone but its learner), oldest first."""
    return Attempt.objects.filter(instance=instance, learner=learner, instance__learner=learner).order_by(
        "submitted_at", "id"
    )


def attempt_list_for_learner(*, learner: User, limit: int = 100) -> QuerySet[Attempt]:
    """The learner's attempts, newest first, with instance, template and skill loaded."""
    return (
        Attempt.objects.filter(learner=learner, instance__learner=learner)
        .select_related("instance__skill", "instance__template_version__template")
        .order_by("-submitted_at", "-id")[:limit]
    )


def learner_state(*, learner: User):  # -> curriculum LearnerState
    """The learner's current curriculum state (fresh if they never answered)."""
    row = LearnerModelState.objects.filter(learner=learner).first()
    return cg.learner_state_load(row.state if row else None)


@dataclass(frozen=True)
class SkillProgress:
    """One skill on the learner's dashboard. ``p`` in [0, 1]; ``status`` is one of
    ``mastered`` / ``practising`` / ``ready`` (prerequisites met, not started) / ``locked``."""

    skill: Skill
    p: float
    attempts: int
    correct: int
    status: str
    missing_prerequisites: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.p * 100)


def mastery_overview(*, learner: User, now: float | None = None) -> list[SkillProgress]:
    """Every active skill with the learner's P(mastered) at ``now`` (unix s), in curriculum order."""
    now = time.time() if now is None else now
    state = learner_state(learner=learner)
    threshold = cg.mastery_threshold()
    skills = list(Skill.objects.filter(is_active=True).prefetch_related("prerequisites").order_by("order", "code"))
    counts = {m.skill_id: m for m in learner.skill_mastery.all()}
    p_by_code = {s.code: cg.mastery_of(state, s.code, now=now) for s in skills}
    rows = []
    for s in skills:
        p = p_by_code[s.code]
        snap = counts.get(s.pk)
        attempts = snap.attempts if snap else 0
        missing = tuple(pre.name for pre in s.prerequisites.all() if p_by_code.get(pre.code, 0.0) < threshold)
        if p >= threshold:
            status = "mastered"
        elif attempts:
            status = "practising"
        elif missing:
            status = "locked"
        else:
            status = "ready"
        rows.append(SkillProgress(skill=s, p=p, attempts=attempts, correct=snap.correct if snap else 0,
                                  status=status, missing_prerequisites=missing))
    return rows


@dataclass(frozen=True)
class NextUp:
    """What the learner will practise next: the open problem's skill, or the selection's choice."""

    skill: Skill
    reason: str
    resumes_open_problem: bool


def next_up(*, learner: User, now: float | None = None) -> NextUp | None:
    """Preview of the next practice step (no writes). ``None`` if nothing can be served."""
    open_instance = (
        ProblemInstance.objects.select_related("skill")
        .filter(learner=learner, status=ProblemInstance.Status.OPEN)
        .first()
    )
    if open_instance is not None:
        return NextUp(skill=open_instance.skill, reason="You have an unfinished problem.", resumes_open_problem=True)
    items = serveable_items()
    if not items:
        return None
    selection = cg.selection_next(
        learner_state(learner=learner),
        items=[(i.code, i.skills, i.difficulty) for i in items],
        recent_items=recent_item_codes(learner=learner),
        rng=selection_rng(learner=learner),
        now=time.time() if now is None else now,
    )
    if selection is None:
        return None
    skill = Skill.objects.filter(code=selection.skill_id).prefetch_related("prerequisites").first()
    if skill is None:
        return None
    state = learner_state(learner=learner)
    percent = round(cg.mastery_of(state, skill.code, now=time.time() if now is None else now) * 100)
    return NextUp(skill=skill, reason=_friendly_reason(selection.reason, skill, percent, learner),
                  resumes_open_problem=False)


def _friendly_reason(reason: str, skill: Skill, percent: int, learner: User) -> str:
    """A student-facing sentence for the selection (the technical reason stays on the instance)."""
    if str(reason).lower().startswith("review"):
        return "Time for a quick review: it has been a while since you practised this."
    if learner.skill_mastery.filter(skill=skill, attempts__gt=0).exists():
        return f"You are at {percent}% on this skill. Keep going until the bar passes the line."
    if skill.prerequisites.exists():
        return "A good next step: you are ready for it."
    return "A good place to start."


def skill_mastery_now(*, learner: User, skill: Skill, now: float | None = None) -> float:
    """P(mastered) of one skill for the learner at ``now`` (unix s)."""
    return cg.mastery_of(learner_state(learner=learner), skill.code, now=time.time() if now is None else now)
