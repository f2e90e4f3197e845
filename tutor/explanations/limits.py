"""Limits on starting explanations: one running per student (see services) and a per-class rate limit."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tutor.explanations.errors import RateLimited
from tutor.models import Classroom, ExplanationTranscript


def class_budget_check(*, student_id: int) -> None:
    """Raise RateLimited when any class of the student already started ``EXPLANATION_CLASS_LIMIT``
    explanations in the last ``EXPLANATION_CLASS_WINDOW_S`` seconds (counted over all its students)."""
    limit = int(settings.EXPLANATION_CLASS_LIMIT)
    since = timezone.now() - timedelta(seconds=float(settings.EXPLANATION_CLASS_WINDOW_S))
    for classroom in Classroom.objects.filter(enrollments__student_id=student_id).only("id", "name"):
        used = ExplanationTranscript.objects.filter(
            created_at__gte=since, instance__learner__enrollments__classroom=classroom
        ).count()
        if used >= limit:
            raise RateLimited(
                f"Your class {classroom.name} has used its {limit} explanations for now. "
                "Read the worked solution, and try again later.",
                code="class_rate_limited",
            )
