"""Settings: production passes ``check --deploy`` cleanly; tests run on PostgreSQL with the Redis layer."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                          timeout=180)


def test_production_check_deploy_prints_no_warnings() -> None:
    proc = _run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_SETTINGS_MODULE": "tutor.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "tutor.example.org",
        },
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNINGS" not in output


def test_production_without_secret_key_names_the_variable() -> None:
    proc = _run_manage(["check"], {"DJANGO_SETTINGS_MODULE": "tutor.settings.production",
                                   "ALLOWED_HOSTS": "tutor.example.org"})
    assert proc.returncode != 0
    assert "Set the SECRET_KEY environment variable" in proc.stderr


def test_test_settings_use_postgresql_and_redis_channel_layer() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.DATABASES["default"]["TEST"]["NAME"] == os.environ.get("TUTOR_TEST_DB_NAME", "test_tutor")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


def test_production_channel_layer_has_no_redis_socket_timeout() -> None:
    """Production's layer uses the hosts the consumer-cancellation regression test runs with
    (tests/tutor/test_consumers_tasks.py): no read/write timeout, a 5 s connect timeout."""
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CHANNEL_LAYERS['default']['CONFIG']['hosts'])")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))}
    env.update({"DJANGO_SETTINGS_MODULE": "tutor.settings.production", "SECRET_KEY": secrets.token_urlsafe(60),
                "ALLOWED_HOSTS": "tutor.example.org", "REDIS_URL": "redis://redis.example.org:6379/0"})
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str([{"address": "redis://redis.example.org:6379/0", "socket_timeout": None,
                                        "socket_connect_timeout": 5, "socket_keepalive": True}])
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["socket_timeout"] is None


def test_static_vendor_dirs_point_into_node_modules() -> None:
    prefixes = {entry[0]: Path(entry[1]) for entry in settings.STATICFILES_DIRS if isinstance(entry, tuple)}
    for prefix, probe in [("vendor/katex", "katex.min.js"), ("vendor/mathlive", "mathlive.min.js"),
                          ("vendor/chartjs", "chart.umd.min.js")]:
        assert (prefixes[prefix] / probe).is_file(), f"{prefix}/{probe} missing: run npm ci"


def test_unreachable_postgres_stops_the_run_with_a_clear_message() -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/tutor",
           "TUTOR_TEST_DB_NAME": "test_tutor_unreachable_probe"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/tutor/test_school_services.py::test_join_code_normalize_accepts_what_people_type",
         "tests/tutor/test_school_services.py::test_enrollment_join_is_idempotent_and_sets_school"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 3, output
    assert "PostgreSQL at 127.0.0.1:1 is unreachable" in output
    assert "skipped" not in output
