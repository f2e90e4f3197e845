"""Assigned work in the practice loop: which problem an open assignment serves next, and recording that a
served problem belongs to the assignment.

``problem_next`` (``tutor.services.practice``) asks :func:`assignment_selection` first; when it returns a
choice, that choice replaces the free adaptive selection, and :func:`assigned_problem_record` links the
new instance to the assignment. Ordered sets serve their items in order, each once; adaptive sets let
``curriculum.selection`` choose among the set's templates from the learner's mastery.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from tutor import curriculum_gateway as cg
from tutor.models import AssignedProblem, Assignment, ProblemInstance, ProblemSet, ProblemSetItem, User
from tutor.selectors.assignments import FINISHED, assignments_for_student, open_assignment_exists


@dataclass(frozen=True)
class AssignedSelection:
    """The next problem of an assignment. ``skill_id``/``item_id``/``predicted_p_correct``/``reason`` have
    the meaning of ``curriculum.selection.Selection`` (``predicted_p_correct`` is None for ordered sets)."""

    skill_id: str
    item_id: str
    predicted_p_correct: float | None
    reason: str
    assignment: Assignment
    item: ProblemSetItem


def _serveable(item: ProblemSetItem) -> tuple[str, ...]:
    t = item.template
    if not t.is_active or t.current_version_id is None:
        return ()
    return tuple(s.code for s in sorted(t.skills.all(), key=lambda s: (s.order, s.code)) if s.is_active)


def _next_ordered(assignment: Assignment, learner: User, items: Sequence[ProblemSetItem]) -> AssignedSelection | None:
    finished = set(AssignedProblem.objects.filter(assignment=assignment, instance__learner=learner,
                                                  instance__status__in=FINISHED).values_list("item_id", flat=True))
    for k, item in enumerate(items, start=1):
        skills = _serveable(item)
        if item.pk in finished or not skills:
            continue
        return AssignedSelection(skill_id=skills[0], item_id=item.template.code, predicted_p_correct=None,
                                 reason=f"assignment '{assignment.problem_set.title}': problem {k} of {len(items)}",
                                 assignment=assignment, item=item)
    return None


def _next_adaptive(assignment: Assignment, items: Sequence[ProblemSetItem], state, *, recent: Sequence[str],
                   rng: random.Random, now: float) -> AssignedSelection | None:
    usable = [(item, _serveable(item)) for item in items]
    usable = [(item, skills) for item, skills in usable if skills]
    if not usable:
        return None
    selection = cg.selection_next(state, items=[(i.template.code, skills, i.template.difficulty) for i, skills in usable],
                                  recent_items=recent, rng=rng, now=now)
    if selection is None:
        return None
    item = next(i for i, _ in usable if i.template.code == selection.item_id)
    return AssignedSelection(skill_id=selection.skill_id, item_id=selection.item_id,
                             predicted_p_correct=selection.predicted_p_correct,
                             reason=f"assignment '{assignment.problem_set.title}': {selection.reason}"[:300],
                             assignment=assignment, item=item)


def assignment_selection(*, learner: User, state, recent_items: Sequence[str], rng: random.Random,
                         now: float) -> AssignedSelection | None:
    """The next problem of the learner's most urgent workable assignment (overdue first, then by due
    date), or ``None`` when no assignment has work left. ``state``: the learner's curriculum state;
    ``now``: unix seconds. Reads only; the caller creates the instance and calls
    :func:`assigned_problem_record`."""
    when = datetime.fromtimestamp(now, tz=UTC)
    if not open_assignment_exists(student=learner, now=when):
        return None
    for progress in assignments_for_student(student=learner, now=when):
        if not progress.workable:
            continue
        assignment = progress.assignment
        items = list(assignment.problem_set.items.select_related("template").prefetch_related("template__skills")
                     .order_by("position", "id"))
        if assignment.problem_set.mode == ProblemSet.Mode.ORDERED:
            chosen = _next_ordered(assignment, learner, items)
        else:
            chosen = _next_adaptive(assignment, items, state, recent=recent_items, rng=rng, now=now)
        if chosen is not None:
            return chosen
    return None


@transaction.atomic
def assigned_problem_record(*, selection: AssignedSelection, instance: ProblemInstance) -> AssignedProblem:
    """Link a newly served instance to the assignment (and set item) it was chosen for."""
    return AssignedProblem.objects.create(assignment=selection.assignment, instance=instance, item=selection.item)
