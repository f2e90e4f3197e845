"""The inference worker loads the explanation model when it starts, not on the first explanation
(``tutor/celery.py``): which workers do it and where (the worker process for a thread pool, each child for
prefork), that it loads once, that a failed load is reported and left to the lazy path, and a real prefork
worker doing it in its child. The thread-pool worker of docker-compose.yml is checked end to end in
test_native_stack.py."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis

from tests.explanations.models import save_tiny_model
from tutor import celery as tutor_celery
from tutor.celery import app, explanation_model_preload, preload_plan
from tutor.inference_gateway import GatewayError, reset_text_generator, text_generator

from .tools import REPO_ROOT, VENV_BIN

REDIS_DB = int(os.environ.get("TUTOR_PRELOAD_TEST_REDIS_DB", "14"))
WORKER_READY_WITHIN_S = 120


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("models") / "tiny-preload")


@pytest.fixture()
def cpu_model(settings, model_dir: Path):
    settings.TUTOR_MODEL_DIR = str(model_dir)
    settings.INFERENCE_DEVICE = "cpu"
    settings.INFERENCE_DTYPE = "float32"
    reset_text_generator()
    yield settings
    reset_text_generator()


def worker_like(queues: list[str] | None, pool: object) -> SimpleNamespace:
    """What the signal handlers read of a Celery WorkController: its app's queue selection (``-Q``, on a
    fresh copy of the real app's queues) and its pool (``-P``)."""
    selection = app.amqp.Queues(app.conf.task_queues)
    if queues:
        selection.select(queues)
    return SimpleNamespace(app=SimpleNamespace(amqp=SimpleNamespace(queues=selection), conf=app.conf), pool_cls=pool)


@pytest.mark.parametrize(("queues", "pool", "plan"), [
    (["inference"], "threads", "process"),  # docker-compose.yml's inference worker
    (["inference"], "solo", "process"),
    (["inference"], "prefork", "children"),
    (["default", "inference"], "threads", "process"),
    (None, "prefork", "children"),  # no -Q: every queue, inference included
    (["default"], "prefork", None),  # docker-compose.yml's worker
    (["default"], "threads", None),
])
def test_which_workers_preload_and_where(queues: list[str] | None, pool: str, plan: str | None) -> None:
    assert preload_plan(worker_like(queues, pool)) == plan


def test_the_pool_may_be_given_as_a_class() -> None:
    from celery.concurrency.prefork import TaskPool as PreforkPool
    from celery.concurrency.thread import TaskPool as ThreadPool

    assert preload_plan(worker_like(["inference"], ThreadPool)) == "process"
    assert preload_plan(worker_like(["inference"], PreforkPool)) == "children"


def test_worker_init_records_the_plan_and_gives_prefork_children_time_to_load(monkeypatch) -> None:
    monkeypatch.delenv(tutor_celery.PRELOAD_ENV, raising=False)
    before = app.conf.worker_proc_alive_timeout
    try:
        tutor_celery._decide_preload(sender=worker_like(["inference"], "prefork"))
        assert os.environ[tutor_celery.PRELOAD_ENV] == "children"
        assert app.conf.worker_proc_alive_timeout == tutor_celery.PRELOAD_CHILD_TIMEOUT_S > before
        tutor_celery._decide_preload(sender=worker_like(["inference"], "threads"))
        assert os.environ[tutor_celery.PRELOAD_ENV] == "process"
        tutor_celery._decide_preload(sender=worker_like(["default"], "threads"))
        assert tutor_celery.PRELOAD_ENV not in os.environ
    finally:
        app.conf.worker_proc_alive_timeout = before


def test_preload_loads_the_model_once(cpu_model, caplog) -> None:
    caplog.set_level(logging.INFO)
    assert explanation_model_preload() is True
    assert explanation_model_preload() is True
    loads = [r.getMessage() for r in caplog.records if re.match(r"explanation model \S+ loaded on", r.getMessage())]
    assert len(loads) == 1, loads
    reports = [r.getMessage() for r in caplog.records if r.getMessage().startswith("explanation model preloaded:")]
    assert len(reports) == 2 and reports[0].startswith("explanation model preloaded: tiny-preload on cpu/float32 in ")
    assert text_generator().info().name == "tiny-preload"  # the request path finds it loaded, no new load
    assert len([r for r in caplog.records if re.match(r"explanation model \S+ loaded on", r.getMessage())]) == 1


def test_a_failed_preload_is_reported_and_left_to_the_first_request(settings, tmp_path: Path, caplog) -> None:
    missing = tmp_path / "no-model-here"
    settings.TUTOR_MODEL_DIR = str(missing)
    settings.INFERENCE_DEVICE = "cpu"
    reset_text_generator()
    caplog.set_level(logging.INFO)
    try:
        assert explanation_model_preload() is False
        failure = next(r for r in caplog.records if "did not load at start" in r.getMessage())
        assert failure.levelno == logging.ERROR and str(missing) in str(failure.exc_info[1])
        with pytest.raises(GatewayError, match="cannot load the explanation model from .*no-model-here"):
            text_generator().info()  # the lazy path tries again (and fails with the same reason)
    finally:
        reset_text_generator()


@pytest.mark.slow
def test_a_prefork_inference_worker_preloads_in_its_child(model_dir: Path, tmp_path: Path) -> None:
    """A real ``celery -A tutor worker -Q inference -P prefork -c 1``: the pool's child loads the model at
    start, once, and the parent never does (the children's longer start-up allowance is checked above)."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    broker = f"{base}/{REDIS_DB}"
    redis.Redis.from_url(broker, socket_connect_timeout=5).flushdb()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.explanations.e2e_settings",
           "TUTOR_TEST_DB_NAME": os.environ.get("TUTOR_TEST_DB_NAME", "test_tutor"), "EXPLAIN_E2E_REDIS_URL": broker,
           "TUTOR_MODEL_DIR": str(model_dir), "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1",
           "OMP_NUM_THREADS": "1"}
    log = tmp_path / "worker.log"
    argv = [str(VENV_BIN / "celery"), "-A", "tutor", "worker", "-Q", "inference", "-P", "prefork", "-c", "1",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
            "-n", f"preload-{os.getpid()}@%h"]
    with log.open("wb") as out:
        worker = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + WORKER_READY_WITHIN_S
        text = ""
        while time.monotonic() < deadline and worker.poll() is None:
            text = log.read_text(errors="replace")
            if "explanation model preloaded:" in text and " ready." in text:
                break
            time.sleep(0.5)
        preloaded = re.search(r"explanation model preloaded: tiny-preload on cpu/float32 in [\d.]+ s \(pid (\d+)\)",
                              text)
        assert preloaded, f"no preload within {WORKER_READY_WITHIN_S} s:\n{text[-3000:]}"
        assert int(preloaded.group(1)) != worker.pid  # in the pool's child, not the parent
        assert text.count("loading the explanation model before taking tasks") == 1
        assert "Timed out waiting for UP message" not in text and "did not load" not in text
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, 15)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, 9)
                worker.wait(timeout=10)
        redis.Redis.from_url(broker, socket_connect_timeout=5).flushdb()
