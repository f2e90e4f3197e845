"""Embedded mode end to end in one process: the consumer, the services, the background-thread runner, the
in-memory stream and the tiny model (real loader, real batcher), through Channels' WebsocketCommunicator."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from tests.explanations.conftest import Answered
from tests.tutor import factories
from tutor.models import ExplanationTranscript
from tutor.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True)]


def _socket(user, path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


async def _until_end(communicator: WebsocketCommunicator, timeout: float = 60.0) -> list[dict]:
    messages = []
    async with asyncio.timeout(timeout):
        while True:
            message = await communicator.receive_json_from(timeout=timeout)
            messages.append(message)
            if message["type"] in ("end", "error"):
                return messages


async def test_explanation_streams_in_order_is_stored_and_replays_from_the_database(embedded, answered: Answered):
    ws = _socket(answered.student, f"/ws/explain/{answered.attempt.pk}/")
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from(timeout=5))["type"] == "ready"
    await ws.send_json_to({"type": "start"})
    messages = await _until_end(ws)
    await ws.disconnect()
    hello = messages[0]
    assert hello["type"] == "explanation" and hello["created"] is True
    chunks = [m for m in messages if m["type"] == "chunk"]
    assert [c["seq"] for c in chunks] == list(range(1, len(chunks) + 1))
    end = messages[-1]
    assert end["type"] == "end" and end["seq"] == len(chunks) + 1 and end["status"] == "done"
    row = await database_sync_to_async(ExplanationTranscript.objects.get)(pk=hello["explanation"])
    assert row.text == "".join(c["text"] for c in chunks) and row.last_seq == len(chunks)
    assert row.tokens == 40 and row.status == "done"
    assert row.verified is False and row.verdict_note == "NO_BOXED_ANSWER"  # noise has no \boxed{}
    assert row.attempt_id == answered.attempt.pk and row.model_name == "tiny-never-stops"

    # the problem route finds the same answer; "start" on a finished explanation replays it, no new run
    again = _socket(answered.student, f"/ws/explain/problem/{answered.instance.pk}/")
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=5))["attempt"] == answered.attempt.pk
    await again.send_json_to({"type": "start"})
    replay = await _until_end(again)
    await again.disconnect()
    assert replay[0]["explanation"] == row.pk and replay[0]["created"] is False
    assert replay[1] == {"type": "snapshot", "seq": row.last_seq, "text": row.text}
    assert replay[2]["type"] == "end" and replay[2]["status"] == "done"
    assert await database_sync_to_async(ExplanationTranscript.objects.count)() == 1


async def test_stop_cancels_within_a_second_and_start_restarts_cleanly(embedded, answered: Answered):
    embedded.EXPLANATION_MAX_NEW_TOKENS = 100_000
    ws = _socket(answered.student, f"/ws/explain/{answered.attempt.pk}/")
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    await ws.send_json_to({"type": "start"})
    hello = await ws.receive_json_from(timeout=10)
    while (await ws.receive_json_from(timeout=30))["type"] != "chunk":
        pass
    loop = asyncio.get_running_loop()
    stopped_at = loop.time()
    await ws.send_json_to({"type": "stop"})
    messages = await _until_end(ws, timeout=10)
    assert loop.time() - stopped_at < 1.0
    assert messages[-1]["status"] == "cancelled"
    row = await database_sync_to_async(ExplanationTranscript.objects.get)(pk=hello["explanation"])
    assert row.status == "cancelled" and 0 < row.tokens < 100_000

    await ws.send_json_to({"type": "start"})  # a cancelled explanation restarts as a new one
    fresh = await ws.receive_json_from(timeout=10)
    assert fresh["type"] == "explanation" and fresh["created"] is True and fresh["explanation"] != row.pk
    await ws.send_json_to({"type": "stop"})
    assert (await _until_end(ws, timeout=10))[-1]["status"] == "cancelled"
    await ws.disconnect()


async def test_closing_the_last_socket_cancels_the_generation(embedded, answered: Answered):
    embedded.EXPLANATION_MAX_NEW_TOKENS = 100_000
    ws = _socket(answered.student, f"/ws/explain/{answered.attempt.pk}/")
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    await ws.send_json_to({"type": "start"})
    hello = await ws.receive_json_from(timeout=10)
    while (await ws.receive_json_from(timeout=30))["type"] != "chunk":
        pass
    await ws.disconnect()
    get = database_sync_to_async(ExplanationTranscript.objects.get)
    async with asyncio.timeout(1.0 + embedded.EXPLANATION_ORPHAN_GRACE_S + 1.0):
        while (await get(pk=hello["explanation"])).status != "cancelled":
            await asyncio.sleep(0.05)


async def test_sockets_of_strangers_and_unanswered_problems_are_refused(embedded, answered: Answered):
    stranger = await database_sync_to_async(factories.student)()
    ws = _socket(stranger, f"/ws/explain/{answered.attempt.pk}/")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["code"] == "not_found"
    assert (await ws.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4404}

    other = await database_sync_to_async(factories.teacher)()  # a teacher, but not of this class
    ws = _socket(other, f"/ws/explain/problem/{answered.instance.pk}/")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["code"] == "not_found"

    from tests.tutor.conftest import make_instance

    fresh = await database_sync_to_async(make_instance)(answered.student, skip=1)  # open, no answer yet
    ws = _socket(answered.student, f"/ws/explain/problem/{fresh.instance.pk}/")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["code"] == "not_ready"
    assert (await ws.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4409}


async def test_the_teacher_follows_but_does_not_start(embedded, answered: Answered):
    ws = _socket(answered.teacher, f"/ws/explain/{answered.attempt.pk}/")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["can_start"] is False
    await ws.send_json_to({"type": "start"})
    assert (await ws.receive_json_from(timeout=5))["code"] == "forbidden"
    await ws.send_json_to({"type": "resume"})
    assert (await ws.receive_json_from(timeout=5)) == {"type": "idle"}
    await ws.send_json_to({"type": "resume", "last_seq": -1})
    assert (await ws.receive_json_from(timeout=5))["code"] == "bad_message"
    await ws.disconnect()

    student = _socket(answered.student, f"/ws/explain/{answered.attempt.pk}/")
    assert (await student.connect())[0]
    await student.receive_json_from(timeout=5)
    await student.send_json_to({"type": "start"})
    student_view = await _until_end(student)
    await student.disconnect()
    ws = _socket(answered.teacher, f"/ws/explain/{answered.attempt.pk}/")
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    await ws.send_json_to({"type": "resume"})
    teacher_view = await _until_end(ws)
    await ws.disconnect()
    text = "".join(m["text"] for m in student_view if m["type"] == "chunk")
    assert teacher_view[1]["type"] == "snapshot" and teacher_view[1]["text"] == text
