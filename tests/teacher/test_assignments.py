"""Problem sets and assignments in the practice loop: assigned work first, ordered and adaptive sets,
open/due dates, progress, withdrawal, and the student's dashboard list."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.teacher.conftest import good_template
from tests.tutor import factories
from tutor import curriculum_gateway as cg
from tutor.errors import NotAllowed, NotFound, ValidationFailed
from tutor.models import AssignedProblem, ProblemInstance
from tutor.selectors.assignments import assignment_progress, assignments_for_student
from tutor.services.authoring import template_save
from tutor.services.practice import attempt_submit, problem_give_up, problem_next
from tutor.services.problem_sets import (
    assignment_create,
    assignment_delete,
    assignment_update_dates,
    problem_set_create,
    problem_set_delete,
    problem_set_items_set,
    problem_set_update,
)
from tutor.services.school import enrollment_join

pytestmark = pytest.mark.django_db

ORDER = ["linear_equations.two_step.basic", "linear_equations.one_step.add", "fractions.simplify.basic"]


@pytest.fixture
def klass(curriculum):
    teacher = factories.teacher(school_obj=factories.school())
    classroom = factories.classroom(teacher)
    student = factories.student()
    enrollment_join(student=student, join_code=classroom.join_code)
    return teacher, classroom, student


def _solve(student, instance) -> None:
    problem = cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)
    outcome = attempt_submit(learner=student, instance_id=instance.pk, raw_input=problem.expected_entry,
                             input_format="text")
    assert outcome.check.correct, (instance, problem.expected_entry, outcome.check)


def test_ordered_set_serves_items_in_order_then_free_practice(klass) -> None:
    teacher, classroom, student = klass
    ps = problem_set_create(owner=teacher, title="Worksheet", template_codes=ORDER)
    assignment = assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    served = []
    for k in range(len(ORDER)):
        instance = problem_next(learner=student)
        served.append(instance.template_version.template.code)
        link = AssignedProblem.objects.get(instance=instance)
        assert link.assignment == assignment and link.item.template.code == ORDER[k]
        assert instance.selection_reason.endswith(f"problem {k + 1} of 3")
        assert problem_next(learner=student) == instance  # the open problem is resumed, not replaced
        if k == 1:
            problem_give_up(learner=student, instance_id=instance.pk)  # giving up also finishes an item
        else:
            _solve(student, instance)
    assert served == ORDER
    progress = assignment_progress(assignment=assignment, student=student)
    assert (progress.done, progress.total, progress.status) == (3, 3, "complete")
    free = problem_next(learner=student)
    assert not AssignedProblem.objects.filter(instance=free).exists()


def test_a_wrong_answer_keeps_the_item_open_until_finished(klass) -> None:
    teacher, classroom, student = klass
    ps = problem_set_create(owner=teacher, title="W", template_codes=ORDER[:2])
    assignment = assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    first = problem_next(learner=student)
    attempt_submit(learner=student, instance_id=first.pk, raw_input="x = 12345", input_format="text")
    assert assignment_progress(assignment=assignment, student=student).done == 0
    assert problem_next(learner=student) == first


def test_adaptive_set_only_serves_its_templates_and_ends_at_its_goal(klass) -> None:
    teacher, classroom, student = klass
    ps = problem_set_create(owner=teacher, title="Adaptive", mode="adaptive", goal=3, template_codes=ORDER[:2])
    assignment = assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    for _ in range(3):
        instance = problem_next(learner=student)
        assert instance.template_version.template.code in ORDER[:2]
        assert AssignedProblem.objects.get(instance=instance).assignment == assignment
        assert instance.predicted_p_correct is not None and "Adaptive" in instance.selection_reason
        _solve(student, instance)
    assert assignment_progress(assignment=assignment, student=student).status == "complete"
    assert not AssignedProblem.objects.filter(instance=problem_next(learner=student)).exists()


def test_upcoming_assignments_wait_and_overdue_ones_come_first(klass) -> None:
    teacher, classroom, student = klass
    now = timezone.now()
    later = problem_set_create(owner=teacher, title="Later", template_codes=ORDER[:1])
    late = problem_set_create(owner=teacher, title="Late", template_codes=ORDER[1:2])
    soon = problem_set_create(owner=teacher, title="Soon", template_codes=ORDER[2:3])
    assignment_create(teacher=teacher, set_id=later.pk, classroom_id=classroom.pk, opens_at=now + timedelta(days=2))
    assignment_create(teacher=teacher, set_id=soon.pk, classroom_id=classroom.pk, opens_at=now - timedelta(days=1),
                      due_at=now + timedelta(days=1))
    assignment_create(teacher=teacher, set_id=late.pk, classroom_id=classroom.pk, opens_at=now - timedelta(days=5),
                      due_at=now - timedelta(days=1))
    rows = assignments_for_student(student=student)
    assert [(r.problem_set.title, r.status) for r in rows] == [("Late", "overdue"), ("Soon", "open"),
                                                               ("Later", "upcoming")]
    first = problem_next(learner=student)
    assert first.template_version.template.code == ORDER[1]  # overdue work first
    _solve(student, first)
    assert problem_next(learner=student).template_version.template.code == ORDER[2]


def test_students_of_other_classes_are_not_served_the_assignment(klass) -> None:
    teacher, classroom, _ = klass
    outsider = factories.student()
    enrollment_join(student=outsider, join_code=factories.classroom().join_code)
    ps = problem_set_create(owner=teacher, title="W", template_codes=ORDER[:1])
    assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    assert assignments_for_student(student=outsider) == []
    assert not AssignedProblem.objects.filter(instance=problem_next(learner=outsider)).exists()


def test_assignment_rules_and_errors(klass) -> None:
    teacher, classroom, student = klass
    other_teacher = factories.teacher()
    ps = problem_set_create(owner=teacher, title="W", template_codes=ORDER[:1])
    empty = problem_set_create(owner=teacher, title="Empty")
    with pytest.raises(ValidationFailed, match="at least one template"):
        assignment_create(teacher=teacher, set_id=empty.pk, classroom_id=classroom.pk)
    now = timezone.now()
    with pytest.raises(ValidationFailed, match="after the open date"):
        assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk, opens_at=now, due_at=now)
    with pytest.raises(NotFound):  # another teacher's set
        assignment_create(teacher=other_teacher, set_id=ps.pk, classroom_id=classroom.pk)
    own_set = problem_set_create(owner=other_teacher, title="Mine", template_codes=ORDER[:1])
    from django.http import Http404

    with pytest.raises(Http404):  # someone else's class
        assignment_create(teacher=other_teacher, set_id=own_set.pk, classroom_id=classroom.pk)
    a = assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    with pytest.raises(ValidationFailed, match="already assigned"):
        assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    with pytest.raises(NotFound):
        assignment_delete(teacher=other_teacher, assignment_id=a.pk)
    assignment_update_dates(teacher=teacher, assignment_id=a.pk, opens_at=now + timedelta(days=1), due_at=None)
    assert assignments_for_student(student=student)[0].status == "upcoming"
    with pytest.raises(NotAllowed):
        problem_set_create(owner=student, title="x")
    with pytest.raises(ValidationFailed):
        problem_set_update(teacher=teacher, set_id=ps.pk, title="", mode="ordered", goal=5)
    with pytest.raises(ValidationFailed):
        problem_set_update(teacher=teacher, set_id=ps.pk, title="t", mode="random", goal=5)
    with pytest.raises(ValidationFailed):
        problem_set_items_set(teacher=teacher, set_id=ps.pk, template_codes=["no.such.template"])


def test_withdrawing_keeps_history_and_sets_in_use_cannot_be_deleted(klass) -> None:
    teacher, classroom, student = klass
    ps = problem_set_create(owner=teacher, title="W", template_codes=ORDER[:1])
    a = assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    instance = problem_next(learner=student)
    with pytest.raises(ValidationFailed, match="already worked"):
        problem_set_delete(teacher=teacher, set_id=ps.pk)
    assignment_delete(teacher=teacher, assignment_id=a.pk)
    assert ProblemInstance.objects.filter(pk=instance.pk).exists()
    assert not AssignedProblem.objects.filter(instance=instance).exists()
    problem_set_delete(teacher=teacher, set_id=ps.pk)


def test_teacher_templates_are_served_through_assignments(klass) -> None:
    teacher, classroom, student = klass
    template_save(author=teacher, source_yaml=good_template("mine.add"))
    ps = problem_set_create(owner=teacher, title="Own", template_codes=["mine.add"])
    assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    instance = problem_next(learner=student)
    assert instance.template_version.template.code == "mine.add"
    _solve(student, instance)


def test_student_dashboard_lists_assigned_work_first(client, klass) -> None:
    teacher, classroom, student = klass
    ps = problem_set_create(owner=teacher, title="Friday homework", template_codes=ORDER[:2],
                            description="Show your working.")
    assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk,
                      due_at=timezone.now() + timedelta(days=3))
    client.force_login(student)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Assigned work" in html and "Friday homework" in html and "0 of 2 done" in html
    assert html.index("Assigned work") < html.index("Practise next")
    assert "Show your working." in html


def test_time_injection_matches_wall_clock(klass) -> None:
    """problem_next's ``now`` (unix seconds) decides which assignments are open."""
    teacher, classroom, student = klass
    ps = problem_set_create(owner=teacher, title="Next week", template_codes=ORDER[:1])
    opens = timezone.now() + timedelta(days=7)
    assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk, opens_at=opens)
    instance = problem_next(learner=student, now=opens.timestamp() + 60)
    assert AssignedProblem.objects.filter(instance=instance).exists()
    instance2_student = factories.student()
    enrollment_join(student=instance2_student, join_code=classroom.join_code)
    other = problem_next(learner=instance2_student, now=time.time())
    assert not AssignedProblem.objects.filter(instance=other).exists()
