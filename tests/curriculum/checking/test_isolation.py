"""The isolated worker path: same verdicts as inline, hard wall-clock limit, recovery, authoring errors."""

from __future__ import annotations

import threading
import time

import pytest

from curriculum.checking import check, check_inline, clear_cache, shutdown
from curriculum.checking import worker as worker_mod
from curriculum.errors import CheckerOptionsError, CurriculumError, ParseError, UnknownCheckerError

from .fixtures import ROWS

# Passes every static guard (exponent 120 is allowed) but expanding it needs millions of terms.
BOMB = "(x+y+z+w+1)^120"


@pytest.fixture(scope="module", autouse=True)
def _pool():
    shutdown()
    worker_mod.warm_up()
    yield
    shutdown()


@pytest.fixture(autouse=True)
def _no_cache():
    clear_cache()


def test_isolated_matches_inline_on_fixture_sample() -> None:
    sample = ROWS[::23]
    assert len(sample) >= 20
    for r in sample:
        a = check(r.test, r.student, r.teacher, r.options, input_format=r.input_format, locale=r.locale)
        b = check_inline(r.test, r.student, r.teacher, r.options, input_format=r.input_format, locale=r.locale)
        assert a == b, r


def test_pathological_input_times_out_within_the_limit_and_service_recovers() -> None:
    pool = worker_mod.get_pool()
    t0 = time.monotonic()
    res = check("Expanded", BOMB, "0", {"form_only": True, "allowed_symbols": ["x", "y", "z", "w"]}, timeout=2.0)
    elapsed = time.monotonic() - t0
    assert not res.valid and res.note in ("TIMEOUT", "RESOURCE_LIMIT"), res
    assert elapsed < 2.2, elapsed  # 1.9 s poll + kill; slack for a loaded CI machine
    # the service keeps working, on fresh workers
    t1 = time.monotonic()
    ok = check("AlgEquiv", "2x+2", "2(x+1)")
    assert ok.correct and ok.note == "ALGEQUIV_TRUE"
    assert time.monotonic() - t1 < 2.0
    assert pool is worker_mod.get_pool()


def test_short_timeout_is_respected() -> None:
    t0 = time.monotonic()
    res = check("Expanded", BOMB, "0", {"form_only": True, "allowed_symbols": ["x", "y", "z", "w"]}, timeout=0.5)
    assert res.note in ("TIMEOUT", "RESOURCE_LIMIT")
    assert time.monotonic() - t0 < 0.8


def test_timeout_kills_the_worker_process_and_replaces_it() -> None:
    import os

    pool = worker_mod.WorkerPool(worker_mod.PoolConfig(size=1))
    try:
        w = pool.acquire(5.0)
        assert w is not None and w.wait_ready()
        pid = w.proc.pid
        pool.release(w)
        req = ("Expanded", BOMB, "0", {"form_only": True, "allowed_symbols": ["x", "y", "z", "w"]}, "text", "en")
        assert pool.run(req, 0.5).note in ("TIMEOUT", "RESOURCE_LIMIT")
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped
        req_ok = ("AlgEquiv", "x+x", "2x", {}, "text", "en")
        assert pool.run(req_ok, 10.0).correct
        w2 = pool.acquire(5.0)
        assert w2 is not None and w2.proc.pid != pid
        pool.release(w2)
    finally:
        pool.close()


def test_timeout_result_is_cached_so_a_resubmit_does_not_hang_again() -> None:
    opts = {"form_only": True, "allowed_symbols": ["x", "y", "z", "w"]}
    first = check("Expanded", BOMB, "0", opts, timeout=0.3)
    t0 = time.monotonic()
    second = check("Expanded", BOMB, "0", opts, timeout=0.3)
    assert second == first and time.monotonic() - t0 < 0.05


def test_authoring_errors_raise_in_the_caller() -> None:
    with pytest.raises(UnknownCheckerError, match="did you mean 'AlgEquiv'"):
        check("algequiv", "x", "x")
    with pytest.raises(CheckerOptionsError, match="unknown option"):
        check("AlgEquiv", "x", "x", {"tolerance": 1})
    with pytest.raises(CheckerOptionsError, match="required"):
        check("NumSigFigs", "3.14", "pi")
    with pytest.raises(CheckerOptionsError):
        check("NumRelative", "1", "1", {"tolerance": True})
    with pytest.raises(ParseError):
        check("AlgEquiv", "x", "2*(x+")
    with pytest.raises(ParseError, match="cannot be evaluated"):
        check("AlgEquiv", "1", "1/0")
    with pytest.raises(CheckerOptionsError):
        check("AlgEquiv", "x", "x", input_format="mathml")
    # raised inside the worker, re-raised here with its class
    with pytest.raises(CheckerOptionsError, match="option 'var' is required"):
        check("FacForm", "x*y", "x*y")
    assert issubclass(CheckerOptionsError, CurriculumError)


def test_bad_student_input_never_raises() -> None:
    for bad in (None, 12, b"x", ["x"]):
        res = check("AlgEquiv", bad, "x")  # type: ignore[arg-type]
        assert not res.valid and res.note == "PARSE_NOT_TEXT"


def test_concurrent_threaded_callers() -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        for j in range(5):
            r = check("AlgEquiv", f"{k}x+{j}", f"{j}+{k}*x")
            with lock:
                results.append(r.correct)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [True] * 30


def test_workers_are_not_forked_from_the_caller() -> None:
    assert worker_mod.get_pool().ctx.get_start_method() in ("forkserver", "spawn")


def test_shutdown_then_check_starts_a_new_pool() -> None:
    shutdown()
    assert check("AlgEquiv", "x+x", "2x").correct
