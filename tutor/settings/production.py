"""Production: everything from the environment.

Required: ``SECRET_KEY``, ``ALLOWED_HOSTS`` (comma-separated).
Connections: ``DATABASE_URL`` (default postgres://tutor@127.0.0.1:5432/tutor), ``REDIS_URL``
(default redis://127.0.0.1:6379/0; Celery broker + results, Channels layer, cache).
Optional: ``CSRF_TRUSTED_ORIGINS`` (comma-separated https://... origins), ``SECURE_SSL_REDIRECT`` (true),
``SECURE_HSTS_SECONDS`` (31536000), ``SECURE_PROXY_SSL_HEADER`` (true when behind a TLS-terminating proxy
that sets X-Forwarded-Proto), ``DB_CONN_MAX_AGE`` (60 s), ``LOG_LEVEL`` (INFO).
"""

from __future__ import annotations

import dj_database_url

from ._env import env_bool, env_int, env_list, env_str
from .base import *
from .base import LOGGING, redis_channel_hosts

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://tutor@127.0.0.1:5432/tutor"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "tutor"},
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

# --- HTTPS and cookies (manage.py check --deploy passes with the defaults) ---
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MANIFEST_STRICT = False
TUTOR_CHECK_IN_PROCESS = False
TUTOR_CHECK_WORKERS = env_int("TUTOR_CHECK_WORKERS", 2)
TUTOR_PREVIEW_WORKERS = env_int("TUTOR_PREVIEW_WORKERS", 1)
TUTOR_PREVIEW_TIMEOUT_S = float(env_int("TUTOR_PREVIEW_TIMEOUT_S", 8))
TUTOR_RATELIMIT_TRUST_X_FORWARDED_FOR = env_bool("TUTOR_RATELIMIT_TRUST_X_FORWARDED_FOR", False)

# --- "show me how": the model and the inference queue (tutor.explanations) ---
TUTOR_MODEL_DIR = env_str("TUTOR_MODEL_DIR", "")
INFERENCE_DEVICE = env_str("INFERENCE_DEVICE", "auto")
INFERENCE_DTYPE = env_str("INFERENCE_DTYPE", "auto")
EXPLANATION_MAX_NEW_TOKENS = env_int("EXPLANATION_MAX_NEW_TOKENS", 768)
INFERENCE_BACKEND = env_str("INFERENCE_BACKEND", "engine")
INFERENCE_MAX_BATCH = env_int("INFERENCE_MAX_BATCH", 8)
INFERENCE_MAX_SEQ_LEN = env_int("INFERENCE_MAX_SEQ_LEN", 4096)
EXPLANATION_CLASS_LIMIT = env_int("EXPLANATION_CLASS_LIMIT", 120)
EXPLANATION_RUNNER = "celery"
EXPLANATION_STREAM_BACKEND = "redis"
EXPLANATION_REDIS_URL = REDIS_URL
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = redis_channel_hosts(REDIS_URL)  # why: its docstring (base.py)

LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")}}
