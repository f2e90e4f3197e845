"""Transcripts of "show me how" explanations (filled in by the streaming explanation feature)."""

from __future__ import annotations

from django.db import models


class ExplanationTranscript(models.Model):
    """One streamed explanation of one attempt: the text, its extracted final answer, and its verification.

    ``verified`` is ``None`` until the final answer has been checked against the instance's answer.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        STREAMING = "streaming", "Streaming"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    attempt = models.ForeignKey("tutor.Attempt", on_delete=models.CASCADE, related_name="explanations")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    model_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    final_answer_latex = models.TextField(blank=True)
    verified = models.BooleanField(null=True, blank=True)
    tokens = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"explanation #{self.pk} of attempt {self.attempt_id} ({self.status})"
