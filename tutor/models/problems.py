"""Skills, versioned problem templates, and problem instances (template version + seed)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Skill(models.Model):
    """Mirror of a curriculum skill. ``code`` is the curriculum's stable skill id."""

    code = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    family = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="unlocks")
    order = models.PositiveIntegerField(default=0, help_text="Position in the curriculum's topological order.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ProblemTemplate(models.Model):
    """A randomised problem template. Its content lives in immutable :class:`TemplateVersion` rows.

    ``code`` is the curriculum's stable template id for shipped templates (``origin=shipped``); teacher-
    authored templates get their own codes. ``current_version`` is what new instances use; past
    instances keep pointing at the version they were made from.
    """

    class Origin(models.TextChoices):
        SHIPPED = "shipped", "Shipped with the curriculum"
        TEACHER = "teacher", "Authored by a teacher"

    code = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SHIPPED)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="templates"
    )
    school = models.ForeignKey("tutor.School", null=True, blank=True, on_delete=models.CASCADE)
    skills = models.ManyToManyField(Skill, related_name="templates")
    difficulty = models.PositiveSmallIntegerField(default=1, help_text="1 (easy) .. 3 (hard)")
    current_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class TemplateVersion(models.Model):
    """One immutable version of a template's YAML source. Rows are only ever added, never edited."""

    template = models.ForeignKey(ProblemTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, ... in the order versions were added")
    declared_version = models.CharField(max_length=40, blank=True, help_text="the template's own version field")
    source_yaml = models.TextField()
    source_hash = models.CharField(max_length=64, help_text="sha256 of source_yaml (hex)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_number_unique"),
            models.UniqueConstraint(fields=["template", "source_hash"], name="template_version_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"


class ProblemInstance(models.Model):
    """One problem shown to one learner: a template version plus a seed (same seed, same problem).

    The statement, answer and solution are never stored: they are re-instantiated on demand from
    ``template_version.source_yaml`` and ``seed`` by :mod:`tutor.curriculum_gateway`.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SOLVED = "solved", "Solved"
        GAVE_UP = "gave_up", "Gave up"

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instances")
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="instances")
    seed = models.BigIntegerField()
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="instances", help_text="skill targeted")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    hints_revealed = models.PositiveSmallIntegerField(default=0)
    hints_available = models.PositiveSmallIntegerField(default=0)
    predicted_p_correct = models.FloatField(null=True, blank=True)
    selection_reason = models.CharField(max_length=300, blank=True)
    mastery_counted = models.BooleanField(
        default=False, help_text="True once an observation for this instance has updated mastery"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["learner", "status"]), models.Index(fields=["learner", "-created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.template_version} seed={self.seed}"
