"""Refusals specific to explanations (members of the tutor's exception family)."""

from __future__ import annotations

from tutor.errors import Conflict


class RateLimited(Conflict):
    """Too many explanations: one is already running for this student, or the class used its budget."""

    code = "rate_limited"
