"""Shared pytest fixtures. Database-backed tests run on the real PostgreSQL (``DATABASE_URL``) and the
real Redis (``REDIS_URL``); an unreachable server fails the run with a clear message, never a skip.

Tests that need no database (curriculum, inference) never touch these fixtures.
"""

from __future__ import annotations

import os

import pytest


def _postgres_problem() -> str | None:
    """None if the configured PostgreSQL server accepts a connection, else a readable reason."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    try:
        conn = psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=int(db.get("PORT") or 5432),
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=5,
        )
    except psycopg.Error as exc:
        return f"PostgreSQL at {db.get('HOST')}:{db.get('PORT')} is unreachable: {exc}".strip()
    conn.close()
    return None


def _redis_problem() -> str | None:
    """None if the configured Redis answers PING, else a readable reason."""
    import redis
    from django.conf import settings

    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return None
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is unreachable: {exc}"
    return None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Before the test database is created: fail loudly if PostgreSQL or Redis cannot be reached."""
    problems = [p for p in (_postgres_problem(), _redis_problem()) if p]
    if problems:
        pytest.exit(
            "Database-backed tests need the real services (run scripts/test, which starts them):\n  "
            + "\n  ".join(problems)
            + f"\n  DATABASE_URL={os.environ.get('DATABASE_URL', '(unset)')} "
            f"REDIS_URL={os.environ.get('REDIS_URL', '(unset)')}",
            returncode=3,
        )
