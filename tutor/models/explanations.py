"""Transcripts of "show me how" explanations: one generation of the model for one attempt (or give-up).

Life cycle (``status``)::

    pending --(worker claims it)--> streaming --> done | cancelled | failed
                                        \\--(worker lease expired)--> interrupted

The text streams as sequence-numbered chunks through :mod:`tutor.explanations.streams`; this row is the
durable record: ``text`` is the concatenation of every chunk so far (saved with each heartbeat and at the end),
``last_seq`` the number of chunks it holds. While ``streaming``, the worker refreshes ``heartbeat_at`` every
``EXPLANATION_HEARTBEAT_S`` seconds from a side thread; a row whose heartbeat is older than
``EXPLANATION_LEASE_S`` belongs to a dead worker (a slow model still heartbeats) and is marked ``interrupted``.
"""

from __future__ import annotations

from django.db import models


class ExplanationTranscript(models.Model):
    """One streamed explanation: its text, extracted final answer, and SymPy verification.

    ``attempt`` is the submission it explains; ``None`` when the student gave up without a valid answer.
    ``verified`` is ``None`` until the final answer has been checked against the instance's answer;
    ``verdict_note`` is the checker's answer note (``NO_BOXED_ANSWER`` when the text has no ``\\boxed{}``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        STREAMING = "streaming", "Streaming"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    ACTIVE = (Status.PENDING, Status.STREAMING)

    instance = models.ForeignKey("tutor.ProblemInstance", on_delete=models.CASCADE, related_name="explanations")
    attempt = models.ForeignKey("tutor.Attempt", on_delete=models.CASCADE, related_name="explanations",
                                null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    model_name = models.CharField(max_length=200, blank=True)
    model_is_random = models.BooleanField(default=False, help_text="untrained random weights (demo fallback)")
    text = models.TextField(blank=True)
    last_seq = models.PositiveIntegerField(default=0, help_text="number of chunks held in text")
    final_answer_latex = models.TextField(blank=True)
    verified = models.BooleanField(null=True, blank=True)
    verdict_note = models.CharField(max_length=64, blank=True)
    tokens = models.PositiveIntegerField(default=0)
    max_new_tokens = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the worker that claimed it")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="explanation_status_created")]

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def __str__(self) -> str:
        return f"explanation #{self.pk} of instance {self.instance_id} ({self.status})"
