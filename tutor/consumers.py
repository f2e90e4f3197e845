"""Channels consumers: thin relays. They authenticate, join groups and forward group events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tutor.notify import learner_group

#: longest client message accepted (characters); client messages are a few small fields.
MAX_CLIENT_MESSAGE_CHARS = 2000


async def _decode_client_message(consumer: AsyncJsonWebsocketConsumer, text_data: str | None,
                                 bytes_data: bytes | None) -> tuple[bool, Any]:
    """``(True, decoded JSON)`` for a well-formed text frame; otherwise sends a ``bad_message`` error on
    ``consumer`` and returns ``(False, None)`` (binary frames, over-long text, invalid JSON never raise)."""
    problem = ""
    if text_data is None:
        problem = "Send JSON text messages."
    elif len(text_data) > MAX_CLIENT_MESSAGE_CHARS:
        problem = f"Messages are at most {MAX_CLIENT_MESSAGE_CHARS} characters."
    else:
        try:
            return True, json.loads(text_data)
        except (ValueError, RecursionError):  # invalid JSON, or "[[[[..." nested past the recursion limit
            problem = "Send a JSON object."
    await consumer.send_json({"type": "error", "code": "bad_message", "message": problem})
    return False, None


class LearnerConsumer(AsyncJsonWebsocketConsumer):
    """``ws/learner/``: live mastery updates for the signed-in learner's own open tabs.

    Sends ``{"type": "mastery", "changes": {skill code: P(mastered)}}`` after each counted answer.
    Anonymous connections are closed with code 4401. The consumer accepts no client messages.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = learner_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        ok, content = await _decode_client_message(self, text_data, bytes_data)
        if ok:
            await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"type": "error", "message": "This socket only sends updates."})

    async def mastery_update(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "mastery", "changes": event.get("changes", {})})


