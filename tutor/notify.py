"""Outbound notifications to open browser tabs, sent through the channel layer *after* commit.

Must-complete work never rides the channel layer (it is at-most-once); these are conveniences: a
dashboard open in another tab updates its mastery bars live.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def learner_group(learner_id: int) -> str:
    """Channel-layer group of one learner's open tabs."""
    return f"learner.{learner_id}"


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a missed live update must never fail the request that caused it
        logger.warning("could not notify %s", group, exc_info=True)


def learner_notify_on_commit(*, learner_id: int, event_type: str, payload: dict[str, Any]) -> None:
    """Queue ``{"type": event_type, **payload}`` for ``learner.<id>`` once the current transaction commits."""
    message = {"type": event_type, **payload}
    transaction.on_commit(lambda: _send(learner_group(learner_id), message), robust=True)
