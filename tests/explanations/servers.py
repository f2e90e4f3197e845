"""Real processes for end-to-end tests: a daphne ASGI server and a Celery worker on the ``inference`` queue.

Each runs with ``tests.explanations.e2e_settings``; output goes to a log file (shown when a wait fails).
Every wait is bounded; :meth:`Proc.stop` terminates, then kills, the process group.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process in its own process group, logging to ``log``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        handle.close()
        return self

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_for(self, predicate, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited before {what}:\n{self.tail()}")
            time.sleep(0.2)
        raise TimeoutError(f"{self.name}: no {what} within {timeout} s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL the whole process group at once (a worker dying mid-stream)."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def e2e_env(*, db_name: str, redis_url: str, model_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="tests.explanations.e2e_settings", TUTOR_TEST_DB_NAME=db_name,
               EXPLAIN_E2E_REDIS_URL=redis_url, TUTOR_MODEL_DIR=str(model_dir), PYTHONPATH=str(ROOT),
               OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def start_daphne(env: dict[str, str], log: Path, timeout: float = 90.0) -> tuple[Proc, int]:
    port = free_port()
    proc = Proc("daphne", [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                           "tutor.asgi:application"], env, log).start()

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    try:
        proc.wait_for(listening, "listening socket", timeout)
    except BaseException:
        proc.stop()
        raise
    return proc, port


def start_worker(env: dict[str, str], log: Path, timeout: float = 120.0, *, started: list[Proc]) -> Proc:
    """``celery -A tutor worker -Q inference -P threads -c 4``: one process, so the batcher steps concurrent
    explanations together and a SIGKILL takes the whole worker down. Appended to ``started`` at once, so
    the caller stops it even if it never becomes ready."""
    start = log.stat().st_size if log.exists() else 0
    proc = Proc("celery worker", [sys.executable, "-m", "celery", "-A", "tutor", "worker", "-Q", "inference",
                                  "-P", "threads", "-c", "4", "--without-gossip", "--without-mingle",
                                  "--without-heartbeat", "-l", "INFO", "-n", f"inference-{free_port()}@%h"],
                env, log).start()
    started.append(proc)
    proc.wait_for(lambda: " ready." in log.read_text(errors="replace")[start:], "'ready.' line", timeout)
    return proc
