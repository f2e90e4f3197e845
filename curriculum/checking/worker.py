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
import multiprocessing as mp
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import errors
from .results import CheckResult, invalid

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0
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
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource

        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # non-POSIX, or limit below current use
        log.warning("could not set RLIMIT_AS=%d MiB in checker worker", memory_limit_mb)
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


class _Worker:
    def __init__(self, ctx: Any, cfg: PoolConfig) -> None:
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, cfg.memory_limit_mb), daemon=True,
                                name="curriculum-checker")
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False

    def wait_ready(self) -> bool:
        if self.ready:
            return True
        if self.conn.poll(STARTUP_TIMEOUT_S):
            msg = self.conn.recv()
            self.ready = msg[0] == "ready"
        return self.ready

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.join(timeout=2)
        except (OSError, ValueError):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class WorkerPool:
    """A lazily grown pool of checker workers. Thread-safe; one request per worker at a time."""

    def __init__(self, cfg: PoolConfig) -> None:
        self.cfg = cfg
        method = cfg.start_method
        if method is None:
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            self.ctx.set_forkserver_preload(["curriculum.checking.api", "curriculum.checking.worker"])
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False

    def _spawn(self) -> _Worker:
        return _Worker(self.ctx, self.cfg)

    def _acquire(self, wait_s: float) -> _Worker | None:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._count < self.cfg.size:
                self._count += 1
                spawn = True
            else:
                spawn = False
        if spawn:
            try:
                return self._spawn()
            except Exception:
                with self._lock:
                    self._count -= 1
                raise
        try:
            return self._idle.get(timeout=wait_s)
        except queue.Empty:
            return None

    def _release(self, w: _Worker) -> None:
        if self._closed:
            w.kill()
        else:
            self._idle.put(w)

    def _replace(self, w: _Worker) -> None:
        """Kill ``w`` now; start its replacement in the background."""
        w.kill()

        def start() -> None:
            try:
                nw = self._spawn()
                nw.wait_ready()
                self._release(nw)
            except Exception:
                log.exception("could not start a replacement checker worker")
                with self._lock:
                    self._count -= 1

        threading.Thread(target=start, daemon=True, name="checker-respawn").start()

    def warm_up(self) -> None:
        """Start all workers now (call at app start so the first check is fast)."""
        workers = []
        for _ in range(self.cfg.size):
            w = self._acquire(STARTUP_TIMEOUT_S)
            if w is None:
                break
            w.wait_ready()
            workers.append(w)
        for w in workers:
            self._release(w)

    def run(self, request: tuple[Any, ...], timeout: float) -> CheckResult:
        """Run one check with a wall-clock limit (seconds)."""
        w = self._acquire(wait_s=max(timeout, 1.0) + 5.0)
        if w is None:
            return invalid("WORKER_BUSY", "The checker is busy; please try again in a moment.")
        if not w.wait_ready():
            self._replace(w)
            return invalid("WORKER_CRASHED", "The checker could not start; please try again.")
        start = time.monotonic()
        try:
            w.conn.send(request)
            if not w.conn.poll(max(0.01, timeout - KILL_MARGIN_S)):
                self._replace(w)
                log.info("checker timeout after %.2fs on %r", time.monotonic() - start, request[:3])
                return invalid("TIMEOUT", "This answer takes too long to check; please simplify it.")
            reply = w.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self._replace(w)
            return invalid("WORKER_CRASHED", "The checker stopped while checking this answer; "
                                             "please write it another way.")
        if reply[0] == "error":
            self._release(w)
            exc_type = getattr(errors, reply[1], errors.CurriculumError)
            raise exc_type(reply[2])
        _, data, retire = reply
        if retire:
            self._replace(w)
        else:
            self._release(w)
        return CheckResult.from_dict(data)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            w.kill()
        with self._lock:
            self._count = 0


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
