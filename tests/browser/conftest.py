"""Browser-test fixtures: the live test server on 127.0.0.1, started after the test database exists."""

from __future__ import annotations

import os

import pytest

# pytest-django reads this when it starts the (session-wide) live server; the default would be "localhost".
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture
def live(django_db_setup: None, live_server):
    """``live_server``, requested after ``django_db_setup`` so that it stops before the test database is
    dropped (otherwise its open session makes the drop fail)."""
    return live_server
