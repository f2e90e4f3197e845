"""Headless Chromium sees an explanation stream into the practice page (embedded mode: a real daphne server
running the generation in a background thread with the in-memory stream and the tiny model).

Saves ``test-artifacts/explain.png``. Chromium is Debian's (``CHROMIUM``, default /usr/bin/chromium).
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest

from tests.chromium import CHROMIUM_ARGS
from tests.explanations.conftest import answered_wrongly, redis_url
from tests.explanations.e2e import session_for
from tests.explanations.servers import e2e_env, start_daphne

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOKENS = 1200  # enough text that a page polled every 50 ms sees it grow (the tiny model writes ~1K tokens/s)


def test_explanation_text_streams_into_the_practice_page(settings, tiny_model_dir, tmp_path) -> None:
    from tutor.services.curriculum import curriculum_load

    settings.TUTOR_CHECK_IN_PROCESS = True
    curriculum_load()
    answered = answered_wrongly()
    session = session_for(answered.student)
    env = e2e_env(db_name=settings.DATABASES["default"]["NAME"], redis_url=redis_url(), model_dir=tiny_model_dir,
                  EXPLAIN_E2E_RUNNER="thread", EXPLAIN_E2E_STREAM="memory",
                  EXPLANATION_MAX_NEW_TOKENS=str(TOKENS))
    daphne, port = start_daphne(env, tmp_path / "daphne.log")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    try:
        from playwright.sync_api import sync_playwright

        executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        assert Path(executable).exists(), f"Chromium not found at {executable}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                context.add_cookies([{"name": "sessionid", "value": session, "url": f"http://127.0.0.1:{port}"}])
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(f"http://127.0.0.1:{port}/practice/{answered.instance.pk}/", timeout=60_000)
                page.wait_for_selector("#explain-start", state="visible", timeout=30_000)
                page.click("#explain-start")
                page.wait_for_selector("#explain-stop", state="visible", timeout=30_000)
                lengths = []
                deadline = time.monotonic() + 120
                while page.is_hidden("#explain-verdict") and time.monotonic() < deadline:
                    lengths.append(len(page.inner_text("#explain-text")))
                    time.sleep(0.05)
                page.wait_for_selector("#explain-verdict", state="visible", timeout=5_000)
                verdict = page.inner_text("#explain-verdict")
                model = page.inner_text("#explain-model")
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "explain.png"), full_page=True)
                stop_visible = page.is_visible("#explain-stop")
            finally:
                browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        daphne.stop()
    growth = [b for a, b in itertools.pairwise(lengths) if b > a]
    assert len(growth) >= 3, f"the text did not grow progressively: {lengths}"
    assert any(0 < n < max(lengths) for n in lengths), "the page should show partial text mid-stream"
    assert "did not reach a final answer" in verdict  # the random model writes no \boxed{}
    assert model == "Model: tiny-never-stops" and not stop_visible
    assert errors == []
