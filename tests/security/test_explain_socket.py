"""The "show me how" websocket (red-team report 4 in docs/security.md): no user opens, resumes or stops an
explanation of another student's attempt or problem (guessed ids, a foreign ``resume`` id, a foreign
``stop`` id); nothing streams for an open problem before a readable answer or a give-up; malformed client
messages are refused with ``bad_message`` and the socket stays usable.

Runs the real consumers through Channels' WebsocketCommunicator on the real PostgreSQL, with the in-memory
stream and channel layer (embedded mode). Explanations are stored rows (no model runs)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from tests.explanations.conftest import Answered, answered_wrongly
from tests.tutor import factories
from tests.tutor.conftest import make_instance
from tutor.models import Attempt, ExplanationTranscript, ProblemInstance, User
from tutor.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True)]

SECRET_TEXT = "the worked steps of student A: x = 42"


@pytest.fixture
def sockets(settings):
    settings.EXPLANATION_RUNNER = "thread"
    settings.EXPLANATION_STREAM_BACKEND = "memory"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.TUTOR_CHECK_IN_PROCESS = True
    return settings


@pytest.fixture
def two_students(db: None, sockets):
    """Student A and student B, each with a wrongly answered problem in their own class; A has a finished
    explanation (``done``, with text) and a queued one."""
    from tutor.services.curriculum import curriculum_load

    curriculum_load()
    a, b = answered_wrongly(), answered_wrongly()
    done = ExplanationTranscript.objects.create(instance=a.instance, attempt=a.attempt,
                                                status=ExplanationTranscript.Status.DONE, text=SECRET_TEXT,
                                                last_seq=1, max_new_tokens=10)
    return a, b, done


def _socket(user: User, path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


async def _refused(user: User, path: str) -> tuple[dict, int]:
    """(the error message, the close code) of a socket refused at connect."""
    ws = _socket(user, path)
    connected, _ = await ws.connect()
    assert connected  # accepted first, so the browser sees the close code
    error = await ws.receive_json_from(timeout=5)
    closed = await ws.receive_output(timeout=5)
    await ws.wait()
    return error, closed["code"]


async def _open(user: User, path: str) -> WebsocketCommunicator:
    ws = _socket(user, path)
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["type"] == "ready"
    return ws


async def _pending(instance_id: int, attempt_id: int | None) -> ExplanationTranscript:
    return await database_sync_to_async(ExplanationTranscript.objects.create)(
        instance_id=instance_id, attempt_id=attempt_id, status=ExplanationTranscript.Status.PENDING,
        max_new_tokens=10)


async def _status(pk: int) -> str:
    return (await database_sync_to_async(ExplanationTranscript.objects.get)(pk=pk)).status


async def test_guessed_and_foreign_ids_are_not_found(two_students) -> None:
    a, b, _ = two_students
    outsiders = [b.student, b.teacher,
                 await database_sync_to_async(factories.teacher)(username="other-teacher")]
    for user in outsiders:
        for path in (f"/ws/explain/{a.attempt.pk}/", f"/ws/explain/problem/{a.instance.pk}/"):
            error, code = await _refused(user, path)
            assert (error["code"], code) == ("not_found", 4404), (user.username, path)
    for path in ("/ws/explain/987654321/", "/ws/explain/problem/987654321/",
                 "/ws/explain/99999999999999999999999/", "/ws/explain/problem/99999999999999999999999/"):
        error, code = await _refused(a.student, path)
        assert (error["code"], code) == ("not_found", 4404), path


async def test_resume_with_a_foreign_explanation_id_replays_nothing(two_students) -> None:
    a, b, done = two_students
    ws = await _open(b.student, f"/ws/explain/{b.attempt.pk}/")
    await ws.send_json_to({"type": "resume", "explanation": done.pk, "last_seq": 0})
    assert await ws.receive_json_from(timeout=5) == {"type": "idle"}
    await ws.send_json_to({"type": "resume"})  # B has no explanation of their own: still nothing
    assert await ws.receive_json_from(timeout=5) == {"type": "idle"}
    await ws.disconnect()
    # the owner does get it replayed (positive control)
    own = await _open(a.student, f"/ws/explain/{a.attempt.pk}/")
    await own.send_json_to({"type": "resume", "explanation": done.pk})
    assert (await own.receive_json_from(timeout=5))["explanation"] == done.pk
    assert await own.receive_json_from(timeout=5) == {"type": "snapshot", "seq": 1, "text": SECRET_TEXT}
    await own.disconnect()


async def test_stop_never_reaches_a_foreign_explanation(two_students) -> None:
    a, b, _ = two_students
    theirs = await _pending(a.instance.pk, a.attempt.pk)
    mine = await _pending(b.instance.pk, b.attempt.pk)
    ws = await _open(b.student, f"/ws/explain/{b.attempt.pk}/")
    await ws.send_json_to({"type": "stop", "explanation": theirs.pk})  # nothing followed yet
    assert (await ws.receive_json_from(timeout=5))["code"] == "bad_message"
    await ws.send_json_to({"type": "resume"})
    assert (await ws.receive_json_from(timeout=5))["explanation"] == mine.pk
    await ws.send_json_to({"type": "stop", "explanation": theirs.pk})
    assert (await ws.receive_json_from(timeout=5))["code"] == "bad_message"
    assert await _status(theirs.pk) == "pending" and await _status(mine.pk) == "pending"
    await ws.send_json_to({"type": "stop", "explanation": mine.pk})  # one's own: stopped
    for _ in range(20):
        if await _status(mine.pk) == "cancelled":
            break
        await asyncio.sleep(0.05)
    assert await _status(mine.pk) == "cancelled" and await _status(theirs.pk) == "pending"
    await ws.disconnect()


async def test_a_teacher_may_follow_but_not_stop_a_students_explanation(two_students) -> None:
    a, _, _ = two_students
    running = await _pending(a.instance.pk, a.attempt.pk)
    ws = await _open(a.teacher, f"/ws/explain/{a.attempt.pk}/")
    await ws.send_json_to({"type": "resume", "explanation": running.pk})
    assert (await ws.receive_json_from(timeout=5))["explanation"] == running.pk
    await ws.send_json_to({"type": "stop"})
    error = await ws.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert await _status(running.pk) == "pending"
    await ws.disconnect()


async def test_nothing_streams_for_an_open_problem_before_a_readable_answer_or_a_give_up(two_students) -> None:
    from tutor.services.practice import attempt_submit, problem_give_up

    a, _, _ = two_students

    def fresh_problem() -> tuple[ProblemInstance, Attempt]:
        ProblemInstance.objects.filter(learner=a.student, status="open").update(status="gave_up")
        made = make_instance(a.student, skip=1)
        invalid = attempt_submit(learner=a.student, instance_id=made.instance.pk, raw_input="((",
                                 input_format="text").attempt
        assert invalid.verdict == Attempt.Verdict.INVALID
        return made.instance, invalid

    instance, invalid = await database_sync_to_async(fresh_problem)()
    for user in (a.student, a.teacher):
        for path in (f"/ws/explain/problem/{instance.pk}/", f"/ws/explain/{invalid.pk}/"):
            error, code = await _refused(user, path)
            assert (error["code"], code) == ("not_ready", 4409), path
    await database_sync_to_async(problem_give_up)(learner=a.student, instance_id=instance.pk)
    ws = await _open(a.student, f"/ws/explain/problem/{instance.pk}/")  # after giving up: allowed
    await ws.disconnect()


@pytest.mark.parametrize("frame", [
    {"text_data": "not json"},
    {"text_data": "[" * 1999},  # nested past the recursion limit of the JSON decoder
    {"text_data": "{" + " " * 3000 + "}"},
    {"bytes_data": b"\x00\x01"},
    {"text_data": "[1, 2]"},
    {"text_data": '"start"'},
    {"text_data": '{"type": ["start"]}'},
    {"text_data": '{"type": "resume", "last_seq": "5"}'},
    {"text_data": '{"type": "resume", "last_seq": -1}'},
    {"text_data": '{"type": "resume", "last_seq": 1e400}'},
    {"text_data": '{"type": "resume", "explanation": 1.5}'},
    {"text_data": '{"type": "resume", "explanation": true}'},
    {"text_data": '{"type": "resume", "explanation": 100000000000000000000000}'},
    {"text_data": '{"type": "stop", "explanation": "1"}'},
])
async def test_malformed_messages_are_refused_and_the_socket_stays_usable(two_students, frame) -> None:
    a, _, done = two_students
    ws = await _open(a.student, f"/ws/explain/{a.attempt.pk}/")
    await ws.send_to(**frame)
    error = await ws.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "bad_message"
    await ws.send_json_to({"type": "resume", "explanation": done.pk})
    assert (await ws.receive_json_from(timeout=5))["explanation"] == done.pk
    await ws.disconnect()


async def test_the_learner_socket_survives_malformed_frames(two_students) -> None:
    a, _, _ = two_students
    ws = _socket(a.student, "/ws/learner/")
    assert (await ws.connect())[0]
    for frame in ({"text_data": "{oops"}, {"bytes_data": b"\xff"}, {"text_data": "[" * 1999}):
        await ws.send_to(**frame)
        assert (await ws.receive_json_from(timeout=5))["type"] == "error"
    await ws.send_json_to({"type": "anything"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "error"
    await ws.disconnect()


def test_explanation_ids_are_checked_against_the_target_not_just_the_user(two_students) -> None:
    """Even the same student cannot resume an explanation of another of their problems through a socket
    opened for this one (it would reveal that problem's answer on this page)."""
    from tutor.explanations.selectors import explain_target_for_attempt, explanation_get_for_target

    a, _, done = two_students
    other: Answered = answered_wrongly(student=a.student, classroom=a.classroom, skip=2)
    target = explain_target_for_attempt(user=a.student, attempt_id=other.attempt.pk)
    assert explanation_get_for_target(target=target, explanation_id=done.pk) is None
