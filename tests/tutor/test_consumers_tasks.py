"""Channels (real Redis layer) and Celery (eager) interfaces."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from tests.tutor import factories
from tutor.consumers import LearnerConsumer
from tutor.models import SkillMastery
from tutor.notify import learner_group
from tutor.services.practice import attempt_submit
from tutor.tasks import mastery_snapshots_refresh_task


@pytest.mark.django_db
def test_counted_answer_notifies_the_learner_group_after_commit(made, student,
                                                                django_capture_on_commit_callbacks) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(learner_group(student.pk), channel)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.answer,
                                     input_format="text")
        assert len(callbacks) == 1
        message = async_to_sync(layer.receive)(channel)
    finally:
        async_to_sync(layer.group_discard)(learner_group(student.pk), channel)
    assert message["type"] == "mastery.update"
    assert message["changes"][made.instance.skill.code] == pytest.approx(outcome.mastery.after, abs=1e-4)


@pytest.mark.django_db(transaction=True)
async def test_learner_socket_relays_mastery_updates_to_its_own_learner_only() -> None:
    from channels.db import database_sync_to_async

    user = await database_sync_to_async(factories.student)()
    communicator = WebsocketCommunicator(LearnerConsumer.as_asgi(), "/ws/learner/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    layer = get_channel_layer()
    await layer.group_send(learner_group(user.pk + 1), {"type": "mastery.update", "changes": {"other": 0.9}})
    await layer.group_send(learner_group(user.pk), {"type": "mastery.update", "changes": {"fractions": 0.42}})
    assert await communicator.receive_json_from(timeout=5) == {"type": "mastery", "changes": {"fractions": 0.42}}
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.send_json_to({"type": "hello"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
    await communicator.disconnect()
    from django.db import connections

    await database_sync_to_async(connections.close_all)()  # leave no session open on the test database


async def test_learner_socket_refuses_anonymous_connections() -> None:
    communicator = WebsocketCommunicator(LearnerConsumer.as_asgi(), "/ws/learner/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected and code == 4401
    # end the consumer here, as a server would after the close: its pending Redis read is then cancelled inside
    # the test, never left to the event loop's teardown
    await communicator.disconnect()


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 5, 8, 13, 21])
async def test_a_consumer_cancelled_right_after_connecting_stops(steps: int) -> None:
    """Cancelled ``steps`` loop iterations after its connect, as a closing server or the test loop's teardown
    does, the consumer ends at once. With a socket timeout on the layer's Redis connections, redis-py writes
    through ``asyncio.wait_for``, which on Python 3.11 drops the cancellation, and the consumer polled Redis
    forever (one CI run hung here for 90 minutes)."""
    communicator = WebsocketCommunicator(LearnerConsumer.as_asgi(), "/ws/learner/")
    communicator.scope["user"] = AnonymousUser()
    assert (await communicator.connect()) == (False, 4401)
    for _ in range(steps):
        await asyncio.sleep(0)
    communicator.future.cancel()
    done, _ = await asyncio.wait([communicator.future], timeout=3)
    assert done, "the consumer ignored its cancellation"


@pytest.mark.django_db
def test_snapshot_refresh_task_recomputes_from_the_model_state(made, student) -> None:
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.answer,
                             input_format="text", now=time.time())
    SkillMastery.objects.filter(learner=student).update(p_mastered=0.0)
    changed = mastery_snapshots_refresh_task.delay(student.pk).get()
    assert changed >= 1
    snapshot = SkillMastery.objects.get(learner=student, skill=made.instance.skill)
    assert snapshot.p_mastered == pytest.approx(outcome.mastery.after, abs=0.02)
    assert mastery_snapshots_refresh_task.delay(10**9).get() == 0


def test_celery_app_has_default_and_inference_queues() -> None:
    from tutor.celery import app

    assert app.main == "tutor"
    assert {q.name for q in app.conf.task_queues} == {"default", "inference"}
    assert app.conf.task_default_queue == "default"
    assert app.conf.task_always_eager is True
