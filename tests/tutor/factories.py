"""Small object factories for tutor tests (plain functions, no factory library)."""

from __future__ import annotations

import itertools

from tutor.models import Classroom, School, User
from tutor.services.school import classroom_create

_counter = itertools.count(1)


def school(name: str = "Test School") -> School:
    n = next(_counter)
    return School.objects.create(name=f"{name} {n}", slug=f"school-{n}")


def user(role: str = User.Role.STUDENT, *, username: str | None = None, password: str = "pw-for-tests-1",
         school_obj: School | None = None) -> User:
    u = User(username=username or f"{role}-{next(_counter)}", role=role, school=school_obj)
    u.set_password(password)
    u.save()
    return u


def student(**kw) -> User:
    return user(User.Role.STUDENT, **kw)


def teacher(**kw) -> User:
    return user(User.Role.TEACHER, **kw)


def classroom(teacher_obj: User | None = None, name: str = "Algebra 1") -> Classroom:
    return classroom_create(teacher=teacher_obj or teacher(), name=name)
