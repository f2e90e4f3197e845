"""Writes of the student practice loop: next problem, hints, answers, giving up.

Every function locks the instance (or the learner) it changes, so double-clicks and parallel tabs
cannot double-count an observation.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tutor import curriculum_gateway as cg
from tutor.errors import Conflict, CurriculumUnavailable, NotAllowed, NotFound, ValidationFailed
from tutor.models import Attempt, ProblemInstance, ProblemTemplate, Skill, User
from tutor.notify import learner_notify_on_commit
from tutor.selectors.practice import recent_item_codes, selection_rng, serveable_items
from tutor.services.assignments import assigned_problem_record, assignment_selection
from tutor.services.mastery import MasteryChange, learner_state_for_update, mastery_record


@dataclass(frozen=True)
class SubmitOutcome:
    """Result of :func:`attempt_submit`: the stored attempt, its instance, the verdict in tutor terms,
    the change of the targeted skill's mastery (``None`` when the attempt did not count), and the
    reveal (answer + worked solution) once the problem is solved."""

    attempt: Attempt
    instance: ProblemInstance
    check: cg.CheckOutcome
    mastery: MasteryChange | None
    reveal: cg.Reveal | None


@dataclass(frozen=True)
class GiveUpOutcome:
    instance: ProblemInstance
    mastery: MasteryChange | None
    reveal: cg.Reveal


def _require_student(learner: User) -> None:
    if not learner.is_student:
        raise NotAllowed("Practice is for student accounts.")


def _instance_for_update(*, learner: User, instance_id: int) -> ProblemInstance:
    instance = (
        ProblemInstance.objects.select_for_update()
        .select_related("template_version__template", "skill")
        .filter(pk=instance_id, learner=learner)
        .first()
    )
    if instance is None:
        raise NotFound("No such problem.")
    return instance


def _problem(instance: ProblemInstance):  # -> curriculum ProblemInstance
    return cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)


def _template_skills(instance: ProblemInstance) -> list[str]:
    codes = list(instance.template_version.template.skills.values_list("code", flat=True))
    if instance.skill.code not in codes:
        codes.insert(0, instance.skill.code)
    return codes


@transaction.atomic
def problem_next(*, learner: User, rng: random.Random | None = None, now: float | None = None) -> ProblemInstance:
    """The learner's open problem, or a new one chosen by ``curriculum.selection`` from current mastery.

    ``rng`` drives the selection (default: seeded from the learner id and instance count, so the
    dashboard's "next up" preview matches); the problem seed itself is drawn from ``secrets``.
    Raises CurriculumUnavailable when nothing can be served (curriculum not loaded).
    """
    _require_student(learner)
    state_row = learner_state_for_update(learner=learner)  # serialises concurrent requests of this learner
    existing = ProblemInstance.objects.filter(learner=learner, status=ProblemInstance.Status.OPEN).first()
    if existing is not None:
        return existing
    now = time.time() if now is None else now
    items = serveable_items()
    if not items:
        raise CurriculumUnavailable("No problems are loaded yet. Ask your teacher to run load_curriculum.")
    state = cg.learner_state_load(state_row.state)
    rng = rng or selection_rng(learner=learner)
    recent = recent_item_codes(learner=learner)
    # Assigned work first: an open assignment's next problem replaces the free adaptive choice.
    assigned = assignment_selection(learner=learner, state=state, recent_items=recent, rng=rng, now=now)
    selection = assigned or cg.selection_next(
        state,
        items=[(i.code, i.skills, i.difficulty) for i in items],
        recent_items=recent,
        rng=rng,
        now=now,
    )
    if selection is None:
        raise CurriculumUnavailable("There is nothing to practise right now.")
    template = (
        ProblemTemplate.objects.select_related("current_version").filter(code=selection.item_id).first()
    )
    skill = Skill.objects.filter(code=selection.skill_id).first()
    if template is None or template.current_version is None or skill is None:
        raise CurriculumUnavailable(f"Selection chose {selection.item_id!r}/{selection.skill_id!r}, not loaded.")
    seed = secrets.randbelow(2**31)
    problem = cg.problem_build(source_yaml=template.current_version.source_yaml, seed=seed)
    instance = ProblemInstance.objects.create(
        learner=learner,
        template_version=template.current_version,
        seed=seed,
        skill=skill,
        hints_available=cg.problem_public(problem).hints_available,
        predicted_p_correct=selection.predicted_p_correct,
        selection_reason=str(selection.reason)[:300],
    )
    if assigned is not None:
        assigned_problem_record(selection=assigned, instance=instance)
    return instance


@transaction.atomic
def hint_request(*, learner: User, instance_id: int) -> tuple[int, str, int]:
    """Reveal the next hint of an open problem. Returns (1-based hint number, hint Markdown, hints left).

    Raises NotFound (not this learner's), Conflict (problem closed, or no hints left).
    """
    instance = _instance_for_update(learner=learner, instance_id=instance_id)
    if instance.status != ProblemInstance.Status.OPEN:
        raise Conflict("This problem is finished; hints are for open problems.", code="closed")
    hints = cg.problem_hints(_problem(instance))
    if instance.hints_revealed >= len(hints):
        raise Conflict("There are no more hints for this problem.", code="no_more_hints")
    instance.hints_revealed += 1
    instance.save(update_fields=["hints_revealed"])
    return instance.hints_revealed, hints[instance.hints_revealed - 1], len(hints) - instance.hints_revealed


def _observe(instance: ProblemInstance, *, correct: bool, gave_up: bool, now: float) -> MasteryChange:
    changes = mastery_record(
        learner=instance.learner,
        skills=_template_skills(instance),
        item_id=instance.template_version.template.code,
        correct=correct,
        hints_used=instance.hints_revealed,
        hints_available=instance.hints_available,
        gave_up=gave_up,
        now=now,
    )
    instance.mastery_counted = True
    change = changes[instance.skill.code]
    learner_notify_on_commit(
        learner_id=instance.learner_id,
        event_type="mastery.update",
        payload={"changes": {code: round(c.after, 4) for code, c in changes.items()}},
    )
    return change


@transaction.atomic
def attempt_submit(
    *, learner: User, instance_id: int, raw_input: str, input_format: str, now: float | None = None
) -> SubmitOutcome:
    """Check an answer to an open problem, record the attempt, and update mastery in the same transaction.

    Only the first *valid* attempt on an instance is an observation for the learner model (later tries
    are recorded but do not move mastery); invalid input is recorded and never counted. Raises NotFound,
    Conflict (problem closed) or ValidationFailed (empty / too long / unknown format).
    """
    if input_format not in Attempt.InputFormat.values:
        raise ValidationFailed("Unknown input format.", code="bad_format")
    text = raw_input.strip()
    if not text:
        raise ValidationFailed("Type an answer first.", code="empty")
    if len(text) > settings.TUTOR_MAX_ANSWER_CHARS:
        raise ValidationFailed(
            f"That answer is too long (at most {settings.TUTOR_MAX_ANSWER_CHARS} characters).", code="too_long"
        )
    instance = _instance_for_update(learner=learner, instance_id=instance_id)
    if instance.status != ProblemInstance.Status.OPEN:
        raise Conflict("This problem is already finished. Go on to the next one.", code="closed")
    now = time.time() if now is None else now
    problem = _problem(instance)
    outcome = cg.answer_check(problem, text=text, input_format=input_format)
    change: MasteryChange | None = None
    if outcome.valid and not instance.mastery_counted:
        change = _observe(instance, correct=outcome.correct, gave_up=False, now=now)
    if outcome.correct:
        instance.status = ProblemInstance.Status.SOLVED
        instance.closed_at = timezone.now()
    instance.save(update_fields=["status", "closed_at", "mastery_counted"])
    if not outcome.valid:
        verdict = Attempt.Verdict.INVALID
    else:
        verdict = Attempt.Verdict.CORRECT if outcome.correct else Attempt.Verdict.INCORRECT
    attempt = Attempt.objects.create(
        instance=instance,
        learner=learner,
        raw_input=text,
        input_format=input_format,
        parsed=outcome.parsed[:2000],
        parsed_latex=outcome.parsed_latex[:2000],
        verdict=verdict,
        score=outcome.score,
        note=outcome.note[:100],
        feedback=outcome.feedback,
        hints_used=instance.hints_revealed,
        counted_for_mastery=change is not None,
        mastery_before=change.before if change else None,
        mastery_after=change.after if change else None,
        check_ms=outcome.check_ms,
    )
    reveal = cg.problem_reveal(problem) if outcome.correct else None
    return SubmitOutcome(attempt=attempt, instance=instance, check=outcome, mastery=change, reveal=reveal)


@transaction.atomic
def problem_give_up(*, learner: User, instance_id: int, now: float | None = None) -> GiveUpOutcome:
    """Close an open problem as given up and reveal its answer and worked solution.

    If no valid attempt has counted yet, giving up is a (wrong) observation for the learner model.
    Raises NotFound or Conflict (already closed).
    """
    instance = _instance_for_update(learner=learner, instance_id=instance_id)
    if instance.status != ProblemInstance.Status.OPEN:
        raise Conflict("This problem is already finished.", code="closed")
    now = time.time() if now is None else now
    change = None
    if not instance.mastery_counted:
        change = _observe(instance, correct=False, gave_up=True, now=now)
    instance.status = ProblemInstance.Status.GAVE_UP
    instance.closed_at = timezone.now()
    instance.save(update_fields=["status", "closed_at", "mastery_counted"])
    return GiveUpOutcome(instance=instance, mastery=change, reveal=cg.problem_reveal(_problem(instance)))
