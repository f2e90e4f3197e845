"""Embedded defaults for the demo (``scripts/dev``): SQLite in var/, in-memory channel layer, Celery eager.

No environment variable is needed. A development secret is generated once into var/dev-secret-key so
that sessions survive restarts; it is never used by production settings.
"""

from __future__ import annotations

import os
import secrets

from .base import *
from .base import VAR_DIR

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]

VAR_DIR.mkdir(exist_ok=True)


def _dev_secret() -> str:
    """Read (or create on first run) the development secret key in var/dev-secret-key."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        os.chmod(path, 0o600)
    return path.read_text().strip()


SECRET_KEY = _dev_secret()

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "tutor.sqlite3",
        # WAL + synchronous=NORMAL: no fsync per commit (safe against app crashes; the demo's tradeoff);
        # IMMEDIATE transactions avoid "database is locked" between the web threads.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# In-process worker: tasks run inside the web process, no broker needed.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None

# Let WhiteNoise serve straight from STATICFILES_DIRS without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
