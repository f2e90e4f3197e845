"""A teacher's attempts CSV holds only work relevant to that class (docs/teachers.md, "CSV"): answers to
the class's own assignments, and free practice by its students submitted while enrolled. Work a student
did for another teacher's class must never appear (red-team report 3 in docs/security.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.teacher.conftest import World
from tutor.models import Attempt, Enrollment, ProblemInstance
from tutor.selectors.dashboards import attempts_csv_rows
from tutor.services.school import enrollment_join

pytestmark = pytest.mark.django_db


def _exported(classroom) -> set[tuple[str, str]]:
    """(username, submitted_at iso) of every data row of the class's attempts CSV."""
    rows = list(attempts_csv_rows(classroom=classroom))
    return {(r[0], r[2]) for r in rows[1:]}


def _key(attempt: Attempt) -> tuple[str, str]:
    attempt.refresh_from_db()
    return (attempt.learner.username, attempt.submitted_at.isoformat())


def _free_practice_copy(attempt: Attempt, *, submitted_at) -> Attempt:
    """A copy of ``attempt`` on a fresh, unassigned (free practice) instance, submitted at ``submitted_at``."""
    inst = ProblemInstance.objects.get(pk=attempt.instance_id)
    inst.pk = None
    inst.save()
    copy = Attempt.objects.get(pk=attempt.pk)
    copy.pk = None
    copy.instance = inst
    copy.save()
    Attempt.objects.filter(pk=copy.pk).update(submitted_at=submitted_at)
    copy.refresh_from_db()
    return copy


def test_another_classes_assigned_work_is_never_exported(world: World) -> None:
    a, b = world.a, world.b
    enrollment_join(student=a.student, join_code=b.classroom.join_code)  # student A is now in both classes
    assigned_a = Attempt.objects.get(pk=a.attempt_id)
    assigned_b = Attempt.objects.get(pk=b.attempt_id)
    in_b = _exported(b.classroom)
    assert _key(assigned_a) not in in_b  # teacher B must not see work assigned by teacher A
    assert _key(assigned_b) in in_b
    in_a = _exported(a.classroom)
    assert _key(assigned_a) in in_a and _key(assigned_b) not in in_a


def test_free_practice_is_exported_only_for_the_time_enrolled(world: World) -> None:
    a, b = world.a, world.b
    enrollment_join(student=a.student, join_code=b.classroom.join_code)
    joined_b = Enrollment.objects.get(classroom=b.classroom, student=a.student).joined_at
    before = _free_practice_copy(Attempt.objects.get(pk=a.attempt_id), submitted_at=joined_b - timedelta(hours=1))
    after = _free_practice_copy(Attempt.objects.get(pk=a.attempt_id), submitted_at=timezone.now())
    in_b, in_a = _exported(b.classroom), _exported(a.classroom)
    assert _key(after) in in_b and _key(before) not in in_b
    # class A's enrolment is older than both: its teacher sees both free-practice answers
    Enrollment.objects.filter(classroom=a.classroom, student=a.student).update(
        joined_at=joined_b - timedelta(days=1))
    in_a = _exported(a.classroom)
    assert _key(after) in in_a and _key(before) in in_a


def test_a_student_who_left_the_class_is_not_exported(world: World) -> None:
    a = world.a
    free = _free_practice_copy(Attempt.objects.get(pk=a.attempt_id), submitted_at=timezone.now())
    assert _key(free) in _exported(a.classroom)
    Enrollment.objects.filter(classroom=a.classroom, student=a.student).delete()
    assert _key(free) not in _exported(a.classroom)
    # assigned work for the class stays in the class's record
    assert _key(Attempt.objects.get(pk=a.attempt_id)) in _exported(a.classroom)
