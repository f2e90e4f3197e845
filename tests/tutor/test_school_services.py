"""Accounts, classrooms, join codes and enrolments."""

from __future__ import annotations

import pytest

from tests.tutor import factories
from tutor.errors import NotAllowed, ValidationFailed
from tutor.models import Enrollment, User
from tutor.services.school import (
    JOIN_CODE_ALPHABET,
    classroom_create,
    enrollment_join,
    join_code_normalize,
    student_signup,
)

pytestmark = pytest.mark.django_db


def test_classroom_gets_unique_unambiguous_join_code() -> None:
    teacher = factories.teacher()
    codes = {classroom_create(teacher=teacher, name=f"Class {i}").join_code for i in range(25)}
    assert len(codes) == 25
    for code in codes:
        assert len(code) == 8 and set(code) <= set(JOIN_CODE_ALPHABET)
        assert not set(code) & set("01ILO")


def test_only_teachers_create_classes_and_names_are_required() -> None:
    with pytest.raises(NotAllowed):
        classroom_create(teacher=factories.student(), name="Mine")
    with pytest.raises(ValidationFailed) as exc:
        classroom_create(teacher=factories.teacher(), name="   ")
    assert exc.value.code == "name_required"


def test_explicit_join_code_is_validated_and_unique() -> None:
    teacher = factories.teacher()
    classroom_create(teacher=teacher, name="A", join_code="math-2345")
    with pytest.raises(ValidationFailed) as taken:
        classroom_create(teacher=teacher, name="B", join_code="MATH2345")
    assert taken.value.code == "code_taken"
    with pytest.raises(ValidationFailed) as bad:
        classroom_create(teacher=teacher, name="C", join_code="OOPS0")
    assert bad.value.code == "bad_code"


def test_join_code_normalize_accepts_what_people_type() -> None:
    assert join_code_normalize(" abcd-efgh ") == "ABCDEFGH"


def test_enrollment_join_is_idempotent_and_sets_school() -> None:
    school = factories.school()
    classroom = factories.classroom(factories.teacher(school_obj=school))
    student = factories.student()
    first = enrollment_join(student=student, join_code=classroom.join_code.lower())
    second = enrollment_join(student=student, join_code=classroom.join_code)
    assert first.pk == second.pk
    assert Enrollment.objects.filter(student=student).count() == 1
    student.refresh_from_db()
    assert student.school_id == school.pk


def test_enrollment_join_refuses_unknown_closed_codes_and_teachers() -> None:
    classroom = factories.classroom()
    with pytest.raises(ValidationFailed) as unknown:
        enrollment_join(student=factories.student(), join_code="ZZZZZZZZ")
    assert unknown.value.code == "unknown_code"
    classroom.joining_open = False
    classroom.save()
    with pytest.raises(ValidationFailed) as closed:
        enrollment_join(student=factories.student(), join_code=classroom.join_code)
    assert closed.value.code == "joining_closed"
    with pytest.raises(NotAllowed):
        enrollment_join(student=factories.teacher(), join_code=classroom.join_code)


def test_student_signup_creates_enrolled_student_all_or_nothing() -> None:
    classroom = factories.classroom()
    user = student_signup(username="ada", password="analytical-engine", join_code=classroom.join_code,
                          display_name="Ada L.")
    assert user.role == User.Role.STUDENT and user.check_password("analytical-engine")
    assert list(user.classrooms_joined.all()) == [classroom]
    with pytest.raises(ValidationFailed) as weak:
        student_signup(username="bob", password="123", join_code=classroom.join_code)
    assert weak.value.code == "weak_password"
    with pytest.raises(ValidationFailed) as taken:
        student_signup(username="ADA", password="analytical-engine", join_code=classroom.join_code)
    assert taken.value.code == "username_taken"
    with pytest.raises(ValidationFailed):
        student_signup(username="carol", password="analytical-engine", join_code="NOPE2345")
    assert not User.objects.filter(username__in=["bob", "carol"]).exists()
