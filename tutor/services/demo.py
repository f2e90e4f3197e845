"""The demo school: accounts student/student, teacher/teacher, admin/admin and one class. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tutor.models import Classroom, User
from tutor.services.school import enrollment_join, school_get_or_create, user_ensure

DEMO_JOIN_CODE = "MATH2345"


@dataclass(frozen=True)
class DemoAccounts:
    student: User
    teacher: User
    admin: User
    classroom: Classroom


@transaction.atomic
def demo_create() -> DemoAccounts:
    """Create (or reset the passwords of) the demo accounts and the demo class (join code ``MATH2345``)."""
    school = school_get_or_create(name="Demo School", slug="demo")
    teacher = user_ensure(username="teacher", password="teacher", role=User.Role.TEACHER, school=school,
                          display_name="Ms Rivera")
    admin = user_ensure(username="admin", password="admin", role=User.Role.SCHOOL_ADMIN, school=school,
                        display_name="School admin", is_superuser=True)
    student = user_ensure(username="student", password="student", role=User.Role.STUDENT, school=school,
                          display_name="Sam Student")
    classroom = Classroom.objects.filter(teacher=teacher, name="Algebra 1 (demo)").first()
    if classroom is None:
        classroom = Classroom.objects.create(school=school, teacher=teacher, name="Algebra 1 (demo)",
                                             join_code=DEMO_JOIN_CODE)
    elif classroom.join_code != DEMO_JOIN_CODE:
        classroom.join_code = DEMO_JOIN_CODE
        classroom.save(update_fields=["join_code"])
    enrollment_join(student=student, join_code=DEMO_JOIN_CODE)
    return DemoAccounts(student=student, teacher=teacher, admin=admin, classroom=classroom)
