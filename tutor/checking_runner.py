"""Answer checks in isolated worker processes with a wall-clock and memory bound.

Student input is hostile: even with the curriculum parser's syntactic limits, a pathological expression
could make SymPy spin. Each check therefore runs in a long-lived worker *process* (spawned once, reused),
and the caller waits at most ``timeout_s``; a worker that overruns is killed and replaced, and the check
comes back as an invalid ``TIMEOUT`` result. Workers cap their address space (``memory_mb``) with
``RLIMIT_AS`` where the platform allows it.

Shapes: requests are ``(problem_dict, text, input_format, locale)`` with ``problem_dict`` the curriculum
``ProblemInstance.to_dict()``; answers are ``CheckResult.to_dict()`` dicts.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
DEFAULT_MEMORY_MB = 2048
STARTUP_TIMEOUT_S = 120.0  # spawning a worker imports SymPy once; that is not charged to any check

TIMEOUT_RESULT = {
    "valid": False,
    "correct": False,
    "score": 0.0,
    "note": "TIMEOUT",
    "feedback": "That answer took too long to check. Try writing it in a simpler form.",
    "parsed": "",
    "parsed_latex": "",
    "warnings": [],
}
CRASH_RESULT = {**TIMEOUT_RESULT, "note": "CHECK_FAILED",
                "feedback": "We could not check that answer. Try writing it in a simpler form."}


def _default_check(problem_dict: dict[str, Any], text: str, input_format: str, locale: str) -> dict[str, Any]:
    from curriculum.templates import ProblemInstance, check_instance_answer

    problem = ProblemInstance.from_dict(problem_dict)
    return check_instance_answer(problem, text, input_format=input_format, locale=locale).to_dict()


def _worker_main(conn: Connection, memory_mb: int, target: str) -> None:
    """Worker loop: receive a request tuple, answer with a result dict; exit on ``None``."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform without RLIMIT_AS
        pass
    module_name, _, func_name = target.rpartition(".")
    import importlib

    func = getattr(importlib.import_module(module_name), func_name)
    conn.send(("ready", None))  # imports done: the caller's per-check timeout starts from here
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            conn.send(("ok", func(*request)))
        except MemoryError:
            conn.send(("error", "MemoryError"))
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed check, never raised
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, ctx: Any, memory_mb: int, target: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_mb, target), daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(STARTUP_TIMEOUT_S):
            self.kill()
            raise RuntimeError("answer-check worker did not start")
        status, _ = self.conn.recv()
        if status != "ready":  # pragma: no cover - defensive
            self.kill()
            raise RuntimeError("answer-check worker sent an unexpected greeting")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class CheckerPool:
    """A small pool of checker processes. Thread-safe; ``check`` blocks at most ``timeout_s`` seconds.

    ``target`` is the dotted path of the function run in the workers (the curriculum check by default;
    tests point it at slow or crashing functions).
    """

    def __init__(self, *, workers: int = DEFAULT_WORKERS, memory_mb: int = DEFAULT_MEMORY_MB,
                 target: str = f"{__name__}._default_check") -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._ctx = multiprocessing.get_context("spawn")
        self._memory_mb = memory_mb
        self._target = target
        self._idle: list[_Worker] = []
        self._size = workers
        self._started = 0
        self._cond = threading.Condition()
        self._closed = False

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("checker pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._started < self._size:
                    self._started += 1
                    break
                self._cond.wait()
        try:
            return _Worker(self._ctx, self._memory_mb, self._target)
        except Exception:
            with self._cond:
                self._started -= 1
                self._cond.notify()
            raise

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        with self._cond:
            if healthy and not self._closed:
                self._idle.append(worker)
            else:
                self._started -= 1
            self._cond.notify()
        if not healthy:
            worker.kill()

    def call(self, *args: Any, timeout_s: float) -> dict[str, Any]:
        """Run the target with ``args`` in a worker; TIMEOUT/CHECK_FAILED result dicts on failure."""
        worker = self._acquire()
        try:
            worker.conn.send(args)
            if not worker.conn.poll(timeout_s):
                logger.warning("answer check exceeded %.1f s; worker %s killed", timeout_s, worker.process.pid)
                self._release(worker, healthy=False)
                return dict(TIMEOUT_RESULT)
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            logger.warning("answer-check worker %s died", worker.process.pid)
            self._release(worker, healthy=False)
            return dict(CRASH_RESULT)
        if status != "ok":
            logger.error("answer check failed in worker: %s", payload)
            self._release(worker, healthy=payload != "MemoryError")
            return dict(CRASH_RESULT)
        self._release(worker, healthy=True)
        return payload

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when they come back)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            try:
                worker.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            worker.kill()


_pool: CheckerPool | None = None
_pool_lock = threading.Lock()


def check(problem_dict: dict[str, Any], text: str, input_format: str, locale: str, *,
          timeout_s: float) -> dict[str, Any]:
    """Check one answer in the process-wide pool (created on first use, never at import)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = CheckerPool()
    return _pool.call(problem_dict, text, input_format, locale, timeout_s=timeout_s)
