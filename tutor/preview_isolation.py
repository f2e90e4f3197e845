"""Run template validation/preview in persistent, isolated worker processes with a hard wall-clock limit.

A teacher's template can call ``integrate``, ``simplify``, ``factor``... on arguments whose cost cannot be
bounded statically (``integrate(exp(x**2)*sin(x)**7, x)`` runs for minutes). The editor preview and the
save-time validation therefore never run the CAS in the web request thread: they send the YAML to a worker
process of a small pool and wait at most ``timeout_s`` seconds. Past that the worker is killed (SIGKILL), a
replacement is started in the background and the caller gets a ``timed_out`` outcome that names the
expression most likely responsible.

Design (the same as ``curriculum.checking.worker``): workers are started with the ``forkserver`` method
(never by forking the threaded web process); the fork server preloads SymPy and the curriculum, so a
replacement costs milliseconds and ordinary previews pay only a pipe round trip. Each worker sets
``RLIMIT_AS`` (MiB) on itself and serves one request at a time.

Protocol over the pipe, child -> parent: ``("ready", pid)`` once; then per request any number of
``("progress", line, field, stage)`` messages and exactly one ``("ok", TemplatePreview)`` or
``("error", message, retire)`` (``retire``: the worker exits after answering, e.g. out of memory). Request parent -> child: a dict of keyword arguments for
``tutor.authoring_gateway.preview_in_worker`` (plain values only).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: seconds a new worker may take to import SymPy and the curriculum before it counts as failed.
STARTUP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Progress:
    """Where the worker was last: ``line``/``field`` of the template part being evaluated (``0``/``""``
    when unknown) and a short ``stage`` name (``"parse"``, ``"validation"``, ``"variant 3"``...)."""

    line: int = 0
    field: str = ""
    stage: str = "start"


@dataclass(frozen=True)
class IsolatedOutcome:
    """Result of :meth:`PreviewPool.run`: exactly one of ``value`` (the worker's answer), ``timed_out``
    (killed after ``elapsed_s`` seconds; ``progress`` is where it was) or ``failure`` (a message: the worker
    crashed, or the pool was busy) is meaningful."""

    value: Any = None
    timed_out: bool = False
    failure: str = ""
    progress: Progress = Progress()
    elapsed_s: float = 0.0


def _worker_main(conn: Any, memory_limit_mb: int) -> None:  # runs in the child
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource

        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # non-POSIX, or the limit is below current use
        log.warning("could not set RLIMIT_AS=%d MiB in the template preview worker", memory_limit_mb)
    from tutor.authoring_gateway import preview_in_worker

    def progress(line: int, field: str, stage: str) -> None:
        conn.send(("progress", int(line), str(field), str(stage)))

    conn.send(("ready", os.getpid()))
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        if req is None:
            return
        try:
            conn.send(("ok", preview_in_worker(progress=progress, **req)))
        except MemoryError:
            conn.send(("error", (f"the template needs more than {memory_limit_mb} MiB to validate; "
                                 "simplify its expressions"), True))
            return
        except Exception as exc:  # a bug must not kill the worker on every resubmission
            log.exception("template preview worker failed")
            conn.send(("error", f"the template could not be validated ({type(exc).__name__})", False))


class _Worker:
    def __init__(self, ctx: Any, memory_limit_mb: int) -> None:
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, memory_limit_mb), daemon=True,
                                name="tutor-template-preview")
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False

    def wait_ready(self) -> bool:
        if not self.ready and self.conn.poll(STARTUP_TIMEOUT_S):
            self.ready = self.conn.recv()[0] == "ready"
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


class PreviewPool:
    """A lazily grown pool of ``size`` preview workers (thread-safe; one request per worker at a time).

    ``memory_limit_mb``: ``RLIMIT_AS`` of each worker in MiB. ``start_method``: ``"forkserver"`` or
    ``"spawn"`` (``None``: forkserver where available).
    """

    def __init__(self, size: int, memory_limit_mb: int, start_method: str | None = None) -> None:
        if size < 1:
            raise ValueError(f"a preview pool needs at least one worker, got size={size}")
        self.size, self.memory_limit_mb = int(size), int(memory_limit_mb)
        method = start_method or ("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            self.ctx.set_forkserver_preload(["curriculum.templates", "curriculum.checking.api",
                                             "tutor.authoring_gateway", "tutor.preview_isolation"])
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False

    def _acquire(self, wait_s: float) -> _Worker | None:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            spawn = self._count < self.size
            if spawn:
                self._count += 1
        if spawn:
            try:
                return _Worker(self.ctx, self.memory_limit_mb)
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
                nw = _Worker(self.ctx, self.memory_limit_mb)
                nw.wait_ready()
                self._release(nw)
            except Exception:  # logged; the pool shrinks by one and regrows on demand
                log.exception("could not start a replacement template preview worker")
                with self._lock:
                    self._count -= 1

        threading.Thread(target=start, daemon=True, name="preview-respawn").start()

    def warm_up(self) -> None:
        """Start every worker now (so the first preview does not pay the start-up)."""
        started = []
        for _ in range(self.size):
            w = self._acquire(STARTUP_TIMEOUT_S)
            if w is None:
                break
            w.wait_ready()
            started.append(w)
        for w in started:
            self._release(w)

    def run(self, request: dict[str, Any], timeout_s: float) -> IsolatedOutcome:
        """Send ``request`` to a worker and wait at most ``timeout_s`` seconds (wall clock) for its answer."""
        w = self._acquire(wait_s=timeout_s)
        if w is None:
            return IsolatedOutcome(failure="the template checker is busy; please try again in a moment")
        if not w.wait_ready():
            self._replace(w)
            return IsolatedOutcome(failure="the template checker could not start; please try again")
        progress = Progress()
        start = time.monotonic()
        try:
            w.conn.send(request)
            while True:
                left = timeout_s - (time.monotonic() - start)
                if left <= 0 or not w.conn.poll(left):
                    self._replace(w)
                    elapsed = time.monotonic() - start
                    log.info("template preview killed after %.2fs at %r", elapsed, progress)
                    return IsolatedOutcome(timed_out=True, progress=progress, elapsed_s=elapsed)
                msg = w.conn.recv()
                if msg[0] == "progress":
                    progress = Progress(msg[1], msg[2], msg[3])
                    continue
                break
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self._replace(w)
            return IsolatedOutcome(failure="the template checker stopped while validating this template "
                                           "(it may need too much memory); simplify its expressions",
                                   progress=progress, elapsed_s=time.monotonic() - start)
        elapsed = time.monotonic() - start
        if msg[0] == "ok":
            self._release(w)
            return IsolatedOutcome(value=msg[1], progress=progress, elapsed_s=elapsed)
        if msg[2]:  # the worker retires (out of memory)
            self._replace(w)
        else:
            self._release(w)
        return IsolatedOutcome(failure=str(msg[1]), progress=progress, elapsed_s=elapsed)

    def close(self) -> None:
        """Stop the idle workers (busy ones are killed when released)."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        with self._lock:
            self._count = 0


_POOL: PreviewPool | None = None
_POOL_KEY: tuple[int, int] | None = None
_POOL_LOCK = threading.Lock()


def get_pool(size: int, memory_limit_mb: int) -> PreviewPool:
    """The process-wide pool for these settings (recreated when they change, e.g. in tests)."""
    global _POOL, _POOL_KEY
    with _POOL_LOCK:
        if _POOL is None or _POOL_KEY != (size, memory_limit_mb):
            if _POOL is not None:
                _POOL.close()
            _POOL, _POOL_KEY = PreviewPool(size, memory_limit_mb), (size, memory_limit_mb)
        return _POOL


__all__ = ["IsolatedOutcome", "PreviewPool", "Progress", "get_pool"]
