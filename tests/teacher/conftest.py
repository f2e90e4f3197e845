"""Fixtures for the teacher/school-admin tests: two schools with one class each, their people and objects.

``world`` builds, on the loaded curriculum:

* school 1: teacher A (class A, student A), school admin 1, a template authored by teacher A, a problem
  set of teacher A assigned to class A, and one answered problem of student A served for it;
* school 2: teacher B (class B, student B), school admin 2, the same kinds of objects for side B.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.tutor import factories
from tutor.models import Assignment, Classroom, ProblemSet, ProblemTemplate, School, User
from tutor.services.authoring import template_save
from tutor.services.curriculum import curriculum_load
from tutor.services.practice import attempt_submit, problem_next
from tutor.services.problem_sets import assignment_create, problem_set_create
from tutor.services.school import enrollment_join

#: A small valid template (one variable family, a listed wrong answer, a worked solution).
GOOD_TEMPLATE = """\
id: {code}
title: Add a constant
skills: [linear_equations.one_step]
difficulty: 1
variables:
  b: {{int: [2, 9]}}
  v: {{int: [1, 12]}}
  c: v + b
statement: |
  Solve ${{{{x + b = c}}}}$.
answer: x = v
checker: AlgEquiv
input_kind: equation
hints:
  - Subtract {{{{b}}}} from both sides.
wrong_answers:
  - answer: x = c + b
    feedback: Subtract {{{{b}}}}; do not add it.
    note: SAME_OPERATION
solution:
  method: linear_equation
  given: {{equation: x + b = c}}
"""


def good_template(code: str) -> str:
    return GOOD_TEMPLATE.format(code=code)


@dataclass
class Side:
    """One school's people and objects."""

    school: School
    teacher: User
    admin: User
    classroom: Classroom
    student: User
    template: ProblemTemplate
    problem_set: ProblemSet
    assignment: Assignment
    instance_id: int
    attempt_id: int


@dataclass
class World:
    a: Side
    b: Side


def _side(tag: str) -> Side:
    school = factories.school(f"School {tag}")
    teacher = factories.teacher(school_obj=school, username=f"teacher-{tag}")
    admin = factories.user(User.Role.SCHOOL_ADMIN, school_obj=school, username=f"admin-{tag}")
    classroom = factories.classroom(teacher, name=f"Class {tag}")
    student = factories.student(username=f"student-{tag}")
    enrollment_join(student=student, join_code=classroom.join_code)
    template = template_save(author=teacher, source_yaml=good_template(f"{tag}.add-constant")).template
    problem_set = problem_set_create(owner=teacher, title=f"Set {tag}", template_codes=[template.code])
    assignment = assignment_create(teacher=teacher, set_id=problem_set.pk, classroom_id=classroom.pk)
    instance = problem_next(learner=student)
    outcome = attempt_submit(learner=student, instance_id=instance.pk, raw_input="x = 0", input_format="text")
    return Side(school=school, teacher=teacher, admin=admin, classroom=classroom, student=student,
                template=template, problem_set=problem_set, assignment=assignment, instance_id=instance.pk,
                attempt_id=outcome.attempt.pk)


@pytest.fixture
def curriculum(db: None):
    return curriculum_load()


@pytest.fixture
def world(curriculum) -> World:
    return World(a=_side("a"), b=_side("b"))
