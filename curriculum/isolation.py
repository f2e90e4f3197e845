"""A lazily grown pool of persistent, isolated worker processes (stdlib only).

Used by the answer checker (:mod:`curriculum.checking.worker`) and by the web app's template preview
(``tutor.preview_isolation``): both run SymPy on hostile input in a child process with a memory limit, wait a
bounded time for the answer, and kill and replace a worker that overruns. This module holds what the two share;
each keeps its own child loop (:func:`serve` helps) and its own ``run`` (request, timeout and reply handling).

* Workers are started with the ``forkserver`` method where available (``spawn`` elsewhere), never by forking
  the threaded caller; the fork server preloads the modules named by the pool, so a replacement costs
  milliseconds.
* A child calls :func:`limit_memory` first (``RLIMIT_AS`` in MiB, SIGINT ignored), then sends ``("ready", pid)``.
* The pool is thread-safe and grows to ``size`` workers on demand; a worker serves one request at a time.
  :meth:`ProcessPool.replace` kills a worker now and starts its replacement on a background thread.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

#: seconds a new worker may take to import its modules before it counts as failed.
STARTUP_TIMEOUT_S = 60.0


def limit_memory(memory_limit_mb: int, what: str) -> None:
    """In a worker process: ignore SIGINT (the parent handles it) and cap the address space at
    `memory_limit_mb` MiB (a warning where the platform refuses, e.g. a limit below current use)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource

        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # non-POSIX, or the limit is below current use
        log.warning("could not set RLIMIT_AS=%d MiB in the %s", memory_limit_mb, what)


class IsolatedWorker:
    """One child process running ``target(conn, *args)`` with a pipe to it (``conn``: the parent's end)."""

    def __init__(self, ctx: Any, target: Callable[..., None], args: tuple[Any, ...], name: str) -> None:
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=target, args=(child, *args), daemon=True, name=name)
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False

    def wait_ready(self) -> bool:
        """Whether the child said ``("ready", pid)`` (waits up to :data:`STARTUP_TIMEOUT_S` the first time)."""
        if not self.ready and self.conn.poll(STARTUP_TIMEOUT_S):
            self.ready = self.conn.recv()[0] == "ready"
        return self.ready

    def kill(self) -> None:
        """SIGKILL the child and close the pipe (safe to call twice)."""
        try:
            self.proc.kill()
            self.proc.join(timeout=2)
        except (OSError, ValueError):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class ProcessPool:
    """Up to `size` :class:`IsolatedWorker` running ``target(conn, *target_args)``; subclasses add ``run``.

    `name` names the processes and respawn threads in logs; `preload` lists the modules the fork server imports
    once (forkserver only); `start_method` is ``"forkserver"``, ``"spawn"`` or None (forkserver where
    available)."""

    def __init__(self, size: int, target: Callable[..., None], target_args: tuple[Any, ...], *, name: str,
                 preload: Sequence[str] = (), start_method: str | None = None) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one worker, got size={size}")
        self.size, self.name = int(size), name
        self._target, self._target_args = target, target_args
        method = start_method or ("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            self.ctx.set_forkserver_preload(["curriculum.isolation", *preload])
        self._idle: queue.LifoQueue[IsolatedWorker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False

    def spawn(self) -> IsolatedWorker:
        return IsolatedWorker(self.ctx, self._target, self._target_args, self.name)

    def acquire(self, wait_s: float) -> IsolatedWorker | None:
        """An idle worker, a new one while the pool is below `size`, else one freed within `wait_s` seconds
        (None if none is)."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._count < self.size
            if grow:
                self._count += 1
        if grow:
            try:
                return self.spawn()
            except Exception:
                with self._lock:
                    self._count -= 1
                raise
        try:
            return self._idle.get(timeout=wait_s)
        except queue.Empty:
            return None

    def release(self, w: IsolatedWorker) -> None:
        """Give a healthy worker back (killed instead once the pool is closed)."""
        if self._closed:
            w.kill()
        else:
            self._idle.put(w)

    def replace(self, w: IsolatedWorker) -> None:
        """Kill `w` now; start its replacement in the background."""
        w.kill()

        def start() -> None:
            try:
                nw = self.spawn()
                nw.wait_ready()
                self.release(nw)
            except Exception:  # logged; the pool shrinks by one and regrows on demand
                log.exception("could not start a replacement %s worker", self.name)
                with self._lock:
                    self._count -= 1

        threading.Thread(target=start, daemon=True, name=f"{self.name}-respawn").start()

    def warm_up(self) -> None:
        """Start every worker now (so the first request does not pay the start-up)."""
        started = []
        for _ in range(self.size):
            w = self.acquire(STARTUP_TIMEOUT_S)
            if w is None:
                break
            w.wait_ready()
            started.append(w)
        for w in started:
            self.release(w)

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
