"""The chunk-stream contract, run against both implementations (in-memory, and the real Redis on a dedicated
database)."""

from __future__ import annotations

import itertools
import time

import pytest
import redis

from tests.explanations.conftest import redis_url
from tutor.explanations.streams import CHUNK, END, Entry, MemoryChunkStream, RedisChunkStream, SeqConflict

_ids = itertools.count(1)


@pytest.fixture(params=["memory", "redis"])
def stream(request):
    if request.param == "memory":
        yield MemoryChunkStream()
        return
    client = redis.Redis.from_url(redis_url())
    prefix = f"test-streams-{time.time_ns()}"
    yield RedisChunkStream(redis_url(), prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_entries_come_back_in_order_after_any_number(stream) -> None:
    xid = next(_ids)
    assert stream.read_after(xid, 0) == [] and stream.last_seq(xid) == 0
    for seq, text in enumerate(["Step 1: ", "x = 2\n", "ünïcode ✓ $\\frac{1}{2}$"], start=1):
        stream.append(xid, Entry(seq=seq, kind=CHUNK, text=text))
    stream.append(xid, Entry(seq=4, kind=END, outcome={"status": "done", "verified": True}))
    assert [e.seq for e in stream.read_after(xid, 0)] == [1, 2, 3, 4]
    after = stream.read_after(xid, 2)
    assert [e.text for e in after[:1]] == ["ünïcode ✓ $\\frac{1}{2}$"]
    assert after[1].kind == END and after[1].outcome == {"status": "done", "verified": True}
    assert after[1].as_event() == {"type": "end", "seq": 4, "status": "done", "verified": True}
    assert stream.read_after(xid, 4) == [] and stream.last_seq(xid) == 4
    assert [e.seq for e in stream.read_after(xid, 0, limit=2)] == [1, 2]


def test_a_taken_or_earlier_number_is_refused(stream) -> None:
    xid = next(_ids)
    stream.append(xid, Entry(seq=1, kind=CHUNK, text="a"))
    stream.append(xid, Entry(seq=2, kind=END, outcome={"status": "interrupted"}))
    with pytest.raises(SeqConflict):
        stream.append(xid, Entry(seq=2, kind=CHUNK, text="late"))
    with pytest.raises(SeqConflict):
        stream.append(xid, Entry(seq=1, kind=CHUNK, text="again"))
    with pytest.raises(ValueError, match="start at 1"):
        stream.append(xid, Entry(seq=0, kind=CHUNK, text="zero"))
    assert [e.text for e in stream.read_after(xid, 0)] == ["a", ""]


def test_cancel_flag_and_watchers(stream) -> None:
    xid = next(_ids)
    assert not stream.cancel_requested(xid)
    assert stream.unwatched_for(xid) is None  # never watched: not an orphan
    stream.watcher_add(xid, "tab-1")
    stream.watcher_add(xid, "tab-2")
    assert stream.watcher_remove(xid, "tab-1") == 1 and stream.unwatched_for(xid) is None
    assert stream.watcher_remove(xid, "tab-2") == 0
    time.sleep(0.05)
    assert stream.unwatched_for(xid) >= 0.04
    stream.watcher_add(xid, "tab-3")  # a reconnect clears the orphan clock
    assert stream.unwatched_for(xid) is None
    stream.request_cancel(xid)
    assert stream.cancel_requested(xid) and not stream.cancel_requested(next(_ids))


def test_memory_stream_wakes_subscribers_until_they_unsubscribe() -> None:
    stream = MemoryChunkStream()
    woken = []
    unsubscribe = stream.subscribe(7, lambda: woken.append(1))
    stream.append(7, Entry(seq=1, kind=CHUNK, text="a"))
    unsubscribe()
    stream.append(7, Entry(seq=2, kind=CHUNK, text="b"))
    assert woken == [1]


def test_redis_stream_needs_a_url() -> None:
    with pytest.raises(ValueError, match="EXPLANATION_REDIS_URL"):
        RedisChunkStream("", "x")
