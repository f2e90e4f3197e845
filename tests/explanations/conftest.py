"""Fixtures for explanation tests: a saved tiny model, embedded-mode settings, a student with answers.

Database-backed tests use the real PostgreSQL (set ``TUTOR_TEST_DB_NAME=test_tutor_explain``); Redis tests use
the dedicated database ``EXPLAIN_TEST_REDIS_DB`` (default 11) of the Redis at ``REDIS_URL``'s host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.explanations.models import save_tiny_model
from tests.tutor import factories
from tests.tutor.conftest import make_instance
from tutor.inference_gateway import reset_text_generator
from tutor.models import Attempt, Classroom, ProblemInstance, User

REDIS_DB = int(os.environ.get("EXPLAIN_TEST_REDIS_DB", "11"))


def redis_url() -> str:
    """The dedicated Redis database of these tests (host and port from ``REDIS_URL``)."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    return f"{base}/{REDIS_DB}"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random model that never emits a stop token (every stream runs to its token budget)."""
    return save_tiny_model(tmp_path_factory.mktemp("models") / "tiny-never-stops")


@pytest.fixture
def embedded(settings, tiny_model_dir: Path):
    """Embedded mode (as settings.local): in-memory stream and channel layer, background-thread runner, the tiny model on CPU, 40-token budget."""
    settings.TUTOR_MODEL_DIR = str(tiny_model_dir)
    settings.INFERENCE_DEVICE = "cpu"
    settings.INFERENCE_DTYPE = "float32"
    settings.EXPLANATION_RUNNER = "thread"
    settings.EXPLANATION_STREAM_BACKEND = "memory"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.EXPLANATION_MAX_NEW_TOKENS = 40
    settings.TUTOR_CHECK_IN_PROCESS = True
    reset_text_generator()
    yield settings
    reset_text_generator()


@dataclass
class Answered:
    """A student with an instance they answered wrongly (``attempt``), in ``classroom`` taught by ``teacher``."""

    student: User
    teacher: User
    classroom: Classroom
    instance: ProblemInstance
    attempt: Attempt
    made: object


def answered_wrongly(student: User | None = None, classroom: Classroom | None = None, *, skip: int = 0) -> Answered:
    from tutor.services.practice import attempt_submit
    from tutor.services.school import enrollment_join

    classroom = classroom or factories.classroom()
    if student is None:
        student = factories.student()
        enrollment_join(student=student, join_code=classroom.join_code)
    made = make_instance(student, skip=skip)
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.wrong,
                             input_format="text")
    assert outcome.attempt.verdict == Attempt.Verdict.INCORRECT, outcome.attempt.note
    return Answered(student=student, teacher=classroom.teacher, classroom=classroom, instance=made.instance,
                    attempt=outcome.attempt, made=made)


@pytest.fixture
def answered(db: None, settings) -> Answered:
    from tutor.services.curriculum import curriculum_load

    settings.TUTOR_CHECK_IN_PROCESS = True
    curriculum_load()
    return answered_wrongly()
