"""Writes for schools, accounts, classrooms and enrolments."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tutor.errors import NotAllowed, ValidationFailed
from tutor.models import Classroom, Enrollment, School, User

# No 0/O, 1/I/L: codes are read aloud and copied from a projector.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def join_code_normalize(raw: str) -> str:
    """Upper-case a typed join code and drop spaces and dashes (``"abcd-efgh"`` -> ``"ABCDEFGH"``)."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def join_code_generate() -> str:
    """A fresh random join code of ``JOIN_CODE_LENGTH`` characters (not checked for uniqueness here)."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


@transaction.atomic
def school_get_or_create(*, name: str, slug: str) -> School:
    """The school with ``slug``, created with ``name`` if missing."""
    school, _ = School.objects.get_or_create(slug=slug, defaults={"name": name})
    return school


@transaction.atomic
def classroom_create(*, teacher: User, name: str, join_code: str | None = None) -> Classroom:
    """Create a classroom taught by ``teacher`` with a unique join code (random unless given).

    Raises NotAllowed if ``teacher`` is not a teacher/school admin, ValidationFailed for an empty name or
    a taken/ill-formed explicit join code.
    """
    if not teacher.is_teacher:
        raise NotAllowed("Only teachers can create classes.")
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the class a name.", code="name_required")
    if len(name) > 120:
        raise ValidationFailed("Class names are at most 120 characters.", code="name_too_long")
    if join_code is not None:
        code = join_code_normalize(join_code)
        if not (4 <= len(code) <= 16) or any(ch not in JOIN_CODE_ALPHABET for ch in code):
            raise ValidationFailed("Join codes use 4-16 letters and digits (no 0, 1, I, L, O).", code="bad_code")
        if Classroom.objects.filter(join_code=code).exists():
            raise ValidationFailed("That join code is already taken.", code="code_taken")
        return Classroom.objects.create(teacher=teacher, school=teacher.school, name=name, join_code=code)
    for _ in range(20):
        code = join_code_generate()
        try:
            with transaction.atomic():
                return Classroom.objects.create(teacher=teacher, school=teacher.school, name=name, join_code=code)
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free join code after 20 tries")  # 31^8 codes: practically unreachable


@transaction.atomic
def enrollment_join(*, student: User, join_code: str) -> Enrollment:
    """Enrol ``student`` in the classroom with ``join_code`` (idempotent: joining twice returns the same row).

    Raises ValidationFailed for an unknown or closed code and NotAllowed for non-students.
    """
    if not student.is_student:
        raise NotAllowed("Only student accounts can join a class.")
    code = join_code_normalize(join_code)
    classroom = Classroom.objects.filter(join_code=code).first() if code else None
    if classroom is None:
        raise ValidationFailed("We could not find a class with that join code. Check it with your teacher.",
                               code="unknown_code")
    if not classroom.joining_open:
        raise ValidationFailed("This class is not accepting new students right now.", code="joining_closed")
    enrollment, _ = Enrollment.objects.get_or_create(classroom=classroom, student=student)
    if student.school_id is None and classroom.school_id is not None:
        student.school_id = classroom.school_id
        student.save(update_fields=["school"])
    return enrollment


@transaction.atomic
def student_signup(*, username: str, password: str, join_code: str, display_name: str = "") -> User:
    """Create a student account and enrol it in the class with ``join_code``, all or nothing.

    Raises ValidationFailed with a user-facing message for a taken username, a weak password or a bad code.
    """
    username = username.strip()
    if not username:
        raise ValidationFailed("Choose a username.", code="username_required")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed("That username is taken; try another.", code="username_taken")
    code = join_code_normalize(join_code)
    if not Classroom.objects.filter(join_code=code, joining_open=True).exists():
        raise ValidationFailed("We could not find a class with that join code. Check it with your teacher.",
                               code="unknown_code")
    user = User(username=username, display_name=display_name.strip()[:150], role=User.Role.STUDENT)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="weak_password") from exc
    user.set_password(password)
    user.save()
    enrollment_join(student=user, join_code=code)
    return user


@transaction.atomic
def user_ensure(*, username: str, password: str, role: str, school: School | None, display_name: str = "",
                is_superuser: bool = False) -> User:
    """Create or reset a (demo) account: set its role, school, password and flags. Idempotent."""
    user, _ = User.objects.get_or_create(username=username)
    user.role = role
    user.school = school
    user.display_name = display_name
    user.is_staff = is_superuser
    user.is_superuser = is_superuser
    user.set_password(password)
    user.save()
    return user
