"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def tutor(request: HttpRequest) -> dict[str, object]:
    """``mastery_threshold_percent``: where the mastery line sits on every bar (0..100)."""
    return {"mastery_threshold_percent": round(float(settings.TUTOR_MASTERY_THRESHOLD) * 100)}
