"""Reads of assignments: a teacher's view of them, and a student's assigned work with progress.

Progress rules (per student and assignment; "finished" = solved or given up, counted only for problems
served *for* this assignment):

* ordered set: done when every item has a finished problem; ``done``/``total`` count items;
* adaptive set: done after ``goal`` finished problems, or earlier when every skill of the set is mastered
  (the stored P(mastered) snapshot at or above the mastery threshold); ``done``/``total`` count problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tutor import curriculum_gateway as cg
from tutor.errors import NotFound
from tutor.models import AssignedProblem, Assignment, ProblemInstance, ProblemSet, SkillMastery, User

FINISHED = (ProblemInstance.Status.SOLVED, ProblemInstance.Status.GAVE_UP)


def assignment_list_for_teacher(*, teacher: User) -> QuerySet[Assignment]:
    """Assignments on classes ``teacher`` may see (their own; a school admin's school's)."""
    from tutor.selectors.school import classroom_list_for_teacher

    classes = classroom_list_for_teacher(teacher=teacher).values("pk")
    return Assignment.objects.filter(classroom__in=classes).select_related("problem_set", "classroom")


def assignment_get_for_teacher(*, teacher: User, assignment_id: int) -> Assignment:
    """An assignment on a class ``teacher`` may see, or NotFound."""
    assignment = assignment_list_for_teacher(teacher=teacher).filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound("No such assignment.")
    return assignment


@dataclass(frozen=True)
class AssignmentProgress:
    """One assignment as a student sees it. ``status``: ``upcoming`` | ``open`` | ``overdue`` | ``complete``;
    ``done``/``total`` in items (ordered) or problems (adaptive)."""

    assignment: Assignment
    done: int
    total: int
    status: str

    @property
    def problem_set(self) -> ProblemSet:
        return self.assignment.problem_set

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def workable(self) -> bool:
        return self.status in ("open", "overdue")


def _set_skill_codes(problem_set: ProblemSet) -> set[str]:
    codes: set[str] = set()
    for item in problem_set.items.all():
        codes.update(s.code for s in item.template.skills.all() if s.is_active)
    return codes


def assignment_progress(*, assignment: Assignment, student: User, now: datetime | None = None) -> AssignmentProgress:
    """Progress of ``student`` on ``assignment`` at ``now`` (see module doc)."""
    now = now or timezone.now()
    problem_set = assignment.problem_set
    finished = AssignedProblem.objects.filter(assignment=assignment, instance__learner=student,
                                              instance__status__in=FINISHED)
    if problem_set.mode == ProblemSet.Mode.ORDERED:
        item_ids = {i.pk for i in problem_set.items.all()}
        total = len(item_ids)
        done = len(set(finished.filter(item_id__in=item_ids).values_list("item_id", flat=True)))
        complete = total > 0 and done >= total
    else:
        total = problem_set.goal
        done = min(finished.count(), total)
        complete = done >= total
        if not complete:
            skills = _set_skill_codes(problem_set)
            threshold = cg.mastery_threshold()
            if skills:
                mastered = SkillMastery.objects.filter(learner=student, skill__code__in=skills,
                                                       p_mastered__gte=threshold).count()
                complete = mastered >= len(skills)
    if complete:
        status = "complete"
    elif assignment.opens_at > now:
        status = "upcoming"
    elif assignment.due_at is not None and assignment.due_at < now:
        status = "overdue"
    else:
        status = "open"
    return AssignmentProgress(assignment=assignment, done=done, total=total, status=status)


def assignments_for_student(*, student: User, now: datetime | None = None) -> list[AssignmentProgress]:
    """The student's assignments (their classes'), work to do first: overdue, then open by due date, then
    upcoming, then complete."""
    now = now or timezone.now()
    assignments = (
        Assignment.objects.filter(classroom__enrollments__student=student)
        .select_related("problem_set", "classroom")
        .prefetch_related("problem_set__items__template__skills")
        .distinct()
    )
    rows = [assignment_progress(assignment=a, student=student, now=now) for a in assignments]
    rank = {"overdue": 0, "open": 1, "upcoming": 2, "complete": 3}
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    rows.sort(key=lambda r: (rank[r.status], r.assignment.due_at or far, r.assignment.opens_at, r.assignment.pk))
    return rows


def assignments_for_classroom(*, classroom_id: int) -> QuerySet[Assignment]:
    """Assignments of one classroom, newest first (callers check access to the classroom)."""
    return (Assignment.objects.filter(classroom_id=classroom_id).select_related("problem_set")
            .order_by("-opens_at", "-id"))


def assignment_completion(*, assignment: Assignment, now: datetime | None = None) -> tuple[int, int]:
    """``(students complete, students enrolled)`` for a teacher's overview."""
    students = list(User.objects.filter(enrollments__classroom_id=assignment.classroom_id))
    complete = sum(1 for s in students
                   if assignment_progress(assignment=assignment, student=s, now=now).status == "complete")
    return complete, len(students)


def open_assignment_exists(*, student: User, now: datetime | None = None) -> bool:
    """Cheap check whether any assignment of the student's classes is open at ``now`` (before computing
    progress)."""
    now = now or timezone.now()
    return Assignment.objects.filter(Q(classroom__enrollments__student=student), opens_at__lte=now).exists()
