"""Problem sets (ordered or adaptive lists of templates), their assignments to classes, and the link from
an assignment to the problem instances served for it.

A :class:`ProblemSet` belongs to the teacher who wrote it. Assigning it to a classroom creates an
:class:`Assignment` with an open date and an optional due date. Every problem a student is served *for*
an assignment is recorded as an :class:`AssignedProblem`, so progress is counted per assignment and past
instances keep their template version (editing a template or a set never rewrites history).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProblemSet(models.Model):
    """An ordered list of templates a teacher assigns as one piece of work.

    ``mode``: ``ordered`` serves each item once, in order (a worksheet); ``adaptive`` lets the mastery
    model choose among the items and finishes after ``goal`` problems or when every skill of the set is
    mastered, whichever comes first.
    """

    class Mode(models.TextChoices):
        ORDERED = "ordered", "Ordered (a worksheet: each problem once, in order)"
        ADAPTIVE = "adaptive", "Adaptive (the tutor picks from the set by mastery)"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_sets")
    school = models.ForeignKey("tutor.School", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="problem_sets")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ORDERED)
    goal = models.PositiveSmallIntegerField(
        default=10, help_text="adaptive sets: problems to finish (ordered sets finish when every item is done)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProblemSetItem(models.Model):
    """One template of a problem set at ``position`` (0, 1, ...). New instances use the template's current
    version at the time they are served."""

    problem_set = models.ForeignKey(ProblemSet, on_delete=models.CASCADE, related_name="items")
    template = models.ForeignKey("tutor.ProblemTemplate", on_delete=models.PROTECT, related_name="set_items")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["problem_set", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["problem_set", "template"], name="set_item_unique")]

    def __str__(self) -> str:
        return f"{self.problem_set} #{self.position}: {self.template.code}"


class Assignment(models.Model):
    """A problem set given to a classroom: students see it from ``opens_at``; ``due_at`` is optional."""

    problem_set = models.ForeignKey(ProblemSet, on_delete=models.CASCADE, related_name="assignments")
    classroom = models.ForeignKey("tutor.Classroom", on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="assignments_made")
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "opens_at", "id"]
        constraints = [models.UniqueConstraint(fields=["problem_set", "classroom"], name="assignment_unique")]
        indexes = [models.Index(fields=["classroom", "opens_at"])]

    def __str__(self) -> str:
        return f"{self.problem_set} → {self.classroom}"


class AssignedProblem(models.Model):
    """A problem instance served to a student as part of ``assignment`` (``item``: which set entry)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="problems")
    instance = models.OneToOneField("tutor.ProblemInstance", on_delete=models.CASCADE, related_name="assigned")
    item = models.ForeignKey(ProblemSetItem, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="served")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"instance {self.instance_id} for {self.assignment}"
