"""Rate limits (red-team report 2 in docs/security.md): login per address + username, sign-up per address,
class join per user, answer submission and template preview per user. Each answers HTTP 429 with a friendly
message (JSON for the API, a page message for forms), and each resets when its window ends."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.teacher.conftest import World, good_template
from tests.tutor import factories
from tutor import ratelimit
from tutor.models import User

LIMITS = {"login": (3, 60), "signup": (2, 3600), "join": (2, 3600), "submit": (3, 60),
          "template_preview": (2, 60)}


class Clock:
    """A settable replacement for ``ratelimit._now`` (seconds)."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    c = Clock()
    monkeypatch.setattr(ratelimit, "_now", c)
    with override_settings(TUTOR_RATELIMITS_ENABLED=True, TUTOR_RATELIMITS=LIMITS, TUTOR_PREVIEW_ISOLATED=False):
        cache.clear()
        yield c
        cache.clear()


def _login(client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_is_limited_per_address_and_username_and_resets(client, clock: Clock) -> None:
    factories.student(username="victim", password="right-password-1")
    for _ in range(3):
        assert _login(client, "victim", "guess").status_code == 200  # the form again, with an error
    refused = _login(client, "victim", "right-password-1")
    assert refused.status_code == 429 and refused["Retry-After"] == "20"
    assert "Too many attempts" in refused.content.decode() and "_auth_user_id" not in client.session
    # another username from the same address, or the same username from another address, is not limited
    assert _login(client, "someone-else", "guess").status_code == 200
    assert _login(client, "victim", "right-password-1", ip="198.51.100.9").status_code == 302
    client.logout()
    clock.t += 60  # the window ends
    assert _login(client, "victim", "right-password-1").status_code == 302


@pytest.mark.django_db
def test_signup_is_limited_per_address(client, clock: Clock) -> None:
    for k in range(2):
        response = client.post(reverse("signup"), {"join_code": "NOPE2345", "username": f"new{k}",
                                                   "password": "long-enough-pw"}, REMOTE_ADDR="203.0.113.8")
        assert response.status_code == 200
    assert client.get(reverse("signup"), REMOTE_ADDR="203.0.113.8").status_code == 200  # GETs are not counted
    refused = client.post(reverse("signup"), {"join_code": "NOPE2345", "username": "new9",
                                              "password": "long-enough-pw"}, REMOTE_ADDR="203.0.113.8")
    assert refused.status_code == 429 and "Too many attempts" in refused.content.decode()
    assert not User.objects.filter(username="new9").exists()
    clock.t += 3600
    again = client.post(reverse("signup"), {"join_code": "NOPE2345", "username": "new9",
                                            "password": "long-enough-pw"}, REMOTE_ADDR="203.0.113.8")
    assert again.status_code == 200 and "Too many attempts" not in again.content.decode()


@pytest.mark.django_db
def test_class_join_is_limited_per_student(client, clock: Clock) -> None:
    student = factories.student(username="joiner")
    client.force_login(student)
    for _ in range(2):
        assert client.post(reverse("join"), {"join_code": "ZZZZ2345"}).status_code == 200
    refused = client.post(reverse("join"), {"join_code": "ZZZZ2345"})
    assert refused.status_code == 429 and "Too many attempts" in refused.content.decode()
    other = factories.student(username="joiner-2")
    client.force_login(other)
    assert client.post(reverse("join"), {"join_code": "ZZZZ2345"}).status_code == 200


@pytest.mark.django_db
def test_answer_submission_is_limited_per_student_with_a_json_429(client, clock: Clock, world: World) -> None:
    client.force_login(world.a.student)
    url = reverse("api_submit", args=[world.a.instance_id])
    statuses = [client.post(url, {"answer": "x = 0"}).status_code for _ in range(3)]
    assert 429 not in statuses
    refused = client.post(url, {"answer": "x = 0"})
    assert refused.status_code == 429 and refused["Retry-After"] == "20"
    body = refused.json()
    assert body["error"]["code"] == "rate_limited" and "Please wait about 20 seconds" in body["error"]["message"]
    assert body["error"]["retry_after_s"] == 20
    clock.t += 20
    assert client.post(url, {"answer": "x = 0"}).status_code != 429


@pytest.mark.django_db
def test_template_preview_and_save_share_a_per_teacher_limit(client, clock: Clock, world: World) -> None:
    client.force_login(world.a.teacher)
    preview = reverse("api_teach_template_preview")
    payload = json.dumps({"source": good_template("rl.one")})
    assert client.post(preview, payload, content_type="application/json").status_code == 200
    assert client.post(reverse("api_teach_template_save"), payload, content_type="application/json").status_code != 429
    refused = client.post(preview, payload, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    client.force_login(world.b.teacher)  # another teacher is not affected
    assert client.post(preview, payload, content_type="application/json").status_code == 200


def test_limits_are_counted_in_redis_in_production(clock: Clock) -> None:
    """The production cache is Redis: the same helper counts there (real server, unique key)."""
    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": settings.REDIS_URL, "KEY_PREFIX": "tutor-rl-test"}}
    key = f"test:{uuid.uuid4()}"
    with override_settings(CACHES=redis_cache):
        decisions = [ratelimit.hit("submit", key) for _ in range(4)]
        assert [d.limited for d in decisions] == [False, False, False, True]
        assert decisions[-1].count == 4 and decisions[-1].retry_after_s == 20
        clock.t += 20
        assert not ratelimit.hit("submit", key).limited


def test_an_unknown_or_bad_limit_is_a_clear_error(clock: Clock) -> None:
    with pytest.raises(ValueError, match="no valid"):
        ratelimit.hit("nope", "k")
    with override_settings(TUTOR_RATELIMITS={"submit": (0, 60)}), pytest.raises(ValueError, match="at least 1"):
        ratelimit.hit("submit", "k")


def test_disabled_limits_count_nothing(clock: Clock) -> None:
    with override_settings(TUTOR_RATELIMITS_ENABLED=False):
        assert not any(ratelimit.hit("login", "k").limited for _ in range(10))
