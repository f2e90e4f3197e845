"""Celery tasks: interfaces that take ids, fetch, and call one service. Enqueue with ``delay_on_commit``."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from tutor.models import User
from tutor.services.mastery import mastery_snapshots_refresh


@shared_task(name="tutor.tasks.mastery_snapshots_refresh")
def mastery_snapshots_refresh_task(learner_id: int) -> int:
    """Recompute a learner's per-skill mastery snapshots at the current time (forgetting applies).

    Returns the number of snapshot rows changed (0 for an unknown learner).
    """
    learner = User.objects.filter(pk=learner_id).first()
    if learner is None:
        return 0
    return mastery_snapshots_refresh(learner=learner, now=time.time())


@shared_task(
    name="tutor.tasks.explanation_generate",
    queue="inference",
    ignore_result=True,
    acks_late=True,  # a worker that dies mid-stream leaves the message to be redelivered ...
    reject_on_worker_lost=True,  # ... and the redelivered run finds the row interrupted and does nothing
    soft_time_limit=settings.EXPLANATION_TIME_LIMIT_S,
    time_limit=settings.EXPLANATION_TIME_LIMIT_S + 30,
)
def explanation_generate_task(explanation_id: int) -> str:
    """Generate and stream one "show me how" explanation (inference queue). Returns its final status.

    Only a ``pending`` explanation is generated; anything else (finished, cancelled, or declared interrupted
    after its worker died) is left alone, so redelivery is harmless.
    """
    from tutor.explanations.generation import explanation_generate

    return explanation_generate(explanation_id=explanation_id)