class ExplainConsumer(AsyncJsonWebsocketConsumer):
    """``ws/explain/<attempt id>/`` (and ``ws/explain/problem/<instance id>/``: the latest answer on that
    problem, or its give-up): follow one "show me how" explanation.

    Access: the attempt's student, a teacher of one of their classes, or their school's admin; others get
    ``{"type": "error", "code": "not_found"}`` and close code 4404. Before a readable answer (or a give-up)
    the socket closes with 4409; anonymous sockets with 4401.

    Client messages::

        {"type": "start",  "explanation"?: id, "last_seq"?: n}   start, or join the running one (students)
        {"type": "resume", "explanation"?: id, "last_seq"?: n}   follow an existing one, never start
        {"type": "stop", "explanation"?: id}                      cancel the followed explanation (the
                                                                  student only; a named id must be it)

    Malformed frames (binary, over 2000 characters, invalid JSON, wrong types) get ``{"type": "error",
    "code": "bad_message"}`` and the socket stays open.

    Server messages: ``explanation`` (id, status, model label, queue position), ``queue`` ({"ahead": n}),
    ``status``, ``chunk`` ({"seq", "text"}, in order, each exactly once), ``snapshot`` (the whole text so far,
    replacing what the page shows: finished explanations replay from the database), ``end`` (status,
    verified, final answer, note), ``idle`` (nothing to resume), ``error``.

    Delivery: the chunk stream is the truth; live channel-layer events (or in-memory wake-ups) only make it
    fast. Every entry goes out once, in sequence order; a gap in live events is filled from the stream.
    """

    POLL_S = 0.5  # stream catch-up period when no live event arrives
    STATUS_EVERY_S = 1.0  # database status / lease / queue check period

    async def connect(self) -> None:
        from tutor.errors import Conflict, NotAllowed, NotFound

        self.explanation_id: int | None = None
        self.sent_seq = 0
        self.finished = False
        self.monitor: asyncio.Task | None = None
        self.unsubscribe = None
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.target = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()  # accept first so the browser sees the close code, not a bare HTTP 403
            await self.send_json({"type": "error", "code": "login_required",
                                  "message": "Your session has ended. Sign in again."})
            await self.close(code=4401)
            return
        self.user = user
        kwargs = self.scope["url_route"]["kwargs"]
        try:
            self.target = await database_sync_to_async(_explain_target)(user, kwargs)
        except (NotFound, NotAllowed, Conflict) as exc:
            await self.accept()
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})
            await self.close(code={"not_found": 4404, "forbidden": 4403}.get(exc.code, 4409))
            return
        await self.accept()
        await self.send_json({"type": "ready", "can_start": self.target.can_start,
                              "attempt": self.target.attempt_id, "instance": self.target.instance_id})

    async def disconnect(self, code: int) -> None:
        await self._unfollow()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """Malformed frames (binary, over-long, invalid JSON) get a ``bad_message`` error, never a crash."""
        ok, content = await _decode_client_message(self, text_data, bytes_data)
        if ok:
            await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        from tutor.errors import TutorError

        if getattr(self, "target", None) is None:  # refused at connect: the socket is closing
            return
        if not isinstance(content, dict) or content.get("type") not in ("start", "resume", "stop"):
            await self.send_json({"type": "error", "code": "bad_message",
                                  "message": "Send start, resume or stop."})
            return
        kind = content["type"]
        try:
            if kind == "stop":
                named = content.get("explanation")
                if named is not None and (_bounded_int(named) is None or named != self.explanation_id):
                    await self.send_json({"type": "error", "code": "bad_message",
                                          "message": "You can only stop the explanation this page follows."})
                    return
                if self.explanation_id is not None:
                    await database_sync_to_async(_cancel)(self.user, self.explanation_id)
                return
            last_seq = _bounded_int(content.get("last_seq", 0))
            wanted = content.get("explanation")
            wanted = _bounded_int(wanted) if wanted is not None else None
            if last_seq is None or (content.get("explanation") is not None and wanted is None):
                await self.send_json({"type": "error", "code": "bad_message",
                                      "message": "last_seq and explanation must be non-negative integers."})
                return
            if kind == "start":
                transcript, created = await database_sync_to_async(_start)(self.user, self.target)
            else:
                transcript, created = await database_sync_to_async(_resume)(self.target, wanted), False
                if transcript is None:
                    await self.send_json({"type": "idle"})
                    return
            await self._follow(transcript, last_seq if transcript.pk == wanted else 0, created)
        except TutorError as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})

    # ---- following one explanation
    async def _follow(self, transcript: Any, last_seq: int, created: bool) -> None:
        from tutor.explanations.live import explanation_group
        from tutor.explanations.services import end_outcome
        from tutor.explanations.streams import asyncio_waker, chunk_stream

        await self._unfollow()
        stream = chunk_stream()
        self.explanation_id, self.finished, self.sent_seq = transcript.pk, False, last_seq
        self.last_status = (transcript.status, transcript.model_name)
        self.last_ahead: int | None = None
        await _io(stream.watcher_add, transcript.pk, self.channel_name)
        await self.channel_layer.group_add(explanation_group(transcript.pk), self.channel_name)
        self.unsubscribe = stream.subscribe(transcript.pk, asyncio_waker(asyncio.get_running_loop(), self.wake))
        ahead = await database_sync_to_async(_ahead)(transcript)
        await self.send_json({"type": "explanation", "explanation": transcript.pk, "created": created,
                              "status": transcript.status, "ahead": ahead, **_model_fields(transcript)})
        if not transcript.is_active:  # finished: replay from the database at once
            await self._send_snapshot(transcript, end_outcome(transcript))
            return
        if last_seq > await _io(stream.last_seq, transcript.pk):
            self.sent_seq = 0  # the page holds more than the stream: start it over
            await self.send_json({"type": "snapshot", "seq": 0, "text": ""})
        await self._catch_up()
        if not self.finished:
            self.monitor = asyncio.create_task(self._monitor(transcript.pk))

    async def _unfollow(self) -> None:
        from tutor.explanations.live import explanation_group
        from tutor.explanations.streams import chunk_stream

        if self.monitor is not None:
            self.monitor.cancel()
            self.monitor = None
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None
        if self.explanation_id is not None:
            await self.channel_layer.group_discard(explanation_group(self.explanation_id), self.channel_name)
            await _io(chunk_stream().watcher_remove, self.explanation_id, self.channel_name)
            self.explanation_id = None

    async def _send_snapshot(self, transcript: Any, outcome: dict[str, Any]) -> None:
        await self.send_json({"type": "snapshot", "seq": transcript.last_seq, "text": transcript.text})
        await self.send_json({"type": "end", "seq": transcript.last_seq + 1, **outcome})
        self.sent_seq = transcript.last_seq + 1
        self.finished = True

    async def _send_entries(self, entries: list[Any]) -> None:
        """Send the entries that continue the sequence (caller holds the lock or owns the socket)."""
        for entry in entries:
            if entry.seq != self.sent_seq + 1:
                continue
            await self.send_json(entry.as_event())
            self.sent_seq = entry.seq
            if entry.kind == "end":
                self.finished = True
                return

    async def _catch_up(self) -> None:
        from tutor.explanations.streams import chunk_stream

        if self.explanation_id is None or self.finished:
            return
        async with self.lock:
            entries = await _io(chunk_stream().read_after, self.explanation_id, self.sent_seq)
            await self._send_entries(entries)

    async def explain_entry(self, event: dict[str, Any]) -> None:
        """A live entry from the worker: sent at once if it is the next one, else the gap is read."""
        from tutor.explanations.streams import Entry

        if event.get("explanation") != self.explanation_id or self.finished:
            return
        if event["seq"] == self.sent_seq + 1:
            async with self.lock:
                await self._send_entries([Entry(seq=event["seq"], kind=event["kind"], text=event.get("text", ""),
                                                outcome=event.get("outcome"))])
        elif event["seq"] > self.sent_seq + 1:
            await self._catch_up()

    async def _monitor(self, explanation_id: int) -> None:
        """Fill gaps from the stream; report queue position and status; declare a dead worker's stream
        interrupted when its lease has expired."""
        from tutor.explanations.services import end_outcome

        next_status = 0.0
        stream_missing_checks = 0
        loop = asyncio.get_running_loop()
        while not self.finished and self.explanation_id == explanation_id:
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.POLL_S)
            except TimeoutError:
                pass
            self.wake.clear()
            await self._catch_up()
            if self.finished or loop.time() < next_status:
                continue
            next_status = loop.time() + self.STATUS_EVERY_S
            row, ahead, interrupted = await database_sync_to_async(_status_check)(explanation_id)
            if row is None:
                return
            if (row.status, row.model_name) != self.last_status:
                self.last_status = (row.status, row.model_name)
                await self.send_json({"type": "status", "status": row.status, **_model_fields(row)})
            if ahead != self.last_ahead and row.status == "pending":
                self.last_ahead = ahead
                await self.send_json({"type": "queue", "ahead": ahead})
            if interrupted:
                self.wake.set()
            elif not row.is_active:
                stream_missing_checks += 1  # the stream's end should follow the row at once
                if stream_missing_checks >= 3:
                    async with self.lock:
                        if not self.finished:
                            await self._send_snapshot(row, end_outcome(row))


