"""Ordered, replayable chunk streams per explanation, plus the small control state around them.

An explanation's stream is a sequence of :class:`Entry` values numbered 1, 2, 3, ...: ``chunk`` entries carry
text, and one final ``end`` entry carries the outcome (status, verdict). A reader asks for everything after the
last number it has (:meth:`ChunkStream.read_after`), so a reconnecting browser loses and duplicates nothing.
Appending a number that is already there is refused (:class:`SeqConflict`): a stale writer (a worker whose
explanation was declared interrupted) cannot write past an ``end``.

Control state, checked by the worker between tokens:

* a cancel flag (:meth:`request_cancel` / :meth:`cancel_requested`);
* the set of open sockets watching (:meth:`watcher_add` / :meth:`watcher_remove`); when the last one leaves,
  :meth:`unwatched_for` starts counting, so a closed tab cancels after a short grace while a quick reconnect
  keeps the generation alive.

Two implementations, chosen by ``EXPLANATION_STREAM_BACKEND``:

* :class:`RedisChunkStream`: a Redis stream per explanation (``XADD`` with explicit ids ``<seq>-0``), keys
  under ``<prefix>:explain:<id>:``; shared by web processes and inference workers.
* :class:`MemoryChunkStream`: dicts in this process (embedded mode: the generation runs in a background thread
  of the web process). It wakes waiting consumers itself (:meth:`subscribe`), thread-safely.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings

CHUNK = "chunk"
END = "end"


class SeqConflict(Exception):
    """The sequence number is already taken (the stream ended, or another writer got there first)."""


@dataclass(frozen=True)
class Entry:
    """One stream entry: ``seq`` >= 1; ``kind`` ``chunk`` (``text``) or ``end`` (``outcome``)."""

    seq: int
    kind: str
    text: str = ""
    outcome: dict[str, Any] | None = None

    def as_event(self) -> dict[str, Any]:
        """The JSON message sent to the browser for this entry."""
        if self.kind == CHUNK:
            return {"type": "chunk", "seq": self.seq, "text": self.text}
        return {"type": "end", "seq": self.seq, **(self.outcome or {})}


class ChunkStream(Protocol):
    def append(self, explanation_id: int, entry: Entry) -> None: ...

    def read_after(self, explanation_id: int, after_seq: int, limit: int = 10_000) -> list[Entry]: ...

    def last_seq(self, explanation_id: int) -> int: ...

    def request_cancel(self, explanation_id: int) -> None: ...

    def cancel_requested(self, explanation_id: int) -> bool: ...

    def watcher_add(self, explanation_id: int, watcher: str) -> None: ...

    def watcher_remove(self, explanation_id: int, watcher: str) -> int: ...

    def unwatched_for(self, explanation_id: int) -> float | None: ...

    def expire(self, explanation_id: int, seconds: int) -> None: ...

    def subscribe(self, explanation_id: int, wake: Callable[[], None]) -> Callable[[], None] | None: ...


def _check_seq(seq: int) -> None:
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"sequence numbers start at 1, got {seq!r}")


# --------------------------------------------------------------------------- Redis


class RedisChunkStream:
    """Chunks in a Redis stream per explanation; flags and watcher sets in plain keys (see module doc)."""

    KEY_TTL_S = 24 * 3600  # safety net: every key of a stream expires a day after its last write

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        if not url:
            raise ValueError("EXPLANATION_REDIS_URL is empty: set it (or use EXPLANATION_STREAM_BACKEND='memory')")
        self.client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
        self.prefix = prefix

    def _key(self, explanation_id: int, part: str) -> str:
        return f"{self.prefix}:explain:{int(explanation_id)}:{part}"

    def append(self, explanation_id: int, entry: Entry) -> None:
        import redis

        _check_seq(entry.seq)
        fields = {"kind": entry.kind, "text": entry.text}
        if entry.outcome is not None:
            fields["outcome"] = json.dumps(entry.outcome)
        key = self._key(explanation_id, "chunks")
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.xadd(key, fields, id=f"{entry.seq}-0")
            pipe.expire(key, self.KEY_TTL_S)
            pipe.execute()
        except redis.ResponseError as exc:
            if "equal or smaller" in str(exc):
                raise SeqConflict(f"explanation {explanation_id}: seq {entry.seq} is taken") from exc
            raise

    @staticmethod
    def _entry(entry_id: bytes | str, fields: dict[bytes, bytes]) -> Entry:
        raw_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        data = {k.decode(): v.decode("utf-8") for k, v in fields.items()}
        outcome = json.loads(data["outcome"]) if "outcome" in data else None
        return Entry(seq=int(raw_id.split("-", 1)[0]), kind=data.get("kind", CHUNK), text=data.get("text", ""),
                     outcome=outcome)

    def read_after(self, explanation_id: int, after_seq: int, limit: int = 10_000) -> list[Entry]:
        rows = self.client.xrange(self._key(explanation_id, "chunks"), min=f"{int(after_seq) + 1}-0", max="+",
                                  count=limit)
        return [self._entry(i, f) for i, f in rows]

    def last_seq(self, explanation_id: int) -> int:
        rows = self.client.xrevrange(self._key(explanation_id, "chunks"), count=1)
        return self._entry(*rows[0]).seq if rows else 0

    def request_cancel(self, explanation_id: int) -> None:
        self.client.set(self._key(explanation_id, "cancel"), "1", ex=self.KEY_TTL_S)

    def cancel_requested(self, explanation_id: int) -> bool:
        return bool(self.client.exists(self._key(explanation_id, "cancel")))

    def watcher_add(self, explanation_id: int, watcher: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.sadd(self._key(explanation_id, "watchers"), watcher)
        pipe.expire(self._key(explanation_id, "watchers"), self.KEY_TTL_S)
        pipe.delete(self._key(explanation_id, "unwatched_since"))
        pipe.execute()

    def watcher_remove(self, explanation_id: int, watcher: str) -> int:
        key = self._key(explanation_id, "watchers")
        pipe = self.client.pipeline(transaction=True)
        pipe.srem(key, watcher)
        pipe.scard(key)
        _, left = pipe.execute()
        if left == 0:
            self.client.set(self._key(explanation_id, "unwatched_since"), repr(time.time()), ex=self.KEY_TTL_S,
                            nx=True)
        return int(left)

    def unwatched_for(self, explanation_id: int) -> float | None:
        pipe = self.client.pipeline(transaction=False)
        pipe.scard(self._key(explanation_id, "watchers"))
        pipe.get(self._key(explanation_id, "unwatched_since"))
        count, since = pipe.execute()
        if count or since is None:
            return None
        return max(0.0, time.time() - float(since))

    def expire(self, explanation_id: int, seconds: int) -> None:
        pipe = self.client.pipeline(transaction=False)
        for part in ("chunks", "cancel", "watchers", "unwatched_since"):
            pipe.expire(self._key(explanation_id, part), int(seconds))
        pipe.execute()

    def subscribe(self, explanation_id: int, wake: Callable[[], None]) -> Callable[[], None] | None:
        return None  # live delivery rides the channel layer (see tutor.explanations.live)


# --------------------------------------------------------------------------- memory


class MemoryChunkStream:
    """The same contract in this process's memory (thread-safe); nothing survives a restart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, list[Entry]] = {}
        self._cancel: set[int] = set()
        self._watchers: dict[int, set[str]] = {}
        self._unwatched_since: dict[int, float] = {}
        self._subscribers: dict[int, list[Callable[[], None]]] = {}

    def append(self, explanation_id: int, entry: Entry) -> None:
        _check_seq(entry.seq)
        with self._lock:
            entries = self._entries.setdefault(explanation_id, [])
            last = entries[-1].seq if entries else 0
            if entry.seq <= last:
                raise SeqConflict(f"explanation {explanation_id}: seq {entry.seq} is taken")
            entries.append(entry)
            wakers = list(self._subscribers.get(explanation_id, ()))
        for wake in wakers:
            wake()

    def read_after(self, explanation_id: int, after_seq: int, limit: int = 10_000) -> list[Entry]:
        with self._lock:
            return [e for e in self._entries.get(explanation_id, ()) if e.seq > after_seq][:limit]

    def last_seq(self, explanation_id: int) -> int:
        with self._lock:
            entries = self._entries.get(explanation_id)
            return entries[-1].seq if entries else 0

    def request_cancel(self, explanation_id: int) -> None:
        with self._lock:
            self._cancel.add(explanation_id)

    def cancel_requested(self, explanation_id: int) -> bool:
        with self._lock:
            return explanation_id in self._cancel

    def watcher_add(self, explanation_id: int, watcher: str) -> None:
        with self._lock:
            self._watchers.setdefault(explanation_id, set()).add(watcher)
            self._unwatched_since.pop(explanation_id, None)

    def watcher_remove(self, explanation_id: int, watcher: str) -> int:
        with self._lock:
            watchers = self._watchers.setdefault(explanation_id, set())
            watchers.discard(watcher)
            if not watchers:
                self._unwatched_since.setdefault(explanation_id, time.time())
            return len(watchers)

    def unwatched_for(self, explanation_id: int) -> float | None:
        with self._lock:
            if self._watchers.get(explanation_id):
                return None
            since = self._unwatched_since.get(explanation_id)
        return None if since is None else max(0.0, time.time() - since)

    def expire(self, explanation_id: int, seconds: int) -> None:
        """Memory streams are dropped when the process exits; finished ones are kept until then (small)."""

    def subscribe(self, explanation_id: int, wake: Callable[[], None]) -> Callable[[], None] | None:
        """Call ``wake()`` (from the writer's thread) after every append; returns the unsubscribe function."""
        with self._lock:
            self._subscribers.setdefault(explanation_id, []).append(wake)

        def unsubscribe() -> None:
            with self._lock:
                subs = self._subscribers.get(explanation_id, [])
                if wake in subs:
                    subs.remove(wake)

        return unsubscribe


def asyncio_waker(loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> Callable[[], None]:
    """A thread-safe ``wake()`` that sets ``event`` on ``loop`` (for :meth:`MemoryChunkStream.subscribe`)."""

    def wake() -> None:
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop has closed: the socket is gone
            pass

    return wake


# --------------------------------------------------------------------------- selection


_memory_stream = MemoryChunkStream()


@lru_cache(maxsize=8)
def _redis_stream(url: str, prefix: str) -> RedisChunkStream:
    return RedisChunkStream(url, prefix)


def chunk_stream() -> ChunkStream:
    """The stream backend the settings name (one instance per process and configuration)."""
    backend = settings.EXPLANATION_STREAM_BACKEND
    if backend == "memory":
        return _memory_stream
    if backend == "redis":
        prefix = f"tutor-{settings.DATABASES['default'].get('NAME', 'db')}"
        return _redis_stream(str(settings.EXPLANATION_REDIS_URL), prefix)
    raise ValueError(f"EXPLANATION_STREAM_BACKEND={backend!r}: use 'memory' or 'redis'")
