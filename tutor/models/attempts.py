"""Attempts: one submitted answer to one problem instance, with the checker's verdict."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Attempt(models.Model):
    """A submitted answer. ``raw_input`` is stored exactly as sent (length-capped before it gets here).

    ``parsed`` / ``parsed_latex`` are the checker's reading of the input; ``note`` is its stable answer
    note (e.g. ``NOT_SIMPLIFIED``); ``mastery_before``/``mastery_after`` are P(mastered) of the instance's
    skill around this attempt (equal when the attempt did not count towards mastery).
    """

    class Verdict(models.TextChoices):
        CORRECT = "correct", "Correct"
        INCORRECT = "incorrect", "Incorrect"
        INVALID = "invalid", "Invalid input"

    class InputFormat(models.TextChoices):
        TEXT = "text", "Plain text"
        LATEX = "latex", "LaTeX (math field)"

    instance = models.ForeignKey("tutor.ProblemInstance", on_delete=models.CASCADE, related_name="attempts")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    raw_input = models.TextField()
    input_format = models.CharField(max_length=10, choices=InputFormat.choices, default=InputFormat.TEXT)
    parsed = models.TextField(blank=True)
    parsed_latex = models.TextField(blank=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    score = models.FloatField(default=0.0)
    note = models.CharField(max_length=100, blank=True)
    feedback = models.TextField(blank=True)
    hints_used = models.PositiveSmallIntegerField(default=0)
    counted_for_mastery = models.BooleanField(default=False)
    mastery_before = models.FloatField(null=True, blank=True)
    mastery_after = models.FloatField(null=True, blank=True)
    check_ms = models.FloatField(null=True, blank=True, help_text="wall time of the answer check, milliseconds")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["learner", "-submitted_at"])]

    def __str__(self) -> str:
        return f"attempt #{self.pk} on {self.instance_id}: {self.verdict}"