def _bounded_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000_000:
        return None
    return value


async def _io(fn: Any, *args: Any) -> Any:
    """Run a blocking stream call (Redis) off the event loop."""
    return await sync_to_async(fn, thread_sensitive=False)(*args)


def _explain_target(user: Any, kwargs: dict[str, Any]) -> Any:
    from tutor.explanations.selectors import explain_target_for_attempt, explain_target_for_instance

    if "attempt_id" in kwargs:
        return explain_target_for_attempt(user=user, attempt_id=int(kwargs["attempt_id"]))
    return explain_target_for_instance(user=user, instance_id=int(kwargs["instance_id"]))


def _start(user: Any, target: Any) -> tuple[Any, bool]:
    from tutor.explanations.services import explanation_start_or_join

    handle = explanation_start_or_join(user=user, target=target)
    return handle.transcript, handle.created


def _resume(target: Any, explanation_id: int | None) -> Any:
    from tutor.explanations.selectors import explanation_get_for_target, explanation_latest

    if explanation_id is not None:
        return explanation_get_for_target(target=target, explanation_id=explanation_id)
    return explanation_latest(target=target)


def _cancel(user: Any, explanation_id: int) -> None:
    from tutor.explanations.services import explanation_cancel

    explanation_cancel(user=user, explanation_id=explanation_id)


def _ahead(transcript: Any) -> int:
    from tutor.explanations.selectors import queue_ahead

    return queue_ahead(transcript=transcript)


def _status_check(explanation_id: int) -> tuple[Any, int, bool]:
    from tutor.explanations.selectors import is_stale, queue_ahead
    from tutor.explanations.services import explanation_interrupt_if_stale
    from tutor.models import ExplanationTranscript

    row = ExplanationTranscript.objects.filter(pk=explanation_id).first()
    if row is None:
        return None, 0, False
    interrupted = is_stale(row) and explanation_interrupt_if_stale(explanation_id=explanation_id)
    if interrupted:
        row.refresh_from_db()
    return row, queue_ahead(transcript=row), interrupted


def _model_fields(transcript: Any) -> dict[str, Any]:
    from tutor.explanations.services import model_fields

    return model_fields(transcript)
