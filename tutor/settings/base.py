"""Settings shared by every environment. Environment-specific modules import * from here and override.

Nothing here reads secrets; transports (database, channel layer, Celery broker) are chosen by the
environment modules. Tutor-specific knobs are prefixed ``TUTOR_`` and are passed *into* curriculum
functions by ``tutor`` (curriculum never reads settings).
"""

from __future__ import annotations

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
NODE_MODULES = BASE_DIR / "node_modules"
VAR_DIR = BASE_DIR / "var"

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "tutor.apps.TutorConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tutor.urls"
ASGI_APPLICATION = "tutor.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tutor.context_processors.tutor",
            ],
        },
    },
]

AUTH_USER_MODEL = "tutor.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- static files: our own under static/, third-party straight out of node_modules (never committed) ---
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/katex", NODE_MODULES / "katex" / "dist"),
    ("vendor/mathlive", NODE_MODULES / "mathlive"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    # template editor (ES modules, wired together by the import map in templates/teacher/_importmap.html)
    ("vendor/codemirror", NODE_MODULES / "@codemirror"),
    ("vendor/lezer", NODE_MODULES / "@lezer"),
    ("vendor/marijn", NODE_MODULES / "@marijn"),
    ("vendor/style-mod", NODE_MODULES / "style-mod" / "src"),
    ("vendor/w3c-keyname", NODE_MODULES / "w3c-keyname"),
    ("vendor/crelt", NODE_MODULES / "crelt"),
    ("vendor/yaml", NODE_MODULES / "yaml" / "browser"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

# --- channels / celery: transports are set per environment ---
CHANNEL_LAYERS: dict = {}


def redis_channel_hosts(url: str) -> list[dict]:
    """The ``hosts`` of a ``channels_redis`` layer on ``url``, with the socket settings it needs.

    * No read timeout (``socket_timeout=None``). redis-py >= 8 defaults to 5 s, equal to channels_redis's 5 s
      blocking pop, so an idle consumer would fail with "Timeout reading". And any send timeout makes redis-py
      write through ``asyncio.wait_for``, which on Python 3.11 loses a cancellation that arrives as the write
      completes: a websocket consumer closed at that moment never stops and polls Redis every 5 s forever
      (tests/tutor/test_consumers_tasks.py reproduces it). Without a timeout the write is a plain
      ``drain()``; a server that goes away ends the reads with a connection error, and TCP keepalive (on the
      system's timers) eventually finds one that falls silent.
    * Connecting gives up after 5 s (``socket_connect_timeout``), so an unreachable Redis is an error.
    """
    return [{"address": url, "socket_timeout": None, "socket_connect_timeout": 5, "socket_keepalive": True}]

CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "inference")
CELERY_TASK_ROUTES = {"tutor.tasks.explanation_*": {"queue": "inference"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BEAT_SCHEDULE: dict = {}

# --- the tutor's own knobs (passed into curriculum functions as arguments) ---
TUTOR_MASTERY_THRESHOLD = 0.95
TUTOR_TARGET_BAND = (0.6, 0.8)
TUTOR_SELECTION_POLICY = "adaptive"
TUTOR_RECENT_ITEMS = 5  # how many recent template ids selection should avoid repeating
TUTOR_MAX_ANSWER_CHARS = 500  # longer answers are refused before any parsing
TUTOR_CHECK_IN_PROCESS = False  # False: the curriculum's isolated checker processes (time + memory bounds)
TUTOR_CHECK_WORKERS = 2  # checker processes per web/worker process
TUTOR_CHECK_MEMORY_MB = 1536  # address-space limit of each checker process, MiB
TUTOR_LOCALE = "en"
# template editor preview + save validation run in isolated worker processes (tutor.preview_isolation)
TUTOR_PREVIEW_ISOLATED = True  # False: in the request thread (trusted tests only: no time limit)
TUTOR_PREVIEW_TIMEOUT_S = 8.0  # wall-clock limit of one preview/validation, seconds (then SIGKILL + issue)
TUTOR_PREVIEW_WORKERS = 1  # preview processes per web process (kept warm, replaced after a kill)
TUTOR_PREVIEW_MEMORY_MB = 1536  # address-space limit of each preview process, MiB

# --- rate limits (tutor.ratelimit; counters in Django's cache: Redis in production, local memory embedded) ---
# name -> (requests, window seconds); a request over the limit gets HTTP 429 until the window ends
TUTOR_RATELIMITS_ENABLED = True
TUTOR_RATELIMITS = {
    "login": (10, 60),  # per client IP + username
    "signup": (20, 3600),  # per client IP
    "join": (20, 3600),  # per user (class join codes)
    "submit": (30, 60),  # per user, answer submissions
    "template_preview": (30, 60),  # per user, editor preview and template save validation
}
TUTOR_RATELIMIT_TRUST_X_FORWARDED_FOR = False  # True only behind a proxy that sets X-Forwarded-For

# --- "show me how" explanations (tutor.explanations, tutor.inference_gateway) ---
TUTOR_MODEL_DIR = ""  # "" = the bundled small model if present, else a tiny random model (labelled in the UI)
INFERENCE_DEVICE = "auto"  # auto (cuda when available) | cpu | cuda | cuda:N
INFERENCE_DTYPE = "auto"  # auto (bfloat16 on GPU, float32 on CPU) | float32 | bfloat16 | float16
EXPLANATION_MAX_NEW_TOKENS = 1024  # token budget of one explanation (the longest worked solutions are ~850 tokens)
INFERENCE_BACKEND = "engine"  # engine (continuous batching, inference.engine) | lockstep (simple stepper)
INFERENCE_MAX_BATCH = 8  # engine cache slots: explanations generated together by one worker process
INFERENCE_MAX_SEQ_LEN = 4096  # engine slot length in tokens (prompt + reply)
EXPLANATION_TEMPERATURE = 0.0  # 0 = greedy
EXPLANATION_TOP_P = 1.0
EXPLANATION_RUNNER = "thread"  # thread: background thread of this process (embedded) | celery: inference queue
EXPLANATION_STREAM_BACKEND = "memory"  # memory: one process (embedded) | redis: EXPLANATION_REDIS_URL
EXPLANATION_REDIS_URL = ""
EXPLANATION_STREAM_TTL_S = 3600  # finished chunk streams stay replayable this long (then: from the database)
EXPLANATION_HEARTBEAT_S = 1.0  # worker heartbeat period, seconds
EXPLANATION_LEASE_S = 10.0  # no heartbeat for this long = the worker died: "interrupted, retry"
EXPLANATION_ORPHAN_GRACE_S = 0.5  # no open tab for this long = cancel (a reconnect within it keeps the stream)
EXPLANATION_CLASS_LIMIT = 120  # explanations per class per window
EXPLANATION_CLASS_WINDOW_S = 3600
EXPLANATION_TIME_LIMIT_S = 600  # hard wall-clock bound of one generation task

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "WARNING"}},
}
