"""Celery tasks: interfaces that take ids, fetch, and call one service. Enqueue with ``delay_on_commit``."""

from __future__ import annotations

import time

from celery import shared_task

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
