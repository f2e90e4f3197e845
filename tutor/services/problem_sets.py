"""Writes for problem sets and assignments, plus the problem-set file format (YAML import/export).

A problem-set document looks like::

    problem_set:
      title: Week 3 - fractions
      mode: ordered            # or adaptive
      goal: 10                 # adaptive sets: problems to finish
      description: Homework for Friday.
      items: [fractions.simplify.basic, ms-smith.week3.001]

An exported set is one YAML file: the set document first, then (after ``---``) the source of every
teacher-authored template it uses, so the file imports on another server. Shipped templates are referred
to by id only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tutor.errors import NotAllowed, ValidationFailed
from tutor.models import Assignment, ProblemSet, ProblemSetItem, ProblemTemplate, User
from tutor.selectors.authoring import (
    problem_set_get_for_teacher,
    problem_set_may_edit,
    template_list_for_teacher,
)
from tutor.selectors.school import classroom_get_for_teacher

MAX_SET_ITEMS = 100
MAX_GOAL = 200


def _require_teacher(user: User) -> None:
    if not user.is_teacher:
        raise NotAllowed("Only teachers can manage problem sets.")


def _clean_fields(*, title: str, mode: str, goal: int, description: str) -> tuple[str, str, int, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("Give the problem set a title.", code="title_required")
    if len(title) > 200:
        raise ValidationFailed("Titles are at most 200 characters.", code="title_too_long")
    if mode not in ProblemSet.Mode.values:
        raise ValidationFailed("Mode is 'ordered' or 'adaptive'.", code="bad_mode")
    if isinstance(goal, bool) or not isinstance(goal, int) or not 1 <= goal <= MAX_GOAL:
        raise ValidationFailed(f"The goal is a whole number of problems from 1 to {MAX_GOAL}.", code="bad_goal")
    return title, mode, goal, (description or "").strip()[:5000]


def _editable(*, teacher: User, set_id: int) -> ProblemSet:
    _require_teacher(teacher)
    problem_set = problem_set_get_for_teacher(teacher=teacher, set_id=set_id)
    if not problem_set_may_edit(user=teacher, problem_set=problem_set):
        raise NotAllowed("Only the teacher who made this set can change or assign it.")
    return ProblemSet.objects.select_for_update().get(pk=problem_set.pk)


@transaction.atomic
def problem_set_create(*, owner: User, title: str, mode: str = ProblemSet.Mode.ORDERED, goal: int = 10,
                       description: str = "", template_codes: Sequence[str] = ()) -> ProblemSet:
    """Create a set owned by ``owner`` with items in the order of ``template_codes`` (visible templates)."""
    _require_teacher(owner)
    title, mode, goal, description = _clean_fields(title=title, mode=mode, goal=goal, description=description)
    problem_set = ProblemSet.objects.create(owner=owner, school=owner.school, title=title, mode=mode, goal=goal,
                                            description=description)
    if template_codes:
        _items_replace(teacher=owner, problem_set=problem_set, template_codes=template_codes)
    return problem_set


@transaction.atomic
def problem_set_update(*, teacher: User, set_id: int, title: str, mode: str, goal: int,
                       description: str = "") -> ProblemSet:
    """Change a set's title, mode, goal and description (owner only)."""
    problem_set = _editable(teacher=teacher, set_id=set_id)
    problem_set.title, problem_set.mode, problem_set.goal, problem_set.description = _clean_fields(
        title=title, mode=mode, goal=goal, description=description)
    problem_set.save()
    return problem_set


def _items_replace(*, teacher: User, problem_set: ProblemSet, template_codes: Sequence[str]) -> None:
    codes = list(dict.fromkeys(c.strip() for c in template_codes if c and c.strip()))
    if len(codes) > MAX_SET_ITEMS:
        raise ValidationFailed(f"A problem set holds at most {MAX_SET_ITEMS} templates.", code="too_many")
    visible = {t.code: t for t in template_list_for_teacher(teacher=teacher).filter(code__in=codes)}
    missing = [c for c in codes if c not in visible]
    if missing:
        raise ValidationFailed(f"Unknown or unavailable template id{'s' if len(missing) > 1 else ''}: "
                               f"{', '.join(missing[:10])}.", code="unknown_template")
    inactive = [c for c in codes if not visible[c].is_active or visible[c].current_version_id is None]
    if inactive:
        raise ValidationFailed(f"Archived templates cannot be added: {', '.join(inactive[:10])}.",
                               code="archived_template")
    ProblemSetItem.objects.filter(problem_set=problem_set).exclude(template__code__in=codes).delete()
    for position, code in enumerate(codes):
        ProblemSetItem.objects.update_or_create(problem_set=problem_set, template=visible[code],
                                                defaults={"position": position})
    problem_set.save(update_fields=["updated_at"])


@transaction.atomic
def problem_set_items_set(*, teacher: User, set_id: int, template_codes: Sequence[str]) -> ProblemSet:
    """Replace the set's items with ``template_codes`` in that order (owner only). Items already served
    keep their history: an item removed and re-added is a new row, past instances keep their version."""
    problem_set = _editable(teacher=teacher, set_id=set_id)
    _items_replace(teacher=teacher, problem_set=problem_set, template_codes=template_codes)
    return problem_set


