"""Live fan-out of stream entries to open sockets through the channel layer (at-most-once, best effort).

Completeness never depends on this: consumers fill any gap from the chunk stream (:mod:`.streams`). With the
in-memory stream (embedded mode) the stream wakes consumers itself, so nothing is sent here.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from tutor.explanations.streams import Entry

logger = logging.getLogger(__name__)


def explanation_group(explanation_id: int) -> str:
    """Channel-layer group of the sockets following one explanation."""
    return f"explain.{int(explanation_id)}"


def entry_publish(explanation_id: int, entry: Entry) -> None:
    """``group_send`` ``{"type": "explain.entry", ...}`` for a Redis-backed stream; never raises."""
    if settings.EXPLANATION_STREAM_BACKEND != "redis":
        return
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "explain.entry", "explanation": int(explanation_id), "seq": entry.seq,
               "kind": entry.kind, "text": entry.text, "outcome": entry.outcome}
    try:
        async_to_sync(layer.group_send)(explanation_group(explanation_id), message)
    except Exception:  # live delivery is a convenience; the stream holds the truth
        logger.warning("live send of explanation %s seq %s failed", explanation_id, entry.seq, exc_info=True)
