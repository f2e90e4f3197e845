"""The Celery app ``tutor``: queues ``default`` (CPU housekeeping) and ``inference`` (GPU workers).

Configured from Django settings (``CELERY_*``). Embedded/test settings run tasks eagerly in-process;
production points the broker at ``REDIS_URL``. Start workers with::

    celery -A tutor worker -Q default
    celery -A tutor worker -Q inference --concurrency 1   # one per GPU
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.local")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("inference"))
app.conf.task_default_queue = "default"
app.autodiscover_tasks(["tutor"])
