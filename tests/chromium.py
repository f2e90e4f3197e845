"""Headless Debian Chromium for the browser tests, driven by Playwright's sync API (never a downloaded browser).

``CHROMIUM`` names the executable (default /usr/bin/chromium; ``scripts/test`` installs Debian's package). The flags
keep Chromium off this machine's closed network (no background, component or sync requests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_executable() -> str:
    """The Chromium to drive; fails the test with the fix when it is missing."""
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    assert Path(executable).exists(), f"Chromium not found at {executable}: install Debian's chromium or set CHROMIUM"
    return executable


@contextmanager
def chromium_page(*, width: int, height: int) -> Iterator[tuple[Any, list[str]]]:
    """(page, errors): a fresh page of a new headless Chromium; ``errors`` collects page errors and console errors.

    Playwright's sync API runs an event loop in this thread, so the Django ORM calls of the test body need
    DJANGO_ALLOW_ASYNC_UNSAFE while the page is open (set here, removed on exit).
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            try:
                yield page, errors
            finally:
                context.close()
                browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
