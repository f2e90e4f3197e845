"""Fixtures of the deployment tests. ``native_stack``: docker-compose.yml's services running natively
(see native_stack.py), yielding the running stack (``.url`` is the HTTPS address through the proxy).
``browser``: headless Debian Chromium through Playwright; ``page``: a fresh context that accepts the
proxy's internal-CA certificate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import CHROMIUM_ARGS

from .native_stack import NativeStack, StackError


@pytest.fixture(scope="session")
def native_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NativeStack]:
    """Start web, worker, inference worker, beat (and the Caddy proxy) from docker-compose.yml; always stop."""
    stack = NativeStack(workdir=tmp_path_factory.mktemp("native-stack"))
    try:
        stack.start()
    except StackError as exc:
        pytest.fail(f"the native stack did not start (logs in {stack.workdir}):\n{exc}", pytrace=False)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def browser():
    # Module scope, not session: Playwright's sync API keeps an asyncio loop marked as running in this thread
    # while it is open, which makes every later pytest-asyncio test fail ("cannot be called from a running event
    # loop"). Closing it at the end of the module keeps the rest of the session clean.
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    assert Path(executable).exists(), f"Chromium not found at {executable} (install Debian's chromium or set CHROMIUM)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser, native_stack: NativeStack, tmp_path: Path):
    context = browser.new_context(ignore_https_errors=True, base_url=native_stack.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.console_messages = console  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        try:
            page.screenshot(path=str(tmp_path / "last-page.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a screenshot must not mask the test's result
            print(f"page fixture: no screenshot ({exc})")
        context.close()
