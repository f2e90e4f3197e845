"""Small fixed-window rate limits kept in Django's cache (Redis in production, local memory when embedded).

Limits are named in ``settings.TUTOR_RATELIMITS`` as ``{name: (requests, window_seconds)}``; a request is
counted in the window ``floor(now / window)`` of its ``(name, key)`` and refused once the count passes
``requests``. The key says *who* is limited: ``"user:<id>"``, ``"ip:<address>"`` or
``"ip:<address>:user:<name>"`` (hashed before it goes into a cache key). ``TUTOR_RATELIMITS_ENABLED =
False`` turns every limit off (the shared test settings; tests/security turns them on).

Views use :func:`limit_json` (HTTP 429 with the JSON error shape of the API) or :func:`limit_page`
(a 429 page message through the form itself), or :func:`hit` directly.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

#: the friendly text shown for any limit; ``{wait}`` is "about N seconds/minutes".
MESSAGE = "Too many attempts in a short time. Please wait {wait} and try again."


@dataclass(frozen=True)
class Decision:
    """Outcome of one counted request: ``limited`` (refuse it), ``count`` in the current window,
    ``limit`` requests per ``window_s`` seconds, and ``retry_after_s`` (whole seconds until the window
    ends; 0 when not limited)."""

    limited: bool
    count: int
    limit: int
    window_s: int
    retry_after_s: int

    @property
    def message(self) -> str:
        return MESSAGE.format(wait=_wait_text(self.retry_after_s))


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"about {max(1, seconds)} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"about {minutes} minutes"


def _now() -> float:
    """Wall-clock seconds (a seam for tests that move time forward)."""
    return time.time()


def rule(name: str) -> tuple[int, int]:
    """``(requests, window_seconds)`` of limit ``name``; a missing or malformed setting is an error."""
    try:
        requests, window = settings.TUTOR_RATELIMITS[name]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"settings.TUTOR_RATELIMITS has no valid (requests, window_s) entry for '{name}'") from exc
    if int(requests) < 1 or int(window) < 1:
        raise ValueError(f"rate limit '{name}' must allow at least 1 request per window of at least 1 s")
    return int(requests), int(window)


def hit(name: str, key: str) -> Decision:
    """Count one request of ``key`` against limit ``name`` and say whether it is over the limit."""
    requests, window = rule(name)
    if not getattr(settings, "TUTOR_RATELIMITS_ENABLED", True):
        return Decision(False, 0, requests, window, 0)
    now = _now()
    bucket = int(now // window)
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    cache_key = f"tutor-rl:{name}:{digest}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr: start the window again
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    if count <= requests:
        return Decision(False, count, requests, window, 0)
    return Decision(True, count, requests, window, max(1, math.ceil((bucket + 1) * window - now)))


def client_ip(request: HttpRequest) -> str:
    """The client address: ``REMOTE_ADDR``, or the first ``X-Forwarded-For`` entry when
    ``TUTOR_RATELIMIT_TRUST_X_FORWARDED_FOR`` (only behind a proxy that sets it)."""
    if getattr(settings, "TUTOR_RATELIMIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:64]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")[:64]


def user_key(request: HttpRequest) -> str:
    """Per signed-in user (falls back to the client address)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def ip_key(request: HttpRequest) -> str:
    return f"ip:{client_ip(request)}"


def login_key(request: HttpRequest) -> str:
    """Per client address and the username typed (case-folded, trimmed, at most 150 characters)."""
    username = str(request.POST.get("username", "")).strip().casefold()[:150]
    return f"ip:{client_ip(request)}:user:{username}"


def too_many_json(decision: Decision) -> JsonResponse:
    """HTTP 429 with the API's error shape and a ``Retry-After`` header."""
    response = JsonResponse({"error": {"code": "rate_limited", "message": decision.message,
                                       "retry_after_s": decision.retry_after_s}}, status=429)
    response["Retry-After"] = str(decision.retry_after_s)
    return response


def limit_json(name: str, key: Callable[[HttpRequest], str] = user_key) -> Callable:
    """View decorator: count every request; past the limit answer :func:`too_many_json` without running
    the view."""
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            decision = hit(name, key(request))
            if decision.limited:
                return too_many_json(decision)
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


def limited_post(request: HttpRequest, name: str, key: Callable[[HttpRequest], str]) -> Decision | None:
    """For form views: count a POST against ``name``; the :class:`Decision` when it is over the limit,
    else ``None`` (GETs are never counted)."""
    if request.method != "POST":
        return None
    decision = hit(name, key(request))
    return decision if decision.limited else None


def with_retry_after(response: HttpResponse, decision: Decision) -> HttpResponse:
    """``response`` as HTTP 429 with ``Retry-After``: a form page that shows ``decision.message``."""
    response.status_code = 429
    response["Retry-After"] = str(decision.retry_after_s)
    return response


__all__ = ["MESSAGE", "Decision", "client_ip", "hit", "ip_key", "limit_json", "limited_post", "login_key",
           "rule", "too_many_json", "user_key", "with_retry_after"]
