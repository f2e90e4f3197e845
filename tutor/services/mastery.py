"""Writes to the learner model: one observation in, new state and per-skill snapshots out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from tutor import curriculum_gateway as cg
from tutor.models import LearnerModelState, Skill, SkillMastery, User


@dataclass(frozen=True)
class MasteryChange:
    """P(mastered) of one skill before and after an observation (probabilities in [0, 1])."""

    skill_code: str
    before: float
    after: float


def learner_state_for_update(*, learner: User) -> LearnerModelState:
    """The learner's state row, locked for update (created empty on first use)."""
    row, _ = LearnerModelState.objects.select_for_update().get_or_create(learner=learner)
    return row


@transaction.atomic
def mastery_record(
    *,
    learner: User,
    skills: Sequence[str],
    item_id: str,
    correct: bool,
    hints_used: int,
    hints_available: int,
    gave_up: bool,
    now: float,
) -> dict[str, MasteryChange]:
    """Apply one observation to the learner's model and refresh the snapshots of its skills.

    Returns ``{skill code: MasteryChange}`` for every skill in ``skills`` (``now``: unix seconds).
    """
    row = learner_state_for_update(learner=learner)
    state = cg.learner_state_load(row.state)
    before = {code: cg.mastery_of(state, code, now=now) for code in skills}
    state = cg.mastery_observe(
        state,
        skills=skills,
        item_id=item_id,
        correct=correct,
        hints_used=hints_used,
        hints_available=hints_available,
        gave_up=gave_up,
        now=now,
    )
    row.state = cg.learner_state_dump(state)
    row.observations += 1
    row.save(update_fields=["state", "observations", "updated_at"])
    changes: dict[str, MasteryChange] = {}
    skill_rows = {s.code: s for s in Skill.objects.filter(code__in=skills)}
    for code in skills:
        after = cg.mastery_of(state, code, now=now)
        changes[code] = MasteryChange(skill_code=code, before=before[code], after=after)
        skill = skill_rows.get(code)
        if skill is None:
            continue
        snapshot, _ = SkillMastery.objects.select_for_update().get_or_create(
            learner=learner, skill=skill, defaults={"p_mastered": after}
        )
        snapshot.p_mastered = after
        snapshot.attempts += 1
        snapshot.correct += int(correct)
        snapshot.save(update_fields=["p_mastered", "attempts", "correct", "updated_at"])
    return changes


@transaction.atomic
def mastery_snapshots_refresh(*, learner: User, now: float) -> int:
    """Recompute every stored snapshot of ``learner`` from the model state at ``now`` (forgetting applies).

    Returns the number of snapshot rows updated.
    """
    row = LearnerModelState.objects.filter(learner=learner).first()
    if row is None:
        return 0
    state = cg.learner_state_load(row.state)
    updated = 0
    for snapshot in SkillMastery.objects.select_for_update().filter(learner=learner).select_related("skill"):
        p = cg.mastery_of(state, snapshot.skill.code, now=now)
        if p != snapshot.p_mastered:
            snapshot.p_mastered = p
            snapshot.save(update_fields=["p_mastered", "updated_at"])
            updated += 1
    return updated
