"""Tests: the real PostgreSQL (``DATABASE_URL``) and the real Redis channel layer (``REDIS_URL``).

``TUTOR_TEST_DB_NAME`` overrides the test database name so that several suites can share one server.
Reachability is checked by tests/conftest.py before the test database is created: an unreachable server
fails the run with a clear message, never a skip.
"""

from __future__ import annotations

import os

import dj_database_url

from .base import *
from .base import redis_channel_hosts

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor")
TEST_DB_NAME = os.environ.get("TUTOR_TEST_DB_NAME", "test_tutor")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError(f"tests must run on PostgreSQL; DATABASE_URL={DATABASE_URL!r} is not a postgres:// URL")
DATABASES["default"]["TEST"] = {"NAME": TEST_DB_NAME}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # a prefix per test database keeps concurrent suites on one Redis apart
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"tutor-{TEST_DB_NAME}"},
    }
}
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = redis_channel_hosts(REDIS_URL)  # as in production
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TUTOR_CHECK_IN_PROCESS = True
# other suites call the preview and the rate-limited endpoints in loops; tests/security enables both
TUTOR_PREVIEW_ISOLATED = False
TUTOR_RATELIMITS_ENABLED = False
