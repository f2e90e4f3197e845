"""Settings of the real processes the end-to-end tests start (daphne, ``celery -A tutor worker -Q inference``).

The test settings plus: the test database pytest created (``TUTOR_TEST_DB_NAME``), a dedicated Redis database
(``EXPLAIN_E2E_REDIS_URL``) for the broker, the channel layer and the chunk streams, the model directory
``TUTOR_MODEL_DIR``, and short heartbeat/lease periods so a killed worker is noticed in seconds.
``EXPLAIN_E2E_RUNNER=thread`` with ``EXPLAIN_E2E_STREAM=memory`` gives embedded mode (one web process).
"""

from __future__ import annotations

import os

from tutor.settings.test import *
from tutor.settings.test import DATABASES, redis_channel_hosts

DATABASES["default"]["NAME"] = os.environ["TUTOR_TEST_DB_NAME"]
REDIS_URL = os.environ["EXPLAIN_E2E_REDIS_URL"]
_embedded = os.environ.get("EXPLAIN_E2E_STREAM", "redis") == "memory"
CHANNEL_LAYERS = (
    {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}} if _embedded else
    {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                 "CONFIG": {"hosts": redis_channel_hosts(REDIS_URL), "prefix": "tutor-e2e"}}}
)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

TUTOR_MODEL_DIR = os.environ["TUTOR_MODEL_DIR"]
INFERENCE_DEVICE = "cpu"
INFERENCE_DTYPE = "float32"
TUTOR_CHECK_IN_PROCESS = True
EXPLANATION_RUNNER = os.environ.get("EXPLAIN_E2E_RUNNER", "celery")
EXPLANATION_STREAM_BACKEND = "memory" if _embedded else "redis"
EXPLANATION_REDIS_URL = REDIS_URL
EXPLANATION_MAX_NEW_TOKENS = int(os.environ.get("EXPLANATION_MAX_NEW_TOKENS", "60"))
EXPLANATION_HEARTBEAT_S = 0.5
EXPLANATION_LEASE_S = 3.0
EXPLANATION_ORPHAN_GRACE_S = float(os.environ.get("EXPLANATION_ORPHAN_GRACE_S", "0.5"))
