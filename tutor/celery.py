"""The Celery app ``tutor``: queues ``default`` (CPU housekeeping) and ``inference`` (GPU workers).

Configured from Django settings (``CELERY_*``). Embedded/test settings run tasks eagerly in-process;
production points the broker at ``REDIS_URL``. Start workers with::

    celery -A tutor worker -Q default
    celery -A tutor worker -Q inference -P threads -c 4   # one process per GPU, its threads share the model

The inference worker is one process with a thread pool because ``tutor.inference_gateway``'s batcher steps
together only the requests of its own process: a prefork pool (a child process, and a copy of the model, per
explanation) would never batch.

Model preloading: a worker that consumes the ``inference`` queue loads the explanation model when it starts,
before it takes its first task, so the first student does not wait for the load (seconds for the bundled model
on a CPU, more for the production model on a GPU). It logs ``explanation model preloaded: NAME on DEVICE/DTYPE
in S s`` (or, when the load fails, the reason; the model is then loaded on the first explanation, which
reports its own failure). Where it happens, by pool:

* ``threads`` (and ``solo``, ``gevent``, ``eventlet``): in the worker process, on ``celeryd_after_setup``
  (after logging is configured, before the consumer connects; the worker is ready, and answers
  ``celery inspect ping``, only once the model is in memory);
* ``prefork``: in every child process, on ``worker_process_init`` (never in the parent, whose memory the
  children would share after fork); the children's start-up timeout is raised to
  :data:`PRELOAD_CHILD_TIMEOUT_S` so a slow load does not get them killed.

``worker_init`` decides, from the worker's own queue selection (``-Q``) and pool, and records the decision in
the environment variable :data:`PRELOAD_ENV`, which pool children inherit however they are started. Workers
that do not consume ``inference`` (``-Q default``), beat, and ``celery inspect`` never load the model; nothing
loads it at import.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery import Celery, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.local")

logger = logging.getLogger(__name__)

INFERENCE_QUEUE = "inference"
PRELOAD_ENV = "TUTOR_INFERENCE_PRELOAD"  # "process" | "children" | unset; set by worker_init, read after it
PRELOAD_CHILD_TIMEOUT_S = 600.0  # seconds a prefork child may take to start (model load included)

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue(INFERENCE_QUEUE))
app.conf.task_default_queue = "default"
app.autodiscover_tasks(["tutor"])


def consumes_inference(worker: Any) -> bool:
    """Whether a worker (Celery ``WorkController``) takes tasks from the ``inference`` queue (its ``-Q``
    selection; a worker without ``-Q`` consumes every queue, ``inference`` included)."""
    return INFERENCE_QUEUE in worker.app.amqp.queues.consume_from


def uses_prefork(pool_cls: Any) -> bool:
    """Whether ``pool_cls`` (the ``-P`` value: an alias such as ``"threads"`` or a pool class) is prefork."""
    from celery.concurrency import get_implementation
    from celery.concurrency.prefork import TaskPool as PreforkPool

    cls = get_implementation(pool_cls)
    return isinstance(cls, type) and issubclass(cls, PreforkPool)


def preload_plan(worker: Any) -> str | None:
    """Where this worker loads the model at start: ``"process"`` (the worker process itself),
    ``"children"`` (each prefork child), or None (it does not serve the inference queue)."""
    if not consumes_inference(worker):
        return None
    return "children" if uses_prefork(worker.pool_cls) else "process"


def explanation_model_preload() -> bool:
    """Load this process's explanation model now; True when it loaded. A failure is logged with its reason
    and left to the lazy path (the first explanation loads the model, or stores why it could not)."""
    from tutor.inference_gateway import text_generator_preload

    logger.info("inference worker (pid %s): loading the explanation model before taking tasks", os.getpid())
    started = time.perf_counter()
    try:
        info = text_generator_preload()
    except Exception:
        logger.exception("inference worker (pid %s): the explanation model did not load at start; the first "
                         "explanation will try again and report the reason", os.getpid())
        return False
    logger.info("explanation model preloaded: %s on %s/%s in %.2f s (pid %s)", info.name, info.device, info.dtype,
                time.perf_counter() - started, os.getpid())
    return True


@signals.worker_init.connect
def _decide_preload(sender: Any = None, **kwargs: Any) -> None:
    plan = preload_plan(sender)
    if plan is None:
        os.environ.pop(PRELOAD_ENV, None)
        return
    os.environ[PRELOAD_ENV] = plan
    if plan == "children":
        conf = sender.app.conf
        conf.worker_proc_alive_timeout = max(float(conf.worker_proc_alive_timeout or 0), PRELOAD_CHILD_TIMEOUT_S)


@signals.celeryd_after_setup.connect
def _preload_in_the_worker_process(**kwargs: Any) -> None:
    if os.environ.get(PRELOAD_ENV) == "process":
        explanation_model_preload()


@signals.worker_process_init.connect
def _preload_in_a_pool_child(**kwargs: Any) -> None:
    if os.environ.get(PRELOAD_ENV) == "children":
        explanation_model_preload()
