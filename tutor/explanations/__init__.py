""""Show me how": model explanations of a submitted (or given-up) problem, streamed to the browser.

Layout (models -> selectors -> services -> interfaces, as the rest of ``tutor``):

* :mod:`.streams`: ordered, replayable chunk streams per explanation (Redis stream or in-memory) and the
  cancel / watcher control state the worker checks between tokens.
* :mod:`.live`: the live (at-most-once) channel-layer fan-out of the same entries.
* :mod:`.prompting`: the prompt and the verdict, through ``curriculum.explain``.
* :mod:`.selectors`: reads (access checks, queue depth, lease staleness).
* :mod:`.limits`: one running explanation per student, the per-class rate limit.
* :mod:`.services`: ``explanation_start_or_join``, ``explanation_cancel``, ``explanation_interrupt_if_stale``.
* :mod:`.generation`: ``explanation_generate``, the worker side (claim, heartbeat, stream, verify, store).
* :mod:`.dispatch`: where a new explanation runs (a Celery ``inference`` worker, or a background thread).

Interfaces: ``tutor.consumers.ExplainConsumer`` (``ws/explain/<attempt id>/``) and the Celery task
``tutor.tasks.explanation_generate``.
"""
