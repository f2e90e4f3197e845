"""Fixtures for tutor tests: the curriculum loaded into the test database, learners, instances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.tutor import factories
from tutor import curriculum_gateway as cg
from tutor.models import Classroom, ProblemInstance, ProblemTemplate, User
from tutor.services.curriculum import curriculum_load


@pytest.fixture
def curriculum(db: None):
    """The shipped curriculum mirrored into the test database; returns the load report."""
    return curriculum_load()


@pytest.fixture
def classroom(db: None) -> Classroom:
    return factories.classroom()


@pytest.fixture
def student(classroom: Classroom) -> User:
    from tutor.services.school import enrollment_join

    s = factories.student()
    enrollment_join(student=s, join_code=classroom.join_code)
    return s


@pytest.fixture
def other_student(classroom: Classroom) -> User:
    from tutor.services.school import enrollment_join

    s = factories.student()
    enrollment_join(student=s, join_code=classroom.join_code)
    return s


@dataclass
class Made:
    """A stored instance and its curriculum problem (answer, wrong answers, hints known to the test)."""

    instance: ProblemInstance
    problem: Any

    @property
    def answer(self) -> str:
        return cg.problem_answer_text(self.problem)

    @property
    def wrong(self) -> str:
        return self.problem.wrong_answers[0].answer


def make_instance(learner: User, *, need_wrong: bool = True, need_hints: int = 1, seed: int = 7,
                  skip: int = 0) -> Made:
    """Store an open instance of the first loaded template (after ``skip`` matches) whose problem has a
    listed wrong answer and at least ``need_hints`` hints, with its targeted skill set to the first skill."""
    seen = 0
    for template in ProblemTemplate.objects.filter(is_active=True).select_related("current_version").order_by("code"):
        version = template.current_version
        problem = cg.problem_build(source_yaml=version.source_yaml, seed=seed)
        if need_wrong and not problem.wrong_answers:
            continue
        if len(problem.hints) < need_hints or problem.input_kind not in ("expression", "number"):
            continue
        if seen < skip:
            seen += 1
            continue
        skill = template.skills.order_by("order").first()
        instance = ProblemInstance.objects.create(
            learner=learner, template_version=version, seed=seed, skill=skill,
            hints_available=len(problem.hints),
        )
        return Made(instance=instance, problem=problem)
    raise AssertionError("no shipped template has an expression answer with a wrong answer and hints")


@pytest.fixture
def made(curriculum, student: User) -> Made:
    return make_instance(student)