@transaction.atomic
def problem_set_item_add(*, teacher: User, set_id: int, template_id: int) -> ProblemSetItem:
    """Append a visible template to the end of the set (no-op if it is already there)."""
    problem_set = _editable(teacher=teacher, set_id=set_id)
    template = template_list_for_teacher(teacher=teacher).filter(pk=template_id).first()
    if template is None or not template.is_active or template.current_version_id is None:
        raise ValidationFailed("That template is not available.", code="unknown_template")
    if problem_set.items.count() >= MAX_SET_ITEMS:
        raise ValidationFailed(f"A problem set holds at most {MAX_SET_ITEMS} templates.", code="too_many")
    last = problem_set.items.aggregate(m=Max("position"))["m"]
    item, _ = ProblemSetItem.objects.get_or_create(problem_set=problem_set, template=template,
                                                   defaults={"position": 0 if last is None else last + 1})
    problem_set.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def problem_set_delete(*, teacher: User, set_id: int) -> None:
    """Delete a set that was never served to a student (owner only); otherwise Conflict-style refusal."""
    problem_set = _editable(teacher=teacher, set_id=set_id)
    if Assignment.objects.filter(problem_set=problem_set, problems__isnull=False).exists():
        raise ValidationFailed("Students have already worked on this set; remove its assignments instead of "
                               "deleting it.", code="in_use")
    problem_set.delete()


# --------------------------------------------------------------------------- assignments


@transaction.atomic
def assignment_create(*, teacher: User, set_id: int, classroom_id: int, opens_at: datetime | None = None,
                      due_at: datetime | None = None) -> Assignment:
    """Assign a set (owner only) to a class the teacher may see; ``opens_at`` defaults to now.

    Raises ValidationFailed for an empty set, a due date before the open date, or a set already assigned
    to that class (change the dates instead).
    """
    problem_set = _editable(teacher=teacher, set_id=set_id)
    classroom = classroom_get_for_teacher(teacher=teacher, classroom_id=classroom_id)
    if not problem_set.items.exists():
        raise ValidationFailed("Add at least one template before assigning the set.", code="empty_set")
    opens_at = opens_at or timezone.now()
    if due_at is not None and due_at <= opens_at:
        raise ValidationFailed("The due date must be after the open date.", code="bad_dates")
    if Assignment.objects.filter(problem_set=problem_set, classroom=classroom).exists():
        raise ValidationFailed(f"This set is already assigned to {classroom.name}.", code="already_assigned")
    return Assignment.objects.create(problem_set=problem_set, classroom=classroom, assigned_by=teacher,
                                     opens_at=opens_at, due_at=due_at)


def _assignment_for_teacher(*, teacher: User, assignment_id: int) -> Assignment:
    from tutor.selectors.assignments import assignment_get_for_teacher

    return assignment_get_for_teacher(teacher=teacher, assignment_id=assignment_id)


@transaction.atomic
def assignment_update_dates(*, teacher: User, assignment_id: int, opens_at: datetime,
                            due_at: datetime | None) -> Assignment:
    """Change an assignment's open/due dates (the class's teacher, the set's owner, or a school admin)."""
    _require_teacher(teacher)
    assignment = _assignment_for_teacher(teacher=teacher, assignment_id=assignment_id)
    if due_at is not None and due_at <= opens_at:
        raise ValidationFailed("The due date must be after the open date.", code="bad_dates")
    assignment.opens_at, assignment.due_at = opens_at, due_at
    assignment.save(update_fields=["opens_at", "due_at"])
    return assignment


@transaction.atomic
def assignment_delete(*, teacher: User, assignment_id: int) -> None:
    """Withdraw an assignment. Problems already served stay in the students' history (unlinked)."""
    _require_teacher(teacher)
    _assignment_for_teacher(teacher=teacher, assignment_id=assignment_id).delete()


# --------------------------------------------------------------------------- file format


def problem_set_export(*, teacher: User, set_id: int) -> tuple[str, str]:
    """``(filename, yaml text)``: the set document, then every teacher template it uses (see module doc)."""
    problem_set = problem_set_get_for_teacher(teacher=teacher, set_id=set_id)
    items = list(problem_set.items.select_related("template__current_version").order_by("position", "id"))
    doc = {"problem_set": {"title": problem_set.title, "mode": problem_set.mode, "goal": problem_set.goal,
                           "description": problem_set.description,
                           "items": [i.template.code for i in items]}}
    parts = [yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100).rstrip("\n") + "\n"]
    for item in items:
        t = item.template
        if t.origin == ProblemTemplate.Origin.TEACHER and t.current_version is not None:
            parts.append(t.current_version.source_yaml.rstrip("\n") + "\n")
    slug = "".join(ch if ch.isalnum() else "-" for ch in problem_set.title.lower()).strip("-")[:60] or "problem-set"
    return f"{slug}.yaml", "---\n".join(parts)


def problem_set_from_document(*, owner: User, text: str) -> ProblemSet:
    """Create a set from one ``problem_set:`` YAML document (see module doc). Raises ValidationFailed with a
    message naming the bad field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"problem_set: invalid YAML ({exc})", code="bad_yaml") from exc
    body = data.get("problem_set") if isinstance(data, dict) else None
    if not isinstance(body, dict) or set(data) != {"problem_set"}:
        raise ValidationFailed("problem_set: the document must hold only a 'problem_set:' mapping",
                               code="bad_set")
    unknown = set(body) - {"title", "mode", "goal", "description", "items"}
    if unknown:
        raise ValidationFailed(f"problem_set: unknown field{'s' if len(unknown) > 1 else ''} "
                               f"{', '.join(sorted(map(str, unknown)))}", code="bad_set")
    items = body.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise ValidationFailed("problem_set: items must be a non-empty list of template ids", code="bad_set")
    goal = body.get("goal", 10)
    try:
        return problem_set_create(owner=owner, title=str(body.get("title") or ""),
                                  mode=str(body.get("mode") or ProblemSet.Mode.ORDERED),
                                  goal=goal if isinstance(goal, int) else -1,
                                  description=str(body.get("description") or ""), template_codes=items)
    except ValidationFailed as exc:
        raise ValidationFailed(f"problem_set: {exc.message}", code=exc.code) from exc

