"""End to end with the real parts: PostgreSQL, Redis (broker, channel layer, chunk streams), a daphne ASGI
server and a ``celery -A tutor worker -Q inference`` process running the tiny model, driven by the
``websockets`` client with Django session cookies.

The module starts both servers once; every test is transactional (its data is committed, so the servers see
it, and flushed afterwards). The model never emits a stop token, so every stream is
exactly ``TOKENS`` tokens long unless it is stopped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis

from tests.explanations.conftest import answered_wrongly, redis_url
from tests.explanations.e2e import Person, Socket, Stack, chunk_seqs, chunk_text, session_for
from tests.explanations.servers import e2e_env, start_daphne
from tests.tutor import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOKENS = 1000  # long enough (seconds, even on an idle CPU) to act mid-stream
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tiny_model_dir, tmp_path_factory):
    from django.conf import settings

    redis.Redis.from_url(redis_url()).flushdb()
    logs = tmp_path_factory.mktemp("e2e-logs")
    env = e2e_env(db_name=settings.DATABASES["default"]["NAME"], redis_url=redis_url(), model_dir=tiny_model_dir,
                  EXPLANATION_MAX_NEW_TOKENS=str(TOKENS), EXPLANATION_ORPHAN_GRACE_S="2.0")
    started = []  # every process this module starts, including workers restarted by a test
    try:
        daphne, port = start_daphne(env, logs / "daphne.log")
        started.append(daphne)
        stack = Stack(daphne=daphne, worker=None, port=port, env=env, logs=logs, blocker=django_db_blocker,
                      made=started)
        stack.worker = stack.start_worker()
        yield stack
    finally:
        for proc in reversed(started):
            proc.stop()


@pytest.fixture
def student(stack: Stack, settings, transactional_db) -> Person:
    """A new student with a wrong answer on a problem (their own class, so class limits never interfere)."""
    from tutor.services.curriculum import curriculum_load

    settings.TUTOR_CHECK_IN_PROCESS = True
    curriculum_load()
    a = answered_wrongly()
    return Person(a.student.pk, session_for(a.student), a.attempt.pk, a.instance.pk)


def _row(stack: Stack, explanation_id: int):
    from tutor.models import ExplanationTranscript

    return ExplanationTranscript.objects.get(pk=explanation_id)


def _start(stack: Stack, person: Person) -> tuple[Socket, dict]:
    ws = Socket(stack, f"/ws/explain/{person.attempt_id}/", person.session)
    assert ws.recv()["type"] == "ready"
    ws.send({"type": "start"})
    hello = ws.recv()
    assert hello["type"] == "explanation", hello
    return ws, hello


def _timed_run(stack: Stack, person: Person) -> tuple[list[dict], dict]:
    """One explanation from "start" to "end", with time to first chunk and chunk/token rates."""
    ws = Socket(stack, f"/ws/explain/{person.attempt_id}/", person.session)
    assert ws.recv()["type"] == "ready"
    sent = time.perf_counter()
    ws.send({"type": "start"})
    messages: list[dict] = []
    first_chunk_at = None
    while not messages or messages[-1]["type"] != "end":
        messages.append(ws.recv(timeout=300))
        if first_chunk_at is None and messages[-1]["type"] == "chunk":
            first_chunk_at = time.perf_counter()
    finished = time.perf_counter()
    ws.close()
    chunks = len(chunk_seqs(messages))
    return messages, {
        "time_to_first_chunk_s": round(first_chunk_at - sent, 3),
        "chunks": chunks,
        "chunks_per_s": round((chunks - 1) / (finished - first_chunk_at), 1),
        "tokens_per_s": round(TOKENS / (finished - first_chunk_at), 1),
        "total_s": round(finished - sent, 2),
    }


def test_tokens_arrive_in_order_from_the_worker(stack: Stack, student: Person) -> None:
    messages, first = _timed_run(stack, student)  # the module's first explanation: includes the model load
    seqs = chunk_seqs(messages)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 1
    end = messages[-1]
    assert end["seq"] == len(seqs) + 1 and end["status"] == "done" and end["tokens"] == TOKENS
    row = _row(stack, messages[0]["explanation"])
    assert row.text == chunk_text(messages) and row.status == "done" and row.worker.split(":")[1].isdigit()
    assert row.verified is False and row.verdict_note == "NO_BOXED_ANSWER"
    a = answered_wrongly()
    again, warm = _timed_run(stack, Person(a.student.pk, session_for(a.student), a.attempt.pk, a.instance.pk))
    assert chunk_seqs(again) == list(range(1, len(chunk_seqs(again)) + 1))
    stats = {"model": "tiny random SambaY (tests/explanations/models.py), CPU fp32, OMP_NUM_THREADS=1",
             "tokens": TOKENS, "first_after_worker_start": first, "warm": warm}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "explain-stream.json").write_text(json.dumps(stats, indent=2) + "\n")
    print("explanation stream:", json.dumps(stats))


def test_reconnect_in_the_middle_loses_and_duplicates_nothing(stack: Stack, student: Person) -> None:
    ws, hello = _start(stack, student)
    first = ws.chunks(2)
    ws.close()
    last_seq = max(chunk_seqs(first))
    ws = Socket(stack, f"/ws/explain/{student.attempt_id}/", student.session)
    assert ws.recv()["type"] == "ready"
    ws.send({"type": "resume", "explanation": hello["explanation"], "last_seq": last_seq})
    rest = ws.until(("end",))
    ws.close()
    assert rest[0]["type"] == "explanation" and rest[0]["explanation"] == hello["explanation"]
    assert rest[0]["status"] == "streaming", "the stream should still be running when we come back"
    seqs = chunk_seqs(first) + chunk_seqs(rest)
    assert seqs == list(range(1, len(seqs) + 1))
    row = _row(stack, hello["explanation"])
    assert row.status == "done" and row.tokens == TOKENS
    assert chunk_text(first) + chunk_text(rest) == row.text


def test_a_second_tab_joins_the_same_stream(stack: Stack, student: Person) -> None:
    tab1, hello1 = _start(stack, student)
    early = tab1.chunks(2)
    tab2, hello2 = _start(stack, student)
    assert hello2["explanation"] == hello1["explanation"] and hello2["created"] is False
    view1 = early + tab1.until(("end",))
    view2 = tab2.until(("end",))
    tab1.close()
    tab2.close()
    assert chunk_seqs(view1) == chunk_seqs(view2) == list(range(1, len(chunk_seqs(view1)) + 1))
    assert chunk_text(view1) == chunk_text(view2) == _row(stack, hello1["explanation"]).text
    from tutor.models import ExplanationTranscript

    assert ExplanationTranscript.objects.filter(attempt_id=student.attempt_id).count() == 1


def test_stop_cancels_the_worker_generation(stack: Stack, student: Person) -> None:
    ws, hello = _start(stack, student)
    ws.chunks(1)
    stopped = time.perf_counter()
    ws.send({"type": "stop"})
    tail = ws.until(("end",), timeout=10)
    latency = time.perf_counter() - stopped
    ws.close()
    assert tail[-1]["status"] == "cancelled"
    assert latency < 1.0, f"stop took {latency:.2f} s"
    row = _row(stack, hello["explanation"])
    assert row.status == "cancelled" and 0 < row.tokens < TOKENS
    stream = redis.Redis.from_url(redis_url())
    key = next(iter(stream.scan_iter(f"*:explain:{hello['explanation']}:chunks")))
    length = stream.xlen(key)
    time.sleep(1.0)
    assert stream.xlen(key) == length, "the worker kept generating after stop"


def test_strangers_and_anonymous_sockets_are_refused(stack: Stack, student: Person) -> None:
    other_session = session_for(factories.student())
    teacher_session = session_for(factories.teacher())
    for session in (other_session, teacher_session):
        ws = Socket(stack, f"/ws/explain/{student.attempt_id}/", session)
        message = ws.recv()
        assert message["type"] == "error" and message["code"] == "not_found"
        assert ws.close_code() == 4404
    ws = Socket(stack, f"/ws/explain/{student.attempt_id}/", None)
    assert ws.recv()["code"] == "login_required"
    assert ws.close_code() == 4401


def test_a_killed_worker_leaves_an_interrupted_state_and_retry_restarts(stack: Stack, student: Person) -> None:
    ws, hello = _start(stack, student)
    ws.chunks(1)
    stack.worker.kill()
    killed = time.perf_counter()
    tail = ws.until(("end",), timeout=30)
    assert tail[-1]["status"] == "interrupted" and "interrupted" in tail[-1]["message"]
    noticed = time.perf_counter() - killed
    row = _row(stack, hello["explanation"])
    assert row.status == "interrupted" and 0 < row.last_seq + 1
    assert noticed < 3.0 + 5.0  # the lease (3 s) plus the monitor's polling
    stack.worker = stack.start_worker()
    ws.send({"type": "start"})  # retry: a new explanation from the start
    retry = ws.until(("end",))
    ws.close()
    assert retry[0]["type"] == "explanation" and retry[0]["created"] is True
    assert retry[0]["explanation"] != hello["explanation"]
    assert chunk_seqs(retry) == list(range(1, len(chunk_seqs(retry)) + 1))
    assert retry[-1]["status"] == "done" and retry[-1]["tokens"] == TOKENS
