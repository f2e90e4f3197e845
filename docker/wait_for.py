#!/usr/bin/env python3
"""Wait until PostgreSQL and Redis accept connections, or fail with a message that names what is missing.

Usage: ``python wait_for.py [--timeout SECONDS] [--postgres URL] [--redis URL]``

The URLs default to ``$DATABASE_URL`` and ``$REDIS_URL`` (the same variables the production settings read).
Each service is tried every ``--interval`` seconds (default 1 s) until ``--timeout`` (default 120 s) runs
out. Exit status 0 when both answered, 1 on timeout, 2 on a malformed URL. Passwords never appear in the
output: only scheme, host, port and database are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import urlsplit


def describe(url: str) -> str:
    """``scheme://host:port/path`` of a URL without its user and password (for messages)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def check_url(url: str, schemes: tuple[str, ...], variable: str) -> None:
    """Raise ValueError if ``url`` is empty, has another scheme, or no host."""
    if not url:
        raise ValueError(f"{variable} is not set")
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise ValueError(f"{variable} must start with {' or '.join(s + '://' for s in schemes)} "
                         f"(got {parts.scheme or 'no scheme'}://...)")
    if not parts.hostname:
        raise ValueError(f"{variable} has no host: {describe(url)}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ValueError(f"{variable} has a bad port: {exc}") from exc


def postgres_ready(url: str, connect_timeout: float) -> str | None:
    """None if a connection and ``SELECT 1`` succeed, else the error text."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=max(1, int(connect_timeout))) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def redis_ready(url: str, connect_timeout: float) -> str | None:
    """None if Redis answers PING, else the error text."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=connect_timeout, socket_timeout=connect_timeout)
        try:
            client.ping()
        finally:
            client.close()
        return None
    except redis.RedisError as exc:
        return str(exc) or type(exc).__name__


def wait(checks: dict[str, tuple[str, object]], timeout: float, interval: float) -> int:
    """Poll every pending check until all pass (0) or ``timeout`` seconds pass (1)."""
    deadline = time.monotonic() + timeout
    pending = dict(checks)
    last_error: dict[str, str] = {}
    while True:
        for name, (url, probe) in list(pending.items()):
            error = probe(url, min(5.0, max(1.0, interval * 3)))
            if error is None:
                print(f"wait_for: {name} is ready at {describe(url)}", flush=True)
                del pending[name]
            else:
                last_error[name] = error
        if not pending:
            return 0
        if time.monotonic() >= deadline:
            for name, (url, _) in pending.items():
                print(f"wait_for: {name} at {describe(url)} did not answer within {timeout:g} s; "
                      f"last error: {last_error.get(name, 'none')}", file=sys.stderr, flush=True)
            return 1
        time.sleep(interval)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""), help="default: $DATABASE_URL")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", ""), help="default: $REDIS_URL")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("TUTOR_WAIT_TIMEOUT", "120")),
                        help="seconds (default: $TUTOR_WAIT_TIMEOUT or 120)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between tries (default 1)")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.interval <= 0:
        print("wait_for: --timeout and --interval must be positive", file=sys.stderr)
        return 2
    try:
        check_url(args.postgres, ("postgres", "postgresql"), "DATABASE_URL (--postgres)")
        check_url(args.redis, ("redis", "rediss"), "REDIS_URL (--redis)")
    except ValueError as exc:
        print(f"wait_for: {exc}", file=sys.stderr)
        return 2
    checks = {"PostgreSQL": (args.postgres, postgres_ready), "Redis": (args.redis, redis_ready)}
    return wait(checks, args.timeout, args.interval)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
