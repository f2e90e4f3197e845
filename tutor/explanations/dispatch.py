"""Where a new explanation runs: the Celery ``inference`` queue (production) or a background thread of this
process (embedded mode, ``EXPLANATION_RUNNER = "thread"``). Both run the same function,
:func:`tutor.explanations.generation.explanation_generate`."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def _run_in_thread(explanation_id: int) -> None:
    from tutor.explanations.generation import explanation_generate

    try:
        explanation_generate(explanation_id=explanation_id)
    except Exception:  # a background thread has nobody to raise to; the row records failure
        logger.exception("explanation %s failed in its background thread", explanation_id)
    finally:
        connection.close()


def explanation_dispatch(explanation_id: int) -> None:
    """Start generating explanation ``explanation_id`` (call after the row is committed)."""
    runner = settings.EXPLANATION_RUNNER
    if runner == "thread":
        threading.Thread(target=_run_in_thread, args=(explanation_id,), name=f"explanation-{explanation_id}",
                         daemon=True).start()
    elif runner == "celery":
        from tutor.tasks import explanation_generate_task

        explanation_generate_task.apply_async(args=[explanation_id], queue="inference")
    else:
        raise ValueError(f"EXPLANATION_RUNNER={runner!r}: use 'thread' or 'celery'")
