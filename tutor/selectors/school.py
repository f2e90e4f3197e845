"""Reads for classrooms and rosters, always scoped to the requesting teacher."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.http import Http404

from tutor.models import Classroom, Enrollment, User


def classroom_list_for_teacher(*, teacher: User) -> QuerySet[Classroom]:
    """Classrooms ``teacher`` teaches, with ``student_count`` annotated. School admins see their school's."""
    qs = Classroom.objects.all()
    if teacher.role == User.Role.SCHOOL_ADMIN and teacher.school_id is not None:
        qs = qs.filter(Q(teacher=teacher) | Q(school_id=teacher.school_id))
    else:
        qs = qs.filter(teacher=teacher)
    return qs.select_related("teacher").annotate(student_count=Count("enrollments"))


def classroom_get_for_teacher(*, teacher: User, classroom_id: int) -> Classroom:
    """The classroom if ``teacher`` may see it; Http404 otherwise (no hint that it exists)."""
    classroom = classroom_list_for_teacher(teacher=teacher).filter(pk=classroom_id).first()
    if classroom is None:
        raise Http404("No such class.")
    return classroom


@dataclass(frozen=True)
class RosterRow:
    """One student of a class roster: graded attempts made, share correct (0..1 or None), mean P(mastered)."""

    student: User
    joined_at: object
    attempts: int
    correct_share: float | None
    mean_mastery: float | None
    last_active: object


def classroom_roster(*, classroom: Classroom) -> list[RosterRow]:
    """The classroom's students ordered by name, with activity and mastery summaries."""
    enrollments = (
        Enrollment.objects.filter(classroom=classroom)
        .select_related("student")
        .annotate(
            n_attempts=Count(
                "student__attempts", filter=~Q(student__attempts__verdict="invalid"), distinct=True
            ),
            n_correct=Count("student__attempts", filter=Q(student__attempts__verdict="correct"), distinct=True),
            last_active=Max("student__attempts__submitted_at"),
        )
        .order_by("student__display_name", "student__username")
    )
    mastery = dict(
        User.objects.filter(enrollments__classroom=classroom)
        .annotate(m=Avg("skill_mastery__p_mastered"))
        .values_list("pk", "m")
    )
    rows = []
    for e in enrollments:
        graded = e.n_attempts
        rows.append(
            RosterRow(
                student=e.student,
                joined_at=e.joined_at,
                attempts=graded,
                correct_share=(e.n_correct / graded) if graded else None,
                mean_mastery=mastery.get(e.student_id),
                last_active=e.last_active,
            )
        )
    return rows


def classrooms_of_student(*, student: User) -> QuerySet[Classroom]:
    """The classrooms ``student`` is enrolled in."""
    return Classroom.objects.filter(enrollments__student=student).select_related("teacher")
