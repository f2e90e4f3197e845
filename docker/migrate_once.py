#!/usr/bin/env python3
"""Apply migrations and load the shipped curriculum, one process at a time across every host.

Usage: ``python migrate_once.py [--lock-timeout SECONDS]``   (the web container's entrypoint runs it)

Holds a PostgreSQL advisory lock (on ``$DATABASE_URL``) while it runs ``manage.py migrate --noinput`` and
then ``manage.py load_curriculum``, so web replicas started together, or a second server pointed at the
same database, never migrate concurrently: the second one waits, then finds nothing to do. Both commands
are idempotent. Exit status: 0 done, 1 a step failed (its output is above the message), 2 bad setup,
3 the lock was not obtained within ``--lock-timeout`` seconds (default 600).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
# A fixed 64-bit key for pg_advisory_lock: "mathtutor migrate" (any constant works; it only has to be shared).
LOCK_KEY = 0x6D617468_6D696772
STEPS = (("migrate", "--noinput"), ("load_curriculum",))


def run_steps(python: str) -> int:
    """Run each manage.py step in order; the status of the first failing step, else 0."""
    for step in STEPS:
        started = time.monotonic()
        print(f"migrate_once: manage.py {' '.join(step)}", flush=True)
        result = subprocess.run([python, str(APP_DIR / "manage.py"), *step], cwd=APP_DIR, check=False)
        if result.returncode != 0:
            print(f"migrate_once: 'manage.py {' '.join(step)}' failed with status {result.returncode}",
                  file=sys.stderr, flush=True)
            return 1
        print(f"migrate_once: manage.py {step[0]} done in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock-timeout", type=float, default=600.0, help="seconds to wait for the lock")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("migrate_once: DATABASE_URL must be a postgres:// URL", file=sys.stderr)
        return 2
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        print("migrate_once: DJANGO_SETTINGS_MODULE is not set (use tutor.settings.production)", file=sys.stderr)
        return 2

    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        print(f"migrate_once: cannot connect to the database: {exc}", file=sys.stderr)
        return 2
    with conn:
        deadline = time.monotonic() + args.lock_timeout
        announced = False
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if not announced:
                print("migrate_once: another process is migrating; waiting for it", flush=True)
                announced = True
            if time.monotonic() >= deadline:
                print(f"migrate_once: the migration lock was not free within {args.lock_timeout:g} s",
                      file=sys.stderr)
                return 3
            time.sleep(1.0)
        try:
            return run_steps(sys.executable)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
