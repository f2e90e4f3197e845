"""Run template validation/preview in persistent, isolated worker processes with a hard wall-clock limit.

A teacher's template can call ``integrate``, ``simplify``, ``factor``... on arguments whose cost cannot be
bounded statically (``integrate(exp(x**2)*sin(x)**7, x)`` runs for minutes). The editor preview and the
save-time validation therefore never run the CAS in the web request thread: they send the YAML to a worker
process of a small pool and wait at most ``timeout_s`` seconds. Past that the worker is killed (SIGKILL), a
replacement is started in the background and the caller gets a ``timed_out`` outcome that names the
expression most likely responsible.

Design (shared with ``curriculum.checking.worker`` through :mod:`curriculum.isolation`): workers are started with the ``forkserver`` method
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
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from curriculum.isolation import ProcessPool, limit_memory

log = logging.getLogger(__name__)


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
    limit_memory(memory_limit_mb, "template preview worker")
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


class PreviewPool(ProcessPool):
    """A lazily grown pool of ``size`` preview workers (thread-safe; one request per worker at a time).

    ``memory_limit_mb``: ``RLIMIT_AS`` of each worker in MiB. ``start_method``: ``"forkserver"`` or
    ``"spawn"`` (``None``: forkserver where available).
    """

    def __init__(self, size: int, memory_limit_mb: int, start_method: str | None = None) -> None:
        if size < 1:
            raise ValueError(f"a preview pool needs at least one worker, got size={size}")
        self.memory_limit_mb = int(memory_limit_mb)
        super().__init__(size, _worker_main, (self.memory_limit_mb,), name="tutor-template-preview",
                         preload=["curriculum.templates", "curriculum.checking.api", "tutor.authoring_gateway",
                                  "tutor.preview_isolation"], start_method=start_method)

    def run(self, request: dict[str, Any], timeout_s: float) -> IsolatedOutcome:
        """Send ``request`` to a worker and wait at most ``timeout_s`` seconds (wall clock) for its answer."""
        w = self.acquire(wait_s=timeout_s)
        if w is None:
            return IsolatedOutcome(failure="the template checker is busy; please try again in a moment")
        if not w.wait_ready():
            self.replace(w)
            return IsolatedOutcome(failure="the template checker could not start; please try again")
        progress = Progress()
        start = time.monotonic()
        try:
            w.conn.send(request)
            while True:
                left = timeout_s - (time.monotonic() - start)
                if left <= 0 or not w.conn.poll(left):
                    self.replace(w)
                    elapsed = time.monotonic() - start
                    log.info("template preview killed after %.2fs at %r", elapsed, progress)
                    return IsolatedOutcome(timed_out=True, progress=progress, elapsed_s=elapsed)
                msg = w.conn.recv()
                if msg[0] == "progress":
                    progress = Progress(msg[1], msg[2], msg[3])
                    continue
                break
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self.replace(w)
            return IsolatedOutcome(failure="the template checker stopped while validating this template "
                                           "(it may need too much memory); simplify its expressions",
                                   progress=progress, elapsed_s=time.monotonic() - start)
        elapsed = time.monotonic() - start
        if msg[0] == "ok":
            self.release(w)
            return IsolatedOutcome(value=msg[1], progress=progress, elapsed_s=elapsed)
        if msg[2]:  # the worker retires (out of memory)
            self.replace(w)
        else:
            self.release(w)
        return IsolatedOutcome(failure=str(msg[1]), progress=progress, elapsed_s=elapsed)


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
