"""Reads: who may open which explanation, the queue ahead of one, and whether a worker's lease expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tutor.errors import Conflict, NotFound
from tutor.models import Attempt, Classroom, ExplanationTranscript, ProblemInstance, User

ANSWERED = (Attempt.Verdict.CORRECT, Attempt.Verdict.INCORRECT)
CLOSED = (ProblemInstance.Status.SOLVED, ProblemInstance.Status.GAVE_UP)


@dataclass(frozen=True)
class ExplainTarget:
    """What a socket may follow: the instance, the attempt explained (None: a give-up without a valid
    answer), the student who owns it, and whether this user may start a generation (the student only)."""

    instance_id: int
    attempt_id: int | None
    student_id: int
    can_start: bool


def user_may_view_student(*, user: User, student_id: int) -> bool:
    """The student themself, a teacher of one of their classes, or a school admin of that class's school."""
    if user.pk == student_id:
        return True
    if not user.is_teacher:
        return False
    taught = Q(teacher=user)
    if user.role == User.Role.SCHOOL_ADMIN and user.school_id is not None:
        taught |= Q(school_id=user.school_id)
    return Classroom.objects.filter(taught, enrollments__student_id=student_id).exists()


def explain_target_for_attempt(*, user: User, attempt_id: int) -> ExplainTarget:
    """The target of ``ws/explain/<attempt id>/``.

    NotFound when the attempt does not exist or the user may not see it (indistinguishable); Conflict
    (code ``not_ready``) while the attempt is not a readable answer and its problem is still open, so an
    explanation (which ends in the answer) never streams before a real submission or a give-up.
    """
    attempt = Attempt.objects.select_related("instance").filter(pk=attempt_id).first()
    if attempt is None or not user_may_view_student(user=user, student_id=attempt.learner_id):
        raise NotFound("No such answer.")
    if attempt.verdict not in ANSWERED and attempt.instance.status not in CLOSED:
        raise Conflict("Submit an answer we can read (or give up) before asking how.", code="not_ready")
    return ExplainTarget(instance_id=attempt.instance_id, attempt_id=attempt.pk, student_id=attempt.learner_id,
                         can_start=user.pk == attempt.learner_id)


def explain_target_for_instance(*, user: User, instance_id: int) -> ExplainTarget:
    """The target of ``ws/explain/problem/<instance id>/``: the latest readable answer on that problem, or
    the give-up itself when there is none. Same refusals as :func:`explain_target_for_attempt`."""
    instance = ProblemInstance.objects.filter(pk=instance_id).first()
    if instance is None or not user_may_view_student(user=user, student_id=instance.learner_id):
        raise NotFound("No such problem.")
    attempt = (Attempt.objects.filter(instance=instance, verdict__in=ANSWERED)
               .order_by("-submitted_at", "-id").first())
    if attempt is None and instance.status != ProblemInstance.Status.GAVE_UP:
        raise Conflict("Submit an answer (or give up) before asking how.", code="not_ready")
    return ExplainTarget(instance_id=instance.pk, attempt_id=attempt.pk if attempt else None,
                         student_id=instance.learner_id, can_start=user.pk == instance.learner_id)


def explanation_latest(*, target: ExplainTarget) -> ExplanationTranscript | None:
    """The newest explanation of exactly this target (same instance and attempt), if any."""
    return (ExplanationTranscript.objects.filter(instance_id=target.instance_id, attempt_id=target.attempt_id)
            .order_by("-created_at", "-id").first())


def explanation_get_for_target(*, target: ExplainTarget, explanation_id: int) -> ExplanationTranscript | None:
    """Explanation ``explanation_id`` if it belongs to the target's instance (else None)."""
    return ExplanationTranscript.objects.filter(pk=explanation_id, instance_id=target.instance_id).first()


def queue_ahead(*, transcript: ExplanationTranscript) -> int:
    """How many explanations (of any student) wait in the queue ahead of this pending one."""
    if transcript.status != ExplanationTranscript.Status.PENDING:
        return 0
    return ExplanationTranscript.objects.filter(status=ExplanationTranscript.Status.PENDING,
                                                id__lt=transcript.pk).count()


def is_stale(transcript: ExplanationTranscript, *, now: datetime | None = None) -> bool:
    """True when a streaming explanation's worker missed its lease (``EXPLANATION_LEASE_S`` without a
    heartbeat), or a pending one waited longer than ``EXPLANATION_TIME_LIMIT_S`` (its queue entry is lost)."""
    now = now or timezone.now()
    if transcript.status == ExplanationTranscript.Status.STREAMING:
        beat = transcript.heartbeat_at or transcript.started_at or transcript.created_at
        return now - beat > timedelta(seconds=float(settings.EXPLANATION_LEASE_S))
    if transcript.status == ExplanationTranscript.Status.PENDING:
        return now - transcript.created_at > timedelta(seconds=float(settings.EXPLANATION_TIME_LIMIT_S))
    return False
