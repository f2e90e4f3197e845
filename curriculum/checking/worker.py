"""Isolated, persistent checker worker processes with a wall-clock and a memory limit.

Callers are threaded (Django/ASGI, Celery), so workers are started with the
``forkserver`` start method where available (``spawn`` elsewhere), never by forking the
caller; the fork server preloads SymPy and this package, so replacing a killed worker
takes milliseconds, not the ~1 s of a cold import.

Each worker sets ``RLIMIT_AS`` on itself, then serves requests over a pipe, one at a
time. The caller waits at most ``timeout`` seconds for an answer; past that it kills the
worker (SIGKILL), starts a replacement in the background and returns
``valid=False, note="TIMEOUT"``. A crashed worker (e.g. out of memory) is replaced the
same way.

Protocol: request ``(test, student, teacher, options, input_format, locale)``; reply
``("ok", CheckResult.to_dict(), retire)`` or ``("error", exception class name, message)``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import errors
from ..isolation import ProcessPool, limit_memory
from .results import CheckResult, invalid

log = logging.getLogger(__name__)

KILL_MARGIN_S = 0.1


@dataclass(frozen=True)
class PoolConfig:
    """Worker-pool settings (``configure()`` changes them; ``tutor`` passes its settings in).

    Attributes:
        size: number of worker processes.
        memory_limit_mb: ``RLIMIT_AS`` of each worker in MiB (address space, not RSS).
        start_method: ``"forkserver"`` or ``"spawn"``; ``None`` picks forkserver where available.
    """

    size: int = 2
    memory_limit_mb: int = 1536
    start_method: str | None = None


def _worker_main(conn: Any, memory_limit_mb: int) -> None:  # runs in the child
    limit_memory(memory_limit_mb, "checker worker")
    from .api import check_inline

    conn.send(("ready", os.getpid()))
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        if req is None:
            return
        test, student, teacher, options, input_format, locale = req
        try:
            res = check_inline(test, student, teacher, options, input_format=input_format, locale=locale)
            conn.send(("ok", res.to_dict(), False))
        except errors.CurriculumError as e:
            conn.send(("error", type(e).__name__, str(e)))
        except MemoryError:
            conn.send(("ok", invalid("RESOURCE_LIMIT", "The answer needs too much memory to check.").to_dict(), True))
            return
        except Exception:  # a bug must not kill the worker on every resubmission of the same text
            log.exception("checker worker failed on %r", req[:3])
            conn.send(("ok", invalid("CAS_ERROR", "We could not check this answer; please write it another "
                                                  "way.").to_dict(), False))


class WorkerPool(ProcessPool):
    """A lazily grown pool of checker workers (:class:`curriculum.isolation.ProcessPool`). Thread-safe; one
    request per worker at a time."""

    def __init__(self, cfg: PoolConfig) -> None:
        self.cfg = cfg
        super().__init__(cfg.size, _worker_main, (cfg.memory_limit_mb,), name="curriculum-checker",
                         preload=["curriculum.checking.api", "curriculum.checking.worker"],
                         start_method=cfg.start_method)

    def run(self, request: tuple[Any, ...], timeout: float) -> CheckResult:
        """Run one check with a wall-clock limit (seconds)."""
        w = self.acquire(wait_s=max(timeout, 1.0) + 5.0)
        if w is None:
            return invalid("WORKER_BUSY", "The checker is busy; please try again in a moment.")
        if not w.wait_ready():
            self.replace(w)
            return invalid("WORKER_CRASHED", "The checker could not start; please try again.")
        start = time.monotonic()
        try:
            w.conn.send(request)
            if not w.conn.poll(max(0.01, timeout - KILL_MARGIN_S)):
                self.replace(w)
                log.info("checker timeout after %.2fs on %r", time.monotonic() - start, request[:3])
                return invalid("TIMEOUT", "This answer takes too long to check; please simplify it.")
            reply = w.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self.replace(w)
            return invalid("WORKER_CRASHED", "The checker stopped while checking this answer; "
                                             "please write it another way.")
        if reply[0] == "error":
            self.release(w)
            exc_type = getattr(errors, reply[1], errors.CurriculumError)
            raise exc_type(reply[2])
        _, data, retire = reply
        if retire:
            self.replace(w)
        else:
            self.release(w)
        return CheckResult.from_dict(data)


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()
_CONFIG = PoolConfig()


def get_pool() -> WorkerPool:
    """The process-wide pool, created on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(_CONFIG)
        return _POOL


def configure(*, size: int | None = None, memory_limit_mb: int | None = None,
              start_method: str | None = None) -> PoolConfig:
    """Change the pool settings (restarts the pool if it is running)."""
    global _CONFIG
    cfg = _CONFIG
    if size is not None:
        if not 1 <= size <= 64:
            raise errors.CurriculumError("checker pool size must be between 1 and 64")
        cfg = PoolConfig(size, cfg.memory_limit_mb, cfg.start_method)
    if memory_limit_mb is not None:
        if memory_limit_mb < 256:
            raise errors.CurriculumError("checker memory limit must be at least 256 MiB")
        cfg = PoolConfig(cfg.size, memory_limit_mb, cfg.start_method)
    if start_method is not None:
        if start_method not in ("forkserver", "spawn"):
            raise errors.CurriculumError("start_method must be 'forkserver' or 'spawn'")
        cfg = PoolConfig(cfg.size, cfg.memory_limit_mb, start_method)
    shutdown()
    _CONFIG = cfg
    return cfg


def shutdown() -> None:
    """Stop all worker processes (tests, process exit). The next check starts a new pool."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.close()


def warm_up() -> None:
    """Start the worker processes now."""
    get_pool().warm_up()


atexit.register(shutdown)
